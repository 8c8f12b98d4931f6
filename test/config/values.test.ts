// biome-ignore-all lint/suspicious/noTemplateCurlyInString: ${VAR} is the config syntax under test.
import { describe, expect, it } from 'vitest';
import { describeValue, formatPath } from '../../src/config/errors.js';
import { expandVariables } from '../../src/config/expand.js';
import {
  parseBoolean,
  parseCommandLine,
  parseInteger,
  parseNumber,
  parseSecondsOrDuration,
} from '../../src/config/values.js';

describe('parseSecondsOrDuration', () => {
  it.each([
    ['1.5', 1500],
    ['0', 0],
    ['500ms', 500],
    ['2m', 120_000],
    [' 3s ', 3000],
  ])('reads %j as %i ms', (text, ms) => {
    expect(parseSecondsOrDuration(text, 0)).toEqual({ ok: true, value: ms });
  });

  it.each(['soon', '', '-1', '1 minute', '5x', '0.05ms'])('rejects %j', (text) => {
    expect(parseSecondsOrDuration(text, 1).ok).toBe(false);
  });
});

describe('scalar parsers', () => {
  it.each([
    ['7', 0, 10, true],
    ['-1', 0, 10, false],
    ['1.5', 0, 10, false],
    ['1e3', 0, 10_000, false],
    ['', 0, 10, false],
  ])('parseInteger(%j, %i, %i) ok=%s', (text, min, max, ok) => {
    expect(parseInteger(text, min, max).ok).toBe(ok);
  });

  it.each([
    ['1.5', true],
    ['0.5', false],
    ['11', false],
    ['', false],
    ['NaN', false],
  ])('parseNumber(%j, 1, 10) ok=%s', (text, ok) => {
    expect(parseNumber(text, 1, 10).ok).toBe(ok);
  });

  it.each([
    ['true', true],
    ['On', true],
    ['0', false],
    ['no', false],
  ])('parseBoolean(%j) is %s', (text, value) => {
    expect(parseBoolean(text)).toEqual({ ok: true, value });
  });

  it('rejects maybe', () => {
    expect(parseBoolean('maybe').ok).toBe(false);
  });
});

describe('parseCommandLine', () => {
  it.each([
    ['python3 -m app --port 7777', ['python3', '-m', 'app', '--port', '7777']],
    [`sh -c 'echo "a b"'`, ['sh', '-c', 'echo "a b"']],
    ['echo "it\'s" a\\ b', ['echo', "it's", 'a b']],
    ['echo ""', ['echo', '']],
    ['["node", "server.js"]', ['node', 'server.js']],
  ])('splits %j', (text, argv) => {
    expect(parseCommandLine(text)).toEqual({ ok: true, value: argv });
  });

  it.each(['', '   ', '"unclosed', '[1, 2]', '[]', '[broken'])('rejects %j', (text) => {
    expect(parseCommandLine(text).ok).toBe(false);
  });
});

describe('expandVariables', () => {
  it('names the key of a missing variable', () => {
    const { value, problems } = expandVariables(
      { apps: [{ env: { A: '${SET}', B: '${EMPTY}', C: '${MISSING}', D: 5 } }] },
      { SET: 'x', EMPTY: '' },
      'file.yaml: ',
    );
    expect(value).toEqual({ apps: [{ env: { A: 'x', B: '', C: '${MISSING}', D: 5 } }] });
    expect(problems).toHaveLength(1);
    expect(problems[0]!.source).toBe('file.yaml: apps[0].env.C');
  });

  it('uses the default for an empty variable', () => {
    const { value } = expandVariables('${EMPTY:-fallback}', { EMPTY: '' }, '');
    expect(value).toBe('fallback');
  });
});

describe('problem formatting', () => {
  it.each([
    [['apps', 0, 'restart', 'delay'], 'apps[0].restart.delay'],
    [[], '(top level)'],
  ])('formats path %j', (parts, text) => {
    expect(formatPath(parts)).toBe(text);
  });

  it.each([
    ['abc', '"abc" (string)'],
    [5, '5 (number)'],
    [null, 'null (null)'],
    [[1], '[1] (array)'],
    [undefined, 'missing'],
  ])('describes %j', (value, text) => {
    expect(describeValue(value)).toBe(text);
  });
});
