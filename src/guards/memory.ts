import type { MemoryConfig } from '../config/schema/guards.js';
import { formatBytes, formatDuration } from '../config/units.js';
import type { EventBus } from '../events.js';
import type { SupervisorHandle } from '../supervisor/handle.js';
import {
  DEFAULT_LEAK_CRITERIA,
  estimateLeak,
  type LeakEstimate,
  type RssPoint,
  trimWindow,
} from './leak.js';
import { type GuardLogger, silentLogger } from './logger.js';
import { cpuPercent, ProcessTreeSampler, type TreeSample } from './proc-tree.js';

/** Anything that samples a process tree; ProcessTreeSampler in production. */
export interface TreeSampleSource {
  sample(rootPid: number): Promise<TreeSample | undefined>;
}

export interface MemoryGuardOptions {
  app: string;
  config: MemoryConfig;
  handle: SupervisorHandle;
  bus: EventBus;
  logger?: GuardLogger;
  sampler?: TreeSampleSource;
}

/** Resource figures of one app for `crashproof status`. */
export interface MemoryStatus {
  rssBytes: number | undefined;
  peakRssBytes: number | undefined;
  cpuPercent: number | undefined;
  peakCpuPercent: number | undefined;
  processes: number | undefined;
  /** Samples in a row over maxMemory while running. */
  overLimitSamples: number;
  leak: LeakEstimate | undefined;
}

/** Round a duration for people: "3h 20m", "12m", "40s". */
export function formatApproxDuration(ms: number): string {
  if (ms < 60_000) return `${Math.max(0, Math.round(ms / 1000))}s`;
  const minutes = Math.round(ms / 60_000);
  if (minutes >= 60 * 48) return `${Math.round(minutes / 1440)}d`;
  if (minutes >= 60) return `${Math.floor(minutes / 60)}h ${minutes % 60}m`;
  return `${minutes}m`;
}

/**
 * Samples the app's process tree every sampleInterval, emits
 * 'resource:sample', and requests a graceful restart when the tree's RSS
 * stays over maxMemory for consecutiveSamples samples in a row. Only samples
 * taken while the app is running count toward that streak, so a start-up
 * peak never restarts an app. Also fits RSS over leakWindow and warns once
 * per window about steady growth.
 */
export class MemoryGuard {
  private readonly app: string;
  private readonly config: MemoryConfig;
  private readonly handle: SupervisorHandle;
  private readonly bus: EventBus;
  private readonly logger: GuardLogger;
  private readonly sampler: TreeSampleSource;

  private timer: NodeJS.Timeout | undefined;
  private running = false;
  private pid: number | undefined;
  private previous: TreeSample | undefined;
  private points: RssPoint[] = [];
  private lastLeakWarningAt: number | undefined;
  private current: { rssBytes: number; cpuPercent: number; processes: number } | undefined;
  private peakRss: number | undefined;
  private peakCpu: number | undefined;
  private overLimit = 0;
  private leakEstimate: LeakEstimate | undefined;

  constructor(options: MemoryGuardOptions) {
    this.app = options.app;
    this.config = options.config;
    this.handle = options.handle;
    this.bus = options.bus;
    this.logger = options.logger ?? silentLogger;
    this.sampler = options.sampler ?? new ProcessTreeSampler();
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    this.schedule();
  }

  stop(): void {
    this.running = false;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
  }

  get status(): MemoryStatus {
    return {
      rssBytes: this.current?.rssBytes,
      peakRssBytes: this.peakRss,
      cpuPercent: this.current?.cpuPercent,
      peakCpuPercent: this.peakCpu,
      processes: this.current?.processes,
      overLimitSamples: this.overLimit,
      leak: this.leakEstimate,
    };
  }

  /** The latest leak fit, once there are two samples; `leaking` is true for steady growth. */
  get leak(): LeakEstimate | undefined {
    return this.leakEstimate;
  }

