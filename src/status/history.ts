import type { CrashCategory } from '../crash/categories.js';
import type { AppState, EventBus, RestartCause } from '../events.js';

export interface StateChange {
  /** Wall-clock milliseconds since the epoch. */
  at: number;
  state: AppState;
}

export interface CrashMark {
  at: number;
  app: string;
  category: CrashCategory;
  hint: string;
  reportId: string;
}

export interface RestartMark {
  at: number;
  app: string;
  cause: RestartCause;
  delayMs: number;
}

/** Data of the dashboard timeline: states per app, crashes and restarts within a window. */
export interface Timeline {
  from: number;
  to: number;
  apps: Record<string, StateChange[]>;
  crashes: CrashMark[];
  restarts: RestartMark[];
}

export interface HistoryOptions {
  windowMs: number;
  /** Entries kept per list, so a crash loop cannot grow memory without bound. */
  maxEntries?: number;
  now?: () => number;
}

const DEFAULT_MAX_ENTRIES = 10_000;

/**
 * Recent history of the runner, from bus events: app states, crash reports
 * and scheduled restarts within a sliding window (24 h by default), plus
 * crash counts per category for the whole life of the runner.
 */
export class StatusHistory {
  private readonly states = new Map<string, StateChange[]>();
  private readonly crashes: CrashMark[] = [];
  private readonly restarts: RestartMark[] = [];
  private readonly crashCounts = new Map<string, Map<CrashCategory, number>>();
  private readonly unsubscribe: Array<() => void> = [];
  private readonly maxEntries: number;
  private readonly now: () => number;

  constructor(
    bus: EventBus,
    private readonly options: HistoryOptions,
  ) {
    this.maxEntries = options.maxEntries ?? DEFAULT_MAX_ENTRIES;
    this.now = options.now ?? Date.now;
    this.unsubscribe.push(
      bus.on('app:state', (event) => this.recordState(event.app, event.to)),
      bus.on('crash:report', (event) =>
        this.recordCrash({
          at: this.now(),
          app: event.app,
          category: event.category,
          hint: event.hint,
          reportId: event.reportId,
        }),
      ),
      bus.on('app:restart-scheduled', (event) =>
        this.push(this.restarts, {
          at: this.now(),
          app: event.app,
          cause: event.cause,
          delayMs: event.delayMs,
        }),
      ),
    );
  }

  /** Record an app's current state, for apps that existed before the history started. */
  recordState(app: string, state: AppState, at = this.now()): void {
    let list = this.states.get(app);
    if (list === undefined) {
      list = [];
      this.states.set(app, list);
    }
    if (list.at(-1)?.state === state) return;
    this.push(list, { at, state });
  }

  /** Count a crash and put it on the timeline (also used to seed from earlier reports). */
  recordCrash(mark: CrashMark): void {
    let counts = this.crashCounts.get(mark.app);
    if (counts === undefined) {
      counts = new Map();
      this.crashCounts.set(mark.app, counts);
    }
    counts.set(mark.category, (counts.get(mark.category) ?? 0) + 1);
    if (mark.at >= this.now() - this.options.windowMs) this.push(this.crashes, mark);
  }

  /** Crash reports per category for one app since the runner started. */
  crashesByCategory(app: string): Partial<Record<CrashCategory, number>> {
    return Object.fromEntries(this.crashCounts.get(app) ?? []);
  }

  /** Forget an app removed by a reload; its crashes stay on the timeline until they age out. */
  forgetApp(app: string): void {
    this.states.delete(app);
    this.crashCounts.delete(app);
  }

  timeline(): Timeline {
    const to = this.now();
    const from = to - this.options.windowMs;
    this.prune(from);
    const apps: Record<string, StateChange[]> = {};
    for (const [app, list] of this.states) apps[app] = [...list];
    return {
      from,
      to,
      apps,
      crashes: this.crashes.filter((mark) => mark.at >= from),
      restarts: this.restarts.filter((mark) => mark.at >= from),
    };
  }

  close(): void {
    for (const off of this.unsubscribe) off();
  }

  private push<T>(list: T[], entry: T): void {
    list.push(entry);
    if (list.length > this.maxEntries) list.splice(0, list.length - this.maxEntries);
  }

  /** Drop entries older than `from`, keeping the last state before it as the state at `from`. */
  private prune(from: number): void {
    for (const list of this.states.values()) {
      let firstInWindow = list.findIndex((change) => change.at >= from);
      if (firstInWindow === -1) firstInWindow = list.length;
      if (firstInWindow > 1) list.splice(0, firstInWindow - 1);
      if (list.length > 0 && list[0]!.at < from) list[0] = { ...list[0]!, at: from };
    }
    dropBefore(this.crashes, from);
    dropBefore(this.restarts, from);
  }
}

function dropBefore(list: Array<{ at: number }>, from: number): void {
  const index = list.findIndex((entry) => entry.at >= from);
  list.splice(0, index === -1 ? list.length : index);
}
