import { execFile as execFileCallback } from 'node:child_process';
import { type ExecFile, killTreeWindows } from './kill-windows.js';

/**
 * Send a signal to a child's whole process group (Unix) or process tree
 * (Windows). Children are spawned detached, so their PID is also their
 * process group ID. Returns false when nothing was there to signal.
 */
export async function signalTree(
  pid: number,
  signal: NodeJS.Signals,
  platform: NodeJS.Platform = process.platform,
  execFile: ExecFile = defaultExecFile,
): Promise<boolean> {
  if (platform === 'win32') return killTreeWindows(pid, signal, execFile);
  return signalGroup(pid, signal);
}

/** kill(-pgid, signal); ESRCH (no such group) is not an error. */
export function signalGroup(pgid: number, signal: NodeJS.Signals | 0): boolean {
  try {
    process.kill(-pgid, signal);
    return true;
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ESRCH') return false;
    throw error;
  }
}

/** kill(pid, signal) for one process; ESRCH is not an error. */
export function signalProcess(pid: number, signal: NodeJS.Signals): boolean {
  try {
    process.kill(pid, signal);
    return true;
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ESRCH') return false;
    throw error;
  }
}

const defaultExecFile: ExecFile = (file, args) =>
  new Promise((resolve) => {
    execFileCallback(file, args, { windowsHide: true }, (error, _stdout, stderr) => {
      const code = error === null ? 0 : typeof error.code === 'number' ? error.code : 1;
      resolve({ code, stderr: String(stderr) });
    });
  });
