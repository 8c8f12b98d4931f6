import path from 'node:path';
import type { Logger } from 'pino';
import { writeFileAtomic } from '../util/atomic-write.js';
import { STATE_FILE, type StateDocument } from './state-file.js';

const MIN_INTERVAL_MS = 1000;

/**
 * Persists the runner's statistics to logs/crashproof-state.json: at most
 * once a second for routine updates, and at once with fsync when an app
 * changes state, so a runner killed with SIGKILL leaves its children's
 * identities behind for the next start.
 */
export class StateStore {
  readonly file: string;
  private timer: NodeJS.Timeout | undefined;
  private lastWrite = 0;
  private writing: Promise<void> = Promise.resolve();
  private failing = false;

  constructor(
    logDir: string,
    private readonly build: () => StateDocument,
    private readonly logger: Logger,
  ) {
    this.file = path.join(logDir, STATE_FILE);
  }

  /** Schedule a write within a second. */
  touch(): void {
    if (this.timer !== undefined) return;
    const wait = Math.max(0, MIN_INTERVAL_MS - (performance.now() - this.lastWrite));
    this.timer = setTimeout(() => {
      this.timer = undefined;
      void this.write(false);
    }, wait);
    this.timer.unref();
  }

  /** Write now with fsync (state changes, shutdown). */
  writeNow(): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    return this.write(true);
  }

  close(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
  }

  private write(fsync: boolean): Promise<void> {
    // Writes are chained so an older document never lands after a newer one.
    this.writing = this.writing.then(async () => {
      this.lastWrite = performance.now();
      try {
        await writeFileAtomic(this.file, `${JSON.stringify(this.build(), null, 2)}\n`, { fsync });
        if (this.failing) {
          this.failing = false;
          this.logger.info({ file: this.file }, 'writing the state file works again');
        }
      } catch (error) {
        if (!this.failing) {
          this.failing = true;
          this.logger.warn(
            { file: this.file, err: error },
            'cannot write the state file; supervision goes on',
          );
        }
      }
    });
    return this.writing;
  }
}
