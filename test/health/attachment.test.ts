import { afterEach, describe, expect, it } from 'vitest';
import { appSchema } from '../../src/config/schema/app.js';
import type { CrashContext } from '../../src/crash/report.js';
import { EventBus } from '../../src/events.js';
import {
  createHealthAttachment,
  type HealthAttachment,
  healthUrlFor,
} from '../../src/health/attachment.js';
import {
  captureLogger,
  RecordingHandle,
  sendJson,
  startServer,
  type TestServer,
  waitFor,
} from './helpers.js';

const HEALTH = { interval: '100ms', timeout: '200ms', startInterval: '50ms', startPeriod: '5s' };

function appConfig(extra: Record<string, unknown>) {
  return appSchema.parse({ name: 'tapo', command: ['python3', '-m', 'app'], ...extra });
}

function emptyContext(): CrashContext {
  return { health: null, healthTimedOut: false, cameras: [], memory: null };
}

describe('healthUrlFor', () => {
  it('returns undefined without a health section', () => {
    expect(healthUrlFor(appConfig({ port: 7777 }))).toBeUndefined();
  });

  it('builds the default URL from host and port', () => {
    expect(healthUrlFor(appConfig({ host: '0.0.0.0', port: 7777, health: {} }))).toBe(
      'http://127.0.0.1:7777/api/health',
    );
  });

  it('moves a wildcard health.url to loopback', () => {
    const app = appConfig({ port: 1, health: { url: 'http://0.0.0.0:8000/healthz' } });
    expect(healthUrlFor(app)).toBe('http://127.0.0.1:8000/healthz');
  });

  it('names the fix when no URL can be built', () => {
    expect(() => healthUrlFor(appConfig({ health: {} }))).toThrow(
      'app "tapo" has a health check but neither health.url nor port',
    );
  });
});

describe('createHealthAttachment', () => {
  const servers: TestServer[] = [];
  const attachments: HealthAttachment[] = [];

  /** Attach a monitor of server to a fresh bus and handle, with no child running yet. */
  function attach(server: TestServer) {
    const handle = new RecordingHandle();
    handle.pid = undefined;
    const bus = new EventBus();
    const attachment = createHealthAttachment({
      app: appConfig({ port: server.port, health: HEALTH }),
      handle,
      bus,
      logger: captureLogger().logger,
    });
    if (!attachment) throw new Error('expected an attachment for an app with a health section');
    attachments.push(attachment);
    return { handle, bus, attachment };
  }

  afterEach(async () => {
    for (const attachment of attachments.splice(0)) attachment.stop();
    await Promise.all(servers.splice(0).map((server) => server.close()));
  });

  it('returns undefined without a health section', () => {
    const attachment = createHealthAttachment({
      app: appConfig({ port: 7777 }),
      handle: new RecordingHandle(),
      bus: new EventBus(),
      logger: captureLogger().logger,
    });
    expect(attachment).toBeUndefined();
  });

  it('follows spawns and exits on the bus', async () => {
    let status = 200;
    const server = await startServer((_request, response) =>
      sendJson(response, status, { status: status === 200 ? 'ok' : 'down' }),
    );
    servers.push(server);
    const { handle, bus, attachment } = attach(server);
    attachment.start();

    // No child yet: no check.
    expect(attachment.monitor.state).toBe('unknown');

    bus.emit('app:spawn', { app: 'other', pid: 1, attempt: 1, command: ['x'] });
    handle.pid = 4242;
    bus.emit('app:spawn', { app: 'tapo', pid: 4242, attempt: 1, command: ['x'] });
    await waitFor(() => handle.ready.length === 1, 'markReady');
    expect(attachment.monitor.state).toBe('healthy');

    status = 503;
    await waitFor(() => attachment.monitor.state === 'unhealthy', 'the unhealthy state');
    bus.emit('app:exit', {
      app: 'tapo',
      pid: 4242,
      code: 1,
      signal: null,
      uptimeMs: 1000,
      expected: false,
      duringStart: false,
    });
    expect(attachment.monitor.state).toBe('unknown');

    // The crash report gets the last check, not the "unknown" after the exit.
    const context = emptyContext();
    attachment.contribute?.(context);
    expect(context.health?.state).toBe('unhealthy');
    expect(context.health?.lastCheck).toMatchObject({
      ok: false,
      httpStatus: 503,
      error: 'HTTP 503',
    });
    expect(typeof context.health?.lastCheck?.at).toBe('string');
    expect(context.healthTimedOut).toBe(false);
  });

  it('stops listening on stop', async () => {
    const server = await startServer((_request, response) =>
      sendJson(response, 200, { status: 'ok' }),
    );
    servers.push(server);
    const { handle, bus, attachment } = attach(server);
    attachment.start();
    attachment.stop();

    bus.emit('app:spawn', { app: 'tapo', pid: 4242, attempt: 1, command: ['x'] });
    // Four start intervals with no request prove the monitor is off.
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(server.requests).toBe(0);
    expect(handle.ready).toEqual([]);
  });
});
