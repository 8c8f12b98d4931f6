import type { AppConfig } from '../config/schema/app.js';
import type { CrashContext } from '../crash/report.js';
import type { EventBus } from '../events.js';
import type { PreStartHook, SupervisorHandle } from '../supervisor/handle.js';
import { ConfigFileGuard, type ConfigFileIncident } from './config-files.js';
import { DatabaseGuard, type DatabaseIncident } from './database-guard.js';
import type { GuardLogger } from './logger.js';
import { MemoryGuard } from './memory.js';
import { type ScheduleClock, ScheduledRestart } from './schedule.js';

/** The start, stop and crash-context calls the runner makes on each per-app part. */
export interface GuardAttachment {
  start(): void | Promise<void>;
  stop(): void | Promise<void>;
  contribute?(context: CrashContext): void;
}

export interface CreateGuardsOptions {
  app: AppConfig;
  /** Directory that relative paths in the config resolve against. */
  baseDir: string;
  handle: SupervisorHandle;
  bus: EventBus;
  logger: GuardLogger;
  /** Registers a hook that the supervisor runs before each (re)start. */
  addPreStartHook(hook: PreStartHook): void;
  /** Receives each database or config-file incident, for a crash report with category database. */
  onIncident?(incident: DatabaseIncident | ConfigFileIncident): void;
  /** Clock for scheduled restarts; the system clock when absent. */
  clock?: ScheduleClock;
}

/** The guards that one app's config enables; absent ones are undefined. */
export interface AppGuards {
  memory: MemoryGuard | undefined;
  schedule: ScheduledRestart | undefined;
  databases: DatabaseGuard | undefined;
  configFiles: ConfigFileGuard | undefined;
  attachments: GuardAttachment[];
  /** Fields for the app's entry in status. */
  status(): Record<string, unknown>;
  /** Drop event subscriptions, for an app removed by a reload; stop the attachments first. */
  dispose(): void;
}

/**
 * Build the guards that an app's config enables, register their pre-start hooks
 * (config files first, so a restored config and a repaired database are
 * both in place before the app opens them), and return attachments for the
 * runner to start and stop. Throws CronError for an invalid schedule.
 */
export function createGuards(options: CreateGuardsOptions): AppGuards {
  const { app, baseDir, handle, bus, logger } = options;
  const report = (incident: DatabaseIncident | ConfigFileIncident) =>
    options.onIncident?.(incident);
  const attachments: GuardAttachment[] = [];

  const configFiles = app.configFiles
    ? new ConfigFileGuard({ app: app.name, config: app.configFiles, baseDir, bus, logger })
    : undefined;
  const databases = app.databases
    ? new DatabaseGuard({ app: app.name, config: app.databases, baseDir, bus, logger })
    : undefined;

  // Both repair files before a start and report what they did; config files go first.
  for (const guard of [configFiles, databases]) {
    if (guard === undefined) continue;
    options.addPreStartHook(async (context) => {
      for (const incident of await guard.runPreStart(context)) report(incident);
    });
    attachments.push({ start: () => guard.start(), stop: () => guard.stop() });
  }

  const memory = app.memory
    ? new MemoryGuard({ app: app.name, config: app.memory, handle, bus, logger })
    : undefined;
  if (memory) {
    const limitBytes = app.memory?.maxMemory;
    attachments.push({
      start: () => memory.start(),
      stop: () => memory.stop(),
      contribute: (context) => {
        const status = memory.status;
        if (status.rssBytes === undefined) return;
        context.memory = {
          rssBytes: status.rssBytes,
          peakRssBytes: status.peakRssBytes ?? status.rssBytes,
          limitBytes,
        };
      },
    });
  }

  const schedule = app.schedule
    ? new ScheduledRestart({
        app: app.name,
        config: app.schedule,
        handle,
        bus,
        logger,
        clock: options.clock,
      })
    : undefined;
  if (schedule) attachments.push({ start: () => schedule.start(), stop: () => schedule.stop() });

  return {
    memory,
    schedule,
    databases,
    configFiles,
    attachments,
    status: () => ({
      ...(memory ? { resources: memory.status } : {}),
      ...(schedule
        ? {
            nextScheduledRestart: schedule.nextRunAt ?? null,
            lastScheduledRestart: schedule.lastRun ?? null,
          }
        : {}),
      ...(databases ? { databases: databases.status } : {}),
    }),
    dispose: () => {
      schedule?.dispose();
      configFiles?.stop();
    },
  };
}
