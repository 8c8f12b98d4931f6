import { constants } from 'node:fs';
import { access, stat } from 'node:fs/promises';
import path from 'node:path';
import { errnoOf } from './backend.js';
import { permissionDeniedMessage, WatchError } from './errors.js';

/** One directory to watch, from one or more entries of watch.paths. */
export interface WatchRoot {
  /** The entries of watch.paths it comes from, for messages. */
  configured: string[];
  /** Absolute directory to subscribe to. */
  dir: string;
  /** Set when only some files of dir count (entries of watch.paths that are files). */
  files: Set<string> | undefined;
}

async function assertReadableDirectory(dir: string): Promise<void> {
  try {
    await access(dir, constants.R_OK | constants.X_OK);
  } catch (error) {
    if (errnoOf(error) === 'EACCES') {
      throw new WatchError(permissionDeniedMessage(dir), 'EACCES', dir);
    }
    throw error;
  }
}

/** Resolve one entry of watch.paths; throws a WatchError when it cannot be watched. */
async function resolveOne(
  configured: string,
  baseDir: string,
): Promise<{ dir: string; file: string | undefined }> {
  const absolute = path.resolve(baseDir, configured);

  let isDirectory: boolean;
  try {
    isDirectory = (await stat(absolute)).isDirectory();
  } catch (error) {
    const code = errnoOf(error);
    if (code === 'ENOENT' || code === 'ENOTDIR') {
      throw new WatchError(
        `watch path "${configured}" does not exist: ${absolute} was not found ` +
          `(relative paths resolve against the base directory ${baseDir}). ` +
          `Create it, or correct watch.paths (or the --watch argument)`,
        'ENOENT',
        absolute,
      );
    }
    if (code === 'EACCES') {
      throw new WatchError(permissionDeniedMessage(absolute), 'EACCES', absolute);
    }
    throw error;
  }

  // A file is watched through its directory, and only its own changes count.
  const dir = isDirectory ? absolute : path.dirname(absolute);
  await assertReadableDirectory(dir);
  return { dir, file: isDirectory ? undefined : absolute };
}

function isInside(child: string, parent: string): boolean {
  return (
    child === parent || child.startsWith(parent.endsWith(path.sep) ? parent : parent + path.sep)
  );
}

/**
 * Resolve watch.paths against baseDir and check that each can be watched.
 * A path inside another watched directory adds nothing and is merged into
 * it; files in the same directory share one root.
 */
export async function resolveWatchRoots(
  paths: readonly string[],
  baseDir: string,
): Promise<WatchRoot[]> {
  if (paths.length === 0) {
    throw new WatchError(
      'watch.paths is empty: list at least one file or directory to watch, such as "."',
      'EINVAL',
      baseDir,
    );
  }

  const resolved = await Promise.all(
    paths.map(async (configured) => ({ configured, ...(await resolveOne(configured, baseDir)) })),
  );

  const roots: WatchRoot[] = [];
  // Whole directories first, shortest first, so that a parent absorbs its children.
  const ordered = [...resolved].sort((a, b) => {
    if ((a.file === undefined) !== (b.file === undefined)) return a.file === undefined ? -1 : 1;
    return a.dir.length - b.dir.length;
  });

  for (const entry of ordered) {
    const covering = roots.find(
      (root) => root.files === undefined && isInside(entry.file ?? entry.dir, root.dir),
    );
    if (covering) {
      covering.configured.push(entry.configured);
      continue;
    }

    const sameDir =
      entry.file === undefined ? undefined : roots.find((root) => root.dir === entry.dir);
    if (sameDir && entry.file !== undefined) {
      sameDir.configured.push(entry.configured);
      sameDir.files?.add(entry.file);
      continue;
    }

    roots.push({
      configured: [entry.configured],
      dir: entry.dir,
      files: entry.file === undefined ? undefined : new Set([entry.file]),
    });
  }
  return roots;
}
