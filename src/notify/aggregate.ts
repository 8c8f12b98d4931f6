/**
 * Aggregation of repeated events per key (an app during a crash loop, a
 * flapping camera). The first event of a quiet key goes out at once and
 * opens a window. Events within the window are held. When the window ends,
 * they go out as one summary and the next window opens. A window that ends
 * with nothing held closes, so the next event goes out at once again.
 */
export class WindowAggregator<T> {
  private readonly windows = new Map<string, { held: T[]; timer: NodeJS.Timeout }>();

  constructor(
    private readonly windowMs: number,
    private readonly onSummary: (key: string, held: T[], windowMs: number) => void,
  ) {}

  /** Record an event. Returns true when it should be sent now, false when it was held. */
  add(key: string, item: T): boolean {
    const window = this.windows.get(key);
    if (window) {
      window.held.push(item);
      return false;
    }
    this.open(key);
    return true;
  }

  /** True while the key's window is open, that is, while its events are held. */
  isOpen(key: string): boolean {
    return this.windows.has(key);
  }

  /** Send the key's held events as a summary now and close its window (the loop ended or went fatal). */
  flush(key: string): void {
    const window = this.windows.get(key);
    if (!window) return;

    clearTimeout(window.timer);
    this.windows.delete(key);
    if (window.held.length > 0) this.onSummary(key, window.held, this.windowMs);
  }

  /** Send every held summary and stop all timers. */
  flushAll(): void {
    for (const key of [...this.windows.keys()]) this.flush(key);
  }

  private open(key: string): void {
    const timer = setTimeout(() => this.windowEnded(key), this.windowMs);
    // The runner's own work keeps the process alive; a pending summary alone should not.
    timer.unref();
    this.windows.set(key, { held: [], timer });
  }

  private windowEnded(key: string): void {
    const window = this.windows.get(key);
    if (!window) return;

    this.windows.delete(key);
    if (window.held.length === 0) return;

    this.open(key);
    this.onSummary(key, window.held, this.windowMs);
  }
}
