import { readFile, realpath, stat } from 'node:fs/promises';
import { dirname } from 'node:path';

/**
 * Check whether `path` is a mount point. Linux lists mounts in
 * /proc/self/mountinfo, which also catches bind mounts from the same
 * filesystem. Elsewhere a mount point is a directory whose device differs
 * from its parent's. A missing path is not mounted.
 */
export async function isMountPoint(path: string): Promise<boolean> {
  let resolved: string;
  try {
    resolved = await realpath(path);
  } catch {
    return false;
  }
  if (resolved === '/') return true;

  const mountPoints = await readMountPoints();
  if (mountPoints?.has(resolved)) return true;

  try {
    const [self, parent] = await Promise.all([stat(resolved), stat(dirname(resolved))]);
    return self.dev !== parent.dev;
  } catch {
    return false;
  }
}

/** Mount points from /proc/self/mountinfo (field 5, octal escapes undone), or undefined off Linux. */
async function readMountPoints(): Promise<Set<string> | undefined> {
  let text: string;
  try {
    text = await readFile('/proc/self/mountinfo', 'utf8');
  } catch {
    return undefined;
  }
  const points = new Set<string>();
  for (const line of text.split('\n')) {
    const field = line.split(' ')[4];
    if (field !== undefined)
      points.add(
        field.replace(/\\([0-7]{3})/g, (_match, octal: string) =>
          String.fromCharCode(Number.parseInt(octal, 8)),
        ),
      );
  }
  return points;
}
