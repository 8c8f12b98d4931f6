import { z } from 'zod';
import { duration } from '../units.js';

const webhookSchema = z.strictObject({
  url: z.string().url(),
  format: z.enum(['generic', 'ntfy', 'slack', 'discord']).default('generic'),
  headers: z.record(z.string(), z.string()).default({}),
  timeout: duration().prefault('5s'),
  retries: z.number().int().min(0).max(10).default(3),
});

const commandHookSchema = z.strictObject({
  command: z.array(z.string()).min(1),
  timeout: duration().prefault('10s'),
});

/** Crash notifications; every receiver address comes from this section, none is built in. */
export const notifySchema = z.strictObject({
  enabled: z.boolean().default(true),
  events: z
    .array(z.enum(['crash', 'fatal', 'recovered', 'camera']))
    .default(['crash', 'fatal', 'recovered', 'camera']),
  /** During a crash loop, one summary per window after the first crash. */
  aggregateWindow: duration().prefault('5m'),
  queueSize: z.number().int().min(1).max(10_000).default(100),
  webhooks: z.array(webhookSchema).default([]),
  commands: z.array(commandHookSchema).default([]),
});

export type NotifyConfig = z.output<typeof notifySchema>;
