import { z } from 'zod';
import { appSchema, crashRuleSchema } from './app.js';
import { cameraSchema } from './cameras.js';
import { addCrossCheckIssues } from './cross-checks.js';
import { notifySchema } from './notify.js';
import { statusSchema } from './status.js';

export const loggingSchema = z.strictObject({
  /** Directory for app output, crash reports and the state file; relative to the config file. */
  dir: z.string().default('logs'),
  /** The runner's JSON log, relative to dir. */
  file: z.string().default('tapo-camera-mcp-watchfiles.log'),
  level: z.enum(['trace', 'debug', 'info', 'warn', 'error', 'fatal']).default('info'),
  /** Console format: pretty on a TTY, JSON lines otherwise (auto). */
  console: z.enum(['auto', 'pretty', 'json', 'off']).default('auto'),
  /** Rotate the runner log and app output files past this size (built-in, for hosts without logrotate). */
  maxFileSize: z.string().optional(),
  /** Rotated files kept per log. */
  maxFiles: z.number().int().min(1).max(1000).default(5),
});

export const reportsSchema = z.strictObject({
  /** Relative to logging.dir. */
  dir: z.string().default('crash-reports'),
  keep: z.number().int().min(1).max(100_000).default(100),
});

export const configSchema = z
  .strictObject({
    /** Format version of this file. */
    version: z.literal(1).default(1),
    /** File of KEY=VALUE lines used for ${VAR} expansion before the environment. */
    envFile: z.string().optional(),
    apps: z.array(appSchema).min(1, 'list at least one app under "apps"'),
    cameras: z.array(cameraSchema).default([]),
    logging: loggingSchema.prefault({}),
    reports: reportsSchema.prefault({}),
    notify: notifySchema.prefault({}),
    status: statusSchema.prefault({}),
    crashRules: z.array(crashRuleSchema).default([]),
    /** When an app goes fatal: exit 1 (auto: only with a single app) or keep the others running. */
    exitOnFatal: z.enum(['auto', 'always', 'never']).default('auto'),
  })
  // Runs even when other keys are invalid, so every problem is reported at once.
  .superRefine((config, ctx) => addCrossCheckIssues(config, ctx), { when: () => true });

export type ConfigInput = z.input<typeof configSchema>;
export type ParsedConfig = z.output<typeof configSchema>;

/** A validated configuration plus where it came from. */
export interface Config extends ParsedConfig {
  /** Directory that relative paths resolve against: the config file's, or the working directory. */
  baseDir: string;
  /** The config file, or undefined for the environment or ad hoc runs. */
  source: string | undefined;
}
