import { z } from 'zod';

const DURATION_UNITS_MS: Record<string, number> = {
  ms: 1,
  s: 1000,
  m: 60_000,
  h: 3_600_000,
  d: 86_400_000,
};

const DURATION_PATTERN = /^(\d+(?:\.\d+)?)\s*(ms|s|m|h|d)$/;

/**
 * Parse a duration such as "500ms", "1.5s", "5m", "1h" or "1d" into
 * milliseconds. Returns undefined for anything else, including bare numbers,
 * because a bare number in a file is ambiguous between seconds and ms.
 */
export function parseDuration(text: string): number | undefined {
  const match = DURATION_PATTERN.exec(text.trim());
  if (!match) return undefined;
  const ms = Number(match[1]) * (DURATION_UNITS_MS[match[2]!] ?? Number.NaN);
  return Number.isFinite(ms) ? Math.round(ms) : undefined;
}

/** Format milliseconds the way the config accepts them: "1.5s", "5m", "250ms". */
export function formatDuration(ms: number): string {
  if (ms === 0) return '0s';
  if (ms % 86_400_000 === 0) return `${ms / 86_400_000}d`;
  if (ms % 3_600_000 === 0) return `${ms / 3_600_000}h`;
  if (ms % 60_000 === 0) return `${ms / 60_000}m`;
  if (ms >= 1000) return `${Number((ms / 1000).toFixed(3))}s`;
  return `${ms}ms`;
}

const SIZE_UNITS: Record<string, number> = {
  b: 1,
  kb: 1e3,
  mb: 1e6,
  gb: 1e9,
  tb: 1e12,
  kib: 2 ** 10,
  mib: 2 ** 20,
  gib: 2 ** 30,
  tib: 2 ** 40,
};

const SIZE_PATTERN = /^(\d+(?:\.\d+)?)\s*(b|kb|mb|gb|tb|kib|mib|gib|tib)$/i;

/**
 * Parse a size as written: "2GB" is 10^9 bytes, "2GiB" is 2^30 bytes, "512MB",
 * "64KiB". Returns undefined for anything else, including bare numbers.
 */
export function parseSize(text: string): number | undefined {
  const match = SIZE_PATTERN.exec(text.trim());
  if (!match) return undefined;
  const bytes = Number(match[1]) * (SIZE_UNITS[match[2]!.toLowerCase()] ?? Number.NaN);
  return Number.isFinite(bytes) ? Math.round(bytes) : undefined;
}

/** Format bytes with binary units, for logs and status: "1.8 GiB", "512 KiB". */
export function formatBytes(bytes: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${unit === 0 ? value : value.toFixed(1)} ${units[unit]}`;
}

/**
 * Maximum duration anywhere in the config: 24 days. Node's timers take at most
 * 2^31-1 ms (about 24.8 days) and fire after 1 ms when given more, so a longer
 * interval would become a busy loop instead of a long wait.
 */
export const MAX_DURATION_MS = 24 * 86_400_000;

/** Explain why a duration of this many ms is too long ("30 days is longer than ..."); undefined when it fits. */
export function durationTooLong(ms: number): string | undefined {
  if (ms <= MAX_DURATION_MS) return undefined;
  const days = Number((ms / 86_400_000).toFixed(1));
  return `${days} days is longer than the limit of 24 days (${MAX_DURATION_MS} ms, the longest wait a timer can hold): use at most "24d"`;
}

/** Build a zod field for a duration string, parsed to milliseconds. */
export function duration() {
  return z
    .string({ error: 'expected a duration such as "500ms", "1.5s", "5m" or "1h"' })
    .transform((text, ctx) => {
      const ms = parseDuration(text);
      if (ms === undefined) {
        ctx.addIssue({
          code: 'custom',
          message: `invalid duration "${text}": use a number with a unit, such as "500ms", "1.5s", "5m" or "1h"`,
        });
        return z.NEVER;
      }
      const tooLong = durationTooLong(ms);
      if (tooLong !== undefined) {
        ctx.addIssue({ code: 'custom', message: `duration "${text}" is too long: ${tooLong}` });
        return z.NEVER;
      }
      return ms;
    });
}

/** Build a zod field for a size string, parsed to bytes. */
export function size() {
  return z
    .string({ error: 'expected a size such as "512MB", "2GB" or "1.8GiB"' })
    .transform((text, ctx) => {
      const bytes = parseSize(text);
      if (bytes === undefined) {
        ctx.addIssue({
          code: 'custom',
          message: `invalid size "${text}": use a number with a unit, such as "512MB", "2GB" (10^9 bytes) or "1.8GiB" (2^30 bytes)`,
        });
        return z.NEVER;
      }
      return bytes;
    });
}

export const SIGNALS = [
  'SIGTERM',
  'SIGINT',
  'SIGHUP',
  'SIGQUIT',
  'SIGKILL',
  'SIGUSR1',
  'SIGUSR2',
] as const;

export function signalName() {
  return z.enum(SIGNALS, {
    error: `expected one of ${SIGNALS.join(', ')}`,
  });
}
