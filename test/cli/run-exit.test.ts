import { writeFile } from 'node:fs/promises';
import net from 'node:net';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { nodeCommand } from '../helpers/fixtures.js';
import { INVALID_SEED_ENV } from '../helpers/seed-env.js';
import { CliHarness, exitOf, FAST, waitForRunning } from './harness.js';

const harness = new CliHarness();
afterEach(async () => {
  expect(await harness.cleanUp(), 'processes a test left running').toEqual([]);
});

/** Lines of the runner's JSON console log with the given message pattern. */
function messages(stdout: string, pattern: RegExp): string[] {
  return stdout
    .split('\n')
    .filter((line) => line.startsWith('{'))
    .map((line) => (JSON.parse(line) as { msg: string }).msg)
    .filter((msg) => pattern.test(msg));
}

describe('runner exit codes', () => {
  it.each([
    ['2', 3],
    ['0', 1],
  ])('exits 1 when --max-restarts %s is spent', async (maxRestarts, spawns) => {
    const dir = await harness.temp.make();
    const command = nodeCommand('exit-with.mjs', '3');
    const args = ['run', ...FAST, '--name', 'x', '--max-restarts', maxRestarts, '--', ...command];
    const run = harness.start(args, dir);
    expect((await exitOf(run)).code).toBe(1);
    expect(messages(run.stdout(), /^started pid/)).toHaveLength(spawns);
    expect(messages(run.stdout(), /^x is fatal; exiting with code 1/)).toHaveLength(1);
  });

  it.each([
    ['on-failure', '0', 0, 1],
    ['never', '0', 0, 1],
    ['never', '4', 1, 1],
  ])('--restart %s with exit %s exits %i', async (policy, code, expected, spawns) => {
    const dir = await harness.temp.make();
    const run = harness.start(
      [
        'run',
        ...FAST,
        '--restart',
        policy,
        '--name',
        'x',
        '--',
        ...nodeCommand('exit-with.mjs', code),
      ],
      dir,
    );
    expect((await exitOf(run)).code).toBe(expected);
    expect(messages(run.stdout(), /^started pid/)).toHaveLength(spawns);
  });

  it('exits 1 after --start-timeout', async () => {
    const dir = await harness.temp.make();
    // A port that was just free, so no server responds to the health check.
    const server = net.createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as net.AddressInfo).port;
    await new Promise<void>((resolve) => server.close(() => resolve()));

    const run = harness.start(
      [
        'run',
        ...FAST,
        '--health-url',
        `http://127.0.0.1:${port}/api/health`,
        '--start-timeout',
        '400ms',
        '--max-restarts',
        '0',
        '--name',
        'x',
        '--',
        ...nodeCommand('forever.mjs'),
      ],
      dir,
    );
    expect((await exitOf(run)).code).toBe(1);
    expect(messages(run.stdout(), /^fatal: /)).toEqual([
      'fatal: automatic restarts are off (maxRestarts 0); last failure: start-timeout',
    ]);
    expect(messages(run.stdout(), /^starting -> running/)).toEqual([]);
  });

  it('rejects a second runner on the same log dir', async () => {
    const dir = await harness.temp.make();
    const first = harness.start(
      ['run', ...FAST, '--name', 'x', '--', ...nodeCommand('forever.mjs')],
      dir,
    );
    const state = await waitForRunning(path.join(dir, 'logs'), 'x');

    const second = harness.start(
      ['run', ...FAST, '--name', 'y', '--', ...nodeCommand('forever.mjs')],
      dir,
    );
    expect((await exitOf(second)).code).toBe(1);
    expect(second.stdout()).toContain(
      `another crashproof runner (pid ${first.pid}) is using ${path.join(dir, 'logs')}`,
    );
    expect(second.stdout()).not.toMatch(/started pid/);

    first.signal('SIGTERM');
    expect((await exitOf(first)).code).toBe(0);
    expect(state.runner.pid).toBe(first.pid);
  });
});

describe('configuration errors exit 78', () => {
  it('names a missing command, cwd and PATH', async () => {
    const dir = await harness.temp.make();
    const run = harness.start(['run', ...FAST, '--', 'no-such-program-x1', '--port', '1'], dir, {
      PATH: '/usr/bin:/bin',
    });
    expect((await exitOf(run)).code).toBe(78);
    expect(run.stderr()).toContain(
      `command "no-such-program-x1" not found or not executable (cwd ${dir}, PATH=/usr/bin:/bin)`,
    );
    expect(run.stdout()).not.toMatch(/started pid/);
  });

  it('lists every invalid environment variable', async () => {
    const dir = await harness.temp.make();
    const env = { ...INVALID_SEED_ENV };
    const run = harness.start(['run', '--no-status'], dir, env);
    expect((await exitOf(run)).code).toBe(78);
    expect(run.stderr()).toContain('invalid configuration (8 problems)');
    for (const name of Object.keys(env)) expect(run.stderr()).toContain(`environment: ${name}:`);
  });

  it('lists every invalid file key', async () => {
    const dir = await harness.temp.make();
    await writeFile(
      path.join(dir, 'crashproof.yaml'),
      'apps:\n  - name: web\n    command: [node]\n    stopTimeout: 10\n    colour: red\n',
    );
    const run = harness.start(['run'], dir);
    expect((await exitOf(run)).code).toBe(78);
    expect(run.stderr()).toContain('apps[0].stopTimeout: expected a duration');
    expect(run.stderr()).toContain('apps[0].colour: unknown key');
  });

  it('warns once per seed variable', async () => {
    const dir = await harness.temp.make();
    await writeFile(
      path.join(dir, 'crashproof.yaml'),
      `apps:\n  - name: web\n    command: ${JSON.stringify(nodeCommand('exit-with.mjs', '0'))}\n    restart: { policy: on-failure }\nstatus: { enabled: false }\n`,
    );
    const run = harness.start(['run'], dir, {
      TAPO_WEBAPP_PORT: '7777',
      WATCHFILES_RESTART_DELAY: '5',
    });
    expect((await exitOf(run)).code).toBe(0);
    expect(
      messages(run.stdout(), /^environment variable TAPO_WEBAPP_PORT is ignored/),
    ).toHaveLength(1);
    expect(
      messages(run.stdout(), /^environment variable WATCHFILES_RESTART_DELAY is ignored/),
    ).toHaveLength(1);
  });
});

describe('ad hoc run', () => {
  it('applies WATCHFILES_* but not TAPO_*', async () => {
    const dir = await harness.temp.make();
    const run = harness.start(
      [
        'run',
        '--no-status',
        '--start-seconds',
        '100ms',
        '--name',
        'x',
        '--max-restarts',
        '1',
        '--',
        ...nodeCommand('exit-with.mjs', '3'),
      ],
      dir,
      {
        WATCHFILES_RESTART_DELAY: '0.2',
        WATCHFILES_BACKOFF_MULTIPLIER: '3',
        TAPO_WEBAPP_PORT: 'abc',
        TAPO_WEBAPP_HOST: '',
      },
    );
    expect((await exitOf(run)).code).toBe(1);
    expect(messages(run.stdout(), /^restart \d/)).toEqual(['restart 1/1 in 200ms']);
    expect(messages(run.stdout(), /^started pid/)).toHaveLength(2);
  });
});
