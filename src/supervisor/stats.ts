import type { AppState, RestartCause } from '../events.js';

/** Everything `crashproof status` and the status server show about one app. */
export interface AppStats {
  name: string;
  state: AppState;
  pid: number | undefined;
  /** Start time of the current child in /proc clock ticks, to recognise it after a runner crash. */
  procStartTime: number | undefined;
  /** Wall-clock ISO time when the current child started. */
  startedAt: string | undefined;
  uptimeMs: number;
  /** Uptime of all runs of this runner added up. */
  totalUptimeMs: number;
  /** Budget-spending restarts since the last reset. */
  attempts: number;
  restarts: Partial<Record<RestartCause, number>>;
  restartsTotal: number;
  crashes: number;
  /** Restarts in the last hour. */
  restartsLastHour: number;
  lastExit:
    | { code: number | null; signal: string | null; at: string; uptimeMs: number }
    | undefined;
  /** Wall-clock ISO time of the next start while in backoff. */
  nextStartAt: string | undefined;
  reason: string;
}

/** Counters kept by the supervisor, with monotonic time for durations. */
export class StatsRecorder {
  restarts: Partial<Record<RestartCause, number>> = {};
  crashes = 0;
  totalUptimeMs = 0;
  private restartTimes: number[] = [];

  countRestart(cause: RestartCause): void {
    this.restarts[cause] = (this.restarts[cause] ?? 0) + 1;
    const now = performance.now();
    this.restartTimes.push(now);
    while (this.restartTimes.length > 0 && now - this.restartTimes[0]! > 3_600_000)
      this.restartTimes.shift();
  }

  get restartsTotal(): number {
    return Object.values(this.restarts).reduce((sum, count) => sum + (count ?? 0), 0);
  }

  get restartsLastHour(): number {
    const now = performance.now();
    return this.restartTimes.filter((time) => now - time <= 3_600_000).length;
  }
}
