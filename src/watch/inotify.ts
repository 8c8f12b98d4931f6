import { readFileSync } from 'node:fs';

/**
 * Linux inotify limits, read so that errors can name the current value and
 * the sysctl that raises it. Both limits count per user: watches are one per
 * watched directory, instances one per process that watches (at least).
 */

export const WATCHES_SYSCTL = 'fs.inotify.max_user_watches';
export const INSTANCES_SYSCTL = 'fs.inotify.max_user_instances';

/** Suggested values: enough for large monorepos, as editors and IDEs recommend. */
export const SUGGESTED_MAX_WATCHES = 524_288;
export const SUGGESTED_MAX_INSTANCES = 1024;

function readNumber(file: string): number | undefined {
  try {
    const value = Number(readFileSync(file, 'utf8').trim());
    return Number.isFinite(value) ? value : undefined;
  } catch {
    return undefined;
  }
}

/** One inotify limit: the host sysctl, and the lower limit of a user namespace when there is one. */
export interface InotifyLimit {
  /** /proc/sys/fs/inotify/max_user_*, undefined off Linux. */
  sysctl: number | undefined;
  /**
   * /proc/sys/user/max_inotify_*, set only when lower than the sysctl, as
   * inside a rootless container whose user namespace has its own limits.
   */
  namespace: number | undefined;
}

export interface InotifyLimits {
  watches: InotifyLimit;
  instances: InotifyLimit;
}

function readLimit(sysctlFile: string, namespaceFile: string): InotifyLimit {
  const sysctl = readNumber(sysctlFile);
  const namespace = readNumber(namespaceFile);
  const lower = namespace !== undefined && (sysctl === undefined || namespace < sysctl);
  return { sysctl, namespace: lower ? namespace : undefined };
}

/** Read the limits in force for this process. The fields are undefined off Linux. */
export function readInotifyLimits(procRoot = '/proc'): InotifyLimits {
  return {
    watches: readLimit(
      `${procRoot}/sys/fs/inotify/max_user_watches`,
      `${procRoot}/sys/user/max_inotify_watches`,
    ),
    instances: readLimit(
      `${procRoot}/sys/fs/inotify/max_user_instances`,
      `${procRoot}/sys/user/max_inotify_instances`,
    ),
  };
}

/** "fs.inotify.max_user_watches = 8192", plus the user namespace's lower limit. */
function describeLimit(name: string, limit: InotifyLimit): string {
  const current = limit.sysctl === undefined ? `${name} unknown` : `${name} = ${limit.sysctl}`;
  if (limit.namespace === undefined) return current;
  return `${current}, and this user namespace allows ${limit.namespace}`;
}

/** Describe the fix for "inotify watch limit reached" (ENOSPC), with the limit in force. */
export function watchLimitHint(limit: InotifyLimit): string {
  return (
    `the inotify watch limit is reached (${describeLimit(WATCHES_SYSCTL, limit)}): every watched ` +
    `directory needs one watch and all programs of this user share the limit. Raise it with ` +
    `"sudo sysctl ${WATCHES_SYSCTL}=${SUGGESTED_MAX_WATCHES}" and keep it across reboots with a line ` +
    `"${WATCHES_SYSCTL}=${SUGGESTED_MAX_WATCHES}" in /etc/sysctl.d/90-inotify.conf, ` +
    `or ignore large directories with watch.ignore`
  );
}

/** Describe the fix for "inotify instance limit reached" (EMFILE), with the limit in force. */
export function instanceLimitHint(limit: InotifyLimit): string {
  return (
    `the inotify instance limit is reached (${describeLimit(INSTANCES_SYSCTL, limit)}): ` +
    `each watching program (editors, dev servers) uses at least one and all programs of this user ` +
    `share the limit. Raise it with "sudo sysctl ${INSTANCES_SYSCTL}=${SUGGESTED_MAX_INSTANCES}" ` +
    `and keep it across reboots with a line "${INSTANCES_SYSCTL}=${SUGGESTED_MAX_INSTANCES}" in ` +
    `/etc/sysctl.d/90-inotify.conf, or close other watching programs`
  );
}
