/**
 * Make app output safe to show on a terminal. An app that writes binary
 * data or escape sequences to stdout would otherwise reach the terminal of
 * the person who reads its crash report: colour codes are dropped, other control
 * characters become visible \xNN escapes, and lone surrogates become U+FFFD.
 */

const ESC = 0x1b;
const REPLACEMENT = '\ufffd';

/** C0 controls except tab, DEL, and C1 controls. */
function isControl(code: number): boolean {
  return (code < 0x20 && code !== 0x09) || (code >= 0x7f && code <= 0x9f);
}

function isHighSurrogate(code: number): boolean {
  return code >= 0xd800 && code <= 0xdbff;
}

function isLowSurrogate(code: number): boolean {
  return code >= 0xdc00 && code <= 0xdfff;
}

/**
 * Return the index after an ANSI escape sequence that starts at `index` (CSI such
 * as colours and cursor moves, or OSC such as window titles), or undefined
 * when no complete sequence starts there.
 */
function ansiSequenceEnd(text: string, index: number): number | undefined {
  const kind = text[index + 1];
  if (kind === '[') {
    // Parameter and intermediate bytes, then one final byte from @ to ~.
    for (let end = index + 2; end < text.length; end++) {
      const code = text.charCodeAt(end);
      if (code >= 0x40 && code <= 0x7e) return end + 1;
      if (code < 0x20 || code > 0x3f) return undefined;
    }
    return undefined;
  }
  if (kind === ']') {
    // Ends with BEL or ESC \.
    for (let end = index + 2; end < text.length; end++) {
      const code = text.charCodeAt(end);
      if (code === 0x07) return end + 1;
      if (code === ESC) return text[end + 1] === '\\' ? end + 2 : undefined;
    }
  }
  return undefined;
}

/** True when the text contains nothing that printable() would change. */
function isClean(text: string): boolean {
  for (let index = 0; index < text.length; index++) {
    const code = text.charCodeAt(index);
    if (isControl(code) || isLowSurrogate(code)) return false;
    if (isHighSurrogate(code)) {
      if (!isLowSurrogate(text.charCodeAt(index + 1))) return false;
      index++;
    }
  }
  return true;
}

/** Remove complete ANSI escape sequences (colours, cursor moves, window titles). */
function stripAnsi(text: string): string {
  if (!text.includes('\u001b')) return text;

  const parts: string[] = [];
  let copied = 0;
  for (
    let index = text.indexOf('\u001b');
    index !== -1;
    index = text.indexOf('\u001b', index + 1)
  ) {
    const end = ansiSequenceEnd(text, index);
    if (end === undefined) continue;
    parts.push(text.slice(copied, index));
    copied = end;
    index = end - 1;
  }
  parts.push(text.slice(copied));
  return parts.join('');
}

/**
 * Return the text with ANSI escape sequences removed, every other control
 * character (C0 except tab, DEL, C1; newlines too) written as \xNN, and
 * lone surrogates replaced by U+FFFD. Text without them is returned as is,
 * so applying it twice changes nothing more.
 */
export function printable(text: string): string {
  if (isClean(text)) return text;

  const stripped = stripAnsi(text);
  const parts: string[] = [];
  for (let index = 0; index < stripped.length; index++) {
    const code = stripped.charCodeAt(index);
    if (isControl(code)) parts.push(`\\x${code.toString(16).padStart(2, '0')}`);
    else if (isHighSurrogate(code) && isLowSurrogate(stripped.charCodeAt(index + 1))) {
      parts.push(stripped.slice(index, index + 2));
      index++;
    } else if (isHighSurrogate(code) || isLowSurrogate(code)) parts.push(REPLACEMENT);
    else parts.push(stripped[index]!);
  }
  return parts.join('');
}

/** Apply printable() to every string in a JSON-like value. */
export function printableDeep<T>(value: T): T {
  return printableValue(value) as T;
}

function printableValue(value: unknown): unknown {
  if (typeof value === 'string') return printable(value);
  if (Array.isArray(value)) return value.map(printableValue);
  if (value !== null && typeof value === 'object') {
    const result: Record<string, unknown> = {};
    for (const [key, child] of Object.entries(value)) result[key] = printableValue(child);
    return result;
  }
  return value;
}

/**
 * True when at least a fifth of a line is control characters (outside ANSI
 * sequences), U+FFFD from undecodable bytes, or lone surrogates: binary data,
 * not a message worth showing as the evidence of a crash.
 */
export function isMostlyBinary(line: string): boolean {
  const text = stripAnsi(line);
  let binary = 0;
  let length = 0;
  for (let index = 0; index < text.length; index++) {
    const code = text.charCodeAt(index);
    length++;
    if (isHighSurrogate(code) && isLowSurrogate(text.charCodeAt(index + 1))) {
      index++;
      continue;
    }
    if (isControl(code) || code === 0xfffd || isHighSurrogate(code) || isLowSurrogate(code))
      binary++;
  }
  return binary > 0 && binary * 5 >= length;
}

/** Cut text to at most `max` UTF-16 units, ending with "…", without splitting a surrogate pair. */
export function truncateText(text: string, max: number): string {
  if (text.length <= max) return text;
  let end = max - 1;
  if (isHighSurrogate(text.charCodeAt(end - 1))) end--;
  return `${text.slice(0, end)}…`;
}
