import { link, readFile, unlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { isSameProcess } from '../supervisor/proc.js';
import { LOCK_FILE, PID_FILE, type ProcessIdentity } from './state-file.js';

export class LockHeldError extends Error {
  constructor(
    readonly lockFile: string,
    readonly holder: ProcessIdentity,
  ) {
    super(
      `another crashproof runner (pid ${holder.pid}) is using ${path.dirname(lockFile)}; stop it first or give this one another logging.dir`,
    );
    this.name = 'LockHeldError';
  }
}

/**
 * Take the lock on a log directory so two runners never supervise the same
 * apps. A lock left by a runner that is gone (or whose PID now belongs to
 * another process) is taken over. Also writes crashproof.pid for logrotate.
 */
export async function acquireLock(
  logDir: string,
  self: ProcessIdentity,
): Promise<() => Promise<void>> {
  const lockFile = path.join(logDir, LOCK_FILE);
  const pidFile = path.join(logDir, PID_FILE);
  // The lock appears with its content by link(), so another runner never
  // reads an empty lock file and takes it for a stale one.
  const draft = `${lockFile}.${self.pid}.${Math.random().toString(36).slice(2)}.tmp`;
  await writeFile(draft, JSON.stringify(self), { mode: 0o644 });
  try {
    for (let tries = 0; tries < 3; tries++) {
      try {
        await link(draft, lockFile);
        await writeFile(pidFile, `${self.pid}\n`);
        return async () => {
          await unlink(lockFile).catch(() => {});
          await unlink(pidFile).catch(() => {});
        };
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      }
      const holder = await readHolder(lockFile);
      if (
        holder !== undefined &&
        holder.pid !== self.pid &&
        (await isSameProcess(holder.pid, holder.procStartTime))
      ) {
        throw new LockHeldError(lockFile, holder);
      }
      await unlink(lockFile).catch(() => {});
    }
  } finally {
    await unlink(draft).catch(() => {});
  }
  throw new Error(`cannot take the lock ${lockFile}: it keeps reappearing`);
}

async function readHolder(lockFile: string): Promise<ProcessIdentity | undefined> {
  try {
    const parsed = JSON.parse(await readFile(lockFile, 'utf8')) as Partial<ProcessIdentity>;
    return typeof parsed.pid === 'number'
      ? { pid: parsed.pid, procStartTime: parsed.procStartTime, bootId: parsed.bootId }
      : undefined;
  } catch {
    return undefined;
  }
}
