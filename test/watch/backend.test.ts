import { mkdir, rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { type FileChange, subscribe, type Unsubscribe } from '../../src/watch/backend.js';
import { TempDirs } from '../helpers/temp.js';
import { waitFor } from '../helpers/wait.js';

const temps = new TempDirs();
const unsubscribes: Unsubscribe[] = [];

afterEach(async () => {
  await Promise.all(unsubscribes.splice(0).map((unsubscribe) => unsubscribe()));
  await temps.removeAll();
});

async function watchTree(root: string, ignore: (relative: string) => boolean = () => false) {
  const changes: FileChange[] = [];
  const unsubscribe = await subscribe(root, {
    ignore,
    onChanges: (batch) => changes.push(...batch),
    onError: (error) => {
      throw error;
    },
  });
  unsubscribes.push(unsubscribe);

  const seen = (file: string) =>
    waitFor(() => changes.some((change) => change.path === file), `a change of ${file}`);
  return { changes, seen };
}

/** Save `file` until the watcher reports it; a directory's watch is added shortly after its creation event. */
async function saveUntilSeen(changes: FileChange[], file: string): Promise<void> {
  await waitFor(async () => {
    await writeFile(file, `${Date.now()}\n`);
    return waitFor(() => changes.some((change) => change.path === file), file, 500, 10).catch(
      () => false,
    );
  }, `a change of ${file}`);
}

describe('subscribe', () => {
  it('watches a directory moved into the tree', async () => {
    const root = await temps.make('crashproof-backend-');
    const outside = await temps.make('crashproof-outside-');
    await mkdir(path.join(outside, 'lib', 'deep'), { recursive: true });
    await writeFile(path.join(outside, 'lib', 'deep', 'a.py'), 'A = 1\n');
    const { changes, seen } = await watchTree(root);

    await rename(path.join(outside, 'lib'), path.join(root, 'lib'));
    await seen(path.join(root, 'lib'));
    await seen(path.join(root, 'lib', 'deep', 'a.py'));

    await saveUntilSeen(changes, path.join(root, 'lib', 'deep', 'b.py'));
  });

  it('watches a directory removed and made again', async () => {
    const root = await temps.make('crashproof-backend-');
    await mkdir(path.join(root, 'pkg'));
    const { changes, seen } = await watchTree(root);

    await rm(path.join(root, 'pkg'), { recursive: true });
    await mkdir(path.join(root, 'pkg'));
    await seen(path.join(root, 'pkg'));

    await saveUntilSeen(changes, path.join(root, 'pkg', 'x.py'));
  });

  it('stops reporting a directory moved out', async () => {
    const root = await temps.make('crashproof-backend-');
    const outside = await temps.make('crashproof-outside-');
    await mkdir(path.join(root, 'old'));
    const { changes, seen } = await watchTree(root);

    await rename(path.join(root, 'old'), path.join(outside, 'old'));
    await waitFor(
      () =>
        changes.some(
          (change) => change.path === path.join(root, 'old') && change.type === 'delete',
        ),
      'the delete of the moved directory',
    );

    await writeFile(path.join(outside, 'old', 'stale.py'), 'X = 1\n');
    // The sentinel comes after the write outside; by its arrival a stale event would have too.
    await writeFile(path.join(root, 'sentinel.py'), 'X = 1\n');
    await seen(path.join(root, 'sentinel.py'));
    expect(changes.some((change) => change.path.endsWith('stale.py'))).toBe(false);
  });

  it('skips ignored directories', async () => {
    const root = await temps.make('crashproof-backend-');
    await mkdir(path.join(root, 'node_modules', 'x'), { recursive: true });
    const { changes, seen } = await watchTree(root, (relative) => relative === 'node_modules');

    await writeFile(path.join(root, 'node_modules', 'x', 'index.js'), '1\n');
    await writeFile(path.join(root, 'node_modules', 'top.js'), '1\n');
    await writeFile(path.join(root, 'sentinel.py'), 'X = 1\n');
    await seen(path.join(root, 'sentinel.py'));
    const paths = new Set(changes.map((change) => path.relative(root, change.path)));
    expect([...paths]).toEqual(['sentinel.py']);
  });

  it('reports the root directory removed', async () => {
    const parent = await temps.make('crashproof-backend-');
    const root = path.join(parent, 'app');
    await mkdir(path.join(root, 'sub'), { recursive: true });
    const { changes } = await watchTree(root);

    await rm(root, { recursive: true });
    await waitFor(
      () => changes.some((change) => change.path === root && change.type === 'delete'),
      'the delete of the root',
    );
  });

  it('rejects a root that does not exist', async () => {
    const parent = await temps.make('crashproof-backend-');
    const error = await subscribe(path.join(parent, 'missing'), {
      ignore: () => false,
      onChanges: () => {},
      onError: () => {},
    }).catch((caught: unknown) => caught);

    expect((error as { code?: string }).code).toBe('ENOENT');
    expect((error as { dir?: string }).dir).toBe(path.join(parent, 'missing'));
  });
});
