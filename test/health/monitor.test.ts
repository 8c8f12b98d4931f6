import type http from 'node:http';
import { performance } from 'node:perf_hooks';
import { afterEach, describe, expect, it } from 'vitest';
import { healthSchema } from '../../src/config/schema/health.js';
import { EventBus, type EventMap } from '../../src/events.js';
import type { DeviceReport } from '../../src/health/devices.js';
import { HealthMonitor } from '../../src/health/monitor.js';
import {
  type CapturedLogger,
  captureLogger,
  RecordingHandle,
  sendJson,
  startServer,
  type TestServer,
  waitFor,
} from './helpers.js';

type Mode = 'healthy' | 'warning' | 'error' | 'hang';

/** A real app stand-in whose health endpoint switches mode and tracks concurrent requests. */
class SwitchableApp {
  mode: Mode = 'healthy';
  inFlight = 0;
  maxInFlight = 0;
  server!: TestServer;

  async start(): Promise<this> {
    this.server = await startServer((_request, response) => this.respond(response));
    return this;
  }

  private respond(response: http.ServerResponse): void {
    this.inFlight++;
    this.maxInFlight = Math.max(this.maxInFlight, this.inFlight);
    // A response closes once: after its end, or when the client drops the connection.
    response.once('close', () => this.inFlight--);

    if (this.mode === 'hang') return;
    if (this.mode === 'error') {
      response.writeHead(500, { 'content-type': 'text/plain' });
      response.end('Internal Server Error');
      return;
    }
    if (this.mode === 'warning') {
      sendJson(response, 200, { status: 'warning', cameras: { total: 2, online: 0, offline: 2 } });
      return;
    }
    sendJson(response, 200, { status: 'healthy', cameras: { total: 2, online: 2 } });
  }
}

interface Harness {
  app: SwitchableApp;
  handle: RecordingHandle;
  bus: EventBus;
  log: CapturedLogger;
  monitor: HealthMonitor;
  checks: Array<EventMap['health:check']>;
  states: Array<EventMap['health:state']>;
}

const harnesses: Harness[] = [];

async function setUp(
  config: Record<string, unknown> = {},
  countTimeouts?: () => boolean,
): Promise<Harness> {
  const app = await new SwitchableApp().start();
  const handle = new RecordingHandle();
  const bus = new EventBus();
  const log = captureLogger();
  const checks: Array<EventMap['health:check']> = [];
  const states: Array<EventMap['health:state']> = [];
  bus.on('health:check', (event) => checks.push(event));
  bus.on('health:state', (event) => states.push(event));

  const monitor = new HealthMonitor({
    app: 'tapo',
    url: app.server.url(),
    config: healthSchema.parse({
      interval: '100ms',
      timeout: '200ms',
      startInterval: '50ms',
      startPeriod: '5s',
      failureThreshold: 3,
      ...config,
    }),
    handle,
    bus,
    logger: log.logger,
    ...(countTimeouts ? { countTimeouts } : {}),
  });
  const harness = { app, handle, bus, log, monitor, checks, states };
  harnesses.push(harness);
  return harness;
}

/** Start monitoring a freshly spawned child, as the runner does. */
function spawnChild(harness: Harness): void {
  harness.handle.state = 'starting';
  harness.handle.startedAt = performance.now();
  harness.monitor.start();
  harness.monitor.onAppStarted();
}

/** Spawn a child, wait until it is ready, then make it hang for count more checks. */
async function hangAfterReady(harness: Harness, count: number): Promise<void> {
  spawnChild(harness);
  await waitFor(() => harness.handle.ready.length > 0, 'markReady');

  harness.app.mode = 'hang';
  const before = harness.checks.length;
  await waitFor(() => harness.checks.length >= before + count, `${count} timed-out checks`, 15_000);
}

/** Spawn a child, wait until it is ready, then leave one check hanging; returns the check count. */
async function startHangingCheck(harness: Harness): Promise<number> {
  spawnChild(harness);
  await waitFor(() => harness.handle.ready.length > 0, 'markReady');

  harness.app.mode = 'hang';
  await waitFor(() => harness.app.inFlight === 1, 'a hanging request');
  return harness.checks.length;
}

afterEach(async () => {
  for (const harness of harnesses.splice(0)) {
    harness.monitor.stop();
    await harness.app.server.close();
  }
});

