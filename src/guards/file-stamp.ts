import { copyFile, open, readdir, rename, rm } from 'node:fs/promises';
import path from 'node:path';
import { fileSafeTime } from '../util/atomic-write.js';

// The format of fileSafeTime: 2026-12-04T21-30-00.123Z.
const STAMP_PATTERN = '\\d{4}-\\d{2}-\\d{2}T\\d{2}-\\d{2}-\\d{2}\\.\\d{3}Z';

/** Shell-quote a path for a command that people copy from the log (POSIX sh). */
export function shellQuote(text: string): string {
  return /^[\w./@%+=:,-]+$/.test(text) ? text : `'${text.replace(/'/g, `'\\''`)}'`;
}

/**
 * A directory of time-stamped copies of one file, named
 * `<stem>-<stamp><ext>`, newest last when sorted by name.
 */
export class StampedCopies {
  private readonly pattern: RegExp;

  constructor(
    readonly dir: string,
    readonly stem: string,
    readonly ext: string,
  ) {
    const escapeRegExp = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    this.pattern = new RegExp(`^${escapeRegExp(stem)}-${STAMP_PATTERN}${escapeRegExp(ext)}$`);
  }

  pathFor(date: Date): string {
    return path.join(this.dir, `${this.stem}-${fileSafeTime(date)}${this.ext}`);
  }

  /** Paths of the existing copies, oldest first. */
  async list(): Promise<string[]> {
    let entries: string[];
    try {
      entries = await readdir(this.dir);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw error;
    }
    return entries
      .filter((entry) => this.pattern.test(entry))
      .sort()
      .map((entry) => path.join(this.dir, entry));
  }

  /** Delete the oldest copies beyond keep; returns the deleted paths. */
  async prune(keep: number): Promise<string[]> {
    const copies = await this.list();
    const excess = copies.slice(0, Math.max(0, copies.length - keep));
    for (const file of excess) await rm(file, { force: true });
    return excess;
  }
}

/**
 * Copy source over target atomically: write a temporary file beside the
 * target, flush it to disk, then rename it into place, so a crash in the
 * middle never leaves a half-written target.
 */
export async function copyAtomically(source: string, target: string): Promise<void> {
  const temporary = `${target}.tmp-${process.pid}`;
  try {
    await copyFile(source, temporary);
    const handle = await open(temporary, 'r+');
    try {
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(temporary, target);
  } catch (error) {
    await rm(temporary, { force: true });
    throw error;
  }
}
