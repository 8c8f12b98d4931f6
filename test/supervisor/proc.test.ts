import { describe, expect, it } from 'vitest';
import {
  descendantsOf,
  groupMembers,
  isSameProcess,
  type ProcStat,
  parseProcStat,
  readProcStat,
} from '../../src/supervisor/proc.js';

/** Build a /proc/PID/stat line with the given command name (field 2). */
function statLine(pid: number, name: string, ppid: number, pgid: number, start: number): string {
  const rest = Array.from({ length: 49 }, (_, index) => String(index));
  rest[0] = 'S';
  rest[1] = String(ppid);
  rest[2] = String(pgid);
  rest[3] = String(pgid);
  rest[19] = String(start);
  return `${pid} (${name}) ${rest.join(' ')}`;
}

describe('parseProcStat', () => {
  it.each(['python3', 'my app', 'a) (b', ')', 'x)) 1 2 3 ('])(
    'reads a command named %j',
    (name) => {
      expect(parseProcStat(statLine(42, name, 7, 40, 123456))).toEqual({
        pid: 42,
        state: 'S',
        ppid: 7,
        pgid: 40,
        sid: 40,
        startTime: 123456,
      });
    },
  );

  it('rejects text that is not a stat line', () => {
    expect(parseProcStat('garbage')).toBe(undefined);
    expect(parseProcStat('')).toBe(undefined);
  });

  it('reads this process from /proc', async () => {
    const stat = await readProcStat(process.pid);
    expect(stat?.pid).toBe(process.pid);
    expect(stat?.ppid).toBe(process.ppid);
    expect(await isSameProcess(process.pid, stat?.startTime)).toBe(true);
    expect(await isSameProcess(process.pid, (stat?.startTime ?? 0) + 1)).toBe(false);
  });
});

describe('process tree helpers', () => {
  const stat = (pid: number, ppid: number, pgid: number, state = 'S'): ProcStat => ({
    pid,
    ppid,
    pgid,
    sid: pgid,
    state,
    startTime: pid,
  });
  const table = [
    stat(10, 1, 10),
    stat(11, 10, 10),
    stat(12, 11, 12), // left the group with setsid
    stat(13, 12, 12),
    stat(14, 10, 10, 'Z'),
    stat(20, 1, 20),
  ];

  it('finds descendants across groups', () => {
    expect(
      descendantsOf(10, table)
        .map((entry) => entry.pid)
        .sort(),
    ).toEqual([11, 12, 13, 14]);
  });

  it('lists live group members only', () => {
    expect(groupMembers(10, table).map((entry) => entry.pid)).toEqual([10, 11]);
  });
});