describe('HealthMonitor', () => {
  it('marks the app ready on the first passing check', async () => {
    const harness = await setUp();
    spawnChild(harness);

    await waitFor(() => harness.handle.ready.length > 0, 'markReady');
    expect(harness.handle.ready).toEqual(['health']);
    expect(harness.monitor.state).toBe('healthy');
    expect(harness.states[0]).toMatchObject({ app: 'tapo', from: 'unknown', to: 'healthy' });
    expect(harness.checks[0]).toMatchObject({ app: 'tapo', ok: true, httpStatus: 200 });
    expect(harness.handle.health[0]).toBe(true);
    expect(harness.monitor.lastResult?.ok).toBe(true);

    // Later passes do not mark ready again.
    await waitFor(() => harness.checks.length >= 3, 'three checks');
    expect(harness.handle.ready).toEqual(['health']);
  });

  it('never restarts during the start period', async () => {
    const harness = await setUp({ startPeriod: '1s', failureThreshold: 2 });
    harness.app.mode = 'error';
    const started = performance.now();
    let restartAfterMs = 0;
    harness.handle.onRestart = () => {
      restartAfterMs = performance.now() - started;
    };
    spawnChild(harness);

    // 50 ms start interval: many failed checks fall inside the 1 s start period.
    await waitFor(() => harness.handle.restarts.length > 0, 'a restart after the start period');
    const failedInStart = harness.checks.filter((check) => !check.ok).length;
    expect(failedInStart).toBeGreaterThanOrEqual(5);
    expect(restartAfterMs).toBeGreaterThanOrEqual(1000);
    expect(harness.handle.ready).toEqual([]);
    expect(harness.handle.restarts[0]).toEqual({
      cause: 'health',
      reason: '2 health checks failed: HTTP 500',
    });
  });

  it('keeps the state unknown for start-period failures', async () => {
    const harness = await setUp({ startPeriod: '5s' });
    harness.app.mode = 'error';
    spawnChild(harness);
    await waitFor(() => harness.checks.length >= 4, 'four checks');
    expect(harness.monitor.state).toBe('unknown');
    expect(harness.states).toEqual([]);
    expect(harness.handle.health.slice(0, 4)).toEqual([false, false, false, false]);
  });

  it('restarts after exactly failureThreshold failures', async () => {
    const harness = await setUp();
    const failedAtRestart: number[] = [];
    let failed = 0;
    harness.bus.on('health:check', (check) => {
      if (!check.ok) failed++;
    });
    harness.handle.onRestart = () => failedAtRestart.push(failed);
    spawnChild(harness);
    await waitFor(() => harness.handle.ready.length > 0, 'markReady');

    failed = 0;
    harness.app.mode = 'error';
    await waitFor(() => harness.handle.restarts.length >= 2, 'two restarts');
    // The count resets after each request: 3, then 3 more.
    expect(failedAtRestart.slice(0, 2)).toEqual([3, 6]);
    expect(harness.handle.restarts[0]).toEqual({
      cause: 'health',
      reason: '3 health checks failed: HTTP 500',
    });
    expect(harness.monitor.state).toBe('unhealthy');
    expect(harness.states.map((state) => state.to)).toEqual(['healthy', 'unhealthy']);
    const warning = harness.log.lines.find(
      (line) => line.msg === 'restart requested after failed health checks',
    );
    expect(warning).toMatchObject({ level: 40, app: 'tapo', accepted: true });
  });

  it('resets the failure count on a passing check', async () => {
    const harness = await setUp();
    spawnChild(harness);
    await waitFor(() => harness.handle.ready.length > 0, 'markReady');

    // Two failures, a pass, two failures: never three in a row.
    for (const mode of ['error', 'healthy', 'error', 'healthy'] as const) {
      const before = harness.checks.length;
      harness.app.mode = mode;
      await waitFor(() => harness.checks.length >= before + 2, `two checks in mode ${mode}`);
      if (mode === 'error') {
        harness.app.mode = 'healthy';
        await waitFor(() => harness.checks.at(-1)?.ok === true, 'a passing check');
      }
    }
    expect(harness.handle.restarts).toEqual([]);
  });

  it('labels a restart after timeouts as a hang', async () => {
    const harness = await setUp();
    spawnChild(harness);
    await waitFor(() => harness.handle.ready.length > 0, 'markReady');

    harness.app.mode = 'hang';
    await waitFor(() => harness.handle.restarts.length > 0, 'a restart', 15_000);
    expect(harness.handle.restarts[0]).toEqual({
      cause: 'health',
      reason: '3 health checks failed: timed out after 0.2 s',
      category: 'hang',
    });
    expect(
      harness.checks
        .filter((check) => !check.ok)
        .every((check) => check.error === 'timed out after 0.2 s'),
    ).toBe(true);
  });

  it('never overlaps checks when they time out', async () => {
    const harness = await setUp({ failureThreshold: 100 });
    await hangAfterReady(harness, 4);
    expect(harness.app.maxInFlight).toBe(1);
  });

  it('does not count timeouts during a network interruption', async () => {
    const networkUp = false;
    const harness = await setUp({}, () => networkUp);
    await hangAfterReady(harness, 5);
    expect(harness.handle.restarts).toEqual([]);
    expect(harness.monitor.state).toBe('unhealthy');
    expect(harness.handle.health.at(-1)).toBe(false);

    // Refused connections still count while the network is down.
    await harness.app.server.close();
    await waitFor(() => harness.handle.restarts.length > 0, 'a restart on refused connections');
    expect(harness.handle.restarts[0]).toEqual({
      cause: 'health',
      reason: '3 health checks failed: connection refused',
    });
    expect(networkUp).toBe(false);
  });

  it('counts timeouts again when the network is back', async () => {
    let networkUp = false;
    const harness = await setUp({}, () => networkUp);
    await hangAfterReady(harness, 3);
    expect(harness.handle.restarts).toEqual([]);
    networkUp = true;
    await waitFor(() => harness.handle.restarts.length > 0, 'a restart', 15_000);
    expect(harness.handle.restarts[0]?.category).toBe('hang');
  });

  it('reports degraded as healthy and logs offline devices', async () => {
    const harness = await setUp();
    const published: Array<readonly DeviceReport[]> = [];
    harness.monitor.onDevices((devices) => published.push(devices));
    spawnChild(harness);
    await waitFor(() => harness.handle.ready.length > 0, 'markReady');

    harness.app.mode = 'warning';
    await waitFor(() => harness.monitor.state === 'degraded', 'the degraded state');
    expect(harness.handle.health.at(-1)).toBe(true);
    expect(harness.handle.restarts).toEqual([]);
    expect(harness.monitor.devices).toEqual([
      { name: 'cameras', type: 'camera', online: false, detail: '0 of 2 online' },
    ]);
    expect(published.at(-1)).toEqual(harness.monitor.devices);

    const line = harness.log.lines.find((entry) => entry.msg === 'app degraded');
    expect(line).toMatchObject({
      level: 40,
      app: 'tapo',
      from: 'healthy',
      to: 'degraded',
      offline: 'cameras (camera): 0 of 2 online',
    });
    const event = harness.states.at(-1);
    expect(event?.detail).toBe('status "warning"; offline: cameras (camera): 0 of 2 online');
  });

  it('logs every check at debug level', async () => {
    const harness = await setUp();
    spawnChild(harness);
    await waitFor(() => harness.checks.length >= 2, 'two checks');
    const debugLines = harness.log.lines.filter((line) => line.msg === 'health check');
    expect(debugLines.length).toBeGreaterThanOrEqual(2);
    expect(debugLines[0]).toMatchObject({ level: 20, app: 'tapo', ok: true, httpStatus: 200 });
  });

  it('pauses while the app is stopped', async () => {
    const harness = await setUp();
    spawnChild(harness);
    await waitFor(() => harness.handle.ready.length > 0, 'markReady');

    harness.monitor.onAppStopped();
    expect(harness.monitor.state).toBe('unknown');
    expect(harness.states.at(-1)).toMatchObject({
      from: 'healthy',
      to: 'unknown',
      detail: 'app stopped',
    });
    const requests = harness.app.server.requests;
    // Four intervals with no check prove the pause.
    await new Promise((resolve) => setTimeout(resolve, 400));
    expect(harness.app.server.requests).toBe(requests);

    // A new child gets a new start period and a new markReady.
    spawnChild(harness);
    await waitFor(() => harness.handle.ready.length === 2, 'a second markReady');
    expect(harness.monitor.state).toBe('healthy');
  });

  it('skips checks while the supervisor stops the app', async () => {
    const harness = await setUp();
    spawnChild(harness);
    await waitFor(() => harness.handle.ready.length > 0, 'markReady');

    harness.handle.state = 'stopping';
    await new Promise((resolve) => setTimeout(resolve, 150));
    const requests = harness.app.server.requests;
    await new Promise((resolve) => setTimeout(resolve, 400));
    expect(harness.app.server.requests).toBe(requests);

    harness.handle.state = 'running';
    await waitFor(() => harness.app.server.requests > requests, 'checks to resume');
  });

  it('cancels a hanging check on stop', async () => {
    const harness = await setUp({ timeout: '10s' });
    const checks = await startHangingCheck(harness);
    harness.monitor.stop();
    await waitFor(() => harness.app.inFlight === 0, 'the hanging request to be closed', 2000);
    expect(harness.checks.length).toBe(checks);
  });

  it('drops the result of a previous child', async () => {
    const harness = await setUp({ timeout: '10s' });
    const checks = await startHangingCheck(harness);
    harness.app.mode = 'healthy';
    harness.monitor.onAppStarted();
    await waitFor(() => harness.handle.ready.length === 2, 'markReady of the new child');
    expect(harness.checks.slice(checks).every((check) => check.ok)).toBe(true);
  });
});
