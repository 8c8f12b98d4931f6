import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import type { DatabasesConfig } from '../config/schema/guards.js';
import type { CrashCategory } from '../crash/categories.js';
import type { EventBus } from '../events.js';
import type { PreStartContext } from '../supervisor/handle.js';
import { fileSafeTime } from '../util/atomic-write.js';
import { copyAtomically, StampedCopies, shellQuote } from './file-stamp.js';
import { type GuardLogger, silentLogger } from './logger.js';
import {
  type BackupResult,
  backupDatabase,
  type CheckResult,
  checkDatabase,
  databaseFiles,
  moveAside,
} from './sqlite.js';

/** A pre-start context that may also carry the category of the crash before it. */
export interface DatabasePreStartContext extends PreStartContext {
  crashCategory?: CrashCategory;
}

export type IncidentAction =
  /** The damaged files were moved aside and the newest good backup put in place. */
  | 'restored'
  /** The damaged files were moved aside; the app starts with a new, empty database. */
  | 'fresh'
  /** No good backup and freshOnCorruption is off: the damaged file stays for manual recovery. */
  | 'left-in-place'
  /** Locked, timed out or failed to open: nothing was changed. */
  | 'none';

/** One problem with one database file, for the log, 'runner:warning' and a crash report. */
export interface DatabaseIncident {
  app: string;
  category: 'database';
  file: string;
  check: CheckResult;
  action: IncidentAction;
  /** New paths of the damaged file and its -wal, -shm and -journal files. */
  quarantined: string[];
  restoredFrom?: string;
  /** Shell commands that recover what is left of a damaged file, for people to run. */
  /** Undefined when nothing is damaged. */
  recoveryCommands: RecoveryCommands | undefined;
  /** One line for people. */
  message: string;
}

export interface DatabaseFileStatus {
  file: string;
  lastCheck: CheckResult | undefined;
  lastBackup: BackupResult | undefined;
  /** The last check found damage that is still in place; backups pause until a check passes. */
  failing: boolean;
}

export interface DatabaseGuardOptions {
  app: string;
  config: DatabasesConfig;
  /** Relative paths in config resolve against this directory. */
  baseDir: string;
  bus: EventBus;
  logger?: GuardLogger;
  /** Wall clock for file names; tests may fix it. */
  now?: () => Date;
}

/** Shell commands that copy the readable rows of a damaged file into a new one; run them with the app stopped. */
export interface RecoveryCommands {
  /** SQLite's .recover (sqlite3 3.29 and later, built with the sqlite_dbpage table). */
  recover: string;
  /**
   * For sqlite3 builds without sqlite_dbpage, such as Debian 12's 3.40.1, where
   * .recover fails with "SQL logic error": .dump, with its closing ROLLBACK
   * turned into COMMIT so that the rows read before the damage are kept.
   */
  dumpFallback: string;
  verify: string;
  /** Moves the current file and its -wal, -shm and -journal aside, then puts the recovered file in place. */
  replace: string;
}

export function recoveryCommands(damaged: string, target: string): RecoveryCommands {
  const recovered = target.replace(/(\.[^./\\]*)?$/, '.recovered$1');
  const current = ['', '-wal', '-shm', '-journal']
    .map((suffix) => shellQuote(target + suffix))
    .join(' ');
  return {
    recover: `sqlite3 ${shellQuote(damaged)} ".recover" | sqlite3 ${shellQuote(recovered)}`,
    dumpFallback: `sqlite3 ${shellQuote(damaged)} ".dump" | sed 's/^ROLLBACK; -- due to errors$/COMMIT;/' | sqlite3 ${shellQuote(recovered)}`,
    verify: `sqlite3 ${shellQuote(recovered)} "PRAGMA integrity_check"`,
    // A -wal left beside the target would be replayed onto the recovered file, so it moves too.
    replace: `for f in ${current}; do if [ -e "$f" ]; then mv "$f" "$f.before-recovery"; fi; done && mv ${shellQuote(recovered)} ${shellQuote(target)}`,
  };
}

/** Join the recovery steps into one line for log messages. */
export function describeRecovery(commands: RecoveryCommands): string {
  return `stop the app and run: ${commands.recover} (if sqlite3 fails with "SQL logic error", use: ${commands.dumpFallback}); check the result with: ${commands.verify}; put it in place with: ${commands.replace}`;
}

/**
 * Guards an app's SQLite files: an integrity check before each start that
 * follows an unclean exit, quarantine and restore on corruption, and online
 * backups on an interval. Never deletes a database file: damaged files are
 * renamed, and only backups beyond backupKeep are removed.
 */
export class DatabaseGuard {
  private readonly app: string;
  private readonly config: DatabasesConfig;
  private readonly bus: EventBus;
  private readonly logger: GuardLogger;
  private readonly now: () => Date;
  private readonly files: string[];
  private readonly backupRoot: string;
  private readonly state = new Map<string, DatabaseFileStatus>();
  private timer: NodeJS.Timeout | undefined;
  private busy: Promise<unknown> = Promise.resolve();

