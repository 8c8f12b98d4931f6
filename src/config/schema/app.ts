import { z } from 'zod';
import { CRASH_CATEGORIES } from '../../crash/categories.js';
import { duration, signalName } from '../units.js';
import { cameraSchema, startConditionSchema } from './cameras.js';
import { configFilesSchema, databasesSchema, memorySchema, scheduleSchema } from './guards.js';
import { healthSchema } from './health.js';
import { watchSchema } from './watch.js';

/** Restart policy of one app: delay × multiplier^(attempt-1), capped, with a budget. */
export const restartSchema = z.strictObject({
  policy: z.enum(['always', 'on-failure', 'never']).default('always'),
  delay: duration().prefault('1s'),
  multiplier: z.number().min(1).max(10).default(1.5),
  maxDelay: duration().prefault('5m'),
  /** Consecutive restarts without a healthy resetAfter period; 0 makes the first crash fatal. */
  maxRestarts: z.number().int().min(0).max(1_000_000).default(10),
  resetAfter: duration().prefault('60s'),
  /** When the budget is spent: go fatal, or keep retrying every maxDelay. */
  onBudgetSpent: z.enum(['fatal', 'keep-retrying']).default('fatal'),
});

export const appLogsSchema = z.strictObject({
  /** Files for raw app output; relative to the runner's log directory. false turns a file off. */
  stdout: z.union([z.string(), z.literal(false)]).optional(),
  stderr: z.union([z.string(), z.literal(false)]).optional(),
  /** Prefix each output line with an ISO time (costs line splitting). */
  timestamps: z.boolean().default(false),
  /** Output lines kept in memory for crash reports. */
  tailLines: z.number().int().min(0).max(100_000).default(200),
  /**
   * Also write each output line as a JSON record (app, stream, pid, line) to
   * the runner's log, for log shippers. Off by default: it costs line
   * splitting and a record per line, several times the raw files' cost.
   */
  json: z.boolean().default(false),
  /** Echo app output on the runner's console: auto means when stdout is a TTY. */
  console: z.enum(['auto', 'always', 'never']).default('auto'),
});

export const crashRuleSchema = z.strictObject({
  pattern: z.string().min(1),
  category: z.enum(CRASH_CATEGORIES),
  hint: z.string().min(1),
});

export const appSchema = z.strictObject({
  name: z
    .string()
    .min(1)
    .max(64)
    .regex(
      /^[A-Za-z0-9][A-Za-z0-9._-]*$/,
      'use letters, digits, ".", "_" and "-", starting with a letter or digit',
    ),
  command: z.array(z.string()).min(1, 'the command needs at least the program name'),
  /** Run the command through /bin/sh -c (cmd.exe on Windows); off by default. */
  shell: z.boolean().default(false),
  cwd: z.string().optional(),
  env: z.record(z.string(), z.string()).default({}),
  /** Address the app binds; used for the default health URL. */
  host: z.string().optional(),
  /** Port the app listens on; before each start the runner waits until it is free. */
  port: z.number().int().min(1).max(65535).optional(),
  portWaitTimeout: duration().prefault('30s'),
  restart: restartSchema.prefault({}),
  /** Without a health check, the app counts as ready after surviving this long. */
  startSeconds: duration().prefault('1s'),
  /** An app that neither exits nor becomes ready within this is stopped as a failed start. */
  startTimeout: duration().prefault('2m'),
  stopSignal: signalName().default('SIGTERM'),
  stopTimeout: duration().prefault('10s'),
  health: healthSchema.optional(),
  logs: appLogsSchema.prefault({}),
  watch: watchSchema.optional(),
  memory: memorySchema.optional(),
  schedule: scheduleSchema.optional(),
  databases: databasesSchema.optional(),
  configFiles: configFilesSchema.optional(),
  startConditions: z.array(startConditionSchema).default([]),
  /** Start this app when the runner starts; false leaves it stopped until asked. */
  autostart: z.boolean().default(true),
});

export type AppConfig = z.output<typeof appSchema>;
export type RestartConfig = z.output<typeof restartSchema>;
export type AppLogsConfig = z.output<typeof appLogsSchema>;
export type CrashRuleConfig = z.output<typeof crashRuleSchema>;
export { cameraSchema };
