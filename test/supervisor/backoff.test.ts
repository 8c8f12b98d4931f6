import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { nodeCommand } from '../helpers/fixtures.js';
import { useSupervisors } from '../helpers/supervisor.js';

const { temp, setup } = useSupervisors();

describe('backoff between restarts', () => {
  it('waits 50, 75, 113, 169, 200 ms', async () => {
    const { supervisor, recorder } = await setup({
      name: 'crasher',
      command: ['/bin/sh', '-c', 'exit 3'],
      startSeconds: '5s',
      restart: { delay: '50ms', multiplier: 1.5, maxDelay: '200ms', maxRestarts: 6 },
    });
    supervisor.start();
    await recorder.waitFor('app:fatal');

    const scheduled = recorder.of('app:restart-scheduled').map((event) => event.payload);
    expect(scheduled.map((event) => event.delayMs)).toEqual([50, 75, 113, 169, 200, 200]);
    expect(scheduled.map((event) => event.attempt)).toEqual([1, 2, 3, 4, 5, 6]);
    expect(new Set(scheduled.map((event) => event.cause))).toEqual(new Set(['start-failure']));

    // Measured on real processes: from each exit to the next spawn.
    const exits = recorder.of('app:exit');
    const spawns = recorder.of('app:spawn');
    expect(spawns).toHaveLength(7);
    expect(exits).toHaveLength(7);
    const gaps = scheduled.map((event, index) => ({
      expected: event.delayMs,
      measured: spawns[index + 1]!.at - exits[index]!.at,
    }));
    for (const gap of gaps) {
      expect(gap.measured, JSON.stringify(gaps)).toBeGreaterThanOrEqual(gap.expected - 2);
      expect(gap.measured, JSON.stringify(gaps)).toBeLessThan(gap.expected + 400);
    }
    expect(spawns.map((event) => event.payload.attempt)).toEqual([0, 1, 2, 3, 4, 5, 6]);
    expect(supervisor.state).toBe('fatal');
  });
});

describe('restart budget', () => {
  it('goes fatal when the budget is spent', async () => {
    const { supervisor, recorder, crashes } = await setup({
      name: 'budget',
      command: nodeCommand('exit-with.mjs', '5', '0'),
      startSeconds: '5s',
      restart: { maxRestarts: 2 },
    });
    supervisor.start();
    const [fatal] = await recorder.waitFor('app:fatal');
    expect(fatal!.payload.reason).toBe('restart budget of 2 spent; last exit: exit code 5');
    expect(recorder.of('app:spawn')).toHaveLength(3);
    expect(crashes.map((facts) => [facts.attempt, facts.fatal, facts.nextDelayMs])).toEqual([
      [1, false, 50],
      [2, false, 75],
      [2, true, null],
    ]);
    expect(supervisor.snapshot()).toMatchObject({ state: 'fatal', attempts: 2, crashes: 3 });
  });

  it('makes the first crash fatal with maxRestarts 0', async () => {
    const { supervisor, recorder } = await setup({
      name: 'no-restarts',
      command: nodeCommand('exit-with.mjs', '1', '0'),
      restart: { maxRestarts: 0 },
    });
    supervisor.start();
    await recorder.waitFor('app:fatal');
    expect(recorder.of('app:spawn')).toHaveLength(1);
    expect(recorder.of('app:restart-scheduled')).toHaveLength(0);
    expect(supervisor.state).toBe('fatal');
  });

  it('keeps retrying at maxDelay', async () => {
    const { supervisor, recorder } = await setup({
      name: 'retrier',
      command: ['/bin/sh', '-c', 'exit 1'],
      restart: { maxRestarts: 1, maxDelay: '120ms', onBudgetSpent: 'keep-retrying' },
    });
    supervisor.start();
    const scheduled = await recorder.waitFor('app:restart-scheduled', () => true, 4);
    expect(scheduled.map((event) => [event.payload.attempt, event.payload.delayMs])).toEqual([
      [1, 50],
      [2, 120],
      [3, 120],
      [4, 120],
    ]);
    expect(recorder.of('app:fatal')).toHaveLength(0);
  });

  it('resets attempts after resetAfter', async () => {
    const dir = await temp.make();
    const counter = path.join(dir, 'runs');
    const { supervisor, recorder, crashes } = await setup({
      name: 'flaky',
      // Two quick crashes, one long stable run that crashes, then live. The shell
      // starts in a millisecond, where Node may need more than resetAfter on a busy machine.
      command: [
        '/bin/sh',
        '-c',
        `n=$(cat ${counter} 2>/dev/null || echo 0); echo $((n + 1)) > ${counter}
         case $n in 0|1) exit 1;; 2) sleep 0.7; exit 1;; *) exec sleep 1000;; esac`,
      ],
      startSeconds: '100ms',
      restart: { resetAfter: '300ms', maxRestarts: 3 },
    });
    supervisor.start();
    const [reset] = await recorder.waitFor('app:budget-reset');
    // Node timers may fire up to a millisecond early by performance.now().
    expect(reset!.payload.healthyForMs).toBeGreaterThanOrEqual(298);
    await recorder.waitFor('app:spawn', () => true, 4);
    // After the reset the stable run's crash is attempt 1 again, with the first delay.
    expect(crashes.map((facts) => [facts.attempt, facts.nextDelayMs])).toEqual([
      [1, 50],
      [2, 75],
      [1, 50],
    ]);
    expect(crashes[2]!.cause).toBe('crash');
    const thirdExit = recorder.of('app:exit')[2]!;
    expect(reset!.at).toBeLessThan(thirdExit.at);
  });
});

