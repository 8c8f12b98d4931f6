import { z } from 'zod';
import { duration } from '../units.js';

const webhookSchema = z.strictObject({
  /** The receiver; required, because no receiver address is built in. */
  url: z.url({
    protocol: /^https?$/,
    error: 'expected an http:// or https:// URL such as "https://ntfy.example.org/cameras"',
  }),
  /** Body shape: generic JSON, ntfy (text body, Title/Priority/Tags headers), Slack or Discord incoming webhooks. */
  format: z.enum(['generic', 'ntfy', 'slack', 'discord']).default('generic'),
  /** Extra request headers, such as Authorization; never logged. */
  headers: z.record(z.string(), z.string()).default({}),
  /** Time for one delivery attempt, response included. */
  timeout: duration().prefault('5s'),
  /** Further attempts after a failed one (network error, timeout, 408, 429 or 5xx). */
  retries: z.number().int().min(0).max(10).default(3),
  /** Backoff before the first retry; each further retry waits twice as long. */
  retryDelay: duration().prefault('1s'),
});

const commandHookSchema = z.strictObject({
  /** Program and arguments, run without a shell; the event comes in CRASHPROOF_* variables. */
  command: z.array(z.string()).min(1),
  /** After this the hook's process group gets SIGTERM, and SIGKILL a second later. */
  timeout: duration().prefault('10s'),
});

/** Crash notifications; every receiver address comes from this section, none is built in. */
export const notifySchema = z.strictObject({
  /** false turns webhooks and commands off; the log line for each notification stays. */
  enabled: z.boolean().default(true),
  /** Events sent to webhooks and commands; the log gets every event. */
  events: z
    .array(z.enum(['crash', 'fatal', 'recovered', 'camera']))
    .default(['crash', 'fatal', 'recovered', 'camera']),
  /** During a crash loop or camera flapping, one summary per window after the first message. */
  aggregateWindow: duration().prefault('5m'),
  /** Messages waiting per receiver; when full, the oldest is dropped. */
  queueSize: z.number().int().min(1).max(10_000).default(100),
  /** A receiver that keeps failing is logged at most once per this period. */
  failureLogInterval: duration().prefault('5m'),
  webhooks: z.array(webhookSchema).default([]),
  commands: z.array(commandHookSchema).default([]),
});

export type NotifyConfig = z.output<typeof notifySchema>;
export type WebhookConfig = z.output<typeof webhookSchema>;
export type CommandHookConfig = z.output<typeof commandHookSchema>;
