import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { ProcessTracker } from './processes.js';
import { waitFor } from './wait.js';

/** The built CLI; `npm run build` must have run before these tests. */
export const CLI = fileURLToPath(new URL('../../dist/cli/main.js', import.meta.url));

export function assertBuilt(): void {
  if (!existsSync(CLI))
    throw new Error(`${CLI} is missing: run "npm run build" before the CLI tests`);
}

export interface CliRun {
  child: ChildProcess;
  pid: number;
  stdout(): string;
  stderr(): string;
  /** Resolves with the exit code, or the signal that ended the CLI. */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** Wait until stdout or stderr matches. */
  waitForOutput(pattern: RegExp, timeoutMs?: number): Promise<RegExpMatchArray>;
  /** Send a signal to the CLI process (by its PID). */
  signal(signal: NodeJS.Signals): void;
}

/**
 * Start `node dist/cli/main.js ARGS` as a real process in cwd. The caller
 * ends it (signal, or ends by itself); every run is tracked so afterEach can
 * SIGKILL a CLI that a failing test left running.
 */
export function startCli(
  args: string[],
  options: { cwd: string; env?: Record<string, string | undefined>; tracker?: ProcessTracker },
): CliRun {
  assertBuilt();
  const env: Record<string, string | undefined> = { ...process.env, ...options.env };
  for (const [key, value] of Object.entries(options.env ?? {}))
    if (value === undefined) delete env[key];
  const child = spawn(process.execPath, [CLI, ...args], {
    cwd: options.cwd,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  if (child.pid === undefined) throw new Error('the CLI did not start');
  options.tracker?.track(child.pid);
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (text: string) => {
    stdout += text;
    // The runner logs "started pid N" for every app child: track those too.
    for (const match of stdout.matchAll(/started pid (\d+)/g))
      options.tracker?.track(Number(match[1]));
  });
  child.stderr.setEncoding('utf8').on('data', (text: string) => (stderr += text));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('close', (code, signal) => resolve({ code, signal })),
  );
  const pid = child.pid;
  return {
    child,
    pid,
    stdout: () => stdout,
    stderr: () => stderr,
    exited,
    waitForOutput: (pattern, timeoutMs = 15_000) =>
      waitFor(
        () => (stdout + stderr).match(pattern) ?? undefined,
        `CLI output matching ${pattern}`,
        timeoutMs,
      ).catch((error: Error) => {
        throw new Error(`${error.message}\n--- output so far ---\n${stdout}${stderr}`);
      }),
    signal: (signal) => process.kill(pid, signal),
  };
}

/** Run the CLI to its end and return its exit code and output. */
export async function runCli(
  args: string[],
  options: { cwd: string; env?: Record<string, string | undefined>; timeoutMs?: number },
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const tracker = new ProcessTracker();
  const run = startCli(args, { ...options, tracker });
  const timeout = new Promise<'timeout'>((resolve) =>
    setTimeout(() => resolve('timeout'), options.timeoutMs ?? 20_000).unref(),
  );
  const result = await Promise.race([run.exited, timeout]);
  if (result === 'timeout') {
    tracker.killAll();
    throw new Error(
      `crashproof ${args.join(' ')} did not end in time\n${run.stdout()}${run.stderr()}`,
    );
  }
  return { code: result.code, stdout: run.stdout(), stderr: run.stderr() };
}
