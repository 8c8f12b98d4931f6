import { z } from 'zod';

/** The runner's status server: JSON API, Prometheus metrics, dashboard, control routes. */
export const statusSchema = z.strictObject({
  enabled: z.boolean().default(true),
  host: z.string().default('127.0.0.1'),
  port: z.number().int().min(0).max(65535).default(7778),
  /** File (mode 0600) holding the token that control routes require; relative to logs. */
  tokenFile: z.string().default('crashproof.token'),
});

export type StatusConfig = z.output<typeof statusSchema>;
