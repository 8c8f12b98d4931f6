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
  /** End the starting state: the app answered its first health check. */
  markReady(source: string): void;
  /** Healthy time counts toward resetting the restart budget; unhealthy time does not. */
  reportHealth(healthy: boolean): void;
  /** Send a signal to the app's process group without restarting it. */
  signal(signal: NodeJS.Signals): boolean;
}
