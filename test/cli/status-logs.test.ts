import path from 'node:path';
import { PassThrough } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import { logsCommand } from '../../src/cli/logs.js';
import { runCli } from '../helpers/cli.js';
import { nodeCommand } from '../helpers/fixtures.js';
import { waitFor } from '../helpers/wait.js';
import { CliHarness, exitOf, FAST, waitForRunning } from './harness.js';

const harness = new CliHarness();
afterEach(async () => {
  expect(await harness.cleanUp(), 'processes a test left running').toEqual([]);
});

/** Start a runner whose app "ticker" prints a numbered line every 20 ms. */
async function ticker() {
  const dir = await harness.temp.make();
  const logDir = path.join(dir, 'logs');
  const run = harness.start(
    ['run', ...FAST, '--name', 'ticker', '--', ...nodeCommand('forever.mjs', '20')],
    dir,
  );
  const state = await waitForRunning(logDir, 'ticker', run.pid);
  return { dir, logDir, run, state };
}

describe('crashproof status', () => {
  it('shows a running app, then a stopped runner', async () => {
    const { dir, run, state } = await ticker();
    const pid = state.apps.ticker!.pid!;

    const table = await runCli(['status', '--log-dir', 'logs'], { cwd: dir });
    expect(table.code).toBe(0);
    const lines = table.stdout.split('\n');
    expect(lines[0]).toMatch(new RegExp(`^runner pid ${run.pid}, up since `));
    expect(lines[1]).toMatch(/^NAME\s+STATE\s+PID\s+UPTIME\s+RESTARTS\s+CRASHES\s+MEMORY\s+HEALTH/);
    expect(lines[2]).toMatch(new RegExp(`^ticker\\s+running\\s+${pid}\\s+\\S+\\s+0\\s+0\\s`));

    const json = await runCli(['status', '--log-dir', 'logs', '--json'], { cwd: dir });
    const document = JSON.parse(json.stdout) as {
      runnerAlive: boolean;
      apps: Record<string, { state: string; pid: number }>;
    };
    expect(document.runnerAlive).toBe(true);
    expect(document.apps.ticker).toMatchObject({ state: 'running', pid });

    run.signal('SIGTERM');
    expect((await exitOf(run)).code).toBe(0);
    const after = await runCli(['status', '--log-dir', 'logs'], { cwd: dir });
    expect(after.code).toBe(1);
    expect(after.stdout).toMatch(
      new RegExp(
        `^runner is NOT running \\(last seen pid ${run.pid}, state written \\S+ ago, stopped cleanly\\)`,
      ),
    );
    expect(after.stdout).toMatch(/\nticker\s+stopped\s+-\s+-/);
    const afterJson = await runCli(['status', '--log-dir', 'logs', '--json'], { cwd: dir });
    expect((JSON.parse(afterJson.stdout) as { runnerAlive: boolean }).runnerAlive).toBe(false);
  });

  it('says so when there is no state file', async () => {
    const dir = await harness.temp.make();
    const result = await runCli(['status', '--log-dir', 'logs'], { cwd: dir });
    expect(result.code).toBe(1);
    expect(result.stdout).toContain('crashproof has not run with this log directory');
  });
});

describe('crashproof logs', () => {
  it('prints the last 5 lines with -n 5', async () => {
    const { dir, logDir, run } = await ticker();
    await waitFor(
      async () =>
        (await runCli(['logs', 'ticker', '--log-dir', 'logs'], { cwd: dir })).stdout.includes(
          'tick 8',
        ),
      'eight ticks',
    );
    const result = await runCli(['logs', 'ticker', '-n', '5', '--log-dir', 'logs'], { cwd: dir });
    expect(result.code).toBe(0);
    const out = result.stdout.split('\n').filter((line) => line.startsWith('ticker.out | '));
    expect(out).toHaveLength(5);
    const numbers = out.map((line) => Number(/tick (\d+)/.exec(line)?.[1]));
    expect(numbers).toEqual(numbers.map((_, index) => numbers[0]! + index));
    expect(result.stdout).toContain(`==> ${path.join(logDir, 'ticker.out.log')} <==`);
    run.signal('SIGTERM');
    await exitOf(run);
  });

  it('prints no old lines with -n 0', async () => {
    const { dir, run } = await ticker();
    await waitFor(
      async () =>
        (await runCli(['logs', 'ticker', '--log-dir', 'logs'], { cwd: dir })).stdout.includes(
          'tick 3',
        ),
      'three ticks',
    );
    const result = await runCli(['logs', 'ticker', '-n', '0', '--log-dir', 'logs'], { cwd: dir });
    expect(result.stdout).not.toContain('| ');
    run.signal('SIGTERM');
    await exitOf(run);
  });

  it('follows new lines with -f until killed', async () => {
    const { dir, run } = await ticker();
    const follower = harness.start(['logs', 'ticker', '-f', '-n', '1', '--log-dir', 'logs'], dir);
    const first = Number((await follower.waitForOutput(/ticker\.out \| tick (\d+)/))[1]);
    await follower.waitForOutput(new RegExp(`ticker\\.out \\| tick ${first + 10}\\n`));
    follower.signal('SIGTERM');
    expect((await exitOf(follower)).signal).toBe('SIGTERM');
    run.signal('SIGTERM');
    await exitOf(run);
  });

  it('stops following when the signal aborts', async () => {
    const { logDir, run } = await ticker();
    const out = new PassThrough();
    let text = '';
    out.on('data', (chunk: Buffer) => (text += chunk.toString()));
    const abort = new AbortController();
    const following = logsCommand(
      logDir,
      'ticker',
      { follow: true, lines: 0, signal: abort.signal },
      out,
    );
    await waitFor(() => /tick \d+\n[\s\S]*tick \d+\n/.test(text), 'two followed lines');
    abort.abort();
    expect(await following).toBe(0);
    run.signal('SIGTERM');
    await exitOf(run);
  });

  it('names the expected files for an unknown app', async () => {
    const dir = await harness.temp.make();
    const result = await runCli(['logs', 'nope', '--log-dir', '.'], { cwd: dir });
    expect(result.code).toBe(1);
    expect(result.stdout).toContain('expected nope.out.log or nope.err.log');
  });
});
