import { userInfo } from 'node:os';
import type { WatchBackendError } from './backend.js';
import { instanceLimitHint, readInotifyLimits, watchLimitHint } from './inotify.js';

/** A path that cannot be watched; the message names the path and the fix. */
export class WatchError extends Error {
  /** ENOENT, EACCES, ENOSPC, EMFILE, EINVAL, or the backend's code. */
  readonly code: string | undefined;
  readonly path: string;

  constructor(
    message: string,
    code: string | undefined,
    failedPath: string,
    options?: ErrorOptions,
  ) {
    super(message, options);
    this.name = 'WatchError';
    this.code = code;
    this.path = failedPath;
  }
}

/** "user alice (uid 1000)", or the uid alone when it has no passwd entry. */
function describeUser(): string {
  if (typeof process.getuid !== 'function') return 'this user';
  const uid = process.getuid();
  try {
    return `user ${userInfo().username} (uid ${uid})`;
  } catch {
    return `uid ${uid}`;
  }
}

/** The message for a directory this user may not list. */
export function permissionDeniedMessage(dir: string): string {
  return (
    `cannot watch ${dir}: permission denied for ${describeUser()}. ` +
    `Watching needs read and execute permission on the directory and search (x) permission ` +
    `on its parents: change them (chmod, chown), run crashproof as a user who has them, ` +
    `or remove the path from watch.paths`
  );
}

/** Turn a backend failure into an error that says what to do. */
export function explainBackendError(error: WatchBackendError): WatchError {
  const options = { cause: error };
  switch (error.code) {
    case 'ENOSPC':
      return new WatchError(
        `cannot watch ${error.dir}: ${watchLimitHint(readInotifyLimits().watches)}`,
        'ENOSPC',
        error.dir,
        options,
      );
    case 'EMFILE':
      return new WatchError(
        `cannot watch ${error.dir}: ${instanceLimitHint(readInotifyLimits().instances)}`,
        'EMFILE',
        error.dir,
        options,
      );
    case 'EACCES':
    case 'EPERM':
      return new WatchError(permissionDeniedMessage(error.dir), error.code, error.dir, options);
    case 'ENOENT':
      return new WatchError(
        `cannot watch ${error.dir}: it was removed while the watch started; ` +
          'make sure it exists, or correct watch.paths',
        'ENOENT',
        error.dir,
        options,
      );
    default:
      return new WatchError(
        `cannot watch ${error.dir}: ${error.message}`,
        error.code,
        error.dir,
        options,
      );
  }
}
