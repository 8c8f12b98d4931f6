import { type Logger, pino } from 'pino';
import { waitFor } from './wait.js';

/** One record the runner logged, as pino would write it to the JSON log. */
export interface LogRecord {
  level: number;
  msg: string;
  [field: string]: unknown;
}

/** Create a pino logger that keeps its records in memory, so tests can wait on log lines. */
export function memoryLogger(): {
  logger: Logger;
  records: LogRecord[];
  waitForMessage(pattern: RegExp, timeoutMs?: number): Promise<LogRecord>;
} {
  const records: LogRecord[] = [];
  const logger = pino(
    { level: 'debug', base: {} },
    { write: (line: string) => void records.push(JSON.parse(line) as LogRecord) },
  );
  return {
    logger,
    records,
    waitForMessage: (pattern, timeoutMs = 15_000) =>
      waitFor(
        () => records.find((record) => pattern.test(record.msg)),
        `a log line matching ${pattern}`,
        timeoutMs,
        10,
      ),
  };
}
