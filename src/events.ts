import type { CrashCategory } from './crash/categories.js';

/** Per-app supervision states; see docs/architecture.md for the transitions. */
export type AppState = 'stopped' | 'starting' | 'running' | 'backoff' | 'stopping' | 'fatal';

/**
 * Why a restart happens. Causes in BUDGET_CAUSES spend the restart budget and
 * go through backoff; the others restart at once.
 */
export type RestartCause =
  | 'crash'
  | 'start-failure'
  | 'start-timeout'
  | 'health'
  | 'memory'
  | 'camera'
  | 'watch'
  | 'manual'
  | 'schedule'
  | 'reload'
  | 'database';

export const BUDGET_CAUSES: ReadonlySet<RestartCause> = new Set([
  'crash',
  'start-failure',
  'start-timeout',
  'health',
  'memory',
]);

/** A restart asked for by a monitor, a guard, the CLI or the watcher. */
export interface RestartRequest {
  cause: RestartCause;
  /** One line for people: "3 health checks failed: timed out after 10 s". */
  reason: string;
  /** Crash category to record when the restart is counted as a failure. */
  category?: CrashCategory;
  /** With a signal, the watcher delivers it instead of restarting. */
  signal?: NodeJS.Signals;
}

export type HealthState = 'unknown' | 'healthy' | 'degraded' | 'unhealthy';

export type CameraStatus =
  | 'unknown'
  | 'online'
  | 'auth-required'
  | 'auth-failed'
  | 'offline'
  | 'not-a-camera'
  | 'unplugged'
  | 'permission-denied';

/** The typed event map. Every observer (logger, reporter, notifier, status) subscribes here. */
export interface EventMap {
  'app:state': { app: string; from: AppState; to: AppState; reason: string; pid?: number };
  'app:spawn': { app: string; pid: number; attempt: number; command: string[] };
  'app:ready': { app: string; pid: number; afterMs: number; source: string };
  'app:exit': {
    app: string;
    pid: number;
    code: number | null;
    signal: NodeJS.Signals | null;
    uptimeMs: number;
    /** The runner asked the process to stop (stop, restart request). */
    expected: boolean;
    /** The process exited before it became ready. */
    duringStart: boolean;
  };
  'app:restart-scheduled': {
    app: string;
    cause: RestartCause;
    reason: string;
    attempt: number;
    delayMs: number;
  };
  'app:restart-requested': {
    app: string;
    request: RestartRequest;
    accepted: boolean;
    why?: string;
  };
  'app:fatal': { app: string; reason: string; restarts: number };
  'app:recovered': { app: string; afterCrashes: number };
  'app:budget-reset': { app: string; healthyForMs: number };
  'app:stop-survivors': { app: string; pids: number[] };
  'crash:report': {
    app: string;
    category: CrashCategory;
    hint: string;
    evidence?: string;
    reportPath?: string;
    reportId: string;
    attempt: number;
    nextDelayMs: number | null;
  };
  'health:check': {
    app: string;
    ok: boolean;
    httpStatus?: number;
    durationMs: number;
    error?: string;
  };
  'health:state': { app: string; from: HealthState; to: HealthState; detail: string };
  'camera:state': {
    camera: string;
    from: CameraStatus;
    to: CameraStatus;
    latencyMs?: number;
    detail: string;
  };
  'resource:sample': { app: string; rssBytes: number; cpuPercent: number; processes: number };
  'runner:warning': { message: string; app?: string };
  'runner:stopping': { signal?: string };
}

export type EventName = keyof EventMap;
export type Listener<K extends EventName> = (payload: EventMap[K]) => void;

/**
 * A small typed event bus. A listener that throws is reported through
 * onListenerError and never reaches the emitter, so an observer cannot take
 * supervision down.
 */
export class EventBus {
  private readonly listeners = new Map<EventName, Set<(payload: never) => void>>();
  listenerErrors = 0;

  constructor(
    private readonly onListenerError: (event: EventName, error: unknown) => void = () => {},
  ) {}

  on<K extends EventName>(event: K, listener: Listener<K>): () => void {
    let set = this.listeners.get(event);
    if (!set) {
      set = new Set();
      this.listeners.set(event, set);
    }
    set.add(listener as (payload: never) => void);
    return () => this.off(event, listener);
  }

  off<K extends EventName>(event: K, listener: Listener<K>): void {
    this.listeners.get(event)?.delete(listener as (payload: never) => void);
  }

  emit<K extends EventName>(event: K, payload: EventMap[K]): void {
    const set = this.listeners.get(event);
    if (!set) return;
    for (const listener of set) {
      try {
        (listener as Listener<K>)(payload);
      } catch (error) {
        this.listenerErrors++;
        this.onListenerError(event, error);
      }
    }
  }
}
