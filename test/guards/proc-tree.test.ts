import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterEach, describe, expect, it } from 'vitest';
import { parseStatLine, readLinuxProcessTable } from '../../src/guards/proc-linux.js';
import { parsePsOutput, parsePsTime, readMacProcessTable } from '../../src/guards/proc-mac.js';
import {
  collectTree,
  cpuPercent,
  ProcessTreeSampler,
  processTableReader,
  sampleProcessTree,
  summarizeTree,
} from '../../src/guards/proc-tree.js';
import {
  parseWin32ProcessCsv,
  readWindowsProcessTable,
  splitCsvLine,
} from '../../src/guards/proc-windows.js';
import {
  FIXTURES,
  GUARD_FIXTURES,
  isAlive,
  killPids,
  startNode,
  waitFor,
  waitForLine,
} from './helpers.js';

const execFileAsync = promisify(execFile);
const onLinux = process.platform === 'linux';
const started = new Set<number>();

afterEach(() => {
  killPids(started);
  started.clear();
});

describe('parseStatLine', () => {
  const units = { pageSize: 4096, clockTicks: 100 };

  it('reads a command name with spaces and parentheses', () => {
    const line =
      '4242 (my (odd) app) S 17 4242 4242 0 -1 4194304 100 0 0 0 250 50 30 20 20 0 4 0 123456 100000000 2560 18446744073709551615 0 0 0 0 0 0 0 0 0 0 0 0 17 1 0 0 0 0 0';
    const row = parseStatLine(line, units);
    expect(row).toEqual({
      pid: 4242,
      ppid: 17,
      rssBytes: 2560 * 4096,
      cpuSeconds: 3.5,
      startTime: 123456,
    });
  });

  it('counts a zombie as holding no memory', () => {
    const line = '77 (gone) Z 1 77 77 0 -1 0 0 0 0 0 5 5 0 0 20 0 1 0 999 0 12 0';
    expect(parseStatLine(line, units)?.rssBytes).toBe(0);
  });

  it('rejects a truncated line', () => {
    expect(parseStatLine('12 (x) S 1 2', units)).toBeUndefined();
    expect(parseStatLine('garbage', units)).toBeUndefined();
  });
});

describe('collectTree', () => {
  const row = (pid: number, ppid: number, rssBytes = 1) => ({
    pid,
    ppid,
    rssBytes,
    cpuSeconds: pid / 10,
  });

  it('collects descendants breadth-first and leaves strangers out', () => {
    const rows = [
      row(1, 0),
      row(10, 1),
      row(11, 10),
      row(12, 10),
      row(13, 11),
      row(20, 1),
      row(21, 20),
    ];
    expect(collectTree(rows, 10).map((entry) => entry.pid)).toEqual([10, 11, 12, 13]);
  });

  it('survives a parent cycle from PID reuse', () => {
    const rows = [row(5, 6), row(6, 5), row(7, 6)];
    expect(collectTree(rows, 5).map((entry) => entry.pid)).toEqual([5, 6, 7]);
  });

  it('adds extra roots with their subtrees once', () => {
    const rows = [row(1, 0), row(10, 1), row(30, 1), row(31, 30)];
    expect(collectTree(rows, 10, [30, 31, 99]).map((entry) => entry.pid)).toEqual([10, 30, 31]);
  });

  it('returns nothing for a missing root', () => {
    expect(collectTree([row(1, 0)], 2)).toEqual([]);
  });

  it('sums RSS and CPU time', () => {
    const sample = summarizeTree([row(10, 1, 100), row(11, 10, 50)], 1234);
    expect(sample).toEqual({ rssBytes: 150, cpuSeconds: 2.1, pids: [10, 11], at: 1234 });
  });
});

