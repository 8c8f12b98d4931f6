import { afterEach, describe, expect, it } from 'vitest';
import { CameraCoordinator } from '../../src/cameras/coordinator.js';
import { CameraMonitor } from '../../src/cameras/monitor.js';
import type { CameraConfig } from '../../src/config/schema/cameras.js';
import { type AppState, EventBus, type RestartRequest } from '../../src/events.js';
import type { SupervisorHandle } from '../../src/supervisor/handle.js';
import { type GstRtspServer, startGstRtspServer } from './gst-rtsp-server.js';
import { waitFor } from './listeners.js';
import { RecordingLogger } from './recording-logger.js';

const CREDENTIALS = { username: 'admin', password: 'hunter2-secret' };
const WINDOW_MS = 300;

/**
 * Stands in for the app supervisor: records restart requests and "restarts"
 * at once by moving startedAt, which is all the coordinator reads.
 */
class RecordingHandle implements SupervisorHandle {
  readonly name = 'tapo';
  state: AppState = 'running';
  pid: number | undefined = 4242;
  startedAt: number | undefined = performance.now();
  accept = true;
  readonly restarts: RestartRequest[] = [];

  requestRestart(request: RestartRequest): boolean {
    this.restarts.push(request);
    if (this.accept) this.startedAt = performance.now();
    return this.accept;
  }
  markReady(): void {}
  reportHealth(): void {}
  signal(): boolean {
    return true;
  }
}

describe('CameraCoordinator with a real RTSP server', () => {
  let server: GstRtspServer | undefined;
  let monitor: CameraMonitor | undefined;
  afterEach(async () => {
    await monitor?.stop();
    await server?.stop();
    monitor = undefined;
    server = undefined;
  });

  it('restarts once for a stale connection, notifies an outage, and restarts after recovery', async () => {
    server = await startGstRtspServer(CREDENTIALS);
    const port = server.port;
    const camera: CameraConfig = {
      name: 'door',
      kind: 'camera',
      url: server.url(CREDENTIALS),
      reportedAs: 'Front Door',
      interval: 100,
      timeout: 1000,
    };

    const bus = new EventBus();
    const logger = new RecordingLogger();
    const warnings: string[] = [];
    bus.on('runner:warning', (event) => warnings.push(event.message));
    monitor = new CameraMonitor({ cameras: [camera], bus, logger, maxBackoffMs: 200 });
    const handle = new RecordingHandle();
    const coordinator = new CameraCoordinator({
      handle,
      cameras: [camera, { ...camera, name: 'other-app', app: 'another' }],
      monitor,
      settings: { restartOnCameraOffline: false, reconnectWindowMs: WINDOW_MS },
      bus,
      logger,
    });
    const pastWindow = () =>
      waitFor(() => performance.now() - handle.startedAt! > WINDOW_MS, 'the reconnect window');

    monitor.start();
    await waitFor(
      () => monitor!.get('door')!.status === 'online',
      'the probe to reach the camera',
      10_000,
    );
    expect(coordinator.update([{ name: 'Front Door', online: true }], 'healthy')).toEqual([]);
    await pastWindow();

    // The app lost its stream while the camera still responds: one restart, cause camera.
    coordinator.update([{ name: 'Front Door', online: false }], 'healthy');
    expect(handle.restarts).toHaveLength(1);
    expect(handle.restarts[0]).toMatchObject({ cause: 'camera' });
    expect(handle.restarts[0]!.reason).toContain(
      'app reports door offline while the direct probe reaches it',
    );

    // Still offline inside and after the new window: one notification, no second restart.
    expect(coordinator.update([{ name: 'Front Door', online: false }], 'healthy')).toEqual([]);
    await pastWindow();
    coordinator.update([{ name: 'Front Door', online: false }], 'healthy');
    coordinator.update([{ name: 'Front Door', online: false }], 'healthy');
    expect(handle.restarts).toHaveLength(1);
    expect(warnings).toEqual([
      `cameras not reconnected after restart: door (probe reaches it) still reported offline ${WINDOW_MS} ms after the app started`,
    ]);

    // The camera goes away for real: app and probe agree, notify once, never restart.
    await server.stop();
    // A probe that raced the shutdown may have seen "connection reset": wait for a clean refusal.
    await waitFor(
      () => monitor!.get('door')!.detail === 'connection refused',
      'the probe to see the outage',
      5000,
    );
    coordinator.update([{ name: 'Front Door', online: false }], 'healthy');
    coordinator.update([{ name: 'Front Door', online: false }], 'healthy');
    expect(handle.restarts).toHaveLength(1);
    expect(warnings).toHaveLength(2);
    expect(warnings[1]).toBe(
      'camera door is offline: the app and the direct probe agree (connection refused); not restarting the app, which cannot bring it back',
    );

    // It responds again while the app still reports it offline: one restart.
    server = await startGstRtspServer({ ...CREDENTIALS, port });
    await waitFor(
      () => monitor!.get('door')!.status === 'online',
      'the probe to see the recovery',
      10_000,
    );
    coordinator.update([{ name: 'Front Door', online: false }], 'healthy');
    coordinator.update([{ name: 'Front Door', online: false }], 'healthy');
    expect(handle.restarts).toHaveLength(2);
    expect(handle.restarts.every((request) => request.cause === 'camera')).toBe(true);
    expect(logger.messages('info')).toContain('camera door responds to its direct probe again');

    const everything = JSON.stringify({
      logs: logger.records,
      warnings,
      restarts: handle.restarts,
    });
    expect(everything).not.toContain(CREDENTIALS.password);
  });

  it('logs a restart the supervisor does not accept', async () => {
    const bus = new EventBus();
    const logger = new RecordingLogger();
    const handle = new RecordingHandle();
    handle.accept = false;
    handle.startedAt = performance.now() - 10 * WINDOW_MS;
    const coordinator = new CameraCoordinator({
      handle,
      cameras: [{ name: 'ring', kind: 'doorbell', interval: 30_000, timeout: 5000 }],
      monitor: { get: () => undefined },
      settings: { restartOnCameraOffline: false, reconnectWindowMs: WINDOW_MS },
      bus,
      logger,
    });

    const actions = coordinator.update([{ name: 'ring', online: false }], 'healthy');
    expect(actions.map((action) => action.type)).toEqual(['restart']);
    expect(handle.restarts).toHaveLength(1);
    expect(logger.messages('info')[0]).toMatch(
      /^camera restart of tapo not accepted by the supervisor/,
    );
  });
});
