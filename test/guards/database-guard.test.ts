import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, readdir, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { DatabasesConfig } from '../../src/config/schema/guards.js';
import { DatabaseGuard, recoveryCommands } from '../../src/guards/database-guard.js';
import type { PreStartHook } from '../../src/supervisor/handle.js';
import { TempDirs } from '../helpers/temp.js';
import { guardContext, killPids, waitFor } from './helpers.js';
import {
  appendRows,
  countRows,
  createDatabase,
  killWriter,
  overwriteMiddlePages,
  startWriter,
  truncateHalf,
} from './sqlite-helpers.js';

const execFileAsync = promisify(execFile);
let dir: string;
const temp = new TempDirs();
const writers = new Set<number>();
const guards: DatabaseGuard[] = [];

beforeEach(async () => {
  dir = await temp.make('crashproof-dbguard-');
});

afterEach(async () => {
  for (const guard of guards.splice(0)) guard.stop();
  killPids(writers);
  writers.clear();
  await temp.removeAll();
});

const crashed = { app: 'cams', uncleanExit: true, killedAfterTimeout: false, firstStart: false };

/** Build a guard on data/app.db under the temp dir, with a clock that moves one second per call. */
function makeGuard(config: Partial<DatabasesConfig> = {}) {
  const { bus, warnings, logger, now } = guardContext();
  const guard = new DatabaseGuard({
    app: 'cams',
    baseDir: dir,
    bus,
    logger,
    now,
    config: {
      files: ['data/app.db'],
      checkTimeout: 20_000,
      backupTimeout: 60_000,
      backupInterval: 3_600_000,
      backupKeep: 3,
      backupDir: 'backups',
      freshOnCorruption: false,
      ...config,
    },
  });
  guards.push(guard);
  return { guard, warnings, logger, file: path.join(dir, 'data', 'app.db') };
}

async function prepareDatabase(file: string, rows: number): Promise<void> {
  await mkdir(path.dirname(file), { recursive: true });
  createDatabase(file, rows);
}

