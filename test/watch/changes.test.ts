import { describe, expect, it } from 'vitest';
import { collapseBurst, formatChangedFiles } from '../../src/watch/changes.js';

describe('collapseBurst', () => {
  it('keeps one entry per path with its last change', () => {
    const changed = collapseBurst([
      { type: 'update', path: 'a.py' },
      { type: 'update', path: 'b.py' },
      { type: 'update', path: 'a.py' },
    ]);
    expect(changed).toEqual([
      { path: 'a.py', type: 'update' },
      { path: 'b.py', type: 'update' },
    ]);
  });

  it('drops files created and deleted within the burst', () => {
    const changed = collapseBurst([
      { type: 'create', path: '.app.py.tmp' },
      { type: 'update', path: '.app.py.tmp' },
      { type: 'delete', path: '.app.py.tmp' },
      { type: 'create', path: 'app.py' },
    ]);
    expect(changed).toEqual([{ path: 'app.py', type: 'create' }]);
  });

  it('lists deleted files after present ones', () => {
    const changed = collapseBurst([
      { type: 'delete', path: 'old.py' },
      { type: 'update', path: 'new.py' },
    ]);
    expect(changed.map((change) => change.path)).toEqual(['new.py', 'old.py']);
  });

  it('returns nothing for an empty burst', () => {
    expect(collapseBurst([])).toEqual([]);
  });
});

describe('formatChangedFiles', () => {
  it.each([
    [[], 'nothing'],
    [['a.py'], 'a.py'],
    [['a.py', 'b.py'], 'a.py and b.py'],
    [['a.py', 'b.py', 'c.py'], 'a.py, b.py and c.py'],
    [['a.py', 'b.py', 'c.py', 'd.py'], 'a.py, b.py, c.py and 1 more'],
  ])('formats %j as %s', (paths, expected) => {
    expect(formatChangedFiles(paths)).toBe(expected);
  });

  it('counts the rest of a large burst', () => {
    const paths = Array.from({ length: 1000 }, (_, index) => `f${index}.py`);
    expect(formatChangedFiles(paths)).toBe('f0.py, f1.py, f2.py and 997 more');
    expect(formatChangedFiles(paths, 2)).toBe('f0.py, f1.py and 998 more');
  });
});
