import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Logger } from 'pino';
import { ConfigError } from '../config/errors.js';
import { redactText } from '../crash/redact.js';
import type { Runner } from '../runner.js';
import { buildCrashList, buildLiveness, buildStatus } from './api.js';
import { APP_ACTIONS, type AppAction, runAppAction } from './app-control.js';
import { DASHBOARD_CSP, type DashboardAssets } from './dashboard-assets.js';
import type { EventStream } from './event-stream.js';
import type { StatusHistory } from './history.js';
import type { HostPolicy } from './host-check.js';
import { COMMON_HEADERS, HttpError, parseJsonObject, readBody, sendJson } from './http.js';
import type { StatusMetrics } from './metrics.js';
import type { ReloadResult } from './reload-apply.js';
import { bearerToken, tokensMatch } from './token.js';

/** Everything a request handler reaches. */
export interface StatusContext {
  runner: Runner;
  logger: Logger;
  token: string;
  tokenFile: string;
  hosts: HostPolicy;
  stream: EventStream;
  metrics: StatusMetrics;
  history: StatusHistory;
  assets: DashboardAssets;
  reload: () => Promise<ReloadResult>;
  /** True once the runner is shutting down. */
  closing: boolean;
}

type Handler = (
  context: StatusContext,
  req: IncomingMessage,
  res: ServerResponse,
  params: string[],
  url: URL,
) => Promise<void> | void;

interface Route {
  pattern: RegExp;
  get?: Handler;
  post?: Handler;
}

const MAX_CRASHES = 50;

const ROUTES: Route[] = [
  { pattern: /^\/$/, get: (context, _req, res) => serveAsset(context, res, 'index.html') },
  {
    pattern: /^\/assets\/([A-Za-z0-9._-]+)$/,
    get: (context, _req, res, [name]) => serveAsset(context, res, name!),
  },
  {
    pattern: /^\/api\/status$/,
    get: (context, _req, res) => sendJson(res, 200, buildStatus(context.runner, context.history)),
  },
  {
    pattern: /^\/api\/history$/,
    get: (context, _req, res) => sendJson(res, 200, context.history.timeline()),
  },
  {
    pattern: /^\/api\/crashes$/,
    get: (context, _req, res, _params, url) =>
      sendJson(res, 200, buildCrashList(context.runner, crashLimit(url))),
  },
  { pattern: /^\/api\/events$/, get: (context, req, res) => context.stream.accept(req, res) },
  { pattern: /^\/metrics$/, get: serveMetrics },
  {
    pattern: /^\/healthz$/,
    get: (context, _req, res) => {
      const liveness = buildLiveness(context.runner, context.closing);
      sendJson(res, liveness.status === 'ok' ? 200 : 503, liveness);
    },
  },
  { pattern: /^\/api\/apps\/([^/]+)\/([a-z]+)$/, post: appAction },
  { pattern: /^\/api\/reload$/, post: reload },
];

/** Route one request. Every failure ends as a JSON error; nothing is thrown to the server. */
export async function handleRequest(
  context: StatusContext,
  req: IncomingMessage,
  res: ServerResponse,
): Promise<void> {
  try {
    const rejected = context.hosts.check(req.headers);
    if (rejected !== undefined) {
      context.logger.warn(
        { host: req.headers.host, origin: req.headers.origin, path: req.url },
        `status server rejected a request: ${rejected.error}`,
      );
      throw rejected;
    }

    const url = new URL(req.url ?? '/', 'http://status.invalid');
    const route = ROUTES.find((candidate) => candidate.pattern.test(url.pathname));
    if (route === undefined) {
      throw new HttpError(404, 'not found', `no route ${url.pathname}; see docs/status.md`);
    }
    const method = req.method === 'HEAD' ? 'GET' : req.method;
    let handler: Handler | undefined;
    if (method === 'GET') handler = route.get;
    else if (method === 'POST') handler = route.post;
    if (handler === undefined) {
      const allow = route.get ? 'GET, HEAD' : 'POST';
      throw new HttpError(
        405,
        'method not allowed',
        `${req.method} is not allowed on ${url.pathname}; use ${allow}`,
        { Allow: allow },
      );
    }
    if (method === 'POST') authorize(context, req);

    const params = route.pattern.exec(url.pathname)!.slice(1);
    await handler(context, req, res, params, url);
  } catch (error) {
    respondWithError(context, req, res, error);
  }
}

