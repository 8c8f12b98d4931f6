import type { ScheduleConfig } from '../config/schema/guards.js';
import type { EventBus, HealthState } from '../events.js';
import type { SupervisorHandle } from '../supervisor/handle.js';
import {
  type CronSchedule,
  nextCronTime,
  parseCron,
  parseRestartAt,
  type TimeZoneMode,
} from './cron.js';
import { type GuardLogger, silentLogger } from './logger.js';

/**
 * Wall-clock time and timers for the scheduler. Tests pass a clock that runs
 * faster than real time; production uses Date.now and setTimeout.
 */
export interface ScheduleClock {
  /** Wall-clock time, epoch ms. */
  now(): number;
  /** Call fn after ms of this clock's time; returns a function that cancels the timer. */
  setTimer(fn: () => void, ms: number): () => void;
}

export const systemClock: ScheduleClock = {
  now: () => Date.now(),
  setTimer: (fn, ms) => {
    const timer = setTimeout(fn, ms);
    timer.unref?.();
    return () => clearTimeout(timer);
  },
};

/**
 * Timers wake at most this often (clock ms) to compare the wall clock with the
 * next run, so a suspended laptop or a clock change does not push a run far off.
 */
const MAX_TIMER_MS = 60_000;

export interface ScheduledRestartOptions {
  app: string;
  config: ScheduleConfig;
  handle: SupervisorHandle;
  bus: EventBus;
  logger?: GuardLogger;
  clock?: ScheduleClock;
}

export interface ScheduledRun {
  /** Epoch ms of the scheduled time. */
  at: number;
  outcome: 'requested' | 'rejected' | 'skipped';
  detail: string;
}

/** Build the schedule from a config section; throws CronError on an invalid value. */
export function scheduleFromConfig(config: ScheduleConfig): CronSchedule | undefined {
  if (config.restartAt !== undefined) return parseRestartAt(config.restartAt);
  if (config.cron !== undefined) return parseCron(config.cron);
  return undefined;
}

/**
 * Restarts the app gracefully at the configured times, for apps that
 * accumulate state slowly. A run is skipped, and logged, while the app is
 * starting, not running, or unhealthy: the health monitor already handles an
 * unhealthy app, and a restart during start-up would only delay readiness.
 */
export class ScheduledRestart {
  private readonly app: string;
  private readonly handle: SupervisorHandle;
  private readonly logger: GuardLogger;
  private readonly clock: ScheduleClock;
  private readonly schedule: CronSchedule | undefined;
  private readonly zone: TimeZoneMode;
  private readonly unsubscribe: () => void;

  private health: HealthState = 'unknown';
  private cancelTimer: (() => void) | undefined;
  private nextAt: number | undefined;
  private last: ScheduledRun | undefined;

  constructor(options: ScheduledRestartOptions) {
    this.app = options.app;
    this.handle = options.handle;
    this.logger = options.logger ?? silentLogger;
    this.clock = options.clock ?? systemClock;
    this.schedule = scheduleFromConfig(options.config);
    this.zone = options.config.timeZone;
    // Subscribed from construction, so health reported before start() counts.
    this.unsubscribe = options.bus.on('health:state', (event) => {
      if (event.app === this.app) this.health = event.to;
    });
  }

  /** Epoch ms of the next scheduled restart, or undefined when stopped or unscheduled. */
  get nextRunAt(): number | undefined {
    return this.nextAt;
  }

  get lastRun(): ScheduledRun | undefined {
    return this.last;
  }

  start(): void {
    if (this.schedule === undefined || this.nextAt !== undefined) return;
    this.planFrom(this.clock.now());
  }

  stop(): void {
    this.cancelTimer?.();
    this.cancelTimer = undefined;
    this.nextAt = undefined;
  }

  /** Stop for good and drop the health subscription. */
  dispose(): void {
    this.stop();
    this.unsubscribe();
  }

  private planFrom(after: number): void {
    const next = nextCronTime(this.schedule!, new Date(after), this.zone);
    this.nextAt = next?.getTime();
    if (this.nextAt === undefined) return;
    this.logger.debug(
      {
        app: this.app,
        schedule: this.schedule!.source,
        nextRunAt: new Date(this.nextAt).toISOString(),
      },
      'scheduled restart planned',
    );
    this.arm();
  }

  private arm(): void {
    const wait = Math.max(0, this.nextAt! - this.clock.now());
    this.cancelTimer = this.clock.setTimer(() => this.onTimer(), Math.min(wait, MAX_TIMER_MS));
  }

  private onTimer(): void {
    const due = this.nextAt;
    if (due === undefined) return;
    if (this.clock.now() < due) {
      this.arm();
      return;
    }
    this.run(due);
    this.planFrom(Math.max(due, this.clock.now()));
  }

  private run(due: number): void {
    const state = this.handle.state;
    let skip: string | undefined;
    if (state === 'starting') skip = 'the app is still starting';
    else if (state !== 'running') skip = `the app is ${state}`;
    else if (this.health === 'unhealthy') skip = 'the app is unhealthy';

    const when = new Date(due).toISOString();
    if (skip !== undefined) {
      this.last = { at: due, outcome: 'skipped', detail: skip };
      this.logger.info(
        { app: this.app, scheduledAt: when, state, health: this.health },
        `scheduled restart skipped: ${skip}`,
      );
      return;
    }

    const reason = `scheduled restart (${this.schedule!.source}, due ${when})`;
    const accepted = this.handle.requestRestart({ cause: 'schedule', reason });
    this.last = { at: due, outcome: accepted ? 'requested' : 'rejected', detail: reason };
    this.logger.info({ app: this.app, scheduledAt: when, accepted }, reason);
  }
}
