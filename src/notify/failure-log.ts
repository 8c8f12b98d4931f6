import type { Logger } from 'pino';

/**
 * Logs repeated failures of one receiver at most once per interval, with
 * the count of those not logged, and logs once when the receiver works
 * again. A dead receiver then costs one log line per interval, not one per
 * message.
 */
export class FailureLog {
  private readonly entries = new Map<
    string,
    { lastLoggedAt: number; unlogged: number; total: number }
  >();

  constructor(
    private readonly logger: Logger,
    private readonly intervalMs: number,
  ) {}

  failure(key: string, fields: Record<string, unknown>, message: string): void {
    const now = performance.now();
    const entry = this.entries.get(key);

    if (entry && now - entry.lastLoggedAt < this.intervalMs) {
      entry.unlogged++;
      entry.total++;
      return;
    }

    const unlogged = entry?.unlogged ?? 0;
    const suffix = unlogged > 0 ? ` (${unlogged} more since the last report)` : '';
    this.logger.warn({ ...fields, unlogged }, `${message}${suffix}`);
    this.entries.set(key, { lastLoggedAt: now, unlogged: 0, total: (entry?.total ?? 0) + 1 });
  }

  success(key: string, fields: Record<string, unknown>, message: string): void {
    const entry = this.entries.get(key);
    if (!entry) return;

    this.entries.delete(key);
    this.logger.info(
      { ...fields, failures: entry.total },
      `${message} after ${entry.total} failures`,
    );
  }
}
