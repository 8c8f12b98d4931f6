import { signalProcess, signalTree } from './kill.js';
import { descendantsOf, groupMembers, hasProcFs, listProcesses, type ProcStat } from './proc.js';

export interface TerminateResult {
  /** The stop signal was not enough and SIGKILL was sent after the timeout. */
  killedAfterTimeout: boolean;
  /** Processes still alive after SIGKILL and a grace period (should be none). */
  survivors: number[];
}

const POLL_MS = 20;
const AFTER_KILL_GRACE_MS = 2000;

/**
 * Stop a child's process group, and descendants that left it (setsid), with
 * the stop signal; wait up to timeoutMs for all of them to go; then SIGKILL
 * what is left. `exited` resolves when the child itself has exited. On
 * platforms without /proc only the child's exit is awaited.
 */
export async function terminateTree(
  pid: number,
  stopSignal: NodeJS.Signals,
  timeoutMs: number,
  exited: Promise<unknown>,
  knownEscaped: readonly ProcStat[] = [],
): Promise<TerminateResult> {
  let childGone = false;
  void exited.then(() => (childGone = true));

  // Found before signalling: once the child dies, escaped descendants are re-parented and lost.
  // knownEscaped contains those seen earlier, for a child that already died and left them behind.
  const escaped = hasProcFs ? await liveEscaped(pid, knownEscaped) : [];

  await signalTree(pid, stopSignal).catch(() => false);
  for (const stat of escaped) safeSignal(stat.pid, stopSignal);

  if (await waitUntilGone(pid, escaped, timeoutMs, () => childGone)) {
    return { killedAfterTimeout: false, survivors: [] };
  }

  await signalTree(pid, 'SIGKILL').catch(() => false);
  for (const stat of escaped) safeSignal(stat.pid, 'SIGKILL');
  if (await waitUntilGone(pid, escaped, AFTER_KILL_GRACE_MS, () => childGone)) {
    return { killedAfterTimeout: true, survivors: [] };
  }
  return { killedAfterTimeout: true, survivors: await remaining(pid, escaped) };
}

async function liveEscaped(pid: number, known: readonly ProcStat[]): Promise<ProcStat[]> {
  const processes = await listProcesses();
  const found = escapedDescendants(pid, processes);
  const live = new Map(processes.map((stat) => [stat.pid, stat]));
  for (const stat of known) {
    const current = live.get(stat.pid);
    // Same PID and start time: the same process, not a reused PID.
    if (
      current?.startTime === stat.startTime &&
      current.state !== 'Z' &&
      !found.some((entry) => entry.pid === stat.pid)
    ) {
      found.push(current);
    }
  }
  return found;
}

/** Descendants of pid that left its process group (setsid, setpgid), alive now. */
export function escapedDescendants(pid: number, processes: ProcStat[]): ProcStat[] {
  return descendantsOf(pid, processes).filter((stat) => stat.pgid !== pid && stat.state !== 'Z');
}

function safeSignal(pid: number, signal: NodeJS.Signals): void {
  try {
    signalProcess(pid, signal);
  } catch {
    // EPERM: not ours any more (PID reused by another user); leave it.
  }
}

async function remaining(pgid: number, escaped: ProcStat[]): Promise<number[]> {
  if (!hasProcFs) return [];
  const processes = await listProcesses();
  const live = new Map(
    processes.filter((stat) => stat.state !== 'Z').map((stat) => [stat.pid, stat]),
  );
  const members = groupMembers(pgid, processes).map((stat) => stat.pid);
  const others = escaped
    .filter((stat) => live.get(stat.pid)?.startTime === stat.startTime)
    .map((stat) => stat.pid);
  return [...new Set([...members, ...others])];
}

async function waitUntilGone(
  pgid: number,
  escaped: ProcStat[],
  timeoutMs: number,
  childGone: () => boolean,
): Promise<boolean> {
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    if (childGone() && (await remaining(pgid, escaped)).length === 0) return true;
    if (performance.now() >= deadline) return false;
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
  }
}
