import { mkdirSync } from 'node:fs';
import path from 'node:path';
import pino, { type Logger } from 'pino';
import pretty from 'pino-pretty';
import { redactDeep, redactText } from '../crash/redact.js';

export interface LoggerOptions {
  /** The runner's JSON log file, or undefined for console only. */
  file: string | undefined;
  level: string;
  /** Console format; auto is pretty on a TTY and JSON lines otherwise. */
  console: 'auto' | 'pretty' | 'json' | 'off';
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
 * The runner's logger: pino JSON lines to the log file (asynchronous, so a
 * slow disk never delays supervision) and readable lines on the console.
 * Every record is redacted, because messages may quote camera URLs.
 * A full or read-only disk costs one console warning; logging to the
 * console goes on and the file is retried on the next reopen.
 */
export function createRunnerLogger(options: LoggerOptions): RunnerLogger {
  const stdout = options.stdout ?? process.stdout;
  const streams: pino.StreamEntry[] = [];
  let fileDestination: ReturnType<typeof pino.destination> | undefined;
  let fileFailing = false;

  if (options.file !== undefined) {
    try {
      mkdirSync(path.dirname(options.file), { recursive: true });
    } catch {
      // Reported through the destination's error below.
    }
    fileDestination = pino.destination({
      dest: options.file,
      sync: false,
      mkdir: true,
      append: true,
    });
    fileDestination.on('error', (error: Error) => {
      if (fileFailing) return;
      fileFailing = true;
      stdout.write(
        `crashproof: cannot write the log file ${options.file}: ${error.message}; logging to the console only until it works again\n`,
      );
    });
    streams.push({ level: 'trace', stream: fileDestination });
  }

  const consoleMode =
    options.console === 'auto' ? (stdout.isTTY ? 'pretty' : 'json') : options.console;
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
      if (fileDestination === undefined) return;
      try {
        fileDestination.reopen();
        fileFailing = false;
      } catch (error) {
        stdout.write(`crashproof: cannot reopen ${options.file}: ${(error as Error).message}\n`);
      }
    },
    flush() {
      return new Promise((resolve) => {
        if (fileDestination === undefined || fileFailing) {
          resolve();
          return;
        }
        fileDestination.flush((error) => {
          if (error)
            stdout.write(`crashproof: flushing ${options.file} failed: ${error.message}\n`);
          resolve();
        });
      });
    },
  };
}
