import type { CameraStatus } from '../events.js';

/** The verdict of one probe of one camera. */
export interface ProbeResult {
  /** Never 'unknown': a probe always reaches a verdict, a failed one included. */
  status: Exclude<CameraStatus, 'unknown'>;
  /** Milliseconds from the start of the probe to its verdict, failures included. */
  latencyMs: number;
  /** One line for people, with credentials removed: "connection refused", "RTSP 401: credentials required". */
  detail: string;
  /** Device clock minus local clock in milliseconds (ONVIF only); positive when the device is ahead. */
  clockSkewMs?: number;
}

export interface ProbeOptions {
  /** The whole probe (connect, requests, authentication) ends by then. */
  timeoutMs: number;
}

export type Probe = (target: string, options: ProbeOptions) => Promise<ProbeResult>;

/**
 * The logging calls the camera code makes. A pino logger fits; anything with
 * these four methods does.
 */
export interface CameraLogger {
  debug(fields: Record<string, unknown>, message: string): void;
  info(fields: Record<string, unknown>, message: string): void;
  warn(fields: Record<string, unknown>, message: string): void;
  error(fields: Record<string, unknown>, message: string): void;
}

/** Statuses that prove the camera responded on the network, whatever it made of our credentials. */
const REACHABLE: ReadonlySet<CameraStatus> = new Set(['online', 'auth-required', 'auth-failed']);

/** True when the probe reached the camera; false for failures and for 'unknown'. */
export function isReachable(status: CameraStatus): boolean {
  return REACHABLE.has(status);
}

/** True when a probe ran and did not reach the camera. */
export function isProbeFailure(status: CameraStatus): boolean {
  return status !== 'unknown' && !REACHABLE.has(status);
}
