import { execFile } from 'node:child_process';
import { type FileHandle, open, readdir } from 'node:fs/promises';
import { promisify } from 'node:util';
import { splitProcStat } from '../supervisor/proc.js';
import type { ProcessRow } from './proc-tree.js';

const execFileAsync = promisify(execFile);

/** Page size and clock ticks per second, which /proc/PID/stat counts in. */
export interface ProcUnits {
  pageSize: number;
  clockTicks: number;
}

// x86-64 and most arm64 kernels; used when getconf is missing.
const DEFAULT_UNITS: ProcUnits = { pageSize: 4096, clockTicks: 100 };

let unitsPromise: Promise<ProcUnits> | undefined;

async function getconf(name: string, fallback: number): Promise<number> {
  try {
    const { stdout } = await execFileAsync('getconf', [name], { timeout: 5000 });
    const value = Number(stdout.trim());
    return Number.isInteger(value) && value > 0 ? value : fallback;
  } catch {
    return fallback;
  }
}

/** Read the units once per process: getconf runs twice, the first time only. */
export function procUnits(): Promise<ProcUnits> {
  unitsPromise ??= Promise.all([
    getconf('PAGESIZE', DEFAULT_UNITS.pageSize),
    getconf('CLK_TCK', DEFAULT_UNITS.clockTicks),
  ]).then(([pageSize, clockTicks]) => ({ pageSize, clockTicks }));
  return unitsPromise;
}

/**
 * Parse one /proc/PID/stat line (see proc(5)) into a sampling row.
 * utime, stime, cutime and cstime are in clock ticks. cutime and cstime are
 * the CPU time of children that the process has already reaped, and adding
 * them keeps the tree's total from dropping each time a short-lived child
 * exits. rss is in pages, the same count as the second field of /proc/PID/statm.
 */
export function parseStatLine(text: string, units: ProcUnits): ProcessRow | undefined {
  const split = splitProcStat(text);
  if (split === undefined) return undefined;
  const { pid, fields } = split;
  const state = fields[0];
  const ppid = Number(fields[1]);
  const ticks = [fields[11], fields[12], fields[13], fields[14]].map(Number);
  const startTime = Number(fields[19]);
  const rssPages = Number(fields[21]);
  if (!Number.isInteger(pid) || !Number.isInteger(ppid) || ticks.some(Number.isNaN))
    return undefined;
  if (Number.isNaN(startTime) || Number.isNaN(rssPages)) return undefined;

  // A zombie has released its memory and only waits to be reaped.
  const rssBytes = state === 'Z' ? 0 : rssPages * units.pageSize;
  const cpuTicks = ticks.reduce((sum, value) => sum + value, 0);
  return { pid, ppid, rssBytes, cpuSeconds: cpuTicks / units.clockTicks, startTime };
}

// comm is at most 64 bytes and the 50-odd numbers at most 20 digits each, so 2 KiB holds any stat line.
const STAT_BUFFER_BYTES = 2048;

/**
 * Read one stat file with open, one read and close. readFile also calls
 * fstat and reads until end of file, and took twice the CPU (12 ms against
 * 6 ms for 109 files, Node 20 on a 2-core x86-64 Linux VM).
 */
async function readStat(pid: string, units: ProcUnits): Promise<ProcessRow | undefined> {
  let handle: FileHandle | undefined;
  try {
    handle = await open(`/proc/${pid}/stat`, 'r');
    const buffer = Buffer.allocUnsafe(STAT_BUFFER_BYTES);
    const { bytesRead } = await handle.read(buffer, 0, STAT_BUFFER_BYTES, 0);
    return parseStatLine(buffer.toString('latin1', 0, bytesRead), units);
  } catch {
    // The process exited between readdir and the read.
    return undefined;
  } finally {
    await handle?.close().catch(() => undefined);
  }
}

/** Read the whole process table from /proc: one readdir, one stat file per process, all async. */
export async function readLinuxProcessTable(): Promise<ProcessRow[]> {
  const units = await procUnits();
  const entries = await readdir('/proc');
  const pids = entries.filter((entry) => entry.charCodeAt(0) >= 48 && entry.charCodeAt(0) <= 57);
  const rows = await Promise.all(pids.map((pid) => readStat(pid, units)));
  return rows.filter((row): row is ProcessRow => row !== undefined);
}
