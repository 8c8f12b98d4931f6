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
  paths: z.array(z.string()).default(['.']),
  include: z.array(z.string()).default([]),
  ignore: z.array(z.string()).default(DEFAULT_WATCH_IGNORE),
  /** Quiet period after the last change before acting. */
  debounce: duration().prefault('20ms'),
  /** Act at the latest this long after the first change of a burst. */
  maxWait: duration().prefault('500ms'),
  action: z.enum(['restart', 'signal']).default('restart'),
  signal: signalName().default('SIGHUP'),
});

export type WatchConfig = z.output<typeof watchSchema>;
