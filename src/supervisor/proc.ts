import { readdir, readFile } from 'node:fs/promises';

/** The fields of /proc/PID/stat that process-tree handling needs. */
export interface ProcStat {
  pid: number;
  ppid: number;
  pgid: number;
  sid: number;
  /** Process state letter; Z is a zombie that only waits to be reaped. */
  state: string;
  /** Start time in clock ticks after boot: with the PID, it identifies a process across PID reuse. */
  startTime: number;
}

/**
 * Split a /proc/PID/stat line into the PID and the fields after the command
 * name. The name may contain spaces and parentheses, so the split is after
 * the last ")". fields[0] is field 3 of proc(5) (state), so field N is
 * fields[N - 3].
 */
export function splitProcStat(text: string): { pid: number; fields: string[] } | undefined {
  const close = text.lastIndexOf(')');
  const open = text.indexOf('(');
  if (close < 0 || open < 0 || close < open) return undefined;
  return {
    pid: Number(text.slice(0, open).trim()),
    fields: text
      .slice(close + 2)
      .trim()
      .split(' '),
  };
}

/** Parse the /proc/PID/stat fields that process-group handling needs. */
export function parseProcStat(text: string): ProcStat | undefined {
  const split = splitProcStat(text);
  if (split === undefined) return undefined;
  const { pid, fields } = split;
  const stat: ProcStat = {
    pid,
    state: fields[0] ?? '?',
    ppid: Number(fields[1]),
    pgid: Number(fields[2]),
    sid: Number(fields[3]),
    startTime: Number(fields[19]),
  };
  return Number.isInteger(stat.pid) && Number.isInteger(stat.startTime) ? stat : undefined;
}

export const hasProcFs = process.platform === 'linux';

export async function readProcStat(pid: number): Promise<ProcStat | undefined> {
  try {
    return parseProcStat(await readFile(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return undefined;
  }
}

/** List every process in /proc (zombies included, marked by state Z). */
export async function listProcesses(): Promise<ProcStat[]> {
  let entries: string[];
  try {
    entries = await readdir('/proc');
  } catch {
    return [];
  }
  const stats = await Promise.all(
    entries.filter((entry) => /^\d+$/.test(entry)).map((entry) => readProcStat(Number(entry))),
  );
  return stats.filter((stat): stat is ProcStat => stat !== undefined);
}

/** Find all descendants of rootPid (not the root itself) by walking parent links. */
export function descendantsOf(rootPid: number, processes: ProcStat[]): ProcStat[] {
  const children = new Map<number, ProcStat[]>();
  for (const stat of processes) {
    const list = children.get(stat.ppid) ?? [];
    list.push(stat);
    children.set(stat.ppid, list);
  }
  const result: ProcStat[] = [];
  const queue = [rootPid];
  const seen = new Set<number>([rootPid]);
  while (queue.length > 0) {
    const pid = queue.shift()!;
    for (const child of children.get(pid) ?? []) {
      if (seen.has(child.pid)) continue;
      seen.add(child.pid);
      result.push(child);
      queue.push(child.pid);
    }
  }
  return result;
}

/** Live (non-zombie) members of a process group. */
export function groupMembers(pgid: number, processes: ProcStat[]): ProcStat[] {
  return processes.filter((stat) => stat.pgid === pgid && stat.state !== 'Z');
}

/** Read the kernel's boot id, because a PID and start time from another boot identify nothing. */
export async function readBootId(): Promise<string | undefined> {
  try {
    return (await readFile('/proc/sys/kernel/random/boot_id', 'utf8')).trim();
  } catch {
    return undefined;
  }
}

/** True when pid is alive and, if startTime is given, is still the same process. */
export async function isSameProcess(pid: number, startTime: number | undefined): Promise<boolean> {
  if (hasProcFs) {
    const stat = await readProcStat(pid);
    if (stat === undefined || stat.state === 'Z') return false;
    return startTime === undefined || stat.startTime === startTime;
  }
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
