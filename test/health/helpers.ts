import http from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { Writable } from 'node:stream';
import { type Logger, pino } from 'pino';
import type { AppState, RestartRequest } from '../../src/events.js';
import type { SupervisorHandle } from '../../src/supervisor/handle.js';

export interface TestServer {
  server: http.Server;
  port: number;
  host: string;
  url(path?: string): string;
  /** Connections accepted so far. */
  connections: number;
  /** Requests received so far. */
  requests: number;
  close(): Promise<void>;
}

/** Start a real HTTP server on a loopback address and an ephemeral port. */
export async function startServer(
  handler: http.RequestListener,
  host = '127.0.0.1',
): Promise<TestServer> {
  const sockets = new Set<Socket>();
  const server = http.createServer((request, response) => {
    result.requests++;
    handler(request, response);
  });
  server.on('connection', (socket) => {
    result.connections++;
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, host, () => resolve());
  });
  const port = (server.address() as AddressInfo).port;

  const result: TestServer = {
    server,
    port,
    host,
    url: (path = '/api/health') => `http://${host}:${port}${path}`,
    connections: 0,
    requests: 0,
    close: async () => {
      // Hanging requests never end by themselves, so their sockets are destroyed.
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
  return result;
}

/** Return a loopback port that nothing listens on: bind port 0, then close it. */
export async function closedPort(): Promise<number> {
  const server = http.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const port = (server.address() as AddressInfo).port;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

export function sendJson(response: http.ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  response.writeHead(status, {
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(text),
  });
  response.end(text);
}

/** Poll until predicate returns true; fail with message after timeoutMs. */
export async function waitFor(
  predicate: () => boolean,
  message: string,
  timeoutMs = 10_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!predicate()) {
    if (Date.now() > deadline)
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${message}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

/**
 * A SupervisorHandle that records what a monitor requests. It is the
 * interface the real supervisor implements, not a stand-in for a process:
 * the tests check the monitor's decisions, not process control.
 */
export class RecordingHandle implements SupervisorHandle {
  readonly name = 'app';
  state: AppState = 'starting';
  pid: number | undefined = 4242;
  startedAt: number | undefined = undefined;
  acceptRestarts = true;
  /** Called inside requestRestart, so a test can record what it saw at that moment. */
  onRestart: (request: RestartRequest) => void = () => {};

  readonly restarts: RestartRequest[] = [];
  readonly ready: string[] = [];
  readonly health: boolean[] = [];
  readonly signals: NodeJS.Signals[] = [];

  requestRestart(request: RestartRequest): boolean {
    this.restarts.push(request);
    this.onRestart(request);
    return this.acceptRestarts;
  }

  markReady(source: string): void {
    this.ready.push(source);
    this.state = 'running';
  }

  reportHealth(healthy: boolean): void {
    this.health.push(healthy);
  }

  signal(signal: NodeJS.Signals): boolean {
    this.signals.push(signal);
    return true;
  }
}

export interface CapturedLogger {
  logger: Logger;
  lines: Array<Record<string, unknown>>;
}

/** Create a real pino logger whose JSON lines are kept in memory for assertions. */
export function captureLogger(): CapturedLogger {
  const lines: Array<Record<string, unknown>> = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      for (const line of chunk.toString('utf8').split('\n')) {
        if (line.trim() !== '') lines.push(JSON.parse(line) as Record<string, unknown>);
      }
      callback();
    },
  });
  return { logger: pino({ level: 'debug' }, stream), lines };
}