describe('DatabaseGuard before a restart', () => {
  it('restores the last backup over corrupted pages', async () => {
    const { guard, warnings, file } = makeGuard();
    await prepareDatabase(file, 3000);
    const [backup] = await guard.backupAll();
    expect(backup?.check.status).toBe('ok');

    // Work after the backup, then damage.
    appendRows(file, 500, 'late');
    await overwriteMiddlePages(file);

    const incidents = await guard.runPreStart(crashed);
    expect(incidents).toHaveLength(1);
    const incident = incidents[0]!;
    expect(incident.action).toBe('restored');
    expect(incident.category).toBe('database');
    expect(incident.check.status).toBe('corrupt');
    expect(incident.restoredFrom).toBe(backup!.backup);

    // The restored file has the backup's data, the damaged one is kept beside it.
    expect(countRows(file)).toBe(3000);
    expect(countRows(file, 'late')).toBe(0);
    expect(incident.quarantined[0]).toMatch(/app\.db\.corrupt-2026-01-01T12-00-\d\d\.000Z$/);
    expect(existsSync(incident.quarantined[0]!)).toBe(true);
    expect(incident.recoveryCommands?.recover).toBe(
      `sqlite3 ${incident.quarantined[0]} ".recover" | sqlite3 ${path.join(dir, 'data', 'app.recovered.db')}`,
    );
    expect(warnings).toEqual([incident.message]);
    expect(guard.status[0]?.failing).toBe(false);
  });

  it('restores after a truncation', async () => {
    const { guard, file } = makeGuard();
    await prepareDatabase(file, 3000);
    await guard.backupAll();
    await truncateHalf(file);

    const [incident] = await guard.runPreStart(crashed);
    expect(incident?.action).toBe('restored');
    expect(countRows(file)).toBe(3000);
  });

  it('restores after a deleted hot journal', async () => {
    const { guard, file } = makeGuard();
    await prepareDatabase(file, 1000);
    await guard.backupAll();

    // The writer commits 1000 more rows, spills an open transaction into the file, and is killed.
    const pid = await startWriter(file, 'journal-open-tx');
    writers.add(pid);
    await killWriter(pid);
    await rm(`${file}-journal`);

    const [incident] = await guard.runPreStart(crashed);
    expect(incident?.action).toBe('restored');
    expect(countRows(file)).toBe(1000);
  });

  it('leaves a hot WAL alone and backs up after a database crash', async () => {
    const { guard, file } = makeGuard();
    await prepareDatabase(file, 0);
    const pid = await startWriter(file, 'wal-commit');
    writers.add(pid);
    await killWriter(pid);

    const incidents = await guard.runPreStart({ ...crashed, crashCategory: 'database' });
    expect(incidents).toEqual([]);
    expect(countRows(file)).toBe(1500);
    const backups = await guard.backupsOf(file).list();
    expect(backups).toHaveLength(1);
    expect(countRows(backups[0]!)).toBe(1500);
  });

  it('checks nothing after a clean stop', async () => {
    const { guard, file } = makeGuard();
    await prepareDatabase(file, 1000);
    await overwriteMiddlePages(file);
    expect(await guard.runPreStart({ ...crashed, uncleanExit: false })).toEqual([]);
    expect(guard.status[0]?.lastCheck).toBeUndefined();
  });

  it('checks after a SIGKILL on stop', async () => {
    const { guard, file } = makeGuard();
    await prepareDatabase(file, 1000);
    await guard.runPreStart({ ...crashed, uncleanExit: false, killedAfterTimeout: true });
    expect(guard.status[0]?.lastCheck?.status).toBe('ok');
  });

  it('leaves a damaged file without a backup in place', async () => {
    const { guard, file } = makeGuard();
    await prepareDatabase(file, 3000);
    await overwriteMiddlePages(file);

    const [incident] = await guard.runPreStart(crashed);
    expect(incident?.action).toBe('left-in-place');
    expect(incident?.quarantined).toEqual([]);
    expect(existsSync(file)).toBe(true);
    expect(incident?.message).toContain(
      `sqlite3 ${file} ".recover" | sqlite3 ${path.join(dir, 'data', 'app.recovered.db')}`,
    );
    expect(incident?.message).toContain('databases.freshOnCorruption');
    expect(guard.status[0]?.failing).toBe(true);

    // While the check fails, no backup may replace the good ones.
    expect(await guard.backupAll()).toEqual([]);
    expect(await guard.backupsOf(file).list()).toEqual([]);
  });

  it('gives recovery commands that work', async () => {
    const { guard, file } = makeGuard();
    await prepareDatabase(file, 1000);
    await guard.backupAll();
    appendRows(file, 2000, 'late');
    await overwriteMiddlePages(file);
    const [incident] = await guard.runPreStart(crashed);
    expect(incident?.action).toBe('restored');
    const commands = incident!.recoveryCommands!;
    const recovered = path.join(dir, 'data', 'app.recovered.db');

    // The commands as logged, with the real sqlite3 shell. Debian's build has
    // no sqlite_dbpage table, so .recover fails there and the fallback runs.
    const { stderr } = await execFileAsync('sh', ['-c', commands.recover]);
    const recoverWorked = !stderr.includes('SQL logic error');
    if (!recoverWorked) {
      await rm(recovered, { force: true });
      await execFileAsync('sh', ['-c', commands.dumpFallback]);
    }
    const { stdout } = await execFileAsync('sh', ['-c', commands.verify]);
    expect(stdout.trim()).toBe('ok');
    await execFileAsync('sh', ['-c', commands.replace]);

    // Most rows written after the backup are back; the restored backup was moved aside.
    expect(countRows(file, 'late')).toBeGreaterThan(1500);
    expect(countRows(file)).toBeLessThanOrEqual(3000);
    expect(countRows(`${file}.before-recovery`)).toBe(1000);
    expect(existsSync(recovered)).toBe(false);
  });

  it('starts fresh when allowed', async () => {
    const { guard, file } = makeGuard({ freshOnCorruption: true });
    await prepareDatabase(file, 3000);
    await overwriteMiddlePages(file);

    const [incident] = await guard.runPreStart(crashed);
    expect(incident?.action).toBe('fresh');
    expect(existsSync(file)).toBe(false);
    expect(incident?.quarantined).toHaveLength(1);
    expect(incident?.message).toContain('.recover');
  });

  it('skips a damaged backup for an older good one', async () => {
    const { guard, file, logger } = makeGuard();
    await prepareDatabase(file, 3000);
    const [older] = await guard.backupAll();
    appendRows(file, 100, 'second');
    const [newer] = await guard.backupAll();
    await overwriteMiddlePages(newer!.backup!);
    await overwriteMiddlePages(file);

    const [incident] = await guard.runPreStart(crashed);
    expect(incident?.restoredFrom).toBe(older!.backup);
    expect(countRows(file)).toBe(3000);
    expect(
      logger.lines.some((line) => line.message.startsWith(`backup ${newer!.backup} is not usable`)),
    ).toBe(true);
  });

  it('reports a locked file without touching it', async () => {
    const { guard, file } = makeGuard({ checkTimeout: 20_000 });
    await prepareDatabase(file, 100);
    const pid = await startWriter(file, 'exclusive');
    writers.add(pid);

    const [incident] = await guard.runPreStart(crashed);
    expect(incident?.check.status).toBe('locked');
    expect(incident?.action).toBe('none');
    expect(incident?.message).toContain('not corruption');
    await killWriter(pid);
    expect(countRows(file)).toBe(100);
  });

  it('starts anyway when the check times out', async () => {
    const { guard, file, logger } = makeGuard({ checkTimeout: 1 });
    await prepareDatabase(file, 100);
    const [incident] = await guard.runPreStart(crashed);
    expect(incident?.check.status).toBe('timeout');
    expect(incident?.message).toContain('the app starts anyway');
    expect(logger.lines.find((line) => line.message === incident?.message)?.level).toBe('warn');
  });
});