describe('cpuPercent', () => {
  it('divides CPU time by elapsed monotonic time', () => {
    const previous = { rssBytes: 0, cpuSeconds: 10, pids: [1], at: 1000 };
    expect(cpuPercent(previous, { ...previous, cpuSeconds: 10.5, at: 2000 })).toBeCloseTo(50);
    expect(cpuPercent(previous, { ...previous, cpuSeconds: 12, at: 2000 })).toBeCloseTo(200);
  });

  it('reads a drop in CPU time as zero', () => {
    const previous = { rssBytes: 0, cpuSeconds: 10, pids: [1, 2], at: 1000 };
    expect(cpuPercent(previous, { ...previous, cpuSeconds: 4, pids: [1], at: 2000 })).toBe(0);
    expect(cpuPercent(previous, { ...previous, at: 1000 })).toBe(0);
  });
});

describe('ps output (macOS and BSD path)', () => {
  it('parses TIME columns from macOS and procps', () => {
    expect(parsePsTime('0:00.03')).toBeCloseTo(0.03);
    expect(parsePsTime('125:07.50')).toBeCloseTo(125 * 60 + 7.5);
    expect(parsePsTime('01:02:03')).toBe(3723);
    expect(parsePsTime('2-01:00:00')).toBe(2 * 86_400 + 3600);
    expect(parsePsTime('n/a')).toBeUndefined();
  });

  it('parses rows and skips malformed ones', () => {
    const text =
      '    1     0  13312   0:05.12\n  412     1  54000   1:02.00\nbad line here\n  413   412 1024  -\n';
    expect(parsePsOutput(text)).toEqual([
      { pid: 1, ppid: 0, rssBytes: 13312 * 1024, cpuSeconds: 5.12 },
      { pid: 412, ppid: 1, rssBytes: 54000 * 1024, cpuSeconds: 62 },
    ]);
  });

  it.runIf(onLinux)('agrees with /proc on the real process table', async () => {
    // procps ps accepts the same options as macOS ps, so the ps path runs for real here.
    const [fromPs, fromProc] = await Promise.all([readMacProcessTable(), readLinuxProcessTable()]);
    const self = fromPs.find((row) => row.pid === process.pid);
    const selfProc = fromProc.find((row) => row.pid === process.pid);
    expect(self?.ppid).toBe(process.ppid);
    expect(self!.rssBytes).toBeGreaterThan(0);
    expect(Math.abs(self!.rssBytes - selfProc!.rssBytes)).toBeLessThan(64 * 1024 * 1024);
  });
});

describe('Win32_Process CSV (Windows path, parsed from text)', () => {
  // Windows cannot run here: these strings follow the output of PowerShell's
  // ConvertTo-Csv and of wmic /format:csv, and stand in for readWindowsProcessTable's input.
  const powershell = [
    '#TYPE Selected.Microsoft.Management.Infrastructure.CimInstance',
    '"ProcessId","ParentProcessId","WorkingSetSize","UserModeTime","KernelModeTime"',
    '"0","0","8192","0","0"',
    '"4","0","1253376","0","187500000"',
    '"5120","812","104857600","31250000","15625000"',
    '"5144","5120","52428800","10000000",""',
    '',
  ].join('\r\n');
  const wmic = [
    '',
    'Node,KernelModeTime,ParentProcessId,ProcessId,UserModeTime,WorkingSetSize',
    'HOST-01,15625000,812,5120,31250000,104857600',
    'HOST-01,0,5120,5144,10000000,52428800',
  ].join('\r\n');

  it('parses PowerShell ConvertTo-Csv output', () => {
    const rows = parseWin32ProcessCsv(powershell);
    expect(rows).toHaveLength(4);
    expect(rows[2]).toEqual({ pid: 5120, ppid: 812, rssBytes: 104857600, cpuSeconds: 4.6875 });
    expect(rows[3]).toEqual({ pid: 5144, ppid: 5120, rssBytes: 52428800, cpuSeconds: 1 });
  });

  it('parses wmic csv with sorted columns', () => {
    const rows = parseWin32ProcessCsv(wmic);
    expect(rows.map((row) => row.pid)).toEqual([5120, 5144]);
    expect(collectTree(rows, 5120).map((row) => row.pid)).toEqual([5120, 5144]);
    expect(rows[0]!.cpuSeconds).toBeCloseTo(4.6875);
  });

  it('names the expected columns for a wrong header', () => {
    expect(() => parseWin32ProcessCsv('"Name","Id"\r\n"x","1"')).toThrow(
      /expected the columns ProcessId, ParentProcessId/,
    );
  });

  it('splits quoted CSV fields', () => {
    expect(splitCsvLine('"a","b ""c""",,d')).toEqual(['a', 'b "c"', '', 'd']);
  });

  it('chooses the reader by platform', () => {
    expect(processTableReader('win32')).toBe(readWindowsProcessTable);
    expect(processTableReader('darwin')).toBe(readMacProcessTable);
    expect(processTableReader('linux')).toBe(readLinuxProcessTable);
  });
});

