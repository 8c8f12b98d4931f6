import type { CameraConfig } from '../config/schema/cameras.js';
import type { CameraStatus, EventBus } from '../events.js';
import { watchDeviceNodes } from './device-watcher.js';
import { formatSeconds } from './format.js';
import { ConcurrencyLimiter } from './limiter.js';
import { cameraAddress, isProbeable, probeCamera } from './probe.js';
import { type CameraLogger, isProbeFailure, type ProbeResult } from './types.js';

/** The monitor's record of one camera. */
export interface CameraState {
  name: string;
  kind: CameraConfig['kind'];
  /** URL without its password, or the device path. */
  address: string;
  status: CameraStatus;
  latencyMs: number | undefined;
  detail: string;
  /** Wall-clock ISO time of the last status change (or of the monitor's start). */
  since: string;
  /** Monotonic time (performance.now() ms) of the last status change. */
  changedAtMs: number;
  /** Wall-clock ISO time of the last finished probe. */
  lastProbeAt: string | undefined;
  /** Probes in a row that did not find the camera online. */
  consecutiveFailures: number;
  clockSkewMs?: number;
}

export interface CameraSnapshot {
  takenAt: string;
  allFailing: boolean;
  cameras: Array<CameraState & { nextProbeInMs: number | undefined }>;
}

export interface CameraMonitorOptions {
  cameras: CameraConfig[];
  bus: EventBus;
  logger: CameraLogger;
  /** Probes running at once across all cameras. */
  maxConcurrent?: number;
  /** Maximum delay between probes of a failing camera, or the camera's own interval when that is longer. */
  maxBackoffMs?: number;
  /** Watch the parent directories of V4L2 device nodes to see unplugs at once. */
  watchDevices?: boolean;
  /** The probe to run; probeCamera by default. */
  probe?: (camera: CameraConfig) => Promise<ProbeResult>;
}

interface Entry {
  config: CameraConfig;
  state: CameraState;
  timer: NodeJS.Timeout | undefined;
  nextProbeAtMs: number | undefined;
  running: Promise<CameraState> | undefined;
  /** A probe queued behind the running one, because something changed after it started. */
  followUp: Promise<CameraState> | undefined;
}

const DEFAULT_MAX_CONCURRENT = 16;
const DEFAULT_MAX_BACKOFF_MS = 5 * 60_000;

/**
 * Probes every camera on its own interval, at most `maxConcurrent` at a
 * time, backing off (doubling the interval up to a cap) while a camera is
 * not online. Emits `camera:state` on every status change. Cameras without
 * a url or device are listed with status 'unknown' and never probed.
 */
export class CameraMonitor {
  private readonly entries = new Map<string, Entry>();
  private readonly limiter: ConcurrencyLimiter;
  private readonly maxBackoffMs: number;
  private readonly probe: (camera: CameraConfig) => Promise<ProbeResult>;
  private stopWatching: (() => void) | undefined;
  private started = false;
  private stopped = false;
  private networkDownSinceMs: number | undefined;

  constructor(private readonly options: CameraMonitorOptions) {
    this.limiter = new ConcurrencyLimiter(options.maxConcurrent ?? DEFAULT_MAX_CONCURRENT);
    this.maxBackoffMs = options.maxBackoffMs ?? DEFAULT_MAX_BACKOFF_MS;
    this.probe = options.probe ?? ((camera) => probeCamera(camera));

    const now = new Date().toISOString();
    for (const config of options.cameras) {
      if (this.entries.has(config.name)) {
        throw new Error(`duplicate camera name "${config.name}": each camera needs its own name`);
      }
      this.entries.set(config.name, {
        config,
        state: {
          name: config.name,
          kind: config.kind,
          address: cameraAddress(config),
          status: 'unknown',
          latencyMs: undefined,
          detail: isProbeable(config)
            ? 'not probed yet'
            : "no direct probe: judged from the app's health report",
          since: now,
          changedAtMs: performance.now(),
          lastProbeAt: undefined,
          consecutiveFailures: 0,
        },
        timer: undefined,
        nextProbeAtMs: undefined,
        running: undefined,
        followUp: undefined,
      });
    }
  }

  /** Start probing: every camera at once (within the concurrency limit), then on its interval. */
  start(): void {
    if (this.started) return;
    this.started = true;

    for (const entry of this.entries.values()) {
      if (isProbeable(entry.config)) this.schedule(entry, 0);
    }

    const devices = [...this.entries.values()].flatMap((entry) =>
      entry.config.device === undefined ? [] : [entry.config.device],
    );
    if (devices.length > 0 && this.options.watchDevices !== false) {
      this.stopWatching = watchDeviceNodes(
        devices,
        (path, present) => this.onDeviceChange(path, present),
        (directory, error) =>
          this.options.logger.warn(
            { directory, error: String(error) },
            `cannot watch ${directory} for device changes; unplugs are seen at the next probe`,
          ),
      );
    }
  }

  /** Stop probing and wait for probes in flight (each ends within its timeout). */
  async stop(): Promise<void> {
    this.stopped = true;
    this.stopWatching?.();
    this.stopWatching = undefined;
    const running: Array<Promise<CameraState>> = [];
    for (const entry of this.entries.values()) {
      clearTimeout(entry.timer);
      entry.timer = undefined;
      entry.nextProbeAtMs = undefined;
      if (entry.running) running.push(entry.running);
    }
    await Promise.allSettled(running);
  }

