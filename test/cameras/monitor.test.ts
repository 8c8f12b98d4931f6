import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, unlinkSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { CameraMonitor } from '../../src/cameras/monitor.js';
import { probeCamera } from '../../src/cameras/probe.js';
import type { CameraConfig } from '../../src/config/schema/cameras.js';
import { EventBus, type EventMap } from '../../src/events.js';
import { closedPort, startListener, type TestListener, waitFor } from './listeners.js';
import { RecordingLogger } from './recording-logger.js';

function camera(name: string, fields: Partial<CameraConfig>): CameraConfig {
  return { name, kind: 'camera', interval: 60_000, timeout: 2000, ...fields };
}

describe('CameraMonitor', () => {
  const cleanups: Array<() => Promise<void> | void> = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });

  function monitorFor(
    cameras: CameraConfig[],
    options: Partial<ConstructorParameters<typeof CameraMonitor>[0]> = {},
  ) {
    const bus = new EventBus();
    const logger = new RecordingLogger();
    const events: Array<EventMap['camera:state']> = [];
    bus.on('camera:state', (event) => events.push(event));
    const monitor = new CameraMonitor({ cameras, bus, logger, ...options });
    cleanups.push(() => monitor.stop());
    return { monitor, logger, events };
  }

  async function listener(): Promise<TestListener> {
    const started = await startListener();
    cleanups.push(() => started.close());
    return started;
  }

  it('emits state changes and logs them with the password removed', async () => {
    const up = await listener();
    const down = await closedPort();
    const { monitor, logger, events } = monitorFor([
      camera('yard', { url: `tcp://127.0.0.1:${up.port}` }),
      camera('door', { url: `rtsp://admin:hunter2@127.0.0.1:${down}/stream1` }),
    ]);
    monitor.start();
    await waitFor(() => events.length === 2, 'two state events');

    expect(events).toContainEqual(
      expect.objectContaining({ camera: 'yard', from: 'unknown', to: 'online' }),
    );
    expect(events).toContainEqual(
      expect.objectContaining({
        camera: 'door',
        from: 'unknown',
        to: 'offline',
        detail: 'connection refused',
      }),
    );
    expect(logger.messages('warn')).toContain(
      `camera door (rtsp://admin:***@127.0.0.1:${down}/stream1) unknown -> offline: connection refused`,
    );
    expect(logger.text()).not.toContain('hunter2');
    expect(JSON.stringify(monitor.snapshot())).not.toContain('hunter2');

    const door = monitor.get('door')!;
    expect(door.status).toBe('offline');
    expect(door.lastProbeAt).toMatch(/^\d{4}-\d\d-\d\dT/);
    expect(Date.parse(door.since)).not.toBeNaN();
  });

  it('doubles the interval of a failing camera up to the cap', async () => {
    const port = await closedPort();
    const probeTimes: number[] = [];
    const { monitor } = monitorFor(
      [camera('door', { url: `tcp://127.0.0.1:${port}`, interval: 100 })],
      {
        maxBackoffMs: 400,
        probe: (config) => {
          probeTimes.push(performance.now());
          return probeCamera(config);
        },
      },
    );
    monitor.start();
    await waitFor(() => probeTimes.length >= 6, 'six probes', 5000);

    const gaps = probeTimes.slice(1).map((time, index) => time - probeTimes[index]!);
    // Expected delays: 100, 200, 400, then 400 (the cap; without it 800). Timers may fire late, never early.
    const expected = [100, 200, 400, 400, 400];
    gaps.slice(0, 5).forEach((gap, index) => {
      expect(gap).toBeGreaterThanOrEqual(expected[index]! - 5);
      expect(gap).toBeLessThan(expected[index]! + 300);
    });
    expect(monitor.get('door')!.consecutiveFailures).toBeGreaterThanOrEqual(5);
  });

  it('goes back to the plain interval after recovery', async () => {
    const port = await closedPort();
    const probeTimes: number[] = [];
    const { monitor, events } = monitorFor(
      [camera('door', { url: `tcp://127.0.0.1:${port}`, interval: 50 })],
      {
        maxBackoffMs: 1000,
        probe: (config) => {
          probeTimes.push(performance.now());
          return probeCamera(config);
        },
      },
    );
    monitor.start();
    await waitFor(() => monitor.get('door')!.consecutiveFailures >= 4, 'four failures', 5000);

    const server = createServer();
    await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', () => resolve()));
    cleanups.push(() => new Promise<void>((resolve) => server.close(() => resolve())));
    await monitor.probeNow('door');
    expect(events.at(-1)).toMatchObject({ from: 'offline', to: 'online' });

    const before = probeTimes.length;
    await waitFor(() => probeTimes.length >= before + 3, 'three more probes', 2000);
    const gaps = probeTimes
      .slice(before)
      .map((time, index) => time - probeTimes[before + index - 1]!);
    for (const gap of gaps.slice(1)) expect(gap).toBeLessThan(50 + 300);
    expect(monitor.get('door')!.consecutiveFailures).toBe(0);
  });

  it('runs at most maxConcurrent probes at once', async () => {
    let running = 0;
    let highest = 0;
    let total = 0;
    const cameras = Array.from({ length: 10 }, (_, index) =>
      camera(`cam${index}`, { url: 'tcp://127.0.0.1:9' }),
    );
    const { monitor } = monitorFor(cameras, {
      maxConcurrent: 3,
      probe: async () => {
        running++;
        total++;
        highest = Math.max(highest, running);
        await new Promise((resolve) => setTimeout(resolve, 30));
        running--;
        return { status: 'online', latencyMs: 30, detail: 'scripted' };
      },
    });
    monitor.start();
    await waitFor(() => total === 10 && running === 0, 'ten probes', 3000);
    expect(highest).toBe(3);
  });

  it('logs a network interruption once when every network camera fails', async () => {
    const a = await listener();
    const b = await listener();
    const { monitor, logger } = monitorFor([
      camera('a', { url: `tcp://127.0.0.1:${a.port}` }),
      camera('b', { url: `tcp://127.0.0.1:${b.port}` }),
      camera('webcam', { device: '/dev/null-does-not-exist', kind: 'webcam' }),
    ]);
    monitor.start();
    await waitFor(
      () => monitor.get('a')!.status === 'online' && monitor.get('b')!.status === 'online',
      'both online',
    );
    expect(monitor.allFailing()).toBe(false);

    await a.close();
    await monitor.probeNow('a');
    expect(monitor.allFailing()).toBe(false);

    await b.close();
    await monitor.probeNow('b');
    await monitor.probeNow('a');
    expect(monitor.allFailing()).toBe(true);
    expect(monitor.snapshot().allFailing).toBe(true);
    const interruptions = logger
      .messages('warn')
      .filter((message) => message.includes('network interruption'));
    expect(interruptions).toEqual([
      'every network camera probe fails (2 cameras): treating it as a network interruption',
    ]);
  });

  it('reports allFailing for a single camera', async () => {
    const { monitor } = monitorFor([
      camera('only', { url: `tcp://127.0.0.1:${await closedPort()}` }),
    ]);
    expect(monitor.allFailing()).toBe(false);
    await monitor.probeNow('only');
    expect(monitor.allFailing()).toBe(true);
  });

  it('never probes a doorbell without an address', async () => {
    const probed: string[] = [];
    const { monitor } = monitorFor([camera('ring', { kind: 'doorbell' })], {
      probe: async (config) => {
        probed.push(config.name);
        return { status: 'online', latencyMs: 1, detail: 'scripted' };
      },
    });
    monitor.start();
    const state = await monitor.probeNow('ring');
    expect(state.status).toBe('unknown');
    expect(state.detail).toBe("no direct probe: judged from the app's health report");
    expect(probed).toEqual([]);
  });

  it('takes a pino logger', async () => {
    const monitor = new CameraMonitor({
      cameras: [camera('yard', { url: `tcp://127.0.0.1:${await closedPort()}` })],
      bus: new EventBus(),
      logger: pino({ enabled: false }),
    });
    expect((await monitor.probeNow('yard')).status).toBe('offline');
    await monitor.stop();
  });

  it('rejects probeNow for an unknown camera by name', async () => {
    const { monitor } = monitorFor([camera('yard', { url: 'tcp://127.0.0.1:9' })]);
    await expect(monitor.probeNow('garage')).rejects.toThrow(
      'unknown camera "garage": configured cameras are yard',
    );
  });

  it('lists the next probe time in the snapshot', async () => {
    const up = await listener();
    const { monitor } = monitorFor([
      camera('yard', { url: `tcp://127.0.0.1:${up.port}`, interval: 60_000 }),
    ]);
    monitor.start();
    await waitFor(() => monitor.get('yard')!.status === 'online', 'the first probe');
    const [yard] = monitor.snapshot().cameras;
    expect(yard).toMatchObject({
      name: 'yard',
      address: `tcp://127.0.0.1:${up.port}`,
      status: 'online',
    });
    expect(yard!.nextProbeInMs).toBeGreaterThan(50_000);
  });

  it.skipIf(process.getuid?.() !== 0)(
    'sees an unplug through the directory watcher (needs root for mknod)',
    async () => {
      const dir = mkdtempSync(join(tmpdir(), 'crashproof-monitor-'));
      cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
      const device = join(dir, 'video0');
      execFileSync('mknod', [device, 'c', '1', '3']);

      // An hour between probes: only the watcher can explain a prompt change.
      const { monitor, events } = monitorFor([
        camera('webcam', { device, kind: 'webcam', interval: 3_600_000 }),
      ]);
      monitor.start();
      await waitFor(() => monitor.get('webcam')!.status === 'online', 'the first probe');

      unlinkSync(device);
      await waitFor(() => monitor.get('webcam')!.status === 'unplugged', 'the unplug', 1000);
      execFileSync('mknod', [device, 'c', '1', '3']);
      await waitFor(() => monitor.get('webcam')!.status === 'online', 'the replug', 1000);
      expect(events.map((event) => event.to)).toEqual(['online', 'unplugged', 'online']);
    },
  );
});
