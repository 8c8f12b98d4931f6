import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { type CliRun, startCli } from '../helpers/cli.js';
import { ProcessTracker } from '../helpers/processes.js';
import { CLEAN_SEED_ENV } from '../helpers/seed-env.js';
import { TempDirs } from '../helpers/temp.js';
import { waitFor } from '../helpers/wait.js';

/** Flags that scale the runner's timings down for tests. */
export const FAST = [
  '--no-status',
  '--restart-delay',
  '50ms',
  '--start-seconds',
  '100ms',
  '--stop-timeout',
  '500ms',
];

/**
 * Runner processes of one test file: each run is in a temp directory, and
 * afterEach SIGKILLs whatever a failing test left (runner and app groups).
 */
export class CliHarness {
  readonly temp = new TempDirs();
  readonly tracker = new ProcessTracker();

  start(args: string[], cwd: string, env: Record<string, string | undefined> = {}): CliRun {
    return startCli(args, { cwd, env: { ...CLEAN_SEED_ENV, ...env }, tracker: this.tracker });
  }

  async cleanUp(): Promise<number[]> {
    const left = this.tracker.killAll();
    await this.temp.removeAll();
    return left;
  }
}

/** Read the runner's state file, or undefined while it is missing. */
export async function readState(logDir: string): Promise<StateFile | undefined> {
  try {
    return JSON.parse(
      await readFile(path.join(logDir, 'crashproof-state.json'), 'utf8'),
    ) as StateFile;
  } catch {
    return undefined;
  }
}

export interface StateFile {
  runner: { pid: number; stopped: boolean; procStartTime: number; bootId: string };
  apps: Record<
    string,
    { state: string; pid?: number; procStartTime?: number; crashes: number; attempts: number }
  >;
}

/**
 * Wait until the app runs and the state file names its PID and start time.
 * With runnerPid, only a state file written by that runner counts.
 */
export async function waitForRunning(
  logDir: string,
  app: string,
  runnerPid?: number,
): Promise<StateFile> {
  return waitFor(async () => {
    const state = await readState(logDir);
    const entry = state?.apps[app];
    if (runnerPid !== undefined && state?.runner.pid !== runnerPid) return undefined;
    return entry?.state === 'running' && typeof entry.procStartTime === 'number'
      ? state
      : undefined;
  }, `${app} running in the state file`);
}

/** Wait for the CLI to end, failing after timeoutMs. */
export async function exitOf(
  run: CliRun,
  timeoutMs = 15_000,
): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () =>
        reject(
          new Error(`the CLI did not exit in ${timeoutMs} ms\n${run.stdout()}${run.stderr()}`),
        ),
      timeoutMs,
    );
  });
  try {
    return await Promise.race([run.exited, timeout]);
  } finally {
    clearTimeout(timer);
  }
}
