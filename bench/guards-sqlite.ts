/**
 * Time of the SQLite guard's quick_check and of one verified backup, for a
 * 100 MB and a 1 GB database generated in a temporary directory. The run
 * needs about 2.2 GB of free space and deletes everything afterwards.
 *
 * Run: npx rolldown bench/guards-sqlite.ts -p node -f esm -e better-sqlite3 -o bench/results/guards-sqlite.mjs
 *      && node bench/results/guards-sqlite.mjs [sizes in MB, default 100,1000]
 */
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import Database from 'better-sqlite3';
import { backupDatabase, checkDatabase } from '../src/guards/sqlite.js';

const sizesMb = (process.argv[2] ?? '100,1000').split(',').map(Number);
const ROW_BYTES = 1000;
const TIMEOUT_MS = 30 * 60_000;

/** Fill a WAL-mode database with rows of random bytes and an index, until about sizeMb. */
function generate(file: string, sizeMb: number): void {
  const db = new Database(file);
  try {
    db.pragma('journal_mode = WAL');
    db.exec('CREATE TABLE events(id INTEGER PRIMARY KEY, camera TEXT, payload BLOB)');
    db.exec('CREATE INDEX events_camera ON events(camera)');
    // About 1.4 kB per row on disk with the index and page slack, measured on the first run.
    const rows = Math.round((sizeMb * 1e6) / 1400);
    const batch = 50_000;
    const insert = db.prepare(
      `WITH RECURSIVE n(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM n WHERE x < ?)
       INSERT INTO events(camera, payload) SELECT hex(randomblob(8)), randomblob(${ROW_BYTES}) FROM n`,
    );
    for (let done = 0; done < rows; done += batch) insert.run(Math.min(batch, rows - done));
    db.pragma('wal_checkpoint(TRUNCATE)');
  } finally {
    db.close();
  }
}

async function measure(dir: string, sizeMb: number): Promise<void> {
  const file = path.join(dir, `bench-${sizeMb}.db`);
  const generateStart = performance.now();
  generate(file, sizeMb);
  const bytes = (await stat(file)).size;
  const generateSeconds = (performance.now() - generateStart) / 1000;

  const check = await checkDatabase(file, { timeoutMs: TIMEOUT_MS });
  if (check.status !== 'ok')
    throw new Error(`quick_check of ${file} returned ${check.status}: ${check.detail}`);

  const backup = await backupDatabase(file, path.join(dir, `bench-${sizeMb}.backup.db`), {
    timeoutMs: TIMEOUT_MS,
  });
  if (backup.backup === undefined)
    throw new Error(`backup of ${file} failed: ${backup.check.detail}`);
  await rm(backup.backup);

  console.log(
    [
      `${(bytes / 1e6).toFixed(0).padStart(5)} MB`,
      `generated in ${generateSeconds.toFixed(1)} s`,
      `quick_check ${(check.durationMs / 1000).toFixed(2)} s`,
      `backup + quick_check of the copy ${(backup.durationMs / 1000).toFixed(2)} s`,
    ].join(' | '),
  );
  await rm(file);
}

const dir = await mkdtemp(path.join(tmpdir(), 'crashproof-bench-sqlite-'));
console.log(
  `SQLite guard timings (warm page cache, child process included), ${process.platform}, node ${process.version}`,
);
try {
  for (const sizeMb of sizesMb) await measure(dir, sizeMb);
} finally {
  await rm(dir, { recursive: true, force: true });
}
