import { spawn } from 'node:child_process';
import { readdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { acquireLock, LockHeldError } from '../../src/status/lock.js';
import { readStateFile } from '../../src/status/state-file.js';
import { StateStore } from '../../src/status/state-store.js';
import { memoryLogger } from '../helpers/logger.js';
import { startTimeOf } from '../helpers/processes.js';
import { TempDirs } from '../helpers/temp.js';

const temp = new TempDirs();
afterEach(() => temp.removeAll());

const self = () => ({ pid: process.pid, procStartTime: startTimeOf(process.pid), bootId: 'b' });

/** Return the PID of a process that has exited and been reaped. */
async function deadPid(): Promise<number> {
  const child = spawn('true');
  await new Promise((resolve) => child.once('exit', resolve));
  return child.pid!;
}

describe('acquireLock', () => {
  it('writes and removes the lock', async () => {
    const dir = await temp.make();
    const release = await acquireLock(dir, self());
    expect((await readdir(dir)).sort()).toEqual(['crashproof.lock', 'crashproof.pid']);
    expect(await readFile(path.join(dir, 'crashproof.pid'), 'utf8')).toBe(`${process.pid}\n`);
    await release();
    expect(await readdir(dir)).toEqual([]);
  });

  it('rejects a lock held by a live process', async () => {
    const dir = await temp.make();
    // The holder is this test process, seen from a runner with another PID.
    await writeFile(path.join(dir, 'crashproof.lock'), JSON.stringify(self()));
    const error = await acquireLock(dir, { pid: 1, procStartTime: 1, bootId: 'b' }).catch(
      (caught: unknown) => caught,
    );
    expect(error).toBeInstanceOf(LockHeldError);
    expect((error as Error).message).toBe(
      `another crashproof runner (pid ${process.pid}) is using ${dir}; stop it first or give this one another logging.dir`,
    );
  });

  it('grants one of two racing runners', async () => {
    // Both identities are live processes: this test and its parent.
    const parent = { pid: process.ppid, procStartTime: startTimeOf(process.ppid), bootId: 'b' };
    let bothWon = 0;
    for (let round = 0; round < 100; round++) {
      const dir = await temp.make();
      const results = await Promise.allSettled([
        acquireLock(dir, self()),
        acquireLock(dir, parent),
      ]);
      if (results.every((result) => result.status === 'fulfilled')) bothWon++;
      expect(results.some((result) => result.status === 'fulfilled')).toBe(true);
    }
    expect(bothWon).toBe(0);
  });

  it.each([
    ['a dead PID', async () => ({ pid: await deadPid() })],
    ['a reused PID', async () => ({ pid: process.pid, procStartTime: 1 })],
    ['garbage', async () => 'not json'],
  ])('takes over a lock left with %s', async (_, holder) => {
    const dir = await temp.make();
    const content = await holder();
    await writeFile(
      path.join(dir, 'crashproof.lock'),
      typeof content === 'string' ? content : JSON.stringify(content),
    );
    const release = await acquireLock(dir, { pid: 1, procStartTime: 1, bootId: 'b' });
    expect(JSON.parse(await readFile(path.join(dir, 'crashproof.lock'), 'utf8')).pid).toBe(1);
    await release();
  });
});

describe('StateStore', () => {
  it('writes the last document atomically', async () => {
    const dir = await temp.make();
    let counter = 0;
    const store = new StateStore(
      dir,
      () =>
        ({
          version: 1,
          runner: { pid: process.pid, counter: ++counter },
          apps: {},
          cameras: [],
        }) as never,
      memoryLogger().logger,
    );
    await Promise.all([store.writeNow(), store.writeNow(), store.writeNow()]);
    store.close();
    expect(await readdir(dir)).toEqual(['crashproof-state.json']);
    const text = await readFile(path.join(dir, 'crashproof-state.json'), 'utf8');
    // Writes are chained: the last document built is the one on disk.
    expect((JSON.parse(text) as { runner: { counter: number } }).runner.counter).toBe(3);
  });

  it('reads a damaged or foreign state file as absent', async () => {
    const dir = await temp.make();
    const file = path.join(dir, 'crashproof-state.json');
    await writeFile(file, '{"version": 1, "runner": ');
    expect(await readStateFile(file)).toBe(undefined);
    await writeFile(file, '{"version": 2}');
    expect(await readStateFile(file)).toBe(undefined);
    expect(await readStateFile(path.join(dir, 'missing.json'))).toBe(undefined);
  });

  it('survives an unwritable directory', async () => {
    const dir = await temp.make();
    const log = memoryLogger();
    const blocked = path.join(dir, 'file-not-dir');
    await writeFile(blocked, '');
    const store = new StateStore(blocked, () => ({ version: 1 }) as never, log.logger);
    await store.writeNow();
    await store.writeNow();
    store.close();
    const warnings = log.records.filter((record) =>
      record.msg.startsWith('cannot write the state file'),
    );
    expect(warnings).toHaveLength(1);
  });
});
