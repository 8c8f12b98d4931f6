/**
 * Groups a stream of changes into bursts: a burst ends after a quiet period
 * without changes, or at the latest maxWait after its first change, so a
 * steady stream of saves still produces one action every maxWait.
 */

/** Timer functions, injectable so that tests can drive time by hand. */
export interface DebounceClock {
  /** Monotonic milliseconds. */
  now(): number;
  setTimeout(callback: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

export const systemClock: DebounceClock = {
  now: () => performance.now(),
  setTimeout: (callback, ms) => setTimeout(callback, ms),
  clearTimeout: (handle) => clearTimeout(handle as NodeJS.Timeout),
};

/** One finished burst. */
export interface Burst<T> {
  /** Items in the order they were added, repeats included. */
  items: T[];
  /** Monotonic time of the first and the last item. */
  firstAt: number;
  lastAt: number;
  /** True when maxWait ended the burst while changes were still arriving. */
  cutByMaxWait: boolean;
}

export interface DebouncerOptions<T> {
  /** Quiet period in ms after the last item; 0 acts on the next timer turn. */
  quietMs: number;
  /** Longest time in ms from the first item of a burst to its end. */
  maxWaitMs: number;
  onBurst: (burst: Burst<T>) => void;
  clock?: DebounceClock;
}

export class Debouncer<T> {
  private readonly quietMs: number;
  private readonly maxWaitMs: number;
  private readonly onBurst: (burst: Burst<T>) => void;
  private readonly clock: DebounceClock;

  private items: T[] = [];
  private firstAt = 0;
  private lastAt = 0;
  private timer: unknown;

  constructor(options: DebouncerOptions<T>) {
    if (!(options.quietMs >= 0) || !(options.maxWaitMs >= 0)) {
      throw new Error(
        `invalid debounce timing (quiet ${options.quietMs} ms, maxWait ${options.maxWaitMs} ms): both must be 0 or more`,
      );
    }
    this.quietMs = options.quietMs;
    // A maxWait shorter than the quiet period would cut every burst at maxWait.
    this.maxWaitMs = Math.max(options.maxWaitMs, options.quietMs);
    this.onBurst = options.onBurst;
    this.clock = options.clock ?? systemClock;
  }

  /** Items of the burst in progress. */
  get pending(): number {
    return this.items.length;
  }

  /** Add items to the current burst, starting one when none is in progress. */
  add(items: Iterable<T>): void {
    const before = this.items.length;
    for (const item of items) this.items.push(item);
    if (this.items.length === before) return;

    const now = this.clock.now();
    if (before === 0) this.firstAt = now;
    this.lastAt = now;

    this.schedule(now);
  }

  /** End the current burst now, if there is one. */
  flush(): void {
    this.fire(false);
  }

  /** Drop the current burst without calling onBurst. */
  cancel(): void {
    this.clearTimer();
    this.items = [];
  }

  private schedule(now: number): void {
    this.clearTimer();
    const untilQuiet = this.quietMs;
    const untilMaxWait = this.firstAt + this.maxWaitMs - now;
    const delay = Math.max(0, Math.min(untilQuiet, untilMaxWait));
    const cutByMaxWait = untilMaxWait < untilQuiet;
    this.timer = this.clock.setTimeout(() => {
      this.timer = undefined;
      this.fire(cutByMaxWait);
    }, delay);
  }

  private fire(cutByMaxWait: boolean): void {
    this.clearTimer();
    if (this.items.length === 0) return;

    const burst: Burst<T> = {
      items: this.items,
      firstAt: this.firstAt,
      lastAt: this.lastAt,
      cutByMaxWait,
    };
    this.items = [];
    this.onBurst(burst);
  }

  private clearTimer(): void {
    if (this.timer === undefined) return;
    this.clock.clearTimeout(this.timer);
    this.timer = undefined;
  }
}
