import { setTimeout as sleep } from 'node:timers/promises';
import { type Channel, DeliveryError } from './channel.js';
import type { FailureLog } from './failure-log.js';
import type { NotifyMessage } from './message.js';

export interface ChannelStats {
  label: string;
  sent: number;
  failed: number;
  dropped: number;
  queued: number;
}

/**
 * The bounded queue and worker of one channel. push() never waits: it
 * stores the message and the worker delivers messages one at a time, in
 * order, with retries and exponential backoff. When the queue is full the
 * oldest message is dropped and counted, so a slow receiver costs memory
 * up to `capacity` messages and nothing else.
 */
export class ChannelQueue {
  private readonly items: NotifyMessage[] = [];
  private running = false;
  private closing = false;
  private idleWaiters: Array<() => void> = [];
  private readonly counts = { sent: 0, failed: 0, dropped: 0 };

  constructor(
    private readonly channel: Channel,
    private readonly capacity: number,
    private readonly failures: FailureLog,
    private readonly abort: AbortSignal,
  ) {}

  push(message: NotifyMessage): void {
    if (this.items.length >= this.capacity) {
      this.items.shift();
      this.counts.dropped++;
      this.failures.failure(
        `${this.channel.label}:queue`,
        { channel: this.channel.label, dropped: this.counts.dropped },
        `notification queue of ${this.channel.label} is full (${this.capacity}): dropped the oldest message, ${this.counts.dropped} so far`,
      );
    }
    this.items.push(message);

    if (!this.running) {
      this.running = true;
      // Start on a later turn, so that nothing of a delivery (spawn, request setup) runs inside the emitter.
      setImmediate(() => void this.run());
    }
  }

  /** From now on, deliver what is queued without retries. */
  startClosing(): void {
    this.closing = true;
  }

  /** Resolve when the queue is empty and no delivery is in flight. */
  idle(): Promise<void> {
    if (!this.running) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  /** Drop what is still queued (at shutdown, after the deadline) and return how many. */
  discard(): number {
    const count = this.items.length;
    this.items.length = 0;
    this.counts.dropped += count;
    return count;
  }

  stats(): ChannelStats {
    return { label: this.channel.label, ...this.counts, queued: this.items.length };
  }

  private async run(): Promise<void> {
    for (let message = this.items.shift(); message !== undefined; message = this.items.shift()) {
      await this.deliver(message);
    }
    this.running = false;

    const waiters = this.idleWaiters;
    this.idleWaiters = [];
    for (const resolve of waiters) resolve();
  }

  private async deliver(message: NotifyMessage): Promise<void> {
    const { label } = this.channel;
    const fields = {
      channel: label,
      notification: message.kind,
      app: message.app,
      camera: message.camera,
    };

    for (let attempt = 0; ; attempt++) {
      try {
        await this.channel.send(message, this.abort);
        this.counts.sent++;
        this.failures.success(label, fields, `${label} works again`);
        return;
      } catch (error) {
        const failure =
          error instanceof DeliveryError ? error : new DeliveryError(String(error), false);
        const lastAttempt = attempt >= this.channel.retries || this.closing || this.abort.aborted;

        if (!failure.retryable || lastAttempt) {
          this.counts.failed++;
          this.failures.failure(
            label,
            { ...fields, error: failure.message, attempts: attempt + 1 },
            `notification to ${label} failed after ${attempt + 1} attempt(s): ${failure.message}`,
          );
          return;
        }

        const delayMs = this.channel.retryDelayMs * 2 ** attempt;
        const aborted = await sleep(delayMs, false, { signal: this.abort }).catch(() => true);
        if (aborted) {
          this.counts.failed++;
          return;
        }
      }
    }
  }
}