  /** Take one sample now; the timer calls this, and tests may too. */
  async sampleOnce(): Promise<TreeSample | undefined> {
    const pid = this.handle.pid;
    if (pid === undefined) {
      this.resetForNewProcess(undefined);
      this.current = undefined;
      return undefined;
    }
    if (pid !== this.pid) this.resetForNewProcess(pid);

    let sample: TreeSample | undefined;
    try {
      sample = await this.sampler.sample(pid);
    } catch (error) {
      this.logger.warn({ app: this.app, pid, err: error }, 'process tree sampling failed');
      return undefined;
    }
    // The process may have exited, or a new one started, while the table was read.
    if (sample === undefined || this.handle.pid !== pid) return undefined;

    this.record(sample);
    this.checkLimit(sample);
    this.checkLeak(sample);
    return sample;
  }

  private schedule(): void {
    if (!this.running) return;
    this.timer = setTimeout(() => {
      void this.sampleOnce().finally(() => this.schedule());
    }, this.config.sampleInterval);
    this.timer.unref?.();
  }

  private resetForNewProcess(pid: number | undefined): void {
    this.pid = pid;
    this.previous = undefined;
    this.points = [];
    this.overLimit = 0;
    this.leakEstimate = undefined;
    this.lastLeakWarningAt = undefined;
  }

  private record(sample: TreeSample): void {
    const percent = this.previous ? cpuPercent(this.previous, sample) : 0;
    this.previous = sample;
    this.current = {
      rssBytes: sample.rssBytes,
      cpuPercent: percent,
      processes: sample.pids.length,
    };
    this.peakRss = Math.max(this.peakRss ?? 0, sample.rssBytes);
    this.peakCpu = Math.max(this.peakCpu ?? 0, percent);
    this.bus.emit('resource:sample', {
      app: this.app,
      rssBytes: sample.rssBytes,
      cpuPercent: percent,
      processes: sample.pids.length,
    });
  }

  private checkLimit(sample: TreeSample): void {
    const limit = this.config.maxMemory;
    if (limit === undefined || sample.rssBytes <= limit) {
      this.overLimit = 0;
      return;
    }
    if (this.handle.state !== 'running') {
      this.overLimit = 0;
      this.logger.debug(
        { app: this.app, rssBytes: sample.rssBytes, state: this.handle.state },
        'RSS over the memory limit, not counted because the app is not running yet',
      );
      return;
    }

    this.overLimit++;
    if (this.overLimit < this.config.consecutiveSamples) return;

    const count = this.overLimit;
    this.overLimit = 0;
    const reason = `memory limit: RSS ${formatBytes(sample.rssBytes)} over ${formatBytes(limit)} for ${count} samples`;
    const accepted = this.handle.requestRestart({ cause: 'memory', reason, category: 'memory' });
    this.logger.warn(
      { app: this.app, rssBytes: sample.rssBytes, maxMemory: limit, pids: sample.pids, accepted },
      reason,
    );
  }

  private checkLeak(sample: TreeSample): void {
    this.points.push({ at: sample.at, rssBytes: sample.rssBytes });
    trimWindow(this.points, this.config.leakWindow);

    const criteria = { ...DEFAULT_LEAK_CRITERIA, minSpanMs: this.config.leakWindow / 2 };
    this.leakEstimate = estimateLeak(this.points, criteria, this.config.maxMemory);
    const estimate = this.leakEstimate;
    if (!estimate?.leaking) return;

    // Warn once per window while the growth goes on.
    if (
      this.lastLeakWarningAt !== undefined &&
      sample.at - this.lastLeakWarningAt < this.config.leakWindow
    ) {
      return;
    }
    this.lastLeakWarningAt = sample.at;

    const perMinute = formatBytes(estimate.slopeBytesPerSecond * 60);
    const window = formatDuration(this.config.leakWindow);
    let message = `possible memory leak: RSS grows steadily by ${perMinute}/min over the last ${window} (R² ${estimate.rSquared.toFixed(2)}), now ${formatBytes(sample.rssBytes)}`;
    if (estimate.msToLimit !== undefined && this.config.maxMemory !== undefined) {
      message += `; at this rate it reaches the ${formatBytes(this.config.maxMemory)} limit in about ${formatApproxDuration(estimate.msToLimit)}`;
    }
    this.logger.warn(
      {
        app: this.app,
        rssBytes: sample.rssBytes,
        slopeBytesPerSecond: estimate.slopeBytesPerSecond,
        rSquared: estimate.rSquared,
        msToLimit: estimate.msToLimit,
      },
      message,
    );
    this.bus.emit('runner:warning', { app: this.app, message });
  }
}
