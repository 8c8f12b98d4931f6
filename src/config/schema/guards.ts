import { z } from 'zod';
import { CronError, parseCron, parseRestartAt } from '../../guards/cron.js';
import { duration, size } from '../units.js';

/** Process-tree memory and CPU sampling, the memory limit and leak warnings. */
export const memorySchema = z.strictObject({
  /** Restart gracefully when the tree's RSS stays above this size; off unless set. */
  maxMemory: size().optional(),
  sampleInterval: duration().prefault('5s'),
  /** Samples in a row over maxMemory before a restart. */
  consecutiveSamples: z.number().int().min(1).max(100).default(3),
  /** Window over which RSS growth is fitted for the leak warning. */
  leakWindow: duration().prefault('30m'),
});

/** A restart at a fixed time, for slow accumulation; skipped while unhealthy or starting. */
export const scheduleSchema = z
  .strictObject({
    /** Daily time "HH:MM" or a five-field cron expression. */
    restartAt: z.string().optional(),
    /** A five-field cron expression: minute hour day-of-month month day-of-week. */
    cron: z.string().optional(),
    /** Zone the times are read in: the host's local time, or UTC. */
    timeZone: z.enum(['local', 'utc']).default('local'),
  })
  .superRefine((schedule, ctx) => {
    if (schedule.restartAt !== undefined && schedule.cron !== undefined) {
      ctx.addIssue({
        code: 'custom',
        path: ['cron'],
        message: 'set either "restartAt" or "cron", not both',
      });
      return;
    }
    if (schedule.restartAt === undefined && schedule.cron === undefined) {
      ctx.addIssue({
        code: 'custom',
        message:
          'a schedule needs "restartAt" (such as "03:30") or "cron" (such as "30 3 * * SUN")',
      });
      return;
    }
    try {
      if (schedule.restartAt !== undefined) parseRestartAt(schedule.restartAt);
      if (schedule.cron !== undefined) parseCron(schedule.cron);
    } catch (error) {
      if (!(error instanceof CronError)) throw error;
      ctx.addIssue({
        code: 'custom',
        path: [schedule.restartAt !== undefined ? 'restartAt' : 'cron'],
        message: error.message,
      });
    }
  });

/** SQLite integrity checks after unclean exits, online backups and restore. */
export const databasesSchema = z.strictObject({
  files: z.array(z.string()).min(1),
  /** Bound for one quick_check; past it the check is killed and the app starts anyway. */
  checkTimeout: duration().prefault('30s'),
  /** Bound for writing and verifying one backup. */
  backupTimeout: duration().prefault('10m'),
  backupInterval: duration().prefault('6h'),
  backupKeep: z.number().int().min(1).max(1000).default(5),
  backupDir: z.string().default('backups'),
  /** With no good backup, let the app start with a fresh file after moving the damaged one aside. */
  freshOnCorruption: z.boolean().default(false),
});

/** The app's own configuration files, checked to parse before each restart. */
export const configFilesSchema = z.strictObject({
  files: z.array(z.string()).min(1),
  keep: z.number().int().min(1).max(100).default(3),
  backupDir: z.string().default('backups/config'),
});

export type MemoryConfig = z.output<typeof memorySchema>;
export type ScheduleConfig = z.output<typeof scheduleSchema>;
export type DatabasesConfig = z.output<typeof databasesSchema>;
export type ConfigFilesConfig = z.output<typeof configFilesSchema>;