  /** Probe a camera now, outside its schedule; a probe under way is followed by a fresh one. */
  probeNow(name: string): Promise<CameraState> {
    const entry = this.entries.get(name);
    if (!entry) {
      const known = [...this.entries.keys()].join(', ') || 'none';
      return Promise.reject(new Error(`unknown camera "${name}": configured cameras are ${known}`));
    }
    if (!isProbeable(entry.config)) return Promise.resolve({ ...entry.state });
    return this.runFreshProbe(entry);
  }

  get(name: string): CameraState | undefined {
    const entry = this.entries.get(name);
    return entry ? { ...entry.state } : undefined;
  }

  states(): CameraState[] {
    return [...this.entries.values()].map((entry) => ({ ...entry.state }));
  }

  snapshot(): CameraSnapshot {
    const now = performance.now();
    return {
      takenAt: new Date().toISOString(),
      allFailing: this.allFailing(),
      cameras: [...this.entries.values()].map((entry) => ({
        ...entry.state,
        nextProbeInMs:
          entry.nextProbeAtMs === undefined
            ? undefined
            : Math.max(0, Math.round(entry.nextProbeAtMs - now)),
      })),
    };
  }

  /**
   * True when every network camera (one with a url) has been probed and
   * none responds: with several cameras down at once the likely cause is the
   * network, not the cameras. Local V4L2 devices do not count either way.
   */
  allFailing(): boolean {
    const network = [...this.entries.values()].filter((entry) => entry.config.url !== undefined);
    return network.length > 0 && network.every((entry) => isProbeFailure(entry.state.status));
  }

  private schedule(entry: Entry, delayMs: number): void {
    if (this.stopped) return;
    clearTimeout(entry.timer);
    entry.nextProbeAtMs = performance.now() + delayMs;
    entry.timer = setTimeout(() => {
      entry.timer = undefined;
      void this.runProbe(entry);
    }, delayMs);
    // The monitor never keeps the process alive on its own.
    entry.timer.unref();
  }

  /** Run a probe that starts after this call, so its result reflects every change before the call. */
  private runFreshProbe(entry: Entry): Promise<CameraState> {
    if (!entry.running) return this.runProbe(entry);
    if (!entry.followUp) {
      entry.followUp = entry.running.then(() => {
        entry.followUp = undefined;
        return this.runProbe(entry);
      });
    }
    return entry.followUp;
  }

  private runProbe(entry: Entry): Promise<CameraState> {
    if (entry.running) return entry.running;
    if (this.stopped) return Promise.resolve({ ...entry.state });

    clearTimeout(entry.timer);
    entry.timer = undefined;
    entry.nextProbeAtMs = undefined;

    const running = this.limiter
      .run(() => this.probe(entry.config))
      .then((result) => {
        this.apply(entry, result);
        this.schedule(entry, this.nextDelay(entry));
        return { ...entry.state };
      })
      .finally(() => {
        entry.running = undefined;
      });
    entry.running = running;
    return running;
  }

  /** Compute the next delay: the interval, doubled for each further failure in a row, up to the cap. */
  private nextDelay(entry: Entry): number {
    const interval = entry.config.interval;
    const failures = entry.state.consecutiveFailures;
    if (failures <= 1) return interval;
    const cap = Math.max(interval, this.maxBackoffMs);
    return Math.min(cap, interval * 2 ** Math.min(failures - 1, 30));
  }

  private apply(entry: Entry, result: ProbeResult): void {
    const state = entry.state;
    const from = state.status;

    state.latencyMs = result.latencyMs;
    state.detail = result.detail;
    state.lastProbeAt = new Date().toISOString();
    state.consecutiveFailures = result.status === 'online' ? 0 : state.consecutiveFailures + 1;
    if (result.clockSkewMs === undefined) delete state.clockSkewMs;
    else state.clockSkewMs = result.clockSkewMs;

    if (result.status === from) return;

    state.status = result.status;
    state.since = state.lastProbeAt;
    state.changedAtMs = performance.now();

    const fields = {
      camera: state.name,
      address: state.address,
      from,
      to: result.status,
      latencyMs: result.latencyMs,
      detail: result.detail,
    };
    const message = `camera ${state.name} (${state.address}) ${from} -> ${result.status}: ${result.detail}`;
    if (result.status === 'online') this.options.logger.info(fields, message);
    else this.options.logger.warn(fields, message);

    this.options.bus.emit('camera:state', {
      camera: state.name,
      from,
      to: result.status,
      latencyMs: result.latencyMs,
      detail: result.detail,
    });
    this.checkNetwork();
  }

  /** Log the start and end of an apparent network interruption once each. */
  private checkNetwork(): void {
    const failing = this.allFailing();
    if (failing && this.networkDownSinceMs === undefined) {
      this.networkDownSinceMs = performance.now();
      const count = [...this.entries.values()].filter(
        (entry) => entry.config.url !== undefined,
      ).length;
      this.options.logger.warn(
        { cameras: count },
        `every network camera probe fails (${count} camera${count === 1 ? '' : 's'}): treating it as a network interruption`,
      );
    } else if (!failing && this.networkDownSinceMs !== undefined) {
      const lastedMs = performance.now() - this.networkDownSinceMs;
      this.networkDownSinceMs = undefined;
      this.options.logger.info(
        { lastedMs: Math.round(lastedMs) },
        `a network camera responds again: network interruption over after ${formatSeconds(lastedMs)}`,
      );
    }
  }

  private onDeviceChange(path: string, present: boolean): void {
    for (const entry of this.entries.values()) {
      if (entry.config.device !== path) continue;
      this.options.logger.debug(
        { camera: entry.config.name, device: path, present },
        `device node ${path} ${present ? 'appeared' : 'disappeared'}: probing camera ${entry.config.name} now`,
      );
      void this.runFreshProbe(entry);
    }
  }
}
