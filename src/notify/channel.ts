import type { NotifyMessage } from './message.js';

/** A receiver of notifications: a webhook or a command hook. */
export interface Channel {
  /** Names the receiver in logs without secrets: "webhook 1 (http://127.0.0.1:8080)". */
  readonly label: string;
  /** Further attempts after a failed delivery. */
  readonly retries: number;
  /** Backoff before the first retry; it doubles for each further one. */
  readonly retryDelayMs: number;
  /** Deliver one message; rejects with a DeliveryError. Aborting the signal ends the attempt. */
  send(message: NotifyMessage, signal: AbortSignal): Promise<void>;
}

/** A failed delivery, and whether another attempt may succeed. */
export class DeliveryError extends Error {
  constructor(
    message: string,
    readonly retryable: boolean,
  ) {
    super(message);
    this.name = 'DeliveryError';
  }
}
