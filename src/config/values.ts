import { durationTooLong, parseDuration } from './units.js';

/** A parsed scalar, or the reason it was rejected (phrased as what is accepted). */
export type Parsed<T> = { ok: true; value: T } | { ok: false; expected: string };

const TRUE_WORDS = new Set(['1', 'true', 'yes', 'on']);
const FALSE_WORDS = new Set(['0', 'false', 'no', 'off']);

export function parseBoolean(text: string): Parsed<boolean> {
  const word = text.trim().toLowerCase();
  if (TRUE_WORDS.has(word)) return { ok: true, value: true };
  if (FALSE_WORDS.has(word)) return { ok: true, value: false };
  return { ok: false, expected: 'true or false (also 1/0, yes/no, on/off)' };
}

export function parseInteger(text: string, min: number, max: number): Parsed<number> {
  const trimmed = text.trim();
  const value = Number(trimmed);
  if (!/^-?\d+$/.test(trimmed) || !Number.isSafeInteger(value) || value < min || value > max) {
    return { ok: false, expected: `a whole number from ${min} to ${max}` };
  }
  return { ok: true, value };
}

export function parseNumber(text: string, min: number, max: number): Parsed<number> {
  const trimmed = text.trim();
  const value = Number(trimmed);
  if (trimmed === '' || !Number.isFinite(value) || value < min || value > max) {
    return { ok: false, expected: `a number from ${min} to ${max}` };
  }
  return { ok: true, value };
}

/**
 * Parse a duration given as seconds ("1.5", as the original runner's
 * variables took it) or with a unit ("1500ms", "2m"). Returns milliseconds.
 * More than 24 days is rejected: a timer cannot wait that long.
 */
export function parseSecondsOrDuration(text: string, minMs: number): Parsed<number> {
  const trimmed = text.trim();
  const expected = `seconds as a number ("1.5") or a duration with a unit ("500ms", "2m"), from ${minMs} ms to 24 days`;
  let ms: number | undefined;
  if (/^\d+(\.\d+)?$/.test(trimmed)) ms = Math.round(Number(trimmed) * 1000);
  else ms = parseDuration(trimmed);
  if (ms === undefined || !Number.isFinite(ms) || ms < minMs) return { ok: false, expected };
  const tooLong = durationTooLong(ms);
  if (tooLong !== undefined)
    return { ok: false, expected: `a duration of at most 24 days: ${tooLong}` };
  return { ok: true, value: ms };
}

/**
 * Split a command line into argv: whitespace separates words, single and
 * double quotes group, backslash escapes the next character outside single
 * quotes. A JSON array ("[...]") is taken as argv directly.
 */
export function parseCommandLine(text: string): Parsed<string[]> {
  const expected = 'a command line such as "python3 -m app --port 7777" or a JSON array of strings';
  const trimmed = text.trim();
  if (trimmed.startsWith('[')) {
    try {
      const parsed: unknown = JSON.parse(trimmed);
      if (
        Array.isArray(parsed) &&
        parsed.length > 0 &&
        parsed.every((item) => typeof item === 'string')
      ) {
        return { ok: true, value: parsed };
      }
    } catch {
      // Fall through to the error below.
    }
    return { ok: false, expected };
  }

  const words: string[] = [];
  let current = '';
  let inWord = false;
  let quote: '"' | "'" | undefined;
  for (let i = 0; i < trimmed.length; i++) {
    const char = trimmed[i]!;
    if (quote === "'") {
      if (char === "'") quote = undefined;
      else current += char;
      continue;
    }
    if (char === '\\' && i + 1 < trimmed.length) {
      current += trimmed[++i];
      inWord = true;
      continue;
    }
    if (quote === '"') {
      if (char === '"') quote = undefined;
      else current += char;
      continue;
    }
    if (char === '"' || char === "'") {
      quote = char;
      inWord = true;
      continue;
    }
    if (/\s/.test(char)) {
      if (inWord) words.push(current);
      current = '';
      inWord = false;
      continue;
    }
    current += char;
    inWord = true;
  }
  if (quote !== undefined) return { ok: false, expected: `${expected} (a quote is not closed)` };
  if (inWord) words.push(current);
  if (words.length === 0) return { ok: false, expected };
  return { ok: true, value: words };
}