  constructor(options: DatabaseGuardOptions) {
    this.app = options.app;
    this.config = options.config;
    this.bus = options.bus;
    this.logger = options.logger ?? silentLogger;
    this.now = options.now ?? (() => new Date());
    this.files = options.config.files.map((file) => path.resolve(options.baseDir, file));
    this.backupRoot = path.resolve(options.baseDir, options.config.backupDir);
    for (const file of this.files)
      this.state.set(file, { file, lastCheck: undefined, lastBackup: undefined, failing: false });
  }

  get status(): DatabaseFileStatus[] {
    return [...this.state.values()].map((entry) => ({ ...entry }));
  }

  /** The pre-start hook for the supervisor; it reports through the log and events. */
  readonly preStart = async (context: DatabasePreStartContext): Promise<void> => {
    await this.runPreStart(context);
  };

  /**
   * Check every file when the previous run did not end cleanly, repair what
   * is damaged, and back up before a restart that follows a database crash.
   * Returns the incidents, for crash reports.
   */
  runPreStart(context: DatabasePreStartContext): Promise<DatabaseIncident[]> {
    return this.exclusive(async () => {
      if (!context.uncleanExit && !context.killedAfterTimeout) return [];

      const incidents: DatabaseIncident[] = [];
      for (const file of this.files) {
        const incident = await this.checkAndRepairNow(file);
        if (incident) incidents.push(incident);
      }

      if (context.crashCategory === 'database') {
        for (const file of this.files) {
          if (!this.state.get(file)!.failing)
            await this.backupOne(file, 'before restart after a database crash');
        }
      }
      return incidents;
    });
  }

  /** Check one file and repair it when corrupt; returns an incident for anything but a pass. */
  checkAndRepair(file: string): Promise<DatabaseIncident | undefined> {
    return this.exclusive(() => this.checkAndRepairNow(path.resolve(file)));
  }

  /** Back up every file that is not failing now; the interval timer calls this. */
  backupAll(reason = 'scheduled'): Promise<BackupResult[]> {
    return this.exclusive(async () => {
      const results: BackupResult[] = [];
      for (const file of this.files) {
        if (this.state.get(file)!.failing) {
          this.logger.warn(
            { app: this.app, file },
            'backup skipped: the last integrity check failed',
          );
          continue;
        }
        const result = await this.backupOne(file, reason);
        if (result) results.push(result);
      }
      return results;
    });
  }

  start(): void {
    if (this.timer) return;
    this.timer = setInterval(() => {
      void this.backupAll().catch((error: unknown) => {
        this.logger.error({ app: this.app, err: error }, 'database backup failed');
      });
    }, this.config.backupInterval);
    this.timer.unref?.();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }

  /** Backups of one database file, oldest first. */
  backupsOf(file: string): StampedCopies {
    const absolute = path.resolve(file);
    const relative = path.relative(this.backupRoot, absolute);
    // One folder per database, named after its path, so two app.db files in different folders do not mix.
    const folder = relative.replace(/^(\.\.[\\/])+/, '').replace(/[\\/:]/g, '_');
    const ext = path.extname(absolute);
    return new StampedCopies(path.join(this.backupRoot, folder), path.basename(absolute, ext), ext);
  }

  // Checks, repairs and backups of the same files never overlap.
  private exclusive<T>(work: () => Promise<T>): Promise<T> {
    const result = this.busy.then(work, work);
    this.busy = result.catch(() => undefined);
    return result;
  }

  private async checkAndRepairNow(file: string): Promise<DatabaseIncident | undefined> {
    const entry = this.entryFor(file);
    const check = await checkDatabase(file, { timeoutMs: this.config.checkTimeout });
    entry.lastCheck = check;
    this.logger.info(
      {
        app: this.app,
        file,
        status: check.status,
        durationMs: Math.round(check.durationMs),
        detail: check.detail,
      },
      `integrity check of ${file}: ${check.status}`,
    );

    if (check.status === 'ok' || check.status === 'missing') {
      entry.failing = false;
      return undefined;
    }
    if (check.status !== 'corrupt') return this.report(this.notCorruption(file, check));

    return this.report(await this.repair(file, check));
  }

  private notCorruption(file: string, check: CheckResult): DatabaseIncident {
    const base = {
      app: this.app,
      category: 'database' as const,
      file,
      check,
      action: 'none' as const,
      quarantined: [],
      recoveryCommands: undefined,
    };
    if (check.status === 'locked') {
      return {
        ...base,
        message: `${file} is locked by another connection (${check.code}), which is not corruption: check that no old instance of the app still runs (fuser ${shellQuote(file)}); the app starts anyway`,
      };
    }
    if (check.status === 'timeout') {
      return {
        ...base,
        message: `integrity check of ${file} did not finish within ${this.config.checkTimeout} ms; the app starts anyway (raise databases.checkTimeout to let it finish)`,
      };
    }
    return {
      ...base,
      message: `integrity check of ${file} failed: ${check.detail}; the app starts anyway`,
    };
  }

