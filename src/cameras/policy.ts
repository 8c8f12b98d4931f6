import type { AppState, CameraStatus, HealthState } from '../events.js';
import { formatSeconds } from './format.js';
import { isReachable } from './types.js';

/**
 * The camera-aware restart rules as a pure function of plain data:
 *
 * - The app reports a camera offline while the direct probe reaches it: the
 *   app has a stale connection. Restart the app once; the rule re-arms for
 *   that camera only after its state (probe reachability or the app's
 *   report) changes again.
 * - The app and the probe agree a camera is offline: a restart cannot help.
 *   Notify once; when the camera responds again and the app still reports it
 *   offline, the first rule restarts the app once.
 * - A device with no direct probe (a cloud doorbell, or a device the app
 *   reports but no `cameras:` entry names) is judged from the app's report
 *   alone: one restart when it goes offline, re-armed when it is back.
 * - After any start, the app has `reconnectWindowMs` to report reachable
 *   cameras online. No camera restart happens inside the window; when it
 *   ends with cameras that were never reported online since the start,
 *   notify once and count that start as their one restart, so nothing loops.
 * - `restartOnCameraOffline` keeps the original behaviour: restart whenever
 *   the app reports a camera offline, at most once per reconnect window.
 *
 * Restarts only happen while the app is running and its health verdict is
 * healthy or degraded: an unhealthy app is the health monitor's to restart.
 * Restarts carry cause 'camera', which never spends the crash budget.
 */

export interface ReportedDevice {
  name: string;
  /** undefined when the app's report leaves it out. */
  online: boolean | undefined;
}

export interface PolicyCamera {
  /** The `cameras:` entry's name. */
  name: string;
  /** The device name in the app's health body: reportedAs ?? name. */
  reportedAs: string;
  /** The direct probe's status; undefined for a camera that cannot be probed. */
  probe: CameraStatus | undefined;
  /** The probe's detail, for messages. */
  probeDetail?: string;
}

export interface CameraPolicySettings {
  restartOnCameraOffline: boolean;
  reconnectWindowMs: number;
}

export interface CameraPolicyInput {
  /** Monotonic now (performance.now() ms), on the same clock as startedAtMs. */
  nowMs: number;
  app: {
    state: AppState;
    health: HealthState;
    /** Monotonic time the current process started; undefined when none runs. */
    startedAtMs: number | undefined;
  };
  /** The devices from the app's latest health report. */
  devices: readonly ReportedDevice[];
  /** The `cameras:` entries that belong to this app. */
  cameras: readonly PolicyCamera[];
  settings: CameraPolicySettings;
  memory: CameraPolicyMemory;
}

export interface CameraMemory {
  /** This camera's one restart is available. */
  armed: boolean;
  /** State when the restart was spent: a change in either value re-arms it. */
  spentWith?: { reachable: boolean | undefined; appOnline: boolean };
  /** An outage that the app and the probe agree on has been notified. */
  outageNotified: boolean;
}

/** The reconnect check's record of the app's current process. */
export interface RunMemory {
  startedAtMs: number | undefined;
  /** Keys of cameras the app has reported online since this start. */
  reportedOnline: string[];
  /** A decision ran inside the reconnect window, so the check at its end is fair. */
  seenInWindow: boolean;
  /** The reconnect check for this start has run. */
  checked: boolean;
}

export interface CameraPolicyMemory {
  /** By camera name; devices that no camera entry names are keyed "reported:<device name>". */
  cameras: Record<string, CameraMemory>;
  run: RunMemory;
}

export type CameraAction =
  | { type: 'restart'; cause: 'camera'; reason: string; cameras: string[] }
  | { type: 'notify'; message: string; cameras: string[] }
  | { type: 'log'; message: string; cameras: string[] };

export interface CameraPolicyDecision {
  actions: CameraAction[];
  memory: CameraPolicyMemory;
}

export function initialCameraPolicyMemory(): CameraPolicyMemory {
  return { cameras: {}, run: newRun(undefined) };
}

function newRun(startedAtMs: number | undefined): RunMemory {
  return { startedAtMs, reportedOnline: [], seenInWindow: false, checked: false };
}

/** One camera or reported device as the rules see it. */
interface Subject {
  key: string;
  label: string;
  /** Undefined when the app's report leaves it out. */
  appOnline: boolean | undefined;
  /** Undefined when there is no probe or it has not run yet. */
  reachable: boolean | undefined;
  /** No probe possible: judged from the app's report alone. */
  reportOnly: boolean;
  probeDetail: string | undefined;
}

