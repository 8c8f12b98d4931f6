import { type Dirent, type FSWatcher, watch } from 'node:fs';
import { lstat, readdir } from 'node:fs/promises';
import path from 'node:path';
import { toPatternPath } from './globs.js';

/**
 * Watches directory trees. Within the file watcher, only this module calls fs.watch.
 *
 * On Linux it keeps one non-recursive fs.watch (one inotify watch) per
 * directory, found by a readdir walk that skips ignored directories, and
 * adds directories created later. @parcel/watcher 2.6 and chokidar 5 were
 * measured for this (bench/watch-backends.ts, docs/watch.md): parcel
 * delivers the first change of a burst at once and the rest 50 ms after
 * the burst ends, so one `git checkout` became two restarts; chokidar took
 * seconds and over 200 MiB to watch 20,000 files. This walk watches the
 * same tree in under 0.1 s and 60 MiB and reports each change as it comes.
 *
 * On macOS and Windows, fs.watch is recursive natively and used as it is.
 */

export type ChangeType = 'create' | 'update' | 'delete';

/** One change; the path is absolute. */
export interface FileChange {
  type: ChangeType;
  path: string;
}

export interface SubscribeOptions {
  /** Watch subdirectories too (the default), or only the directory's own entries. */
  recursive?: boolean;
  /**
   * Whether a path relative to the watched directory ("/"-separated) is
   * skipped, with all below it. Called only for entries of directories that
   * are watched, so it need not check parent directories.
   */
  ignore: (relativePath: string) => boolean;
  /** Changes seen in one event-loop turn, in order. */
  onChanges: (changes: FileChange[]) => void;
  /**
   * A directory found after the start could not be watched (the inotify
   * watch limit, permission denied). The rest of the tree stays watched.
   */
  onError: (error: WatchBackendError) => void;
}

export type Unsubscribe = () => Promise<void>;

/** A watch failure, with the errno code and the directory it concerns. */
export class WatchBackendError extends Error {
  /** ENOSPC, EMFILE, EACCES, ENOENT, ENOTDIR, or undefined when the cause had none. */
  readonly code: string | undefined;
  readonly dir: string;

  constructor(message: string, dir: string, code: string | undefined, options?: ErrorOptions) {
    super(message, options);
    this.name = 'WatchBackendError';
    this.dir = dir;
    this.code = code;
  }
}

/** The errno code of a Node system error, such as ENOENT. */
export function errnoOf(error: unknown): string | undefined {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  return typeof code === 'string' ? code : undefined;
}

/** Wrap an error; a Node fs error names the path it failed on, which may lie below `dir`. */
function toBackendError(error: unknown, dir: string): WatchBackendError {
  if (error instanceof WatchBackendError) return error;
  const message = error instanceof Error ? error.message : String(error);
  const failedPath = (error as NodeJS.ErrnoException | undefined)?.path;
  return new WatchBackendError(message, failedPath ?? dir, errnoOf(error), { cause: error });
}

/** Errors of a directory that disappeared while it was being looked at. */
function isGone(error: unknown): boolean {
  const code = errnoOf(error);
  return code === 'ENOENT' || code === 'ENOTDIR';
}

interface WatchedDirectory {
  watcher: FSWatcher;
  /** Inode at the time of watching: a directory removed and made again has a new one. */
  ino: number;
}

/** Watches one directory tree with one fs.watch per directory. */
class DirectoryTree {
  private readonly watched = new Map<string, WatchedDirectory>();
  private pending: FileChange[] = [];
  private flushScheduled = false;
  private closed = false;
  private readonly recursive: boolean;

  constructor(
    private readonly root: string,
    private readonly options: SubscribeOptions,
  ) {
    this.recursive = options.recursive ?? true;
  }

  /** Walk and watch the tree; fails when the root, or any directory for lack of watches, cannot be watched. */
  async start(): Promise<void> {
    await this.addTree(this.root, false);
  }

  close(): void {
    this.closed = true;
    for (const entry of this.watched.values()) entry.watcher.close();
    this.watched.clear();
    this.pending = [];
  }

  private isIgnored(absolute: string): boolean {
    if (absolute === this.root) return false;
    return this.options.ignore(toPatternPath(path.relative(this.root, absolute)));
  }

