import { describe, expect, it } from 'vitest';
import { DEFAULT_WATCH_IGNORE } from '../../src/config/schema/watch.js';
import { compileGlob, PathFilter } from '../../src/watch/globs.js';

/** [pattern, path, expected] */
const CASES: Array<[string, string, boolean]> = [
  // * stays within one segment and matches names that start with a dot.
  ['*.py', 'app.py', true],
  ['*.py', 'src/app.py', true],
  ['*.py', 'app.pyc', false],
  ['src/*.py', 'src/app.py', true],
  ['src/*.py', 'src/sub/app.py', false],
  ['src/*', 'src/.env', true],
  ['a*b', 'a/b', false],
  // ? is one character, never "/".
  ['file?.py', 'file1.py', true],
  ['file?.py', 'file10.py', false],
  ['a?b', 'a/b', false],
  // ** spans zero or more segments.
  ['**/*.pyc', 'x.pyc', true],
  ['**/*.pyc', 'a/b/c/x.pyc', true],
  ['src/**/test_*.py', 'src/test_a.py', true],
  ['src/**/test_*.py', 'src/a/b/test_a.py', true],
  ['src/**/test_*.py', 'lib/test_a.py', false],
  ['**/node_modules/**', 'node_modules', true],
  ['**/node_modules/**', 'node_modules/x/y.js', true],
  ['**/node_modules/**', 'web/node_modules/x.js', true],
  ['**/node_modules/**', 'my_node_modules/x.js', false],
  ['**', 'anything/at/all', true],
  // Character classes.
  ['[abc].py', 'b.py', true],
  ['[abc].py', 'd.py', false],
  ['[a-c].py', 'b.py', true],
  ['[!a-c].py', 'd.py', true],
  ['[!a-c].py', 'a.py', false],
  ['[^a-c].py', 'd.py', true],
  ['x[!a]y', 'x/y', false],
  ['[-a].py', '-.py', true],
  ['[a-].py', '-.py', true],
  ['[]a].py', '].py', true],
  ['[ab', '[ab', true],
  // Regex characters are literal.
  ['a+b(1).py', 'a+b(1).py', true],
  ['a.py', 'aXpy', false],
  ['$x^|{}.py', '$x^|{}.py', true],
  // Backslash escapes.
  ['\\*.py', '*.py', true],
  ['\\*.py', 'a.py', false],
  // Anchoring and directory forms.
  ['/build', 'build', true],
  ['/build', 'src/build', false],
  ['./build/**', 'build/x.js', true],
  ['build', 'src/build', true],
  ['logs/', 'logs/a.log', true],
  ['logs/', 'logs', true],
  ['logs/**', 'logs', true],
  ['src//a.py', 'src/a.py', true],
];

describe('compileGlob', () => {
  it.each(CASES)('%s against %s is %s', (pattern, path, expected) => {
    expect(compileGlob(pattern).regex.test(path)).toBe(expected);
  });

  it('rejects an empty pattern', () => {
    expect(() => compileGlob('  ')).toThrow(/invalid watch pattern "": a pattern cannot be empty/);
  });

  it('compiles to flagless anchored regexes', () => {
    const { regex } = compileGlob('src/**/*.py');
    expect(regex.flags).toBe('');
    expect(regex.source.startsWith('^')).toBe(true);
    expect(regex.source.endsWith('$')).toBe(true);
  });
});

describe('PathFilter with the default ignore list', () => {
  const filter = new PathFilter([], DEFAULT_WATCH_IGNORE);

  it.each([
    '.git/index',
    '.git/objects/ab/cdef',
    'node_modules/x/index.js',
    '__pycache__/app.cpython-311.pyc',
    'pkg/__pycache__/x.pyc',
    'pkg/x.pyc',
    '.venv/lib/python3.11/site.py',
    'logs/a.log',
    'data/cameras.db',
    'app.py.swp',
    '.app.py.swx',
    'app.py~',
    '.#app.py',
    '#app.py#',
  ])('ignores %s', (path) => {
    expect(filter.accepts(path)).toBe(false);
  });

  it.each(['app.py', 'src/cameras/tapo.py', 'templates/index.html', 'config.yaml', '.env'])(
    'accepts %s',
    (path) => {
      expect(filter.accepts(path)).toBe(true);
    },
  );
});

describe('PathFilter', () => {
  it('ignores everything below an ignored directory', () => {
    const filter = new PathFilter([], ['build']);
    expect(filter.isIgnored('build/x.js')).toBe(true);
    expect(filter.isIgnored('src/build/deep/x.js')).toBe(true);
    expect(filter.matchesIgnore('build/x.js')).toBe(false);
    expect(filter.isIgnored('builder/x.js')).toBe(false);
  });

  it('accepts only included paths when include is set', () => {
    const filter = new PathFilter(['*.py', 'templates/**'], ['**/test_*.py']);
    expect(filter.accepts('src/app.py')).toBe(true);
    expect(filter.accepts('templates/a/index.html')).toBe(true);
    expect(filter.accepts('static/site.css')).toBe(false);
    expect(filter.accepts('tests/test_app.py')).toBe(false);
  });

  it('accepts every path without patterns', () => {
    const filter = new PathFilter([], []);
    expect(filter.accepts('.git/index')).toBe(true);
    expect(filter.isIgnored('a/b')).toBe(false);
  });
});
