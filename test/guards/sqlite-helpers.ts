import { open, stat, truncate } from 'node:fs/promises';
import path from 'node:path';
import Database from 'better-sqlite3';
import { GUARD_FIXTURES, startNode, waitForLine } from './helpers.js';

/** Create a database with `rows` rows in table cameras, in rollback-journal or WAL mode. */
export function createDatabase(
  file: string,
  rows: number,
  mode: 'delete' | 'wal' = 'delete',
  prefix = 'row',
): void {
  const db = new Database(file);
  try {
    db.pragma(`journal_mode = ${mode}`);
    db.exec('CREATE TABLE IF NOT EXISTS cameras(id INTEGER PRIMARY KEY, name TEXT, note TEXT)');
    db.exec('CREATE INDEX IF NOT EXISTS cameras_name ON cameras(name)');
    addRows(db, rows, prefix);
  } finally {
    db.close();
  }
}

export function addRows(db: Database.Database, rows: number, prefix: string): void {
  const insert = db.prepare('INSERT INTO cameras(name, note) VALUES (?, ?)');
  db.transaction(() => {
    for (let index = 0; index < rows; index++) insert.run(`${prefix}-${index}`, 'n'.repeat(200));
  })();
}

/** Add rows to an existing database file. */
export function appendRows(file: string, rows: number, prefix: string): void {
  const db = new Database(file);
  try {
    addRows(db, rows, prefix);
  } finally {
    db.close();
  }
}

/** Count rows in cameras whose name starts with prefix (all rows without one). */
export function countRows(file: string, prefix = ''): number {
  const db = new Database(file, { fileMustExist: true });
  try {
    return db
      .prepare('SELECT count(*) FROM cameras WHERE name LIKE ?')
      .pluck()
      .get(`${prefix}%`) as number;
  } finally {
    db.close();
  }
}

/** Overwrite `pages` pages in the middle of the file with a byte pattern, as a bad disk sector would. */
export async function overwriteMiddlePages(
  file: string,
  pages = 4,
  pageSize = 4096,
): Promise<void> {
  const { size } = await stat(file);
  const offset = Math.floor(size / pageSize / 2) * pageSize;
  const handle = await open(file, 'r+');
  try {
    await handle.write(Buffer.alloc(pages * pageSize, 0x5a), 0, pages * pageSize, offset);
  } finally {
    await handle.close();
  }
}

/** Cut the file to half its size, as a full disk or a lost write would. */
export async function truncateHalf(file: string): Promise<void> {
  const { size } = await stat(file);
  await truncate(file, Math.floor(size / 2));
}

/** Run the writer fixture in a mode until it prints "ready"; returns its PID for the caller to kill. */
export async function startWriter(file: string, mode: string): Promise<number> {
  const child = startNode(path.join(GUARD_FIXTURES, 'sqlite-writer.js'), [file, mode]);
  await waitForLine(child, /ready/);
  return child.pid!;
}

/** SIGKILL a writer and wait until it is gone, so its locks are released. */
export async function killWriter(pid: number): Promise<void> {
  process.kill(pid, 'SIGKILL');
  const deadline = Date.now() + 10_000;
  for (;;) {
    try {
      process.kill(pid, 0);
    } catch {
      return;
    }
    if (Date.now() > deadline) throw new Error(`writer ${pid} still exists 10 s after SIGKILL`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
