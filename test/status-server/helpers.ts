import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import { type Logger, pino } from 'pino';
import { loadConfig } from '../../src/config/load.js';
import type { Config } from '../../src/config/schema/index.js';
import type { EventBus, EventMap, EventName } from '../../src/events.js';
import { Runner } from '../../src/runner.js';
import {
  type StatusServer,
  type StatusServerOptions,
  startStatusServer,
} from '../../src/status/server.js';
import { readStateFile, STATE_FILE } from '../../src/status/state-file.js';
import { readTokenFile, tokenFilePath } from '../../src/status/token.js';
import { createClassifier } from '../../src/wiring.js';

/**
 * A child that runs until a trigger file appears, then writes a line to
 * stderr and exits with code 3: a real crash on demand.
 */
export const CRASH_ON_DEMAND = [
  "const fs = require('node:fs');",
  'const trigger = process.env.CRASH_TRIGGER;',
  "process.stdout.write('fixture up\\n');",
  'setInterval(() => {',
  '  if (!fs.existsSync(trigger)) return;',
  '  fs.unlinkSync(trigger);',
  "  process.stderr.write('fixture: crashing on demand\\n');",
  '  process.exit(3);',
  '}, 20);',
].join('\n');

export interface AppSpec {
  name: string;
  /** Extra YAML lines for the app, indented by four spaces. */
  extra?: string[];
}

/** Build the YAML of a config with crash-on-demand apps and the status server on an ephemeral port. */
export function configYaml(dir: string, apps: AppSpec[], status: string[] = []): string {
  const lines = ['apps:'];
  for (const app of apps) {
    lines.push(
      `  - name: ${app.name}`,
      `    command: [${JSON.stringify(process.execPath)}, "-e", ${JSON.stringify(CRASH_ON_DEMAND)}]`,
      `    env: { CRASH_TRIGGER: ${JSON.stringify(path.join(dir, `crash-${app.name}`))} }`,
      '    startSeconds: 200ms',
      '    stopTimeout: 3s',
      '    restart: { delay: 300ms, maxRestarts: 50, resetAfter: 1m }',
      '    logs: { console: never }',
      ...(app.extra ?? []),
    );
  }
  lines.push(
    'logging: { dir: logs, console: off }',
    'exitOnFatal: never',
    'status:',
    '  port: 0',
    ...status.map((line) => `  ${line}`),
  );
  return `${lines.join('\n')}\n`;
}

export interface Fixture {
  dir: string;
  configFile: string;
  config: Config;
  runner: Runner;
  server: StatusServer;
  logger: Logger;
  /** Runner log records, parsed. */
  logs: Array<Record<string, unknown>>;
  token(): Promise<string>;
  /** Make the named app's child exit with code 3. */
  crash(app: string): Promise<void>;
  close(): Promise<void>;
}

/** Start a real Runner with real children, loaded from a YAML file in a fresh temp dir, plus its status server. */
export async function startFixture(
  apps: AppSpec[] = [{ name: 'cam' }],
  status: string[] = [],
  options: StatusServerOptions = {},
): Promise<Fixture> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'crashproof-status-'));
  const configFile = path.join(dir, 'crashproof.yaml');
  await writeFile(configFile, configYaml(dir, apps, status));
  const { config } = await loadConfig({ configPath: configFile, cwd: dir, env: process.env });

  const logs: Array<Record<string, unknown>> = [];
  const sink = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      for (const line of chunk.toString('utf8').split('\n'))
        if (line.trim() !== '') logs.push(JSON.parse(line) as Record<string, unknown>);
      callback();
    },
  });
  const logger = pino({ level: 'info' }, sink);
  const runner = new Runner({
    config,
    logger,
    env: process.env,
    classify: createClassifier(config),
  });
  await runner.start();
  let server: StatusServer;
  try {
    server = await startStatusServer(runner, config.status, logger, options);
  } catch (error) {
    await runner.shutdown('status server failed');
    await rm(dir, { recursive: true, force: true });
    throw error;
  }

  return {
    dir,
    configFile,
    config,
    runner,
    server,
    logger,
    logs,
    token: () => readTokenFile(tokenFilePath(runner.logDir, config.status.tokenFile)),
    crash: (app) => writeFile(path.join(dir, `crash-${app}`), 'now'),
    close: async () => {
      await runner.shutdown('test finished');
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/**
 * Wait until the state file names the status server, as the CLI reads it.
 * The runner writes it with the next state change after the server started.
 */
export async function waitForStatusUrl(fixture: Fixture): Promise<void> {
  await pollFor(async () => {
    const state = await readStateFile(path.join(fixture.runner.logDir, STATE_FILE));
    return state?.runner.statusUrl === fixture.server.url ? true : undefined;
  }, 'statusUrl in the state file');
}

/** Resolve with the first payload of `event` that matches, or reject after timeoutMs. */
export function nextEvent<K extends EventName>(
  bus: EventBus,
  event: K,
  match: (payload: EventMap[K]) => boolean = () => true,
  timeoutMs = 10_000,
): Promise<EventMap[K]> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      off();
      reject(new Error(`no ${event} event within ${timeoutMs} ms`));
    }, timeoutMs);
    const off = bus.on(event, (payload) => {
      if (!match(payload)) return;
      clearTimeout(timer);
      off();
      resolve(payload);
    });
  });
}

/** Poll `check` until it returns a value other than undefined, or fail after timeoutMs. */
export async function pollFor<T>(
  check: () => Promise<T | undefined> | T | undefined,
  message: string,
  timeoutMs = 10_000,
): Promise<T> {
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (performance.now() > deadline)
      throw new Error(`timed out after ${timeoutMs} ms: ${message}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

export type Output = Writable & { text: () => string; isTTY?: boolean; columns?: number };

/** Create a writable stream that keeps what is written, for CLI output. */
export function collectOutput(): Output {
  const chunks: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      chunks.push(chunk.toString('utf8'));
      callback();
    },
  });
  return Object.assign(stream, { text: () => chunks.join('') });
}

export interface Reply {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
  json(): Record<string, unknown>;
}

/** Send one HTTP request with full control of the headers (fetch does not let a caller set Host). */
export function request(
  url: string,
  options: { method?: string; headers?: Record<string, string>; body?: string | Buffer } = {},
): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = http.request(
      url,
      { method: options.method ?? 'GET', headers: options.headers },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () => {
          const body = Buffer.concat(chunks).toString('utf8');
          resolve({
            status: res.statusCode ?? 0,
            headers: res.headers,
            body,
            json: () => JSON.parse(body) as Record<string, unknown>,
          });
        });
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(options.body);
  });
}

/** POST with the runner's token. */
export async function post(fixture: Fixture, route: string, body?: unknown): Promise<Reply> {
  const headers: Record<string, string> = { Authorization: `Bearer ${await fixture.token()}` };
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  return request(`${fixture.server.url}${route}`, {
    method: 'POST',
    headers,
    body: body === undefined ? undefined : JSON.stringify(body),
  });
}
