import type { CameraConfig } from '../config/schema/cameras.js';
import type { EventBus, HealthState } from '../events.js';
import type { SupervisorHandle } from '../supervisor/handle.js';
import type { CameraState } from './monitor.js';
import {
  type CameraAction,
  type CameraPolicyMemory,
  type CameraPolicySettings,
  decideCameraActions,
  initialCameraPolicyMemory,
  type PolicyCamera,
  type ReportedDevice,
} from './policy.js';
import { isProbeable } from './probe.js';
import type { CameraLogger } from './types.js';

export interface CameraCoordinatorOptions {
  /** The supervised app whose health reports arrive through update(). */
  handle: SupervisorHandle;
  /** Every configured camera; those bound to another app through `app:` are left out. */
  cameras: readonly CameraConfig[];
  /** Source of probe states: a CameraMonitor. */
  monitor: { get(name: string): CameraState | undefined };
  /** From the app's health section: restartOnCameraOffline and reconnectWindow. */
  settings: CameraPolicySettings;
  bus: EventBus;
  logger: CameraLogger;
  /** Monotonic clock on the same base as handle.startedAt. */
  now?: () => number;
}

/**
 * Joins the app's device reports with the direct probes, runs the restart
 * policy and carries out its actions: restart requests with cause 'camera'
 * through the supervisor handle, and notifications as 'runner:warning' events.
 */
export class CameraCoordinator {
  private memory: CameraPolicyMemory = initialCameraPolicyMemory();
  private readonly cameras: readonly CameraConfig[];
  private readonly now: () => number;

  constructor(private readonly options: CameraCoordinatorOptions) {
    const app = options.handle.name;
    this.cameras = options.cameras.filter(
      (camera) => camera.app === undefined || camera.app === app,
    );
    this.now = options.now ?? (() => performance.now());
  }

  /** Feed the devices from one health report and the health verdict; returns the actions taken. */
  update(devices: ReadonlyArray<ReportedDevice>, health: HealthState): CameraAction[] {
    const { handle } = this.options;
    const decision = decideCameraActions({
      nowMs: this.now(),
      app: { state: handle.state, health, startedAtMs: handle.startedAt },
      devices,
      cameras: this.cameras.map((camera) => this.policyCamera(camera)),
      settings: this.options.settings,
      memory: this.memory,
    });
    this.memory = decision.memory;

    for (const action of decision.actions) this.carryOut(action);
    return decision.actions;
  }

  /** Copy the policy's memory, for status output and crash reports. */
  snapshot(): CameraPolicyMemory {
    return structuredClone(this.memory);
  }

  private policyCamera(camera: CameraConfig): PolicyCamera {
    const reportedAs = camera.reportedAs ?? camera.name;
    if (!isProbeable(camera)) return { name: camera.name, reportedAs, probe: undefined };
    const state = this.options.monitor.get(camera.name);
    return {
      name: camera.name,
      reportedAs,
      probe: state?.status ?? 'unknown',
      probeDetail: state?.detail,
    };
  }

  private carryOut(action: CameraAction): void {
    const { handle, logger, bus } = this.options;
    const fields = { app: handle.name, cameras: action.cameras };

    switch (action.type) {
      case 'restart': {
        const accepted = handle.requestRestart({ cause: 'camera', reason: action.reason });
        if (accepted) logger.warn(fields, `restarting ${handle.name}: ${action.reason}`);
        else
          logger.info(
            fields,
            `camera restart of ${handle.name} not accepted by the supervisor (already stopping or restarting): ${action.reason}`,
          );
        return;
      }
      case 'notify':
        logger.warn(fields, action.message);
        bus.emit('runner:warning', { app: handle.name, message: action.message });
        return;
      case 'log':
        logger.info(fields, action.message);
        return;
    }
  }
}