  private async repair(file: string, check: CheckResult): Promise<DatabaseIncident> {
    const entry = this.entryFor(file);
    const base = { app: this.app, category: 'database' as const, file, check };
    const backup = await this.newestGoodBackup(file);

    if (backup === undefined && !this.config.freshOnCorruption) {
      entry.failing = true;
      const commands = recoveryCommands(file, file);
      return {
        ...base,
        action: 'left-in-place',
        quarantined: [],
        recoveryCommands: commands,
        message: `${file} is corrupt (${check.detail}) and has no good backup; it stays in place. To recover its data, ${describeRecovery(commands)}. Or set databases.freshOnCorruption to start with an empty file`,
      };
    }

    const tag = `.corrupt-${fileSafeTime(this.now())}`;
    const quarantined = await moveAside(file, tag);
    const damaged = quarantined[0] ?? `${file}${tag}`;
    const commands = recoveryCommands(damaged, file);
    entry.failing = false;

    if (backup === undefined) {
      return {
        ...base,
        action: 'fresh',
        quarantined,
        recoveryCommands: commands,
        message: `${file} is corrupt (${check.detail}) and has no good backup: moved it aside to ${damaged}; the app starts with an empty database. To recover the old data, ${describeRecovery(commands)}`,
      };
    }

    await copyAtomically(backup, file);
    return {
      ...base,
      action: 'restored',
      quarantined,
      restoredFrom: backup,
      recoveryCommands: commands,
      message: `${file} is corrupt (${check.detail}): moved it aside to ${damaged} and restored the backup ${backup}; changes since that backup are only in the damaged copy. To recover them, ${describeRecovery(commands)}`,
    };
  }

  /** Find the newest backup that still passes quick_check; damaged ones are logged and skipped. */
  private async newestGoodBackup(file: string): Promise<string | undefined> {
    const backups = await this.backupsOf(file).list();
    for (const candidate of backups.reverse()) {
      const check = await checkDatabase(candidate, { timeoutMs: this.config.checkTimeout });
      if (check.status === 'ok') return candidate;
      this.logger.warn(
        { app: this.app, file, backup: candidate, detail: check.detail },
        `backup ${candidate} is not usable: ${check.status}`,
      );
    }
    return undefined;
  }

  private async backupOne(file: string, reason: string): Promise<BackupResult | undefined> {
    const entry = this.entryFor(file);
    if ((await databaseFiles(file)).length === 0) {
      this.logger.debug({ app: this.app, file }, 'backup skipped: the database does not exist yet');
      return undefined;
    }
    const copies = this.backupsOf(file);
    await mkdir(copies.dir, { recursive: true });

    const result = await backupDatabase(file, copies.pathFor(this.now()), {
      timeoutMs: this.config.backupTimeout,
    });
    entry.lastBackup = result;
    if (result.backup !== undefined) {
      const pruned = await copies.prune(this.config.backupKeep);
      this.logger.info(
        {
          app: this.app,
          file,
          backup: result.backup,
          durationMs: Math.round(result.durationMs),
          pruned,
          reason,
        },
        `backed up ${file}`,
      );
      return result;
    }

    this.logger.warn(
      { app: this.app, file, status: result.check.status, detail: result.check.detail, reason },
      `backup of ${file} failed: ${result.check.detail}`,
    );

    // A copy that fails quick_check means the source is likely damaged: check it now.
    if (result.check.status === 'corrupt') {
      const check = await checkDatabase(file, { timeoutMs: this.config.checkTimeout });
      entry.lastCheck = check;
      if (check.status === 'corrupt') {
        entry.failing = true;
        this.bus.emit('runner:warning', {
          app: this.app,
          message: `${file} is corrupt while the app runs (${check.detail}); backups pause until a check passes, and the next start after a crash repairs it`,
        });
      }
    }
    return result;
  }

  private report(incident: DatabaseIncident): DatabaseIncident {
    const level = incident.check.status === 'corrupt' ? 'error' : 'warn';
    this.logger[level](
      {
        app: this.app,
        file: incident.file,
        status: incident.check.status,
        action: incident.action,
        quarantined: incident.quarantined,
        restoredFrom: incident.restoredFrom,
        recoveryCommands: incident.recoveryCommands,
      },
      incident.message,
    );
    this.bus.emit('runner:warning', { app: this.app, message: incident.message });
    return incident;
  }

  private entryFor(file: string): DatabaseFileStatus {
    let entry = this.state.get(file);
    if (!entry) {
      entry = { file, lastCheck: undefined, lastBackup: undefined, failing: false };
      this.state.set(file, entry);
    }
    return entry;
  }
}