describe('DatabaseGuard backups', () => {
  it('keeps backupKeep verified copies with Windows-safe names', async () => {
    const { guard, file } = makeGuard({ backupKeep: 2 });
    await prepareDatabase(file, 100);
    for (let round = 0; round < 3; round++) {
      appendRows(file, 1, `round${round}`);
      await guard.backupAll();
    }

    const backups = await guard.backupsOf(file).list();
    expect(backups).toHaveLength(2);
    for (const backup of backups)
      expect(path.basename(backup)).toMatch(/^app-2026-01-01T12-00-\d\d\.000Z\.db$/);
    expect(countRows(backups[1]!, 'round2')).toBe(1);
    expect(countRows(backups[0]!, 'round2')).toBe(0);
    const folder = await readdir(path.dirname(backups[0]!));
    expect(folder.sort()).toEqual(backups.map((backup) => path.basename(backup)).sort());
  });

  it('backs up on the interval', async () => {
    const { guard, file } = makeGuard({ backupInterval: 200 });
    await prepareDatabase(file, 100);
    guard.start();
    await waitFor(
      async () => (await guard.backupsOf(file).list()).length >= 2,
      'two interval backups',
    );
    guard.stop();
    expect(guard.status[0]?.lastBackup?.check.status).toBe('ok');
  });

  it('runs as a pre-start hook', async () => {
    const { guard, file, warnings } = makeGuard({ freshOnCorruption: true });
    await prepareDatabase(file, 3000);
    await overwriteMiddlePages(file);
    const hook: PreStartHook = guard.preStart;
    await hook(crashed);
    expect(existsSync(file)).toBe(false);
    expect(warnings).toHaveLength(1);
  });

  it('skips a file that does not exist yet', async () => {
    const { guard } = makeGuard();
    expect(await guard.backupAll()).toEqual([]);
  });

  it('pauses backups when a copy shows damage', async () => {
    const { guard, file, warnings } = makeGuard();
    await prepareDatabase(file, 3000);
    await overwriteMiddlePages(file);

    const [result] = await guard.backupAll();
    expect(result?.backup).toBeUndefined();
    expect(guard.status[0]?.failing).toBe(true);
    expect(warnings[0]).toMatch(/is corrupt while the app runs/);
  });

  it('writes a first file that is not SQLite as corrupt', async () => {
    const { guard, file } = makeGuard({ freshOnCorruption: true });
    await mkdir(path.dirname(file), { recursive: true });
    await writeFile(file, 'x'.repeat(8192));
    const [incident] = await guard.runPreStart(crashed);
    expect(incident?.check.code).toBe('SQLITE_NOTADB');
    expect(incident?.action).toBe('fresh');
  });
});

describe('recoveryCommands', () => {
  it('quotes paths with spaces', () => {
    const commands = recoveryCommands('/srv/my cams/app.db.corrupt-x', '/srv/my cams/app.db');
    expect(commands.recover).toBe(
      `sqlite3 '/srv/my cams/app.db.corrupt-x' ".recover" | sqlite3 '/srv/my cams/app.recovered.db'`,
    );
    expect(commands.dumpFallback).toBe(
      `sqlite3 '/srv/my cams/app.db.corrupt-x' ".dump" | sed 's/^ROLLBACK; -- due to errors$/COMMIT;/' | sqlite3 '/srv/my cams/app.recovered.db'`,
    );
    expect(commands.verify).toBe(
      `sqlite3 '/srv/my cams/app.recovered.db' "PRAGMA integrity_check"`,
    );
    expect(commands.replace).toBe(
      `for f in '/srv/my cams/app.db' '/srv/my cams/app.db-wal' '/srv/my cams/app.db-shm' '/srv/my cams/app.db-journal'; do if [ -e "$f" ]; then mv "$f" "$f.before-recovery"; fi; done && mv '/srv/my cams/app.recovered.db' '/srv/my cams/app.db'`,
    );
  });
});
