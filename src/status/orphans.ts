import type { Logger } from 'pino';
import { signalGroup } from '../supervisor/kill.js';
import {
  groupMembers,
  hasProcFs,
  isSameProcess,
  listProcesses,
  readBootId,
} from '../supervisor/proc.js';
import type { StateDocument } from './state-file.js';

const ORPHAN_STOP_TIMEOUT_MS = 5000;

/**
 * True when the recorded child is gone but members of its process group
 * (ffmpeg, workers) live on. The group is the old one when its leader's PID
 * is free or a zombie with the recorded start time: the kernel does not hand
 * out a PID still used as a group ID, so a new group with this ID needs a
 * new leader with this PID, and members never start before their leader.
 */
async function leftoverGroup(pgid: number, leaderStart: number): Promise<boolean> {
  const processes = await listProcesses();
  const leader = processes.find((stat) => stat.pid === pgid);
  if (leader !== undefined && !(leader.state === 'Z' && leader.startTime === leaderStart))
    return false;
  const members = groupMembers(pgid, processes);
  return members.length > 0 && members.every((member) => member.startTime >= leaderStart);
}

/**
 * After the runner itself was SIGKILLed, its children live on and hold the
 * app's port. From the previous state file, end each recorded child's
 * process group, but only when the old runner is gone and the boot id, PID
 * and /proc start time all still match, so a reused PID is never hit.
 */
export async function cleanUpOrphans(
  previous: StateDocument | undefined,
  logger: Logger,
): Promise<number[]> {
  if (previous === undefined || previous.runner.stopped || !hasProcFs) return [];
  const bootId = await readBootId();
  if (bootId === undefined || previous.runner.bootId !== bootId) return [];
  if (await isSameProcess(previous.runner.pid, previous.runner.procStartTime)) return [];

  const ended: number[] = [];
  for (const app of Object.values(previous.apps)) {
    const pid = app.pid;
    if (typeof pid !== 'number' || typeof app.procStartTime !== 'number') continue;
    if (
      !(await isSameProcess(pid, app.procStartTime)) &&
      !(await leftoverGroup(pid, app.procStartTime))
    ) {
      logger.info(
        { app: app.name, pid },
        'previous child is gone or its PID was reused; leaving it alone',
      );
      continue;
    }
    logger.warn(
      { app: app.name, pgid: pid },
      `ending process group ${pid} left by a runner that was killed`,
    );
    signalGroup(pid, 'SIGTERM');
    const deadline = performance.now() + ORPHAN_STOP_TIMEOUT_MS;
    while (performance.now() < deadline && groupMembers(pid, await listProcesses()).length > 0) {
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    if (groupMembers(pid, await listProcesses()).length > 0) signalGroup(pid, 'SIGKILL');
    ended.push(pid);
  }
  return ended;
}
