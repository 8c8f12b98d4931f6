import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Logger } from 'pino';
import { loadConfig } from '../config/load.js';
import type { Config } from '../config/schema/index.js';
import type { StatusConfig } from '../config/schema/status.js';
import type { Runner } from '../runner.js';
import { DashboardAssets } from './dashboard-assets.js';
import { EventStream } from './event-stream.js';
import { StatusHistory } from './history.js';
import { HostPolicy, isLoopbackHost } from './host-check.js';
import { HttpError } from './http.js';
import { StatusMetrics } from './metrics.js';
import { type AttachApp, type ReloadResult, reloadConfig } from './reload-apply.js';
import { handleRequest, type StatusContext } from './routes.js';
import { createTokenFile, removeTokenFile, tokenFilePath } from './token.js';

export interface StatusServerOptions {
  /** Attaches monitors to apps that a reload adds or restarts; nothing by default. */
  attach?: AttachApp;
  /** Reads the config file for POST /api/reload; loadConfig on runner.config.source by default. */
  loadConfig?: () => Promise<Config>;
  /** Environment the apps inherit, for the command check of a reload; process.env by default. */
  env?: Record<string, string | undefined>;
  /** Directory of the dashboard files; dashboard/ beside this module by default. */
  dashboardDir?: string;
}

export interface StatusServer {
  url: string;
  close(): Promise<void>;
}

/**
 * Start the status server of a runner: JSON status, Prometheus metrics,
 * liveness, the event stream, the dashboard and the token-protected control
 * routes. It writes its URL into runner.statusUrl and closes from the
 * runner's stop hooks (or the returned close()). A failing request gets an
 * error response and a log line, and the error never reaches the runner.
 */
export async function startStatusServer(
  runner: Runner,
  config: StatusConfig,
  logger: Logger,
  options: StatusServerOptions = {},
): Promise<StatusServer> {
  if (!isLoopbackHost(config.host)) {
    logger.warn(
      { host: config.host, port: config.port },
      `status server binds ${config.host}, beyond loopback: other machines can read the status and metrics (control routes still need the token); put it behind a firewall or a TLS reverse proxy`,
    );
  }

  const tokenFile = tokenFilePath(runner.logDir, config.tokenFile);
  const token = await createTokenFile(tokenFile);
  const history = new StatusHistory(runner.bus, { windowMs: config.history });
  seedHistory(runner, history);
  const stream = new EventStream(runner.bus, {
    maxClients: config.events.maxClients,
    bufferBytes: config.events.bufferSize,
    heartbeatMs: config.events.heartbeat,
    logger,
  });
  const metrics = new StatusMetrics(runner, history, stream);

  let reloading = false;
  const context: StatusContext = {
    runner,
    logger,
    token,
    tokenFile,
    hosts: new HostPolicy(config.host, config.port),
    stream,
    metrics,
    history,
    assets: new DashboardAssets(options.dashboardDir),
    closing: false,
    reload: async (): Promise<ReloadResult> => {
      if (reloading)
        throw new HttpError(409, 'reload in progress', 'wait for the running reload to finish');
      reloading = true;
      try {
        const result = await reloadConfig({
          runner,
          load: options.loadConfig ?? (() => loadFromSource(runner)),
          attach: options.attach ?? (() => {}),
          env: options.env ?? process.env,
          logger,
        });
        for (const app of result.removed) history.forgetApp(app);
        return result;
      } finally {
        reloading = false;
      }
    },
  };
  const offStopping = runner.bus.on('runner:stopping', () => {
    context.closing = true;
  });

  const server = createServer((req, res) => {
    handleRequest(context, req, res).catch((error: unknown) => {
      logger.error({ err: error, path: req.url }, 'status server failed to respond to a request');
      res.destroy();
    });
  });
  const address = await listen(server, config.host, config.port).catch((error: unknown) => {
    stream.close();
    history.close();
    metrics.close();
    offStopping();
    void removeTokenFile(tokenFile);
    throw error;
  });
  context.hosts = new HostPolicy(config.host, address.port, config.allowedHosts);
  server.on('error', (error) => logger.error({ err: error }, 'status server error'));

  const url = `http://${urlHost(config.host)}:${address.port}`;
  runner.statusUrl = url;
  await persistState(runner);
  logger.info({ url, tokenFile }, `status server listening on ${url}`);

  let closed: Promise<void> | undefined;
  const close = (): Promise<void> => {
    closed ??= (async () => {
      context.closing = true;
      offStopping();
      stream.close();
      history.close();
      metrics.close();
      const done = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeAllConnections();
      await done;
      await removeTokenFile(tokenFile);
      if (runner.statusUrl === url) runner.statusUrl = null;
    })();
    return closed;
  };
  runner.stopHooks.push(close);
  return { url, close };
}

/**
 * Write the state file at once, so the CLI finds statusUrl before any app
 * changes state.
 * NOTE: Runner.persistState() is not in every runner version; without it the
 * URL reaches the state file with the next app state change.
 */
async function persistState(runner: Runner): Promise<void> {
  const persist = (runner as { persistState?: () => Promise<void> }).persistState;
  if (typeof persist === 'function') await persist.call(runner);
}

/** Apps and crash reports that exist before the server starts. */
function seedHistory(runner: Runner, history: StatusHistory): void {
  for (const [name, supervisor] of runner.supervisors) history.recordState(name, supervisor.state);
  for (const report of runner.reporter.recent) {
    history.recordCrash({
      at: Date.parse(report.time),
      app: report.app,
      category: report.category,
      hint: report.hint,
      reportId: report.id,
    });
  }
}

async function loadFromSource(runner: Runner): Promise<Config> {
  const source = runner.config.source;
  if (source === undefined) {
    throw new HttpError(
      409,
      'no config file',
      'the runner was started from environment variables or a command, so there is no file to reload; restart it instead',
    );
  }
  const { config } = await loadConfig({
    configPath: source,
    cwd: runner.config.baseDir,
    env: process.env,
  });
  return config;
}

function listen(server: Server, host: string, port: number): Promise<AddressInfo> {
  return new Promise((resolve, reject) => {
    const onError = (error: NodeJS.ErrnoException): void => {
      const hint =
        error.code === 'EADDRINUSE'
          ? `port ${port} on ${host} is in use (another crashproof runner?); set status.port or --status-port, or run with --no-status`
          : `cannot listen on ${host}:${port}: ${error.message}`;
      reject(new Error(`status server not started: ${hint}`, { cause: error }));
    };
    server.once('error', onError);
    server.listen(port, host, () => {
      server.off('error', onError);
      resolve(server.address() as AddressInfo);
    });
  });
}

/** Return the host part of the URL that the CLI and people use to reach the server. */
function urlHost(host: string): string {
  if (host === '0.0.0.0' || host === '') return '127.0.0.1';
  if (host === '::') return '[::1]';
  return host.includes(':') ? `[${host}]` : host;
}
