import http from 'node:http';
import https from 'node:https';
import { performance } from 'node:perf_hooks';
import { type HealthVerdict, parseHealthBody } from './parse.js';

export interface HealthCheckOptions {
  /** Deadline for the whole check: connect, redirects, headers and body. */
  timeoutMs: number;
  /** Bodies larger than this fail the check, and reading stops at the bound. */
  maxBodyBytes: number;
  /** A keep-alive agent from createHealthAgent, ignored when it does not fit the URL's scheme. */
  agent?: http.Agent;
  /** Cancels the check, and the result then reads "check cancelled". */
  signal?: AbortSignal;
}

export interface HealthCheckResult {
  ok: boolean;
  verdict?: HealthVerdict;
  httpStatus?: number;
  /** Monotonic duration of the whole check, redirects included. */
  durationMs: number;
  /** The app accepted the request but did not respond in time. */
  timedOut: boolean;
  /** Plain-word cause when ok is false: "connection refused", "HTTP 500". */
  error?: string;
}

/** Same-origin redirects followed before the check fails. */
export const MAX_REDIRECTS = 3;

/**
 * Idle keep-alive sockets close after this. It stays under uvicorn's default
 * keep-alive timeout (5 s in 0.17), so a check seldom reuses a socket that the
 * app is closing at that moment.
 */
const FREE_SOCKET_TIMEOUT_MS = 4000;

const REDIRECT_STATUSES = new Set([301, 302, 303, 307, 308]);

const TIMEOUT = Symbol('timeout');
const CANCELLED = Symbol('cancelled');

/** Create a keep-alive agent for repeated checks of one app, for the URL's scheme. */
export function createHealthAgent(url: string | URL): http.Agent {
  const protocol = typeof url === 'string' ? new URL(url).protocol : url.protocol;
  const options: http.AgentOptions = {
    keepAlive: true,
    maxFreeSockets: 1,
    timeout: FREE_SOCKET_TIMEOUT_MS,
    scheduling: 'lifo',
  };
  return protocol === 'https:' ? new https.Agent(options) : new http.Agent(options);
}

/** "10 s", "0.2 s", "1.5 s". */
export function formatSeconds(ms: number): string {
  return `${Number((ms / 1000).toFixed(3))} s`;
}

/** "64 KiB", "1 MiB", "1000 bytes". */
export function formatLimit(bytes: number): string {
  if (bytes >= 2 ** 20 && bytes % 2 ** 20 === 0) return `${bytes / 2 ** 20} MiB`;
  if (bytes >= 1024 && bytes % 1024 === 0) return `${bytes / 1024} KiB`;
  return `${bytes} bytes`;
}

interface RawResponse {
  status: number;
  contentType: string | undefined;
  location: string | undefined;
  body: Buffer;
  /** The body passed maxBodyBytes and was not read to the end. */
  truncated: boolean;
}

interface RequestFailure extends Error {
  code?: string;
  reusedSocket?: boolean;
}

/**
 * Send one GET without following redirects. Rejects with the socket error and
 * never reads past maxBodyBytes.
 */
function requestOnce(
  target: URL,
  agent: http.Agent | undefined,
  signal: AbortSignal,
  maxBodyBytes: number,
): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const transport = target.protocol === 'https:' ? https : http;
    let settled = false;
    const settle = (outcome: () => void): void => {
      if (settled) return;
      settled = true;
      outcome();
    };

    const request = transport.request(target, {
      method: 'GET',
      agent,
      signal,
      headers: { accept: 'application/json, */*;q=0.5', 'user-agent': 'crashproof-health-check' },
    });

    request.on('error', (error: RequestFailure) => {
      error.reusedSocket = request.reusedSocket;
      settle(() => reject(error));
    });

    request.on('response', (response) => {
      const status = response.statusCode ?? 0;
      const header = (name: string): string | undefined => {
        const value = response.headers[name];
        return Array.isArray(value) ? value[0] : value;
      };
      const result = (body: Buffer, truncated: boolean): RawResponse => ({
        status,
        contentType: header('content-type'),
        location: header('location'),
        body,
        truncated,
      });

      // Stop at once when the app announces a body over the bound.
      const declared = Number(header('content-length'));
      if (Number.isFinite(declared) && declared > maxBodyBytes) {
        settle(() => resolve(result(Buffer.alloc(0), true)));
        request.destroy();
        return;
      }

      const chunks: Buffer[] = [];
      let length = 0;
      response.on('data', (chunk: Buffer) => {
        if (settled) return;
        length += chunk.length;
        if (length > maxBodyBytes) {
          settle(() => resolve(result(Buffer.concat(chunks), true)));
          request.destroy();
          return;
        }
        chunks.push(chunk);
      });
      response.on('end', () => settle(() => resolve(result(Buffer.concat(chunks), false))));
      response.on('error', (error: RequestFailure) => settle(() => reject(error)));
      response.on('close', () => {
        const error: RequestFailure = new Error('connection closed before the body ended');
        error.code = 'ECONNRESET';
        settle(() => reject(error));
      });
    });

    request.end();
  });
}

