import { z } from 'zod';
import { appSchema, crashRuleSchema } from './app.js';
import { cameraSchema } from './cameras.js';
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
  .superRefine((config, ctx) => {
    const seen = new Set<string>();
    config.apps.forEach((app, index) => {
      if (seen.has(app.name)) {
        ctx.addIssue({
          code: 'custom',
          path: ['apps', index, 'name'],
          message: `duplicate app name "${app.name}": each app needs its own name`,
        });
      }
      seen.add(app.name);
    });
    config.crashRules.forEach((rule, index) => {
      try {
        new RegExp(rule.pattern, 'i');
      } catch (error) {
        ctx.addIssue({
          code: 'custom',
          path: ['crashRules', index, 'pattern'],
          message: `invalid regular expression (${(error as Error).message}); escape ( ) [ ] { } . * + ? with a backslash to match them literally`,
        });
      }
    });
    const appNames = new Set(config.apps.map((app) => app.name));
    const cameraNames = new Set(config.cameras.map((camera) => camera.name));
    config.cameras.forEach((camera, index) => {
      if (camera.app !== undefined && !appNames.has(camera.app)) {
        ctx.addIssue({
          code: 'custom',
          path: ['cameras', index, 'app'],
          message: `no app named "${camera.app}"; use one of ${[...appNames].join(', ')}`,
        });
      }
    });
    config.apps.forEach((app, appIndex) => {
      app.startConditions.forEach((condition, index) => {
        if (condition.camera !== undefined && !cameraNames.has(condition.camera)) {
          ctx.addIssue({
            code: 'custom',
            path: ['apps', appIndex, 'startConditions', index, 'camera'],
            message: `no camera named "${condition.camera}" under cameras:`,
          });
        }
        if (
          condition.app !== undefined &&
          (!appNames.has(condition.app) || condition.app === app.name)
        ) {
          ctx.addIssue({
            code: 'custom',
            path: ['apps', appIndex, 'startConditions', index, 'app'],
            message: `"${condition.app}" must name another app of this file`,
          });
        }
      });
    });
    const cameras = new Set<string>();
    config.cameras.forEach((camera, index) => {
      if (cameras.has(camera.name)) {
        ctx.addIssue({
          code: 'custom',
          path: ['cameras', index, 'name'],
          message: `duplicate camera name "${camera.name}"`,
        });
      }
      cameras.add(camera.name);
    });
  });

export type ConfigInput = z.input<typeof configSchema>;
export type ParsedConfig = z.output<typeof configSchema>;

/** A validated configuration plus where it came from. */
export interface Config extends ParsedConfig {
  /** Directory that relative paths resolve against: the config file's, or the working directory. */
  baseDir: string;
  /** The config file, or undefined for the environment or ad hoc runs. */
  source: string | undefined;
}
