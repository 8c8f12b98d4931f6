import { writeFile } from 'node:fs/promises';
import { afterEach, describe, expect, it } from 'vitest';
import type { Config } from '../../src/config/schema/index.js';
import { configSchema } from '../../src/config/schema/index.js';
import { planReload } from '../../src/status/reload.js';
import { configYaml, type Fixture, pollFor, post, startFixture } from './helpers.js';

function config(input: Record<string, unknown>, baseDir = '/srv/cams'): Config {
  return { ...configSchema.parse(input), baseDir, source: `${baseDir}/crashproof.yaml` };
}

const app = (name: string, extra: Record<string, unknown> = {}) => ({
  name,
  command: ['python3', '-m', name],
  ...extra,
});

describe('planReload', () => {
  it('sorts apps into add, remove, restart, unchanged', () => {
    const old = config({ apps: [app('a'), app('b'), app('c')] });
    const next = config({ apps: [app('d'), app('b', { stopTimeout: '20s' }), app('a')] });
    const plan = planReload(old, next);
    expect(plan.add.map((entry) => entry.name)).toEqual(['d']);
    expect(plan.remove).toEqual(['c']);
    expect(plan.restart.map((entry) => entry.name)).toEqual(['b']);
    expect(plan.unchanged).toEqual(['a']);
    expect(plan.needsRunnerRestart).toEqual([]);
  });

  it('ignores key order and defaults', () => {
    const old = config({ apps: [app('a', { restart: { delay: '1s', maxRestarts: 3 } })] });
    const next = config({
      apps: [{ restart: { maxRestarts: 3 }, command: ['python3', '-m', 'a'], name: 'a' }],
    });
    expect(planReload(old, next).unchanged).toEqual(['a']);
  });

  it('restarts every app when baseDir moves', () => {
    const old = config({ apps: [app('a'), app('b')] });
    const next = config({ apps: [app('a'), app('b')] }, '/srv/other');
    expect(planReload(old, next).restart.map((entry) => entry.name)).toEqual(['a', 'b']);
  });

  it('lists sections needing a runner restart', () => {
    const old = config({ apps: [app('a')] });
    const next = config({
      apps: [app('a')],
      status: { port: 9000 },
      logging: { level: 'debug' },
      exitOnFatal: 'never',
    });
    const plan = planReload(old, next);
    expect(plan.needsRunnerRestart.sort()).toEqual(['logging', 'status']);
    expect(plan.unchanged).toEqual(['a']);
  });

  it('detects changes in nested settings', () => {
    const old = config({ apps: [app('a', { env: { CAMERA: 'porch' } })] });
    const next = config({ apps: [app('a', { env: { CAMERA: 'garage' } })] });
    expect(planReload(old, next).restart.map((entry) => entry.name)).toEqual(['a']);
  });
});

describe('POST /api/reload', () => {
  let fixture: Fixture | undefined;

  afterEach(async () => {
    await fixture?.close();
    fixture = undefined;
  });

  const running = (names: string[]) => async () => {
    const states = names.map((name) => fixture!.runner.supervisors.get(name)?.state);
    return states.every((state) => state === 'running') ? true : undefined;
  };

  it('applies adds, removes and restarts', async () => {
    const attached: string[] = [];
    fixture = await startFixture([{ name: 'a' }, { name: 'b' }, { name: 'c' }], [], {
      attach: (supervisor) => {
        attached.push(supervisor.name);
      },
    });
    const { runner, dir, configFile } = fixture;
    await pollFor(running(['a', 'b', 'c']), 'a, b and c running');
    const pidA = runner.supervisors.get('a')!.pid!;
    const pidB = runner.supervisors.get('b')!.pid!;
    const pidC = runner.supervisors.get('c')!.pid!;

    await writeFile(
      configFile,
      configYaml(dir, [
        { name: 'a' },
        { name: 'b', extra: ['    stopSignal: SIGINT'] },
        { name: 'd' },
      ]),
    );
    const reply = await post(fixture, '/api/reload');
    expect(reply.status).toBe(200);
    expect(reply.json()).toMatchObject({
      added: ['d'],
      removed: ['c'],
      restarted: ['b'],
      unchanged: ['a'],
      needsRunnerRestart: [],
      failed: [],
    });

    await pollFor(running(['a', 'b', 'd']), 'a, b and d running');
    expect(runner.supervisors.has('c')).toBe(false);
    expect(() => process.kill(pidC, 0)).toThrow(/ESRCH/);
    expect(runner.supervisors.get('a')!.pid).toBe(pidA);
    expect(runner.supervisors.get('b')!.pid).not.toBe(pidB);
    expect(runner.supervisors.get('b')!.config.stopSignal).toBe('SIGINT');
    expect(runner.config.apps.map((entry) => entry.name)).toEqual(['a', 'b', 'd']);
    expect(attached.sort()).toEqual(['b', 'd']);
  });

  it('rejects an invalid file whole', async () => {
    fixture = await startFixture([{ name: 'a' }, { name: 'b' }]);
    const { runner, dir, configFile } = fixture;
    await pollFor(running(['a', 'b']), 'a and b running');
    const pids = ['a', 'b'].map((name) => runner.supervisors.get(name)!.pid);
    const before = runner.config;

    // Valid additions beside one bad value: nothing at all may change.
    const text = configYaml(dir, [
      { name: 'a' },
      { name: 'e' },
      { name: 'b', extra: ['    portWaitTimeout: soon'] },
    ]);
    await writeFile(configFile, text);
    const reply = await post(fixture, '/api/reload');
    expect(reply.status).toBe(422);
    const body = reply.json();
    expect(body.error).toBe('invalid configuration');
    expect(body.detail).toContain('nothing was changed');
    const problems = body.problems as string[];
    expect(problems).toHaveLength(1);
    expect(problems[0]).toContain('apps[2].portWaitTimeout');
    expect(problems[0]).toContain('invalid duration "soon"');

    expect([...runner.supervisors.keys()]).toEqual(['a', 'b']);
    expect(['a', 'b'].map((name) => runner.supervisors.get(name)!.pid)).toEqual(pids);
    expect(runner.config).toBe(before);
  });

  it('rejects a command that cannot run', async () => {
    fixture = await startFixture([{ name: 'a' }]);
    const { runner, dir, configFile } = fixture;
    await pollFor(running(['a']), 'a running');
    const pid = runner.supervisors.get('a')!.pid;

    const text = `${configYaml(dir, [{ name: 'a' }])}`.replace(
      'logging:',
      '  - name: ghost\n    command: [/nonexistent/crashproof-test-binary]\nlogging:',
    );
    await writeFile(configFile, text);
    const reply = await post(fixture, '/api/reload');
    expect(reply.status).toBe(422);
    expect(String((reply.json().problems as string[])[0])).toContain('ghost');
    expect([...runner.supervisors.keys()]).toEqual(['a']);
    expect(runner.supervisors.get('a')!.pid).toBe(pid);
  });

  it('rejects a file with a YAML error', async () => {
    fixture = await startFixture([{ name: 'a' }]);
    const { runner, configFile } = fixture;
    await writeFile(configFile, 'apps:\n  - name: [unclosed\n');
    const reply = await post(fixture, '/api/reload');
    expect(reply.status).toBe(422);
    expect(String((reply.json().problems as string[])[0])).toContain('YAML syntax error');
    expect([...runner.supervisors.keys()]).toEqual(['a']);
  });
});
