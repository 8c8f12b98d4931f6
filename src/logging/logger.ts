import pino, { type Logger } from 'pino';
import pretty from 'pino-pretty';
import { redactDeep, redactText } from '../crash/redact.js';
import { LogFile } from './log-file.js';

export interface LoggerOptions {
  /** The runner's JSON log file, or undefined for console only. */
  file: string | undefined;
  level: string;
  /** Console format; auto is pretty on a TTY and JSON lines otherwise. */
  console: 'auto' | 'pretty' | 'json' | 'off';
  /** Built-in size rotation of the log file (logging.maxFileSize, logging.maxFiles). */
  rotation?: { maxBytes: number; maxFiles: number };
  stdout?: NodeJS.WriteStream;
}

export interface RunnerLogger {
  logger: Logger;
  /** Reopen the log file after logrotate renamed it (SIGHUP). */
  reopen(): void;
  /** Write out everything buffered; call before exit. */
  flush(): Promise<void>;
}

/**
 * Create the runner's logger: pino JSON lines to the log file and readable lines
 * on the console. The file is a LogFile, the same writer as app output:
 * asynchronous, so a slow disk never delays supervision, and a full or
 * read-only disk costs one console warning while console logging goes on.
 * Every record is redacted, because messages may quote camera URLs.
 */
export function createRunnerLogger(options: LoggerOptions): RunnerLogger {
  const stdout = options.stdout ?? process.stdout;
  const streams: pino.StreamEntry[] = [];
  let file: LogFile | undefined;

  if (options.file !== undefined) {
    file = new LogFile(
      options.file,
      {
        onTrouble: (message, error) => {
          const detail = error instanceof Error ? `: ${error.message}` : '';
          stdout.write(`crashproof: ${message}${detail}\n`);
        },
      },
      options.rotation,
    );
    const target = file;
    streams.push({ level: 'trace', stream: { write: (line: string) => void target.write(line) } });
  }

  let consoleMode = options.console;
  if (consoleMode === 'auto') consoleMode = stdout.isTTY ? 'pretty' : 'json';
  if (consoleMode === 'pretty') {
    streams.push({
      level: 'trace',
      stream: pretty({
        colorize: stdout.isTTY === true,
        destination: stdout,
        sync: true,
        ignore: 'pid,hostname',
        translateTime: 'SYS:HH:MM:ss.l',
      }),
    });
  } else if (consoleMode === 'json') {
    streams.push({ level: 'trace', stream: stdout });
  }

  const logger = pino(
    {
      level: options.level,
      base: {},
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: {
        log: (object) => redactDeep(object),
      },
      hooks: {
        logMethod(args, method) {
          const redacted = args.map((arg) =>
            typeof arg === 'string' ? redactText(arg) : arg,
          ) as Parameters<typeof method>;
          method.apply(this, redacted);
        },
      },
    },
    pino.multistream(streams),
  );

  return {
    logger,
    reopen() {
      file?.reopen();
    },
    async flush() {
      await file?.waitForDrain();
      await file?.close();
    },
  };
}
