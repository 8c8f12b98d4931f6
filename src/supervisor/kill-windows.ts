/**
 * Process-tree termination on Windows, where there are no process groups or
 * POSIX signals. taskkill /T walks the tree by parent PID; without /F it asks
 * windowed programs to close, which console programs ignore, so a stop that
 * must end the tree escalates to /F after the stop timeout as on Unix.
 */

/** Runs a program and resolves with its exit code; injected so tests need no Windows. */
export type ExecFile = (
  file: string,
  args: string[],
) => Promise<{ code: number | null; stderr: string }>;

export function taskkillArgs(pid: number, force: boolean): string[] {
  return force ? ['/PID', String(pid), '/T', '/F'] : ['/PID', String(pid), '/T'];
}

/**
 * End the tree rooted at pid. SIGKILL maps to a forced taskkill; any other
 * signal to a polite one. Returns false when the process was already gone
 * (taskkill exit code 128).
 */
export async function killTreeWindows(
  pid: number,
  signal: NodeJS.Signals,
  execFile: ExecFile,
): Promise<boolean> {
  const force = signal === 'SIGKILL';
  const { code } = await execFile('taskkill', taskkillArgs(pid, force));
  return code === 0;
}
