import { readFile, rename, stat } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { nodeCommand } from '../helpers/fixtures.js';
import { groupAlive } from '../helpers/processes.js';
import { waitFor } from '../helpers/wait.js';
import { CliHarness, exitOf, FAST, waitForRunning } from './harness.js';

const harness = new CliHarness();
afterEach(async () => {
  expect(await harness.cleanUp(), 'processes a test left running').toEqual([]);
});

describe('runner signals', () => {
  it.each(['SIGTERM', 'SIGINT'] as const)('%s stops everything, exit 0', async (signal) => {
    const dir = await harness.temp.make();
    const run = harness.start(
      ['run', ...FAST, '--name', 'tree', '--', ...nodeCommand('grandchildren.mjs')],
      dir,
    );
    const state = await waitForRunning(path.join(dir, 'logs'), 'tree');
    const pgid = state.apps.tree!.pid!;
    expect(groupAlive(pgid)).toBe(true);

    run.signal(signal);
    expect(await exitOf(run)).toEqual({ code: 0, signal: null });
    expect(groupAlive(pgid)).toBe(false);
    expect(run.stdout()).toContain(`stopping: received ${signal}`);
  });

  it('second SIGINT forces a stuck stop', async () => {
    const dir = await harness.temp.make();
    const run = harness.start(
      [
        'run',
        ...FAST,
        '--stop-timeout',
        '30s',
        '--name',
        'stuck',
        '--',
        ...nodeCommand('ignore-sigterm.mjs'),
      ],
      dir,
    );
    const state = await waitForRunning(path.join(dir, 'logs'), 'stuck');
    const pgid = state.apps.stuck!.pid!;

    run.signal('SIGINT');
    await run.waitForOutput(/stopping: received SIGINT/);
    const forcedAt = performance.now();
    run.signal('SIGINT');
    expect(await exitOf(run)).toEqual({ code: 130, signal: null });
    expect(performance.now() - forcedAt).toBeLessThan(5000);
    // SIGKILL was sent, not waited for: the kernel may take a moment to deliver it.
    await waitFor(() => !groupAlive(pgid), 'the app group to die of SIGKILL', 2000);
    expect(run.stdout()).toContain('second interrupt');
  });

  it('SIGHUP reopens the log files', async () => {
    const dir = await harness.temp.make();
    const logDir = path.join(dir, 'logs');
    const out = path.join(logDir, 'ticker.out.log');
    const runnerLog = path.join(logDir, 'tapo-camera-mcp-watchfiles.log');
    const run = harness.start(
      ['run', ...FAST, '--name', 'ticker', '--', ...nodeCommand('forever.mjs', '20')],
      dir,
    );
    await waitFor(
      async () => (await readFile(out, 'utf8').catch(() => '')).includes('tick 3'),
      'ticks',
    );
    // logrotate's default: rename, then tell the runner.
    await rename(out, `${out}.1`);
    await rename(runnerLog, `${runnerLog}.1`);
    run.signal('SIGHUP');

    const fresh = await waitFor(async () => {
      const text = await readFile(out, 'utf8').catch(() => '');
      return /tick \d+\n/.test(text) ? text : undefined;
    }, 'ticks in the new file');
    const first = Number(/tick (\d+)/.exec(fresh)![1]);
    const rotated = await readFile(`${out}.1`, 'utf8');
    const last = Number([...rotated.matchAll(/tick (\d+)/g)].at(-1)![1]);
    // No tick was lost or written twice across the rename.
    expect(first).toBe(last + 1);

    run.signal('SIGTERM');
    expect((await exitOf(run)).code).toBe(0);
    expect(await readFile(runnerLog, 'utf8')).toContain('crashproof stopped');
    expect((await stat(`${runnerLog}.1`)).size).toBeGreaterThan(0);
  });
});
