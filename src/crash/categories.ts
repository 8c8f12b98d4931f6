/**
 * Crash cause categories. Every crash report, log line and notification
 * carries exactly one of these; the classifier picks it from the exit status,
 * the output tail and the health and camera state at the crash.
 */
export const CRASH_CATEGORIES = [
  'network',
  'usb-device',
  'camera-auth',
  'camera-firmware',
  'database',
  'memory',
  'port-conflict',
  'startup',
  'native-crash',
  'hang',
  'killed',
  'clean-exit',
  'unknown',
] as const;

export type CrashCategory = (typeof CRASH_CATEGORIES)[number];

export function isCrashCategory(value: unknown): value is CrashCategory {
  return typeof value === 'string' && (CRASH_CATEGORIES as readonly string[]).includes(value);
}