describe.runIf(onLinux)('sampleProcessTree on real processes', () => {
  it('samples this process', async () => {
    const sample = await sampleProcessTree(process.pid);
    expect(sample?.pids[0]).toBe(process.pid);
    expect(sample!.rssBytes).toBeGreaterThan(10 * 1024 * 1024);
    expect(sample!.cpuSeconds).toBeGreaterThan(0);
  });

  it('returns undefined for a PID that does not exist', async () => {
    const { stdout } = await execFileAsync('cat', ['/proc/sys/kernel/pid_max']);
    expect(await sampleProcessTree(Number(stdout) + 1)).toBeUndefined();
  });

  it('finds a grandchild in another session', async () => {
    // leak_grow with depth 2 and "detach": app -> child (setsid) -> grandchild (setsid), 1 MB held.
    const app = startNode(path.join(FIXTURES, 'leak_grow.js'), ['2', '1', '100', '1', 'detach']);
    started.add(app.pid!);
    const grandchild = Number((await waitForLine(app, /leaking (\d+)/))[1]);
    started.add(grandchild);

    const sample = await waitFor(async () => {
      const next = await sampleProcessTree(app.pid!);
      return next && next.pids.length === 3 ? next : undefined;
    }, 'a tree of three processes');
    expect(sample.pids[0]).toBe(app.pid);
    expect(sample.pids).toContain(grandchild);
    for (const pid of sample.pids) started.add(pid);
    const { stdout } = await execFileAsync('ps', ['-o', 'sid=', '-p', String(grandchild)]);
    expect(Number(stdout.trim())).toBe(grandchild);
  });

  it('reports CPU time in seconds', async () => {
    // The child measures itself with getrusage, the same counters as utime and stime in /proc.
    const child = startNode(path.join(GUARD_FIXTURES, 'busy.js'), ['500']);
    started.add(child.pid!);
    const reportedSeconds = Number((await waitForLine(child, /done (\d+)/))[1]) / 1e6;

    const sample = await sampleProcessTree(child.pid!);
    expect(reportedSeconds).toBeGreaterThanOrEqual(0.5);
    // Clock ticks are 10 ms, and the child spends a little more after its report.
    expect(sample!.cpuSeconds).toBeGreaterThan(reportedSeconds - 0.03);
    expect(sample!.cpuSeconds).toBeLessThan(reportedSeconds + 0.1);
  });

  it('keeps a re-parented descendant in the sampler', async () => {
    const app = startNode(path.join(GUARD_FIXTURES, 'orphan-parent.js'));
    started.add(app.pid!);
    const orphan = Number((await waitForLine(app, /child (\d+)/))[1]);
    started.add(orphan);

    const sampler = new ProcessTreeSampler();
    const before = await sampler.sample(app.pid!);
    expect(before?.pids).toHaveLength(3);
    expect(before?.pids).toContain(orphan);

    // The middle process exits: its child is re-parented away from the app but still runs.
    app.stdin!.write('exit\n');
    await waitForLine(app, /middle exited/);
    expect(isAlive(orphan)).toBe(true);

    const stateless = await sampleProcessTree(app.pid!);
    expect(stateless?.pids).toEqual([app.pid]);
    const remembered = await sampler.sample(app.pid!);
    expect(remembered?.pids).toEqual([app.pid, orphan]);
  });
});
