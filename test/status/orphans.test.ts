import { spawn } from 'node:child_process';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { CliHarness, exitOf, FAST, readState, waitForRunning } from '../cli/harness.js';
import { runCli } from '../helpers/cli.js';
import { nodeCommand } from '../helpers/fixtures.js';
import { groupAlive, isAlive, startTimeOf } from '../helpers/processes.js';
import { waitFor } from '../helpers/wait.js';

const harness = new CliHarness();
afterEach(async () => {
  expect(await harness.cleanUp(), 'processes a test left running').toEqual([]);
});

const APP = ['--name', 'cam', '--', ...nodeCommand('grandchildren.mjs')];

describe('orphans of a killed runner', () => {
  it('ends the orphaned group on the next start', async () => {
    const dir = await harness.temp.make();
    const logDir = path.join(dir, 'logs');
    const first = harness.start(['run', ...FAST, ...APP], dir);
    const before = await waitForRunning(logDir, 'cam');
    const orphan = before.apps.cam!.pid!;
    // Only kill the runner once the app has printed: a Node app that writes to
    // the pipe of a dead runner dies of EPIPE, and then no orphan is left to test.
    await waitFor(
      async () =>
        (await readFile(path.join(logDir, 'cam.out.log'), 'utf8').catch(() => '')).includes(
          'grandchild',
        ),
      'the app to print its PIDs',
    );

    first.signal('SIGKILL');
    expect((await exitOf(first)).signal).toBe('SIGKILL');
    // The app group outlives its runner: it was started in a group of its own.
    expect(groupAlive(orphan)).toBe(true);
    const status = await runCli(['status', '--log-dir', 'logs'], { cwd: dir });
    expect(status.code).toBe(1);
    expect(status.stdout).toMatch(
      new RegExp(`^runner is NOT running \\(last seen pid ${first.pid}, state written \\S+ ago\\)`),
    );

    const second = harness.start(['run', ...FAST, ...APP], dir);
    await second.waitForOutput(
      new RegExp(`ending process group ${orphan} left by a runner that was killed`),
    );
    await waitFor(() => !groupAlive(orphan), 'the orphaned group to end');
    const after = await waitForRunning(logDir, 'cam', second.pid);
    expect(after.apps.cam!.pid).not.toBe(orphan);

    second.signal('SIGTERM');
    expect((await exitOf(second)).code).toBe(0);
  });

  it('ends a group whose leader died too', async () => {
    const dir = await harness.temp.make();
    const logDir = path.join(dir, 'logs');
    const first = harness.start(['run', ...FAST, ...APP], dir);
    const before = await waitForRunning(logDir, 'cam');
    const orphan = before.apps.cam!.pid!;
    const printed = await waitFor(async () => {
      const text = await readFile(path.join(logDir, 'cam.out.log'), 'utf8').catch(() => '');
      return text.includes('grandchild')
        ? (JSON.parse(text.split('\n')[0]!) as { grandchild: number })
        : undefined;
    }, 'the app to print its PIDs');

    first.signal('SIGKILL');
    await exitOf(first);
    // The app dies after its runner; its sleep grandchild keeps the group alive.
    process.kill(orphan, 'SIGKILL');
    await waitFor(() => !isAlive(orphan), 'the app to die');
    expect(isAlive(printed.grandchild)).toBe(true);

    const second = harness.start(['run', ...FAST, ...APP], dir);
    await second.waitForOutput(
      new RegExp(`ending process group ${orphan} left by a runner that was killed`),
    );
    await waitFor(() => !isAlive(printed.grandchild), 'the leftover grandchild to end');

    second.signal('SIGTERM');
    expect((await exitOf(second)).code).toBe(0);
  });

  it('leaves a reused PID alone', async () => {
    const dir = await harness.temp.make();
    const logDir = path.join(dir, 'logs');
    await mkdir(logDir);

    // A live process that no runner started, leading its own group like an app would.
    const bystander = spawn('sleep', ['30'], { detached: true, stdio: 'ignore' });
    harness.tracker.track(bystander.pid!);
    // A runner PID that is certainly gone: a process that already exited.
    const gone = spawn('true');
    await new Promise((resolve) => gone.once('exit', resolve));
    const bootId = (await readFile('/proc/sys/kernel/random/boot_id', 'utf8')).trim();

    await writeFile(
      path.join(logDir, 'crashproof-state.json'),
      JSON.stringify({
        version: 1,
        runner: {
          pid: gone.pid,
          procStartTime: 1,
          bootId,
          startedAt: new Date().toISOString(),
          updatedAt: new Date().toISOString(),
          stopped: false,
          configSource: null,
          statusUrl: null,
        },
        // The recorded start time is not the bystander's: its PID was reused.
        apps: {
          cam: {
            name: 'cam',
            state: 'running',
            pid: bystander.pid,
            procStartTime: startTimeOf(bystander.pid!)! + 17,
          },
        },
        cameras: [],
      }),
    );

    const run = harness.start(
      ['run', ...FAST, '--name', 'cam', '--', ...nodeCommand('forever.mjs')],
      dir,
    );
    await run.waitForOutput(/previous child is gone or its PID was reused; leaving it alone/);
    await waitForRunning(logDir, 'cam', run.pid);
    expect(isAlive(bystander.pid!)).toBe(true);

    run.signal('SIGTERM');
    expect((await exitOf(run)).code).toBe(0);
    expect(isAlive(bystander.pid!)).toBe(true);
    expect((await readState(logDir))?.runner.stopped).toBe(true);
    process.kill(bystander.pid!, 'SIGKILL');
    await new Promise((resolve) => bystander.once('exit', resolve));
  });
});