  /**
   * Watch `dir` and every directory below it. With `reportFiles`, the
   * entries found count as created: they appeared in a new directory
   * before its watch existed.
   */
  private async addTree(dir: string, reportFiles: boolean): Promise<void> {
    if (this.closed || this.watched.has(dir)) return;

    let entries: Dirent[];
    try {
      const stats = await lstat(dir);
      if (this.closed || this.watched.has(dir)) return;
      this.watchDirectory(dir, stats.ino);
      entries = await readdir(dir, { withFileTypes: true });
    } catch (error) {
      if (dir === this.root) throw error;
      // Gone again before the walk reached it: its parent reports the removal.
      if (isGone(error)) return;
      // An unreadable subdirectory costs a warning, not the whole tree; the
      // watch limit fails the start, because most of the tree would go unwatched.
      if (errnoOf(error) === 'ENOSPC' && !reportFiles) throw error;
      this.reportError(error, dir);
      return;
    }

    const subdirectories: Promise<void>[] = [];
    for (const entry of entries) {
      // Symbolic links are not followed, so a link cannot pull a large tree in.
      const isDirectory = entry.isDirectory();
      // Files matter only when reported; ignored ones are dropped later anyway.
      if (!isDirectory && !reportFiles) continue;

      const absolute = path.join(dir, entry.name);
      if (this.isIgnored(absolute)) continue;
      if (reportFiles) this.queue('create', absolute);
      if (isDirectory && this.recursive) subdirectories.push(this.addTree(absolute, reportFiles));
    }
    await Promise.all(subdirectories);
  }

  private watchDirectory(dir: string, ino: number): void {
    const watcher = watch(dir, { persistent: true, encoding: 'utf8' }, (eventType, name) =>
      this.onEvent(dir, eventType, name),
    );
    watcher.on('error', (error) => this.reportError(error, dir));
    this.watched.set(dir, { watcher, ino });
  }

  private onEvent(dir: string, eventType: string, name: string | null): void {
    if (this.closed) return;
    if (name === null) {
      // The kernel named no entry (an event on the directory itself).
      this.check(dir);
      return;
    }

    const absolute = path.join(dir, name);
    if (this.isIgnored(absolute)) return;

    // A watch reports its own directory's removal or move under the directory's name.
    if (eventType === 'rename' && name === path.basename(dir)) this.check(dir);

    if (eventType === 'change') this.queue('update', absolute);
    else this.check(absolute);
  }

  /** Find out what a "rename" event meant: created, deleted, replaced, or moved in or out. */
  private check(absolute: string): void {
    lstat(absolute).then(
      (stats) => {
        if (this.closed) return;
        const known = this.watched.get(absolute);
        if (known && known.ino === stats.ino) {
          this.queue('update', absolute);
          return;
        }

        // A directory made again under a known name needs a fresh watch.
        if (known) this.forgetTree(absolute);
        this.queue('create', absolute);
        if (stats.isDirectory() && this.recursive) {
          this.addTree(absolute, true).catch((error: unknown) => this.reportError(error, absolute));
        }
      },
      (error: unknown) => {
        if (this.closed) return;
        if (!isGone(error)) {
          this.reportError(error, absolute);
          return;
        }
        // Only watched directories have watches below them: a file's removal costs no scan.
        if (this.watched.has(absolute)) this.forgetTree(absolute);
        this.queue('delete', absolute);
      },
    );
  }

  /** Close the watches of a removed or moved-away directory and of all below it. */
  private forgetTree(dir: string): void {
    const prefix = dir + path.sep;
    for (const [watchedDir, entry] of this.watched) {
      if (watchedDir === dir || watchedDir.startsWith(prefix)) {
        entry.watcher.close();
        this.watched.delete(watchedDir);
      }
    }
  }

  private reportError(error: unknown, dir: string): void {
    if (!this.closed) this.options.onError(toBackendError(error, dir));
  }

  private queue(type: ChangeType, absolute: string): void {
    this.pending.push({ type, path: absolute });
    if (this.flushScheduled) return;
    this.flushScheduled = true;
    setImmediate(() => {
      this.flushScheduled = false;
      const changes = this.pending;
      this.pending = [];
      if (changes.length > 0 && !this.closed) this.options.onChanges(changes);
    });
  }
}

/** Native recursive fs.watch, for the platforms whose kernels offer one (macOS, Windows). */
function subscribeRecursive(dir: string, options: SubscribeOptions): Unsubscribe {
  // NOTE: this path runs on macOS and Windows only and is not covered by the
  // Linux test suite; ignored directories are still watched there, and only
  // their events are dropped.
  const recursive = options.recursive ?? true;
  const watcher = watch(dir, { recursive, encoding: 'utf8' }, (eventType, name) => {
    if (name === null) return;
    const relative = toPatternPath(name);
    if (options.ignore(relative)) return;
    options.onChanges([
      { type: eventType === 'change' ? 'update' : 'create', path: path.join(dir, name) },
    ]);
  });
  watcher.on('error', (error) => options.onError(toBackendError(error, dir)));
  return async () => watcher.close();
}

/**
 * Watch `dir` recursively. Resolves once every directory in it is watched;
 * rejects with a WatchBackendError when one cannot be (the root missing or
 * unreadable, the inotify watch limit reached during the walk).
 */
export async function subscribe(dir: string, options: SubscribeOptions): Promise<Unsubscribe> {
  if (process.platform !== 'linux') {
    try {
      return subscribeRecursive(dir, options);
    } catch (error) {
      throw toBackendError(error, dir);
    }
  }

  const tree = new DirectoryTree(dir, options);
  try {
    await tree.start();
  } catch (error) {
    tree.close();
    throw toBackendError(error, dir);
  }
  return async () => tree.close();
}
