/**
 * Linux /proc readers for the benchmarks: CPU time, RSS, start time and
 * liveness of a process, and a poll with a deadline.
 */
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';

/** Clock ticks per second of utime, stime and starttime in /proc/PID/stat. */
export const CLOCK_TICKS = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }));

/**
 * Fields of /proc/PID/stat, or undefined when the process is gone. The
 * command name may contain spaces and brackets, so fields are counted from
 * the last ')'.
 */
export function readStat(pid) {
  let text;
  try {
    text = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return undefined;
  }
  const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
  return {
    state: fields[0],
    ppid: Number(fields[1]),
    pgid: Number(fields[2]),
    cpuMs: ((Number(fields[11]) + Number(fields[12])) * 1000) / CLOCK_TICKS,
    startTime: Number(fields[19]),
  };
}

/**
 * Sum the CPU time in ms of the process's live threads from
 * /proc/PID/task/TID/schedstat. Its nanoseconds resolve far below the 10 ms
 * ticks of utime and stime. Returns undefined when the process is gone.
 */
export function readThreadCpuMs(pid) {
  let threads;
  try {
    threads = readdirSync(`/proc/${pid}/task`);
  } catch {
    return undefined;
  }
  let totalNs = 0;
  for (const thread of threads) {
    try {
      totalNs += Number(
        readFileSync(`/proc/${pid}/task/${thread}/schedstat`, 'utf8').split(' ')[0],
      );
    } catch {
      // The thread exited between the listing and the read.
    }
  }
  return totalNs / 1e6;
}

/** Resident set size in bytes (VmRSS), or undefined when the process is gone. */
export function readRss(pid) {
  let text;
  try {
    text = readFileSync(`/proc/${pid}/status`, 'utf8');
  } catch {
    return undefined;
  }
  const match = /^VmRSS:\s+(\d+) kB$/m.exec(text);
  return match ? Number(match[1]) * 1024 : undefined;
}

/**
 * Identify a process by PID and start time, so that it can be checked and
 * killed later without hitting a reused PID.
 */
export function identify(pid) {
  const stat = readStat(pid);
  return stat ? { pid, startTime: stat.startTime } : undefined;
}

/** True while the identified process exists and is not a zombie. */
export function isAlive(identity) {
  const stat = readStat(identity.pid);
  return stat !== undefined && stat.state !== 'Z' && stat.startTime === identity.startTime;
}

/** SIGKILL the identified process if it is still the same live process; returns whether it was. */
export function killIfAlive(identity) {
  if (!isAlive(identity)) return false;
  try {
    process.kill(identity.pid, 'SIGKILL');
    return true;
  } catch {
    return false;
  }
}

/** List the PIDs of every descendant of pid (children, their children, and so on). */
export function descendantsOf(pid) {
  const parents = new Map();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const stat = readStat(entry);
    if (stat !== undefined) parents.set(Number(entry), stat.ppid);
  }
  const result = [];
  const queue = [pid];
  while (queue.length > 0) {
    const parent = queue.shift();
    for (const [child, ppid] of parents) {
      if (ppid !== parent) continue;
      result.push(child);
      queue.push(child);
    }
  }
  return result;
}

/** Poll check every intervalMs until it returns a value other than undefined or false; throw after timeoutMs. */
export async function waitFor(description, check, { timeoutMs, intervalMs = 5 }) {
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined && value !== false) return value;
    if (performance.now() > deadline)
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${description}`);
    await sleep(intervalMs);
  }
}

/**
 * SIGKILL every process whose command line contains marker (a unique
 * temporary directory that the bench passes to its children), except this
 * process. Returns the PIDs killed.
 */
export function killProcessesNaming(marker) {
  const killed = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry) || Number(entry) === process.pid) continue;
    let commandLine;
    try {
      commandLine = readFileSync(`/proc/${entry}/cmdline`, 'utf8');
    } catch {
      continue;
    }
    if (!commandLine.includes(marker)) continue;
    const identity = identify(Number(entry));
    if (identity && killIfAlive(identity)) killed.push(identity.pid);
  }
  return killed;
}
