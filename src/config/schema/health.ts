import { z } from 'zod';
import { duration, size } from '../units.js';

/** HTTP health checks of one app. Defaults match the compose health check users already run. */
export const healthSchema = z.strictObject({
  /** Full URL; 0.0.0.0 or :: hosts are checked on loopback. */
  url: z.string().optional(),
  interval: duration().prefault('30s'),
  timeout: duration().prefault('10s'),
  failureThreshold: z.number().int().min(1).max(100).default(3),
  startPeriod: duration().prefault('40s'),
  startInterval: duration().prefault('1s'),
  maxBodySize: size().prefault('64KiB'),
  /** Restart whenever the app reports a camera offline, as the original runner did. */
  restartOnCameraOffline: z.boolean().default(false),
  /** After a restart, how long the app may take to report reachable cameras online again. */
  reconnectWindow: duration().prefault('60s'),
});

export type HealthConfig = z.output<typeof healthSchema>;
