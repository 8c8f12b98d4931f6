import { z } from 'zod';
import { duration, signalName } from '../units.js';

export const DEFAULT_WATCH_IGNORE = [
  '**/.git/**',
  '**/node_modules/**',
  '**/__pycache__/**',
  '**/*.pyc',
  '**/.venv/**',
  '**/logs/**',
  '**/data/**',
  '**/*.swp',
  '**/*.swx',
  '**/*~',
  '**/.#*',
  '**/#*#',
];

/** Development mode: restart (or signal) the app when its files change. */
export const watchSchema = z.strictObject({
  enabled: z.boolean().default(true),
  /** Directories (watched with all below them) or single files; relative to the config file. */
  paths: z.array(z.string()).default(['.']),
  /**
   * Glob patterns over paths relative to the watched path. When set, only
   * matching files count. A pattern without "/" matches at any depth.
   */
  include: z.array(z.string()).default([]),
  /** Glob patterns as for include; an ignored directory is not watched at all. */
  ignore: z.array(z.string()).default(DEFAULT_WATCH_IGNORE),
  /** Quiet period after the last change before acting. */
  debounce: duration().prefault('20ms'),
  /** Act at the latest this long after the first change of a burst. */
  maxWait: duration().prefault('500ms'),
  /** Restart the app, or send it `signal` (for apps that reload themselves). */
  action: z.enum(['restart', 'signal']).default('restart'),
  signal: signalName().default('SIGHUP'),
});

export type WatchConfig = z.output<typeof watchSchema>;