/** Name a socket or HTTP error in plain words. */
function describeFailure(error: RequestFailure): string {
  switch (error.code) {
    case 'ECONNREFUSED':
      return 'connection refused';
    case 'ECONNRESET':
      return error.message === 'socket hang up'
        ? 'connection closed before a response'
        : 'connection reset';
    case 'EHOSTUNREACH':
      return 'host unreachable';
    case 'ENETUNREACH':
      return 'network unreachable';
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return 'host not found';
    case 'EADDRNOTAVAIL':
      return 'address not available';
    case 'EPIPE':
      return 'connection closed while sending the request';
    default:
      if (error.code?.startsWith('HPE_')) return `invalid HTTP response (${error.code})`;
      if (error.code?.startsWith('ERR_TLS') || error.code?.includes('CERT')) {
        return `TLS error: ${error.code}`;
      }
      return `request failed: ${error.code ?? error.message}`;
  }
}

/**
 * Run one HTTP health check. Never rejects: every failure comes back as
 * ok: false with a plain-word error. Same-origin redirects are followed up to
 * MAX_REDIRECTS, and a redirect to another host fails the check.
 */
export async function checkHealth(
  url: string,
  options: HealthCheckOptions,
): Promise<HealthCheckResult> {
  const started = performance.now();
  const elapsed = (): number => Math.round((performance.now() - started) * 10) / 10;
  const fail = (error: string, extra: Partial<HealthCheckResult> = {}): HealthCheckResult => ({
    ok: false,
    durationMs: elapsed(),
    timedOut: false,
    ...extra,
    error,
  });

  let target: URL;
  try {
    target = new URL(url);
  } catch {
    return fail('invalid health URL');
  }
  if (target.protocol !== 'http:' && target.protocol !== 'https:') {
    return fail(`unsupported scheme ${target.protocol} in the health URL`);
  }

  const wantsHttps = target.protocol === 'https:';
  const agent =
    options.agent !== undefined && options.agent instanceof https.Agent === wantsHttps
      ? options.agent
      : undefined;

  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(TIMEOUT), options.timeoutMs);
  const cancel = (): void => controller.abort(CANCELLED);
  if (options.signal?.aborted) cancel();
  else options.signal?.addEventListener('abort', cancel, { once: true });

  try {
    let retried = false;
    for (let redirects = 0; ; ) {
      let response: RawResponse;
      try {
        response = await requestOnce(target, agent, controller.signal, options.maxBodyBytes);
      } catch (error) {
        const failure = error as RequestFailure;
        // A keep-alive socket that the app closed as the request went out: retry once on a new one.
        if (
          !retried &&
          failure.reusedSocket &&
          failure.code === 'ECONNRESET' &&
          !controller.signal.aborted
        ) {
          retried = true;
          continue;
        }
        throw failure;
      }

      const status = response.status;
      if (REDIRECT_STATUSES.has(status) && response.location !== undefined) {
        let next: URL;
        try {
          next = new URL(response.location, target);
        } catch {
          return fail(`invalid redirect location from HTTP ${status}`, { httpStatus: status });
        }
        if (next.origin !== target.origin) {
          return fail(`redirect to another host ${next.host} rejected`, { httpStatus: status });
        }
        if (++redirects > MAX_REDIRECTS) {
          return fail(`more than ${MAX_REDIRECTS} redirects`, { httpStatus: status });
        }
        target = next;
        continue;
      }

      const success = status >= 200 && status < 300;
      if (response.truncated && success) {
        return fail(`body larger than ${formatLimit(options.maxBodyBytes)}`, {
          httpStatus: status,
        });
      }

      const verdict = parseHealthBody(status, response.contentType, response.body);
      const ok = verdict.state !== 'unhealthy';
      const result: HealthCheckResult = {
        ok,
        verdict,
        httpStatus: status,
        durationMs: elapsed(),
        timedOut: false,
      };
      if (!ok) result.error = success ? verdict.reason : `HTTP ${status}`;
      return result;
    }
  } catch (error) {
    if (controller.signal.reason === TIMEOUT) {
      return fail(`timed out after ${formatSeconds(options.timeoutMs)}`, { timedOut: true });
    }
    if (controller.signal.reason === CANCELLED) return fail('check cancelled');

    const failure = error as RequestFailure;
    return fail(describeFailure(failure), { timedOut: failure.code === 'ETIMEDOUT' });
  } finally {
    clearTimeout(timer);
    options.signal?.removeEventListener('abort', cancel);
  }
}
