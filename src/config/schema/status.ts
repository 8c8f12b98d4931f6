import { z } from 'zod';
import { duration, size } from '../units.js';

/** The live event stream (/api/events) of the status server. */
export const statusEventsSchema = z.strictObject({
  /**
   * Event-stream clients connected at once; a further one gets 503. Each
   * holds a file descriptor, and under systemd's default soft limit of 1024
   * the runner still needs descriptors to spawn apps and write logs.
   */
  maxClients: z.number().int().min(1).max(100_000).default(200),
  /** Bytes queued for one client before it counts as too slow and is disconnected. */
  bufferSize: size().prefault('1MiB'),
  /** Interval of the comment lines that keep idle connections (and proxies) open. */
  heartbeat: duration().prefault('15s'),
});

/** The runner's status server: JSON API, Prometheus metrics, dashboard, control routes. */
export const statusSchema = z.strictObject({
  enabled: z.boolean().default(true),
  host: z.string().default('127.0.0.1'),
  port: z.number().int().min(0).max(65535).default(7778),
  /** File (mode 0600) holding the token that control routes require; relative to logs. */
  tokenFile: z.string().default('crashproof.token'),
  /**
   * Host names accepted in the Host header besides the bound address and the
   * loopback names, such as the name a reverse proxy forwards. Requests for
   * any other host are rejected (DNS rebinding).
   */
  allowedHosts: z.array(z.string().min(1)).default([]),
  events: statusEventsSchema.prefault({}),
  /** How far back the dashboard timeline reaches. */
  history: duration().prefault('24h'),
});

export type StatusConfig = z.output<typeof statusSchema>;
