// biome-ignore-all lint/suspicious/noTemplateCurlyInString: ${VAR} is the config syntax under test.
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { nodeCommand } from '../helpers/fixtures.js';
import { waitFor } from '../helpers/wait.js';
import { CliHarness, exitOf, readState, waitForRunning } from './harness.js';

const harness = new CliHarness();
afterEach(async () => {
  expect(await harness.cleanUp(), 'processes a test left running').toEqual([]);
});

/** Build a config whose paths differ from the defaults, so the test can check they were read. */
function configText(extra = ''): string {
  return `apps:
  - name: ticker
    command: ${JSON.stringify(nodeCommand('forever.mjs', '20'))}
    startSeconds: 100ms
    stopTimeout: 500ms
    restart: { delay: 50ms }${extra}
logging: { dir: runner-logs }
reports: { dir: my-reports }
status: { port: 0, tokenFile: my.token }
`;
}

/** Return the one warning line a command wrote, failing unless there is exactly one. */
function warningOf(stderr: string): string {
  const lines = stderr.split('\n').filter((line) => line.startsWith('crashproof: warning:'));
  expect(lines, stderr).toHaveLength(1);
  return lines[0]!;
}

describe('locate with an invalid config', () => {
  it('finds log dir, token and reports', async () => {
    const dir = await harness.temp.make();
    const configFile = path.join(dir, 'crashproof.yaml');
    const logDir = path.join(dir, 'runner-logs');
    await writeFile(configFile, configText());
    const run = harness.start(['run'], dir);
    const state = await waitForRunning(logDir, 'ticker', run.pid);

    // The admin edits the file: a wrong type and a variable this shell does not set.
    await writeFile(
      configFile,
      configText('\n    port: abc\n    env: { KEY: "${UNSET_IN_THIS_SHELL}" }'),
    );
    const env = { UNSET_IN_THIS_SHELL: undefined };

    const status = await runCli(['status'], { cwd: dir, env });
    expect(status.code, status.stderr).toBe(0);
    expect(status.stdout).toMatch(/\nticker\s+running\s/);
    const warning = warningOf(status.stderr);
    expect(warning).toContain(
      `${configFile}: apps[0].env.KEY: environment variable UNSET_IN_THIS_SHELL is not set`,
    );
    expect(warning).toContain('(and 1 more)');
    expect(warning).toContain(`Using the log directory ${logDir}`);

    const logs = await runCli(['logs', 'ticker', '-n', '1'], { cwd: dir, env });
    expect(logs.code, logs.stderr).toBe(0);
    expect(logs.stdout).toContain(`==> ${path.join(logDir, 'ticker.out.log')} <==`);
    warningOf(logs.stderr);

    const reports = await runCli(['reports'], { cwd: dir, env });
    expect(reports.code, reports.stderr).not.toBe(78);
    expect(reports.stdout).toContain(path.join(logDir, 'my-reports'));

    // restart reads status.tokenFile (my.token) from the file as written.
    const restart = await runCli(['restart', 'ticker'], { cwd: dir, env });
    expect(restart.code, restart.stderr).toBe(0);
    warningOf(restart.stderr);
    const oldPid = state.apps.ticker!.pid;
    await waitFor(async () => {
      const entry = (await readState(logDir))?.apps.ticker;
      return entry?.state === 'running' && entry.pid !== oldPid;
    }, 'ticker restarted with a new pid');

    run.signal('SIGTERM');
    expect((await exitOf(run)).code).toBe(0);
  });

  it('uses defaults for broken YAML', async () => {
    const dir = await harness.temp.make();
    await writeFile(path.join(dir, 'crashproof.yaml'), 'apps: [\n');
    const result = await runCli(['status'], { cwd: dir });
    expect(result.code).toBe(1);
    expect(result.stdout).toContain(
      `no runner state at ${path.join(dir, 'logs', 'crashproof-state.json')}`,
    );
    expect(warningOf(result.stderr)).toContain('YAML syntax error at line 2');
  });

  it('expands set path variables only', async () => {
    const dir = await harness.temp.make();
    const file = path.join(dir, 'other.yaml');
    await writeFile(file, 'apps: []\nlogging: { dir: "${LOGS_HERE}/x" }\n');

    const set = await runCli(['status', '--config', 'other.yaml'], {
      cwd: dir,
      env: { LOGS_HERE: 'set-logs' },
    });
    expect(set.stdout).toContain(path.join(dir, 'set-logs', 'x', 'crashproof-state.json'));
    expect(warningOf(set.stderr)).toContain('run "crashproof config --check --config other.yaml"');

    const unset = await runCli(['status', '--config', 'other.yaml'], {
      cwd: dir,
      env: { LOGS_HERE: undefined },
    });
    expect(unset.stdout).toContain(path.join(dir, 'logs', 'crashproof-state.json'));
    expect(warningOf(unset.stderr)).toContain('defaults used for logging.dir');
  });

  it('warns nothing for valid config', async () => {
    const dir = await harness.temp.make();
    await writeFile(path.join(dir, 'crashproof.yaml'), configText());
    const result = await runCli(['status'], { cwd: dir });
    expect(result.stdout).toContain(path.join(dir, 'runner-logs', 'crashproof-state.json'));
    expect(result.stderr).toBe('');
  });
});
