import { describe, expect, it } from 'vitest';
import { nodeCommand } from '../helpers/fixtures.js';
import { groupAlive, isAlive, liveGroupMembers } from '../helpers/processes.js';
import { useSupervisors } from '../helpers/supervisor.js';
import { waitFor } from '../helpers/wait.js';

const { setup } = useSupervisors();

interface Family {
  pid: number;
  grandchild: number;
  escaped?: number;
}

/** Read the PIDs that grandchildren.mjs prints from the supervisor's output tail. */
async function family(harness: Awaited<ReturnType<typeof setup>>): Promise<Family> {
  const line = await waitFor(
    () => harness.supervisor.outputTail().find((text) => text.startsWith('{"pid"')),
    'the grandchildren line',
  );
  const parsed = JSON.parse(line) as Family;
  for (const pid of [parsed.pid, parsed.grandchild, parsed.escaped])
    if (pid !== undefined) harness.tracker.track(pid);
  return parsed;
}

describe('stopping the process tree', () => {
  it('ends the whole process group', async () => {
    const harness = await setup({ name: 'tree', command: nodeCommand('grandchildren.mjs') });
    harness.supervisor.start();
    const { pid, grandchild } = await family(harness);
    expect(liveGroupMembers(pid).sort()).toEqual([pid, grandchild].sort());

    await harness.supervisor.stop();
    expect(groupAlive(pid)).toBe(false);
    expect(isAlive(grandchild)).toBe(false);
    expect(harness.supervisor.state).toBe('stopped');
    const [exit] = harness.recorder.of('app:exit');
    expect(exit!.payload).toMatchObject({ expected: true, signal: 'SIGTERM' });
  });

  it('ends a setsid grandchild too', async () => {
    const harness = await setup({
      name: 'escaper',
      command: nodeCommand('grandchildren.mjs', '--setsid'),
    });
    harness.supervisor.start();
    const { pid, escaped } = await family(harness);
    expect(escaped).toBeDefined();
    // It really left: its own group, not the app's.
    expect(liveGroupMembers(pid)).not.toContain(escaped);
    expect(liveGroupMembers(escaped!)).toEqual([escaped]);

    await harness.supervisor.stop();
    expect(groupAlive(pid)).toBe(false);
    expect(isAlive(escaped!)).toBe(false);
    expect(harness.recorder.of('app:stop-survivors')).toHaveLength(0);
  });

  it('SIGKILLs after stopTimeout, not before', async () => {
    const harness = await setup({
      name: 'stubborn',
      command: nodeCommand('ignore-sigterm.mjs'),
      stopTimeout: '500ms',
    });
    harness.supervisor.start();
    await waitFor(
      () => harness.supervisor.outputTail().some((line) => line.endsWith('ready')),
      'the child to install its handler',
    );
    const pid = harness.supervisor.pid!;

    const stopAt = performance.now();
    const stopped = harness.supervisor.stop();
    // SIGTERM arrives and is ignored; the child is still alive when it is logged.
    await waitFor(
      () => harness.supervisor.outputTail().includes('ignoring SIGTERM'),
      'the child to report SIGTERM',
    );
    expect(isAlive(pid)).toBe(true);
    await stopped;

    const [exit] = harness.recorder.of('app:exit');
    expect(exit!.payload).toMatchObject({ expected: true, signal: 'SIGKILL', code: null });
    expect(exit!.at - stopAt).toBeGreaterThanOrEqual(498);
    expect(exit!.at - stopAt).toBeLessThan(2500);
    await harness.log.waitForMessage(/did not stop within 500ms of SIGTERM; sent SIGKILL/);
    expect(groupAlive(pid)).toBe(false);
  });

  it('uses the configured stop signal', async () => {
    const harness = await setup({
      name: 'interrupted',
      command: nodeCommand('ignore-sigterm.mjs'),
      stopSignal: 'SIGUSR2',
    });
    harness.supervisor.start();
    await waitFor(
      () => harness.supervisor.outputTail().some((line) => line.endsWith('ready')),
      'the child to start',
    );
    await harness.supervisor.stop();
    const [exit] = harness.recorder.of('app:exit');
    expect(exit!.payload.signal).toBe('SIGUSR2');
  });

  it('cleans up after a crash', async () => {
    const harness = await setup({
      name: 'leaky',
      command: nodeCommand('grandchildren.mjs', '--exit-after', '300'),
      startSeconds: '50ms',
      restart: { maxRestarts: 0 },
    });
    harness.supervisor.start();
    const { pid, grandchild } = await family(harness);
    await harness.recorder.waitFor('app:fatal');
    expect(isAlive(grandchild)).toBe(false);
    expect(groupAlive(pid)).toBe(false);
    await harness.log.waitForMessage(/stopping processes the app left in its process group/);
  });

  it('ends a setsid grandchild after a crash', async () => {
    // The escaped grandchild is seen by the scan at readiness (after startSeconds),
    // so startSeconds leaves the child time to spawn it first.
    const harness = await setup({
      name: 'daemonizer',
      command: nodeCommand('grandchildren.mjs', '--setsid', '--exit-after', '1500'),
      startSeconds: '1s',
      restart: { maxRestarts: 0 },
    });
    harness.supervisor.start();
    const { pid, escaped } = await family(harness);
    expect(escaped).toBeDefined();
    await harness.recorder.waitFor('app:fatal');
    expect(groupAlive(pid)).toBe(false);
    expect(isAlive(escaped!)).toBe(false);
  });

  it('stops an app in backoff', async () => {
    const harness = await setup({
      name: 'waiting',
      command: ['/bin/sh', '-c', 'exit 1'],
      restart: { delay: '5s' },
    });
    harness.supervisor.start();
    await harness.recorder.waitFor('app:state', (event) => event.to === 'backoff');
    await harness.supervisor.stop();
    expect(harness.supervisor.state).toBe('stopped');
    expect(harness.recorder.of('app:spawn')).toHaveLength(1);
  });
});
