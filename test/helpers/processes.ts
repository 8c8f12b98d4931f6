import { readdirSync, readFileSync } from 'node:fs';

/*
 * Liveness checks for process groups and single processes. PID 1 on these
 * machines does not reap orphans, so a killed grandchild stays a zombie
 * (state Z) for good: kill(-pgid, 0) still succeeds on a group of zombies,
 * so /proc decides whether anything in it still runs.
 */

interface Stat {
  pid: number;
  ppid: number;
  pgid: number;
  state: string;
  startTime: number;
}

function readStat(pid: number): Stat | undefined {
  let text: string;
  try {
    text = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return undefined;
  }
  const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
  return {
    pid,
    state: fields[0] ?? '?',
    ppid: Number(fields[1]),
    pgid: Number(fields[2]),
    startTime: Number(fields[19]),
  };
}

function allStats(): Stat[] {
  return readdirSync('/proc')
    .filter((entry) => /^\d+$/.test(entry))
    .map((entry) => readStat(Number(entry)))
    .filter((stat): stat is Stat => stat !== undefined);
}

/** Return the /proc start time of a process (clock ticks after boot), or undefined when it is gone. */
export function startTimeOf(pid: number): number | undefined {
  return readStat(pid)?.startTime;
}

/** True while pid runs (a zombie counts as gone). */
export function isAlive(pid: number): boolean {
  const stat = readStat(pid);
  return stat !== undefined && stat.state !== 'Z';
}

/** PIDs of the group's members that still run (zombies excluded). */
export function liveGroupMembers(pgid: number): number[] {
  return allStats()
    .filter((stat) => stat.pgid === pgid && stat.state !== 'Z')
    .map((stat) => stat.pid);
}

/** kill(-pgid, 0) first; when it finds the group, /proc decides whether a member still runs. */
export function groupAlive(pgid: number): boolean {
  try {
    process.kill(-pgid, 0);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ESRCH') return false;
    throw error;
  }
  return liveGroupMembers(pgid).length > 0;
}

/**
 * Every process a test started, directly or through the supervisor, with
 * its start time, so afterEach can SIGKILL leftovers by PID without ever
 * hitting a process that reused the PID.
 */
export class ProcessTracker {
  private readonly known = new Map<number, number>();

  track(pid: number): void {
    const startTime = startTimeOf(pid);
    if (startTime !== undefined && !this.known.has(pid)) this.known.set(pid, startTime);
  }

  /** PIDs still running among the tracked ones. */
  survivors(): number[] {
    return [...this.known]
      .filter(([pid, time]) => isAlive(pid) && startTimeOf(pid) === time)
      .map(([pid]) => pid);
  }

  /** SIGKILL what is left (its group too, when it leads one) and forget everything. */
  killAll(): number[] {
    const left = this.survivors();
    for (const pid of left) {
      const stat = readStat(pid);
      try {
        if (stat?.pgid === pid) process.kill(-pid, 'SIGKILL');
        else process.kill(pid, 'SIGKILL');
      } catch {
        // Gone between the check and the kill.
      }
    }
    this.known.clear();
    return left;
  }
}
