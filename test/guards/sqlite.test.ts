import { existsSync } from 'node:fs';
import { rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  backupDatabase,
  checkDatabase,
  classifyOutcome,
  moveAside,
} from '../../src/guards/sqlite.js';
import { TempDirs } from '../helpers/temp.js';
import { killPids } from './helpers.js';
import {
  countRows,
  createDatabase,
  killWriter,
  overwriteMiddlePages,
  startWriter,
  truncateHalf,
} from './sqlite-helpers.js';

let dir: string;
const temp = new TempDirs();
const writers = new Set<number>();
const options = { timeoutMs: 20_000 };

beforeEach(async () => {
  dir = await temp.make('crashproof-sqlite-');
});

afterEach(async () => {
  killPids(writers);
  writers.clear();
  await temp.removeAll();
});

describe('checkDatabase', () => {
  it('passes a healthy file', async () => {
    const file = path.join(dir, 'app.db');
    createDatabase(file, 2000);
    const result = await checkDatabase(file, options);
    expect(result.status).toBe('ok');
    expect(result.journalMode).toBe('delete');
  });

  it('reports a missing file', async () => {
    expect((await checkDatabase(path.join(dir, 'none.db'), options)).status).toBe('missing');
  });

  it('finds overwritten pages', async () => {
    const file = path.join(dir, 'app.db');
    createDatabase(file, 5000);
    await overwriteMiddlePages(file);
    const result = await checkDatabase(file, options);
    expect(result.status).toBe('corrupt');
    expect(result.detail).toMatch(/malformed|never used|wrong # of entries|btreeInitPage|Tree/i);
  });

  it('finds a truncated file', async () => {
    const file = path.join(dir, 'app.db');
    createDatabase(file, 5000);
    await truncateHalf(file);
    expect((await checkDatabase(file, options)).status).toBe('corrupt');
  });

  it('finds a file that is not a database', async () => {
    const file = path.join(dir, 'app.db');
    await writeFile(
      file,
      'this is a text file, not SQLite; it is long enough to hold a header of one hundred bytes.\n'.repeat(
        50,
      ),
    );
    const result = await checkDatabase(file, options);
    expect(result.status).toBe('corrupt');
    expect(result.code).toBe('SQLITE_NOTADB');
  });

  it('recovers a hot WAL instead of reporting it', async () => {
    const file = path.join(dir, 'app.db');
    const pid = await startWriter(file, 'wal-commit');
    writers.add(pid);
    await killWriter(pid);
    expect(existsSync(`${file}-wal`)).toBe(true);

    const result = await checkDatabase(file, options);
    expect(result.status).toBe('ok');
    expect(result.journalMode).toBe('wal');
    // The 500 rows committed only to the WAL were replayed, not lost.
    expect(countRows(file)).toBe(1500);
  });

  it('recovers a WAL without its -shm', async () => {
    const file = path.join(dir, 'app.db');
    const pid = await startWriter(file, 'wal-commit');
    writers.add(pid);
    await killWriter(pid);
    await rm(`${file}-shm`);

    expect((await checkDatabase(file, options)).status).toBe('ok');
    expect(countRows(file)).toBe(1500);
  });

  it('loses but does not corrupt a deleted WAL', async () => {
    // Killed inside a transaction, then the WAL removed: the commits that
    // lived only in the WAL are gone, and the file is the last checkpoint.
    const file = path.join(dir, 'app.db');
    const pid = await startWriter(file, 'wal-open-tx');
    writers.add(pid);
    await killWriter(pid);
    await rm(`${file}-wal`);
    await rm(`${file}-shm`, { force: true });

    expect((await checkDatabase(file, options)).status).toBe('ok');
    expect(countRows(file)).toBe(1000);
  });

  it('rolls back a hot journal', async () => {
    const file = path.join(dir, 'app.db');
    const pid = await startWriter(file, 'journal-open-tx');
    writers.add(pid);
    await killWriter(pid);
    expect(existsSync(`${file}-journal`)).toBe(true);

    expect((await checkDatabase(file, options)).status).toBe('ok');
    expect(countRows(file)).toBe(1000);
  });

  it('finds the damage of a deleted hot journal', async () => {
    // The open transaction spilled pages into the file; without the journal
    // nothing can roll them back.
    const file = path.join(dir, 'app.db');
    const pid = await startWriter(file, 'journal-open-tx');
    writers.add(pid);
    await killWriter(pid);
    await rm(`${file}-journal`);

    const result = await checkDatabase(file, options);
    expect(result.status).toBe('corrupt');
  });

  it('reports a lock as locked, not corrupt', async () => {
    const file = path.join(dir, 'app.db');
    createDatabase(file, 100);
    const pid = await startWriter(file, 'exclusive');
    writers.add(pid);

    const result = await checkDatabase(file, { timeoutMs: 20_000, busyTimeoutMs: 200 });
    expect(result.status).toBe('locked');
    expect(result.code).toMatch(/^SQLITE_BUSY/);
  });

  it('kills a check that runs out of time', async () => {
    const file = path.join(dir, 'app.db');
    createDatabase(file, 100);
    // A new Node process takes far more than 1 ms to start, so the bound always runs out.
    const result = await checkDatabase(file, { timeoutMs: 1 });
    expect(result.status).toBe('timeout');
    expect(result.detail).toBe('did not finish within 1 ms');
  });
});

describe('classifyOutcome', () => {
  it.each([
    [{ ok: true as const, lines: ['ok'], journalMode: 'wal', pages: 3 }, 'ok'],
    [
      { ok: true as const, lines: ['row 5 missing from index x'], journalMode: 'delete', pages: 3 },
      'corrupt',
    ],
    [{ ok: false as const, code: 'SQLITE_CORRUPT_INDEX', message: 'x' }, 'corrupt'],
    [{ ok: false as const, code: 'SQLITE_NOTADB', message: 'x' }, 'corrupt'],
    [{ ok: false as const, code: 'SQLITE_BUSY_RECOVERY', message: 'x' }, 'locked'],
    [{ ok: false as const, code: 'SQLITE_LOCKED', message: 'x' }, 'locked'],
    [{ ok: false as const, code: 'SQLITE_IOERR_READ', message: 'x' }, 'error'],
    [{ ok: false as const, code: 'SQLITE_CANTOPEN', message: 'x' }, 'error'],
    [{ ok: false as const, code: 'TIMEOUT', message: 'x' }, 'timeout'],
  ])('maps %o to %s', (outcome, status) => {
    expect(classifyOutcome(outcome).status).toBe(status);
  });
});

describe('backupDatabase', () => {
  it('writes a verified copy while another connection is open', async () => {
    const file = path.join(dir, 'app.db');
    createDatabase(file, 1000, 'wal');
    const dest = path.join(dir, 'backup.db');

    // The app's connection stays open, with a commit in its WAL, during the backup.
    const app = new Database(file);
    app.prepare("INSERT INTO cameras(name, note) VALUES ('late', '')").run();
    const result = await backupDatabase(file, dest, options).finally(() => app.close());
    expect(result.backup).toBe(dest);
    expect(result.check.status).toBe('ok');
    expect(countRows(dest)).toBe(1001);
    expect(existsSync(`${dest}.partial`)).toBe(false);
  });

  it('keeps no copy when the source is damaged', async () => {
    const file = path.join(dir, 'app.db');
    createDatabase(file, 5000);
    await overwriteMiddlePages(file);
    const dest = path.join(dir, 'backup.db');

    const result = await backupDatabase(file, dest, options);
    expect(result.backup).toBeUndefined();
    expect(result.check.status).toBe('corrupt');
    expect(existsSync(dest)).toBe(false);
    expect(existsSync(`${dest}.partial`)).toBe(false);
  });
});

describe('moveAside', () => {
  it('renames the file with its -wal and -shm', async () => {
    const file = path.join(dir, 'app.db');
    const pid = await startWriter(file, 'wal-commit');
    writers.add(pid);
    await killWriter(pid);

    const moved = await moveAside(file, '.corrupt-2026-01-01T00-00-00-000Z');
    expect(moved).toEqual([
      `${file}.corrupt-2026-01-01T00-00-00-000Z`,
      `${file}.corrupt-2026-01-01T00-00-00-000Z-wal`,
      `${file}.corrupt-2026-01-01T00-00-00-000Z-shm`,
    ]);
    expect(existsSync(file)).toBe(false);
    // The moved set still opens together: SQLite finds the renamed WAL and replays it.
    expect(countRows(moved[0]!)).toBe(1500);
  });
});
