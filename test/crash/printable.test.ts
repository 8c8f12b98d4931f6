import { describe, expect, it } from 'vitest';
import {
  isMostlyBinary,
  printable,
  printableDeep,
  truncateText,
} from '../../src/crash/printable.js';

/** True when the text holds a character a terminal would act on instead of showing. */
function hasRawControl(text: string): boolean {
  return [...text].some((char) => {
    const code = char.charCodeAt(0);
    return (code < 0x20 && code !== 0x09) || (code >= 0x7f && code <= 0x9f);
  });
}

describe('printable', () => {
  it('drops colour and title sequences and keeps their text', () => {
    expect(printable('\u001b[31mERROR\u001b[0m: Connection refused')).toBe(
      'ERROR: Connection refused',
    );
    expect(printable('\u001b]0;owned title\u0007after')).toBe('after');
    expect(printable('\u001b]0;title\u001b\\after')).toBe('after');
  });

  it('writes other controls, DEL and C1 as \\xNN escapes', () => {
    expect(printable('a\u0000b\u0007c\rd\u007fe\u009bf')).toBe('a\\x00b\\x07c\\x0dd\\x7fe\\x9bf');
    // A lone ESC, or one that starts no complete sequence, is escaped, not dropped.
    expect(printable('x\u001by')).toBe('x\\x1by');
    expect(printable('x\u001b[12')).toBe('x\\x1b[12');
  });

  it('keeps tabs, text and surrogate pairs, and replaces lone surrogates', () => {
    expect(printable('name:\tcamera 📷 ünïcode')).toBe('name:\tcamera 📷 ünïcode');
    expect(printable('a\ud83db')).toBe('a\ufffdb');
    expect(printable('a\udcb7b')).toBe('a\ufffdb');
  });

  it('leaves clean text as it is and changes nothing on a second pass', () => {
    const clean = 'uvicorn running on http://127.0.0.1:7777';
    expect(printable(clean)).toBe(clean);
    const once = printable('\u0000\u001b[1mbold\u0085');
    expect(printable(once)).toBe(once);
    expect(hasRawControl(once)).toBe(false);
  });

  it('walks objects and arrays', () => {
    expect(printableDeep({ tail: ['\u0007ring'], n: 1, nested: { s: '\u009b' } })).toEqual({
      tail: ['\\x07ring'],
      n: 1,
      nested: { s: '\\x9b' },
    });
  });
});

describe('isMostlyBinary', () => {
  it('tells binary data from text with a few odd characters', () => {
    const png = '\ufffdPNG\r\n\u001a\n\u0000\u0000\u0000\rIHDR\u0000\u0000\u0002\u0000';
    expect(isMostlyBinary(png)).toBe(true);
    expect(isMostlyBinary('\u0000\u0001')).toBe(true);
    expect(isMostlyBinary('Fehler beim \ufffdffnen der Datei')).toBe(false);
    expect(isMostlyBinary('\u001b[31mERROR\u001b[0m connection refused')).toBe(false);
    expect(isMostlyBinary('')).toBe(false);
  });
});

describe('truncateText', () => {
  it('ends with an ellipsis and never splits a surrogate pair', () => {
    expect(truncateText('abcdef', 10)).toBe('abcdef');
    expect(truncateText('abcdef', 4)).toBe('abc…');
    const cut = truncateText(`ab📷${'x'.repeat(10)}`, 4);
    expect(cut).toBe('ab…');
    expect(printable(cut)).toBe(cut);
  });
});