describe('start-up', () => {
  it('tells start-up failures from crashes', async () => {
    const dir = await temp.make();
    const counter = path.join(dir, 'runs');
    const { supervisor, recorder, crashes } = await setup({
      name: 'starter',
      // A shell: an exit at once, an exit after startSeconds, then live.
      command: [
        '/bin/sh',
        '-c',
        `n=$(cat ${counter} 2>/dev/null || echo 0); echo $((n + 1)) > ${counter}
         case $n in 0) exit 3;; 1) sleep 0.5; exit 4;; *) exec sleep 1000;; esac`,
      ],
      startSeconds: '200ms',
    });
    supervisor.start();
    await recorder.waitFor('app:spawn', () => true, 3);
    expect(crashes.map((facts) => [facts.cause, facts.duringStart, facts.exitCode])).toEqual([
      ['start-failure', true, 3],
      ['crash', false, 4],
    ]);
    expect(crashes[0]!.reason).toBe('exited before it was ready: exit code 3');
    const exits = recorder.of('app:exit').map((event) => event.payload);
    expect(exits.map((exit) => [exit.duringStart, exit.expected])).toEqual([
      [true, false],
      [false, false],
    ]);
  });

  it('fails a start after startTimeout', async () => {
    const { supervisor, recorder, crashes } = await setup({
      name: 'never-ready',
      command: nodeCommand('forever.mjs'),
      startTimeout: '300ms',
      restart: { maxRestarts: 0 },
    });
    // Stands in for a health check that never passes: readiness waits for markReady().
    supervisor.readinessByHealth = true;
    const started = performance.now();
    supervisor.start();
    const [fatal] = await recorder.waitFor('app:fatal');
    expect(fatal!.at - started).toBeGreaterThanOrEqual(300);
    expect(recorder.of('app:ready')).toHaveLength(0);
    expect(crashes).toHaveLength(1);
    expect(crashes[0]).toMatchObject({
      cause: 'start-timeout',
      category: 'startup',
      duringStart: true,
      reason: 'not ready within 300ms',
      fatal: true,
    });
    // The stop was requested: the exit is expected and came from SIGTERM, not SIGKILL
    // (exit 0 from the child's handler, or the signal itself if it came before the handler).
    const [exit] = recorder.of('app:exit');
    expect(exit!.payload.expected).toBe(true);
    expect(exit!.payload.signal).not.toBe('SIGKILL');
  });

  it('becomes running at markReady', async () => {
    const { supervisor, recorder } = await setup({
      name: 'health-ready',
      command: nodeCommand('forever.mjs'),
      startTimeout: '10s',
    });
    supervisor.readinessByHealth = true;
    supervisor.start();
    await recorder.waitFor('app:spawn');
    expect(supervisor.state).toBe('starting');
    supervisor.markReady('health check');
    expect(supervisor.state).toBe('running');
    const [ready] = await recorder.waitFor('app:ready');
    expect(ready!.payload.source).toBe('health check');
  });
});

describe('restart policy', () => {
  it('on-failure stops after exit 0', async () => {
    const dir = await temp.make();
    const counter = path.join(dir, 'runs');
    const { supervisor, recorder } = await setup({
      name: 'on-failure',
      command: nodeCommand('sequence.mjs', counter, 'exit:1:0', 'exit:0:0'),
      restart: { policy: 'on-failure' },
    });
    supervisor.start();
    await recorder.waitFor('app:state', (event) => event.to === 'stopped');
    expect(recorder.of('app:spawn')).toHaveLength(2);
    expect(supervisor.snapshot().reason).toBe(
      'exited with code 0 and restart policy is "on-failure"',
    );
  });

  it('never stops or goes fatal', async () => {
    const clean = await setup({
      name: 'never-clean',
      command: nodeCommand('exit-with.mjs', '0', '0'),
      restart: { policy: 'never' },
    });
    const failing = await setup({
      name: 'never-failing',
      command: nodeCommand('exit-with.mjs', '9', '0'),
      restart: { policy: 'never' },
    });
    clean.supervisor.start();
    failing.supervisor.start();
    await clean.recorder.waitFor('app:state', (event) => event.to === 'stopped');
    const [fatal] = await failing.recorder.waitFor('app:fatal');
    expect(fatal!.payload.reason).toBe('exited (exit code 9) and restart policy is "never"');
    expect(clean.recorder.of('app:spawn')).toHaveLength(1);
    expect(failing.recorder.of('app:spawn')).toHaveLength(1);
  });
});
