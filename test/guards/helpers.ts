import { type ChildProcess, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { type AppState, EventBus, type RestartRequest } from '../../src/events.js';
import type { GuardLogger } from '../../src/guards/logger.js';
import type { SupervisorHandle } from '../../src/supervisor/handle.js';

export { waitFor } from '../helpers/wait.js';

export const FIXTURES = fileURLToPath(new URL('../fixtures/', import.meta.url));
export const GUARD_FIXTURES = fileURLToPath(new URL('./fixtures/', import.meta.url));

/**
 * Stands in for the supervisor's handle (src/supervisor), which owns the
 * process: it records restart requests and lets a test set the state.
 */
export class RecordingHandle implements SupervisorHandle {
  readonly requests: RestartRequest[] = [];
  state: AppState = 'running';
  pid: number | undefined;
  startedAt: number | undefined = 0;
  accept = true;

  constructor(
    readonly name: string,
    pid?: number,
  ) {
    this.pid = pid;
  }

  requestRestart(request: RestartRequest): boolean {
    this.requests.push(request);
    return this.accept;
  }

  markReady(): void {}
  reportHealth(): void {}
  signal(): boolean {
    return false;
  }
}

export interface LogLine {
  level: keyof GuardLogger;
  fields: object;
  message: string;
}

/** A logger that keeps every line, for assertions on messages. */
export function recordingLogger(): GuardLogger & { lines: LogLine[] } {
  const lines: LogLine[] = [];
  const record = (level: keyof GuardLogger) => (fields: object, message: string) => {
    lines.push({ level, fields, message });
  };
  return {
    lines,
    debug: record('debug'),
    info: record('info'),
    warn: record('warn'),
    error: record('error'),
  };
}

/** Start a Node script with piped output; the test kills it by PID. */
export function startNode(script: string, args: string[] = []): ChildProcess {
  return spawn(process.execPath, [script, ...args], { stdio: ['pipe', 'pipe', 'inherit'] });
}

/** Resolve with the first stdout line that matches pattern. */
export function waitForLine(
  child: ChildProcess,
  pattern: RegExp,
  timeoutMs = 15_000,
): Promise<RegExpExecArray> {
  return new Promise((resolve, reject) => {
    let buffer = '';
    const timer = setTimeout(
      () =>
        reject(new Error(`no line matching ${pattern} within ${timeoutMs} ms; output: ${buffer}`)),
      timeoutMs,
    );
    child.stdout!.setEncoding('utf8').on('data', (chunk: string) => {
      buffer += chunk;
      const match = pattern.exec(buffer);
      if (match) {
        clearTimeout(timer);
        resolve(match);
      }
    });
  });
}

/** SIGKILL each PID that still exists; a PID that is gone already is fine. */
export function killPids(pids: Iterable<number>): void {
  for (const pid of pids) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ESRCH') throw error;
    }
  }
}

/** True while a PID exists (a zombie counts until its parent reaps it). */
export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/**
 * Build what a file guard needs in a test: a bus whose 'runner:warning'
 * messages are collected, a recording logger, and a clock that starts at
 * 2026-01-01T12:00:00Z and moves one second per call.
 */
export function guardContext() {
  const bus = new EventBus();
  const warnings: string[] = [];
  bus.on('runner:warning', (warning) => warnings.push(warning.message));
  let tick = Date.UTC(2026, 0, 1, 12, 0, 0);
  const now = () => {
    tick += 1000;
    return new Date(tick);
  };
  return { bus, warnings, logger: recordingLogger(), now };
}
