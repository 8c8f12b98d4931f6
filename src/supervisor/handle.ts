import type { CrashCategory } from '../crash/categories.js';
import type { AppState, RestartRequest } from '../events.js';

/**
 * What monitors and guards may do to a supervised app. Only the supervisor
 * spawns or signals the process; everything else goes through this handle.
 */
export interface SupervisorHandle {
  readonly name: string;
  readonly state: AppState;
  /** PID of the current child, or undefined when none runs. */
  readonly pid: number | undefined;
  /** Monotonic time (performance.now() ms) when the current child was spawned. */
  readonly startedAt: number | undefined;
  /** Ask for a restart; the supervisor may reject it (stopping, fatal, already restarting). */
  requestRestart(request: RestartRequest): boolean;
  /** End the starting state because the app passed its first health check. */
  markReady(source: string): void;
  /** Healthy time counts toward resetting the restart budget; unhealthy time does not. */
  reportHealth(healthy: boolean): void;
  /** Send a signal to the app's process group without restarting it. */
  signal(signal: NodeJS.Signals): boolean;
}

/** Facts a pre-start hook receives about the exit that preceded this start. */
export interface PreStartContext {
  app: string;
  /** The previous run ended by a crash, a signal or SIGKILL, not by a requested clean stop. */
  uncleanExit: boolean;
  /** The runner had to SIGKILL the previous run after the stop timeout. */
  killedAfterTimeout: boolean;
  /** The first start of this runner, as opposed to a restart. */
  firstStart: boolean;
  /** Category of the crash that preceded this start, when there was one. */
  crashCategory?: CrashCategory;
}

/**
 * Work that must finish before a (re)start, such as an SQLite integrity check.
 * A hook that throws is logged and the start goes on; a hook is bounded by its
 * own timeout.
 */
export type PreStartHook = (context: PreStartContext) => Promise<void>;