/** Control routes change what runs: they need the token, from loopback too (any page can POST there). */
function authorize(context: StatusContext, req: IncomingMessage): void {
  const presented = bearerToken(req.headers.authorization);
  if (presented === undefined) {
    throw new HttpError(
      401,
      'missing token',
      // Worded without "Authorization:", which redaction would cut off with the rest of the line.
      `send the token from ${context.tokenFile} as a Bearer token in the Authorization header`,
      { 'WWW-Authenticate': 'Bearer realm="crashproof"' },
    );
  }
  if (!tokensMatch(presented, context.token)) {
    context.logger.warn(
      { path: req.url, remote: req.socket.remoteAddress },
      'status server rejected a wrong token',
    );
    throw new HttpError(
      403,
      'wrong token',
      `the token does not match ${context.tokenFile}; it changes at every runner start, so read the file again`,
    );
  }
}

async function appAction(
  context: StatusContext,
  req: IncomingMessage,
  res: ServerResponse,
  params: string[],
): Promise<void> {
  const [encodedName, action] = params as [string, string];
  if (!(APP_ACTIONS as readonly string[]).includes(action)) {
    throw new HttpError(
      404,
      'unknown action',
      `"${action}" is not an action; use ${APP_ACTIONS.join(', ')}`,
    );
  }
  let name: string;
  try {
    name = decodeURIComponent(encodedName);
  } catch {
    throw new HttpError(400, 'malformed app name', `"${encodedName}" is not valid URL encoding`);
  }
  const body = parseJsonObject(req, await readBody(req));
  const reason = body.reason === undefined ? undefined : body.reason;
  if (reason !== undefined && (typeof reason !== 'string' || reason.length > 500)) {
    throw new HttpError(
      400,
      'invalid reason',
      '"reason" must be a string of at most 500 characters',
    );
  }
  const text = reason ?? `${action} requested through the status server`;
  context.logger.info({ app: name, action, reason: text }, `${action} of ${name} requested`);
  sendJson(res, 200, await runAppAction(context.runner, name, action as AppAction, text));
}

async function reload(
  context: StatusContext,
  req: IncomingMessage,
  res: ServerResponse,
): Promise<void> {
  parseJsonObject(req, await readBody(req));
  try {
    const result = await context.reload();
    sendJson(res, result.failed.length > 0 ? 500 : 200, result);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    context.logger.warn(
      { problems: error.problems },
      'reload rejected: the configuration is invalid',
    );
    sendJson(res, 422, {
      error: 'invalid configuration',
      detail: 'nothing was changed; fix the file and reload again',
      problems: error.problems.map((problem) => `${problem.source}: ${problem.message}`),
    });
  }
}

async function serveAsset(
  context: StatusContext,
  res: ServerResponse,
  name: string,
): Promise<void> {
  const asset = await context.assets.get(name);
  if (asset === undefined) throw new HttpError(404, 'not found', `no dashboard file "${name}"`);
  res.writeHead(200, {
    ...COMMON_HEADERS,
    'Content-Type': asset.contentType,
    'Content-Length': String(asset.body.length),
    'Content-Security-Policy': DASHBOARD_CSP,
  });
  res.end(asset.body);
}

async function serveMetrics(context: StatusContext, _req: IncomingMessage, res: ServerResponse) {
  const text = await context.metrics.render();
  res.writeHead(200, { ...COMMON_HEADERS, 'Content-Type': context.metrics.contentType });
  res.end(text);
}

function crashLimit(url: URL): number {
  const raw = url.searchParams.get('limit');
  if (raw === null) return 20;
  const limit = Number(raw);
  if (!Number.isInteger(limit) || limit < 1 || limit > MAX_CRASHES) {
    throw new HttpError(
      400,
      'invalid limit',
      `limit must be a whole number from 1 to ${MAX_CRASHES}, got "${raw}"`,
    );
  }
  return limit;
}

function respondWithError(
  context: StatusContext,
  req: IncomingMessage,
  res: ServerResponse,
  error: unknown,
): void {
  const httpError =
    error instanceof HttpError
      ? error
      : new HttpError(
          500,
          'internal error',
          error instanceof Error ? error.message : String(error),
        );
  if (httpError.status >= 500) {
    context.logger.error(
      { err: error, method: req.method, path: req.url },
      `status server failed on ${req.method} ${req.url}`,
    );
  }
  if (res.headersSent) {
    res.destroy();
    return;
  }
  // A body left unread (413) would otherwise be parsed as the next request on this connection.
  if (!req.complete) res.setHeader('Connection', 'close');
  sendJson(
    res,
    httpError.status,
    { error: httpError.error, detail: redactText(httpError.detail) },
    httpError.headers,
  );
}
