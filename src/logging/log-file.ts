import { createWriteStream, mkdirSync, renameSync, type WriteStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import path from 'node:path';

/** Callbacks through which a LogFile reports write trouble instead of throwing. */
export interface LogFileEvents {
  /** Called once when writing starts failing (disk full, read-only) and once when a write succeeds again. */
  onTrouble(message: string, error?: unknown): void;
}

const RETRY_MS = 5000;

/**
 * An append-only file for raw app output. Writes never throw: when the disk
 * is full or read-only, chunks are dropped and counted, the owner hears of it
 * once, and the file is reopened every few seconds until writing works again.
 * write() returns false when the caller should wait for 'drain' (backpressure).
 */
export class LogFile {
  private stream: WriteStream | undefined;
  private failing = false;
  /** The owner was warned that writing fails and has not yet been notified that it works again. */
  private troubleAnnounced = false;
  private retryTimer: NodeJS.Timeout | undefined;
  private drainWaiters: Array<() => void> = [];
  private size = 0;
  droppedBytes = 0;
  writtenBytes = 0;

  constructor(
    readonly filePath: string,
    private readonly events: LogFileEvents,
    private readonly rotation?: { maxBytes: number; maxFiles: number },
  ) {
    this.open();
  }

  write(chunk: Buffer | string): boolean {
    const stream = this.stream;
    if (stream === undefined || this.failing) {
      this.droppedBytes += chunk.length;
      return true;
    }
    this.writtenBytes += chunk.length;
    this.size += chunk.length;
    // After trouble, only a write that reached the file counts as recovery:
    // on a full disk the reopen succeeds and the next write fails again.
    const ok = this.troubleAnnounced
      ? stream.write(chunk, (error) => this.confirmRecovery(error))
      : stream.write(chunk);
    if (this.rotation !== undefined && this.size >= this.rotation.maxBytes) this.rotate();
    return ok;
  }

  /** Resolve once buffered data is handed to the OS (or writing has failed). */
  waitForDrain(): Promise<void> {
    if (this.stream === undefined || this.failing || !this.stream.writableNeedDrain)
      return Promise.resolve();
    return new Promise((resolve) => this.drainWaiters.push(resolve));
  }

  /** Close and open the path again, after logrotate renamed the file. */
  reopen(): void {
    const old = this.stream;
    this.stream = undefined;
    old?.end();
    this.open();
    // The old stream never emits 'drain' after end(), and the new one is empty.
    this.releaseDrainWaiters();
  }

  async close(): Promise<void> {
    if (this.retryTimer) clearTimeout(this.retryTimer);
    const stream = this.stream;
    this.stream = undefined;
    if (stream === undefined) return;
    await new Promise<void>((resolve) => {
      stream.end(() => resolve());
      stream.once('error', () => resolve());
    });
  }

  private open(): void {
    try {
      mkdirSync(path.dirname(this.filePath), { recursive: true });
    } catch (error) {
      this.fail(error);
      return;
    }
    // 1 MiB, not the default 16 KiB: one 64 KiB pipe read then queues instead
    // of pausing the app's pipe until each write completes.
    const stream = createWriteStream(this.filePath, { flags: 'a', highWaterMark: 1024 * 1024 });
    stream.on('error', (error) => this.fail(error, stream));
    stream.on('drain', () => this.releaseDrainWaiters());
    stream.on('open', () => {
      this.failing = false;
    });
    this.stream = stream;
    this.size = 0;
    if (this.rotation !== undefined) {
      stat(this.filePath).then(
        (info) => (this.size += info.size),
        () => {},
      );
    }
  }

  private fail(error: unknown, stream?: WriteStream): void {
    if (stream !== undefined && stream !== this.stream) return;
    this.failing = true;
    if (!this.troubleAnnounced) {
      this.troubleAnnounced = true;
      this.events.onTrouble(
        `cannot write ${this.filePath}; output is dropped until it works again`,
        error,
      );
    }
    this.stream = undefined;
    stream?.destroy();
    this.releaseDrainWaiters();
    if (this.retryTimer === undefined) {
      this.retryTimer = setTimeout(() => {
        this.retryTimer = undefined;
        this.open();
      }, RETRY_MS);
      this.retryTimer.unref();
    }
  }

  private confirmRecovery(error: Error | null | undefined): void {
    if (error || !this.troubleAnnounced) return;
    this.troubleAnnounced = false;
    this.events.onTrouble(
      `writing ${this.filePath} works again; ${this.droppedBytes} bytes were dropped meanwhile`,
    );
  }

  private releaseDrainWaiters(): void {
    const waiters = this.drainWaiters;
    this.drainWaiters = [];
    for (const resolve of waiters) resolve();
  }

  /** Built-in size rotation: file → file.1 → ... → file.N, for hosts without logrotate. */
  private rotate(): void {
    if (this.rotation === undefined) return;
    // Synchronous on purpose: a rotation happens once per maxBytes, and while
    // asynchronous renames ran, writes kept going to the old file, which then
    // grew far past the limit at high output rates.
    const { maxFiles } = this.rotation;
    for (let index = maxFiles - 1; index >= 1; index--) {
      renameQuietly(`${this.filePath}.${index}`, `${this.filePath}.${index + 1}`);
    }
    renameQuietly(this.filePath, `${this.filePath}.1`);
    this.reopen();
  }
}

function renameQuietly(from: string, to: string): void {
  try {
    renameSync(from, to);
  } catch {
    // A missing older file is normal; a failed rename leaves the file to grow.
  }
}
