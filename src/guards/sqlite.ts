import { rename, rm, stat } from 'node:fs/promises';
import { performance } from 'node:perf_hooks';
import { runSqliteChild, type SqliteChildOutcome } from './sqlite-child.js';

/** Outcome of one integrity check. */
export type CheckStatus =
  /** quick_check returned "ok" (after any hot journal or WAL recovery). */
  | 'ok'
  | 'missing'
  /** quick_check listed problems, or SQLite reported SQLITE_CORRUPT or SQLITE_NOTADB. */
  | 'corrupt'
  /** Another connection holds a lock (SQLITE_BUSY, SQLITE_LOCKED): not corruption. */
  | 'locked'
  /** The check did not finish within its time bound. */
  | 'timeout'
  /** Anything else: permissions, I/O errors, a missing directory. Nothing is moved. */
  | 'error';

export interface CheckResult {
  file: string;
  status: CheckStatus;
  /** quick_check's lines or SQLite's error, for logs and reports. */
  detail: string;
  /** SQLite's error code when the check failed with one, such as SQLITE_CORRUPT. */
  code?: string;
  journalMode?: string;
  durationMs: number;
}

export interface SqliteOptions {
  /** Bound for the whole check or backup; past it the child is killed. */
  timeoutMs: number;
  /** How long SQLite waits for another connection's lock before SQLITE_BUSY. */
  busyTimeoutMs?: number;
  /** Problems that quick_check lists at most. */
  maxErrors?: number;
}

const WAL_SUFFIXES = ['-wal', '-shm', '-journal'] as const;

/** Map a child's outcome to a check status. */
export function classifyOutcome(
  outcome: SqliteChildOutcome,
): Pick<CheckResult, 'status' | 'detail' | 'code' | 'journalMode'> {
  if (outcome.ok) {
    const ok = outcome.lines.length === 1 && outcome.lines[0] === 'ok';
    return {
      status: ok ? 'ok' : 'corrupt',
      detail: ok ? 'ok' : outcome.lines.join('; '),
      journalMode: outcome.journalMode,
    };
  }

  const { code, message } = outcome;
  const detail = `${code}: ${message}`;
  if (code === 'TIMEOUT') return { status: 'timeout', detail: message, code };
  if (code.startsWith('SQLITE_CORRUPT') || code.startsWith('SQLITE_NOTADB'))
    return { status: 'corrupt', detail, code };
  if (code.startsWith('SQLITE_BUSY') || code.startsWith('SQLITE_LOCKED'))
    return { status: 'locked', detail, code };
  return { status: 'error', detail, code };
}

async function exists(file: string): Promise<boolean> {
  try {
    await stat(file);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return false;
    throw error;
  }
}

/**
 * Run PRAGMA quick_check on a database file, opened read-write as the app
 * opens it, in a child process bounded by timeoutMs.
 */
export async function checkDatabase(file: string, options: SqliteOptions): Promise<CheckResult> {
  const started = performance.now();
  if (!(await exists(file))) {
    return { file, status: 'missing', detail: 'the file does not exist', durationMs: 0 };
  }

  const busyTimeoutMs = Math.min(options.busyTimeoutMs ?? 2000, options.timeoutMs);
  const outcome = await runSqliteChild(
    { op: 'check', file, busyTimeoutMs, maxErrors: options.maxErrors ?? 20 },
    options.timeoutMs,
  );
  return { file, ...classifyOutcome(outcome), durationMs: performance.now() - started };
}

export interface BackupResult {
  file: string;
  /** Path of the verified backup; undefined when the backup failed. */
  backup: string | undefined;
  /** The check of the written copy, or of the source when the backup could not be written. */
  check: CheckResult;
  durationMs: number;
}

/**
 * Write an online backup of file to dest with SQLite's backup API, then
 * quick_check the copy. The copy is written under a temporary name and only
 * renamed to dest once it passes, so dest is always a verified backup.
 */
export async function backupDatabase(
  file: string,
  dest: string,
  options: SqliteOptions,
): Promise<BackupResult> {
  const started = performance.now();
  const temporary = `${dest}.partial`;
  const busyTimeoutMs = Math.min(options.busyTimeoutMs ?? 5000, options.timeoutMs);

  const outcome = await runSqliteChild(
    { op: 'backup', file, dest: temporary, busyTimeoutMs, maxErrors: options.maxErrors ?? 20 },
    options.timeoutMs,
  );
  const check: CheckResult = { file: temporary, ...classifyOutcome(outcome), durationMs: 0 };
  check.durationMs = performance.now() - started;

  if (check.status !== 'ok') {
    await removeWithCompanions(temporary);
    return { file, backup: undefined, check, durationMs: check.durationMs };
  }
  await rename(temporary, dest);
  await removeWithCompanions(temporary);
  return {
    file,
    backup: dest,
    check: { ...check, file: dest },
    durationMs: performance.now() - started,
  };
}

/** List the database file and whichever of its -wal, -shm and -journal files exist. */
export async function databaseFiles(file: string): Promise<string[]> {
  const files: string[] = [];
  for (const candidate of [file, ...WAL_SUFFIXES.map((suffix) => file + suffix)]) {
    if (await exists(candidate)) files.push(candidate);
  }
  return files;
}

/**
 * Move a database and its -wal, -shm and -journal files aside as
 * `<file><tag>` and `<file><tag>-wal` (and so on), so the moved set still
 * opens together with sqlite3 for a .recover. Nothing is deleted. Returns the
 * new paths.
 */
export async function moveAside(file: string, tag: string): Promise<string[]> {
  const moved: string[] = [];
  for (const suffix of ['', ...WAL_SUFFIXES]) {
    const source = file + suffix;
    if (!(await exists(source))) continue;
    const target = `${file}${tag}${suffix}`;
    await rename(source, target);
    moved.push(target);
  }
  return moved;
}

async function removeWithCompanions(file: string): Promise<void> {
  for (const suffix of ['', ...WAL_SUFFIXES]) await rm(file + suffix, { force: true });
}