export function decideCameraActions(input: CameraPolicyInput): CameraPolicyDecision {
  const memory: CameraPolicyMemory = structuredClone(input.memory);
  const actions: CameraAction[] = [];
  const subjects = collectSubjects(input);
  const memoryOf = (subject: Subject): CameraMemory => {
    memory.cameras[subject.key] ??= { armed: true, outageNotified: false };
    return memory.cameras[subject.key]!;
  };

  // Re-arm spent restarts whose camera changed state, and close notified outages.
  for (const subject of subjects) {
    const camera = memoryOf(subject);
    if (!camera.armed && camera.spentWith && changedSince(subject, camera.spentWith)) {
      camera.armed = true;
      delete camera.spentWith;
    }
    if (camera.outageNotified && subject.reachable === true) {
      camera.outageNotified = false;
      actions.push({
        type: 'log',
        message: `camera ${subject.label} responds to its direct probe again`,
        cameras: [subject.label],
      });
    }
  }

  // Outages that the app and the probe agree on: notify once, never restart.
  for (const subject of subjects) {
    const camera = memoryOf(subject);
    if (subject.appOnline === false && subject.reachable === false && !camera.outageNotified) {
      camera.outageNotified = true;
      actions.push({
        type: 'notify',
        message: `camera ${subject.label} is offline: the app and the direct probe agree (${subject.probeDetail ?? 'no detail'}); not restarting the app, which cannot bring it back`,
        cameras: [subject.label],
      });
    }
  }

  const { app, settings, nowMs } = input;
  const running = app.state === 'running' && app.startedAtMs !== undefined;
  const inWindow = running && nowMs - app.startedAtMs! < settings.reconnectWindowMs;

  if (memory.run.startedAtMs !== app.startedAtMs) memory.run = newRun(app.startedAtMs);
  const run = memory.run;
  if (inWindow) run.seenInWindow = true;
  for (const subject of subjects) {
    if (subject.appOnline === true && !run.reportedOnline.includes(subject.key)) {
      run.reportedOnline.push(subject.key);
    }
  }

  // The end of a reconnect window: name what did not come back, once, and count that start as
  // its restart. Only fair when a decision ran inside the window (the app was watched from its start).
  if (running && !inWindow && run.seenInWindow && !run.checked) {
    run.checked = true;
    const missing = subjects.filter(
      (subject) =>
        subject.appOnline === false &&
        (subject.reachable === true || subject.reportOnly) &&
        !run.reportedOnline.includes(subject.key),
    );
    if (missing.length > 0) {
      for (const subject of missing) spend(memoryOf(subject), subject);
      const list = missing.map(
        (subject) =>
          `${subject.label} (${subject.reportOnly ? 'no direct probe' : 'probe reaches it'})`,
      );
      actions.push({
        type: 'notify',
        message: `cameras not reconnected after restart: ${list.join(', ')} still reported offline ${formatSeconds(settings.reconnectWindowMs)} after the app started`,
        cameras: missing.map((subject) => subject.label),
      });
    }
  }

  const mayRestart =
    running && !inWindow && (app.health === 'healthy' || app.health === 'degraded');
  if (!mayRestart) return { actions, memory };

  if (settings.restartOnCameraOffline) {
    const offline = subjects.filter((subject) => subject.appOnline === false);
    if (offline.length > 0) {
      const names = offline.map((subject) => subject.label);
      actions.push({
        type: 'restart',
        cause: 'camera',
        reason: `app reports ${names.join(', ')} offline: restarting (restartOnCameraOffline)`,
        cameras: names,
      });
    }
    return { actions, memory };
  }

  const stale = subjects.filter(
    (subject) =>
      subject.appOnline === false &&
      memoryOf(subject).armed &&
      (subject.reachable === true || subject.reportOnly),
  );
  if (stale.length > 0) {
    for (const subject of stale) spend(memoryOf(subject), subject);
    const reasons = stale.map((subject) =>
      subject.reportOnly
        ? `app reports ${subject.label} offline and it has no direct probe`
        : `app reports ${subject.label} offline while the direct probe reaches it (${subject.probeDetail ?? 'reachable'})`,
    );
    actions.push({
      type: 'restart',
      cause: 'camera',
      reason: `${reasons.join('; ')}: restarting the app once to drop a stale camera connection`,
      cameras: stale.map((subject) => subject.label),
    });
  }
  return { actions, memory };
}

function collectSubjects(input: CameraPolicyInput): Subject[] {
  const reports = new Map<string, boolean | undefined>();
  for (const device of input.devices) reports.set(device.name, device.online);

  const subjects: Subject[] = [];
  const claimed = new Set<string>();
  for (const camera of input.cameras) {
    claimed.add(camera.reportedAs);
    const probed = camera.probe !== undefined;
    subjects.push({
      key: camera.name,
      label: camera.name,
      appOnline: reports.get(camera.reportedAs),
      reachable: !probed || camera.probe === 'unknown' ? undefined : isReachable(camera.probe!),
      reportOnly: !probed,
      probeDetail: camera.probeDetail,
    });
  }

  for (const device of input.devices) {
    if (claimed.has(device.name)) continue;
    subjects.push({
      key: `reported:${device.name}`,
      label: device.name,
      appOnline: device.online,
      reachable: undefined,
      reportOnly: true,
      probeDetail: undefined,
    });
  }
  return subjects;
}

function spend(camera: CameraMemory, subject: Subject): void {
  camera.armed = false;
  camera.spentWith = { reachable: subject.reachable, appOnline: subject.appOnline ?? false };
}

/** Unknown values (no report, no probe yet) are not changes. */
function changedSince(
  subject: Subject,
  spentWith: NonNullable<CameraMemory['spentWith']>,
): boolean {
  if (subject.appOnline !== undefined && subject.appOnline !== spentWith.appOnline) return true;
  return (
    subject.reachable !== undefined &&
    spentWith.reachable !== undefined &&
    subject.reachable !== spentWith.reachable
  );
}
