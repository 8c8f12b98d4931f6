import { performance } from 'node:perf_hooks';
import { readLinuxProcessTable } from './proc-linux.js';
import { readMacProcessTable } from './proc-mac.js';
import { readWindowsProcessTable } from './proc-windows.js';

/** One row of the system's process table, in the units every platform reader returns. */
export interface ProcessRow {
  pid: number;
  ppid: number;
  rssBytes: number;
  /** User plus system CPU time of the process, in seconds. */
  cpuSeconds: number;
  /** Identifies the process across PID reuse where the platform reports it (Linux start time in ticks). */
  startTime?: number;
}

/** RSS and CPU time of a process tree at one moment. */
export interface TreeSample {
  rssBytes: number;
  /** CPU time of the live processes in the tree, in seconds. */
  cpuSeconds: number;
  /** The root first, then its descendants in breadth-first order. */
  pids: number[];
  /** Monotonic time of the sample (performance.now(), ms), for CPU percent. */
  at: number;
}

export type ProcessTableReader = () => Promise<ProcessRow[]>;

/** Choose the process table reader for a platform: /proc on Linux, ps on macOS and the BSDs, CIM on Windows. */
export function processTableReader(
  platform: NodeJS.Platform = process.platform,
): ProcessTableReader {
  if (platform === 'linux' || platform === 'android') return readLinuxProcessTable;
  if (platform === 'win32') return readWindowsProcessTable;
  return readMacProcessTable;
}

/**
 * Collect rootPid and every descendant, found by parent links in one pass
 * over the table. Descendants that moved to another process group or session
 * keep their parent link, so they are found too. Extra roots (processes seen
 * in the tree earlier and since re-parented to init) join with their subtrees.
 */
export function collectTree(
  rows: readonly ProcessRow[],
  rootPid: number,
  extraRoots: readonly number[] = [],
): ProcessRow[] {
  const byPid = new Map<number, ProcessRow>();
  const children = new Map<number, ProcessRow[]>();
  for (const row of rows) {
    byPid.set(row.pid, row);
    const siblings = children.get(row.ppid);
    if (siblings) siblings.push(row);
    else children.set(row.ppid, [row]);
  }

  const root = byPid.get(rootPid);
  if (!root) return [];

  // Breadth-first with a visited set: a Windows parent PID can be reused, so the links may form a cycle.
  const result: ProcessRow[] = [];
  const visited = new Set<number>();
  const queue: ProcessRow[] = [root];
  for (const pid of extraRoots) {
    const row = byPid.get(pid);
    if (row) queue.push(row);
  }
  for (let index = 0; index < queue.length; index++) {
    const row = queue[index]!;
    if (visited.has(row.pid)) continue;
    visited.add(row.pid);
    result.push(row);
    for (const child of children.get(row.pid) ?? []) {
      if (!visited.has(child.pid)) queue.push(child);
    }
  }
  return result;
}

/** Sum a collected tree into one sample. */
export function summarizeTree(tree: readonly ProcessRow[], at: number): TreeSample {
  let rssBytes = 0;
  let cpuSeconds = 0;
  for (const row of tree) {
    rssBytes += row.rssBytes;
    cpuSeconds += row.cpuSeconds;
  }
  return { rssBytes, cpuSeconds, pids: tree.map((row) => row.pid), at };
}

/**
 * Sample the RSS and CPU time of rootPid and all its descendants. Returns
 * undefined when rootPid does not exist (any more).
 */
export async function sampleProcessTree(
  rootPid: number,
  readTable: ProcessTableReader = processTableReader(),
): Promise<TreeSample | undefined> {
  const rows = await readTable();
  const tree = collectTree(rows, rootPid);
  return tree.length === 0 ? undefined : summarizeTree(tree, performance.now());
}

/**
 * CPU use between two samples as a percent of one core (200 means two busy
 * cores), like top. CPU time of processes that left the tree between the
 * samples is lost, so the difference can be negative: that reads as 0.
 */
export function cpuPercent(previous: TreeSample, next: TreeSample): number {
  const elapsedSeconds = (next.at - previous.at) / 1000;
  if (elapsedSeconds <= 0) return 0;
  const percent = ((next.cpuSeconds - previous.cpuSeconds) / elapsedSeconds) * 100;
  return Math.max(0, percent);
}

/**
 * A sampler for one app that remembers which processes belonged to its tree,
 * so a daemonized descendant (double fork, re-parented to init) still counts
 * while it lives. A process is remembered by PID and start time, so a reused
 * PID is not mistaken for it.
 */
export class ProcessTreeSampler {
  private readonly known = new Map<number, number>();
  private rootPid: number | undefined;

  constructor(private readonly readTable: ProcessTableReader = processTableReader()) {}

  async sample(rootPid: number): Promise<TreeSample | undefined> {
    if (rootPid !== this.rootPid) {
      this.known.clear();
      this.rootPid = rootPid;
    }

    const rows = await this.readTable();
    const byPid = new Map(rows.map((row) => [row.pid, row]));
    const orphans: number[] = [];
    for (const [pid, startTime] of this.known) {
      const row = byPid.get(pid);
      if (row === undefined || row.startTime !== startTime) this.known.delete(pid);
      else orphans.push(pid);
    }

    const tree = collectTree(rows, rootPid, orphans);
    if (tree.length === 0) return undefined;
    // Without a start time (macOS, Windows) a remembered PID could be reused by a stranger.
    for (const row of tree) {
      if (row.startTime !== undefined) this.known.set(row.pid, row.startTime);
    }
    return summarizeTree(tree, performance.now());
  }
}
