/** A counting semaphore: at most `max` tasks run at once, the rest wait in order. */
export class ConcurrencyLimiter {
  private active = 0;
  private readonly waiting: Array<() => void> = [];

  constructor(readonly max: number) {
    if (!Number.isInteger(max) || max < 1) {
      throw new Error(`invalid concurrency limit ${max}: use a whole number of 1 or more`);
    }
  }

  async run<T>(task: () => Promise<T>): Promise<T> {
    await this.acquire();
    try {
      return await task();
    } finally {
      this.release();
    }
  }

  private acquire(): Promise<void> {
    if (this.active < this.max) {
      this.active++;
      return Promise.resolve();
    }
    return new Promise<void>((resolve) => this.waiting.push(resolve));
  }

  private release(): void {
    // Hand the slot straight to the next task, so `active` never dips and lets a newcomer jump the queue.
    const next = this.waiting.shift();
    if (next) next();
    else this.active--;
  }
}
