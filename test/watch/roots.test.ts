import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { WatchError } from '../../src/watch/errors.js';
import { watchConfigFromFlags } from '../../src/watch/flags.js';
import { readInotifyLimits, watchLimitHint } from '../../src/watch/inotify.js';
import { resolveWatchRoots } from '../../src/watch/roots.js';
import { TempDirs } from '../helpers/temp.js';

const temps = new TempDirs();
afterEach(() => temps.removeAll());

async function makeTree(): Promise<string> {
  const dir = await temps.make('crashproof-roots-');
  await mkdir(path.join(dir, 'src', 'pkg'), { recursive: true });
  await mkdir(path.join(dir, 'templates'));
  await writeFile(path.join(dir, 'config.yaml'), 'a: 1\n');
  await writeFile(path.join(dir, '.env'), 'A=1\n');
  await writeFile(path.join(dir, 'src', 'app.py'), 'print(1)\n');
  return dir;
}

describe('resolveWatchRoots', () => {
  it('merges paths inside a watched directory', async () => {
    const dir = await makeTree();
    const roots = await resolveWatchRoots(['src/pkg', 'src', 'src/app.py'], dir);

    expect(roots).toHaveLength(1);
    expect(roots[0]!.dir).toBe(path.join(dir, 'src'));
    expect(roots[0]!.files).toBeUndefined();
    expect(roots[0]!.configured.sort()).toEqual(['src', 'src/app.py', 'src/pkg']);
  });

  it('groups files of one directory into one root', async () => {
    const dir = await makeTree();
    const roots = await resolveWatchRoots(['config.yaml', '.env', 'templates'], dir);

    const fileRoot = roots.find((root) => root.files !== undefined)!;
    expect(fileRoot.dir).toBe(dir);
    expect([...fileRoot.files!].sort()).toEqual([
      path.join(dir, '.env'),
      path.join(dir, 'config.yaml'),
    ]);
    expect(roots.find((root) => root.files === undefined)!.dir).toBe(path.join(dir, 'templates'));
  });

  it('resolves absolute paths as given', async () => {
    const dir = await makeTree();
    const roots = await resolveWatchRoots([path.join(dir, 'templates')], '/nonexistent-base');
    expect(roots[0]!.dir).toBe(path.join(dir, 'templates'));
  });

  it('rejects an empty path list', async () => {
    const dir = await makeTree();
    const error = await resolveWatchRoots([], dir).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(WatchError);
    expect((error as WatchError).message).toMatch(/^watch\.paths is empty: list at least one/);
  });

  it('rejects a path below a file', async () => {
    const dir = await makeTree();
    const error = await resolveWatchRoots(['config.yaml/x'], dir).catch(
      (caught: unknown) => caught,
    );
    expect((error as WatchError).code).toBe('ENOENT');
    expect((error as WatchError).message).toContain('watch path "config.yaml/x" does not exist');
  });
});

describe('watchConfigFromFlags', () => {
  it('watches the working directory without paths', () => {
    const config = watchConfigFromFlags([]);
    expect(config.paths).toEqual(['.']);
    expect(config.enabled).toBe(true);
    expect(config.debounce).toBe(20);
    expect(config.maxWait).toBe(500);
    expect(config.action).toBe('restart');
    expect(config.ignore).toContain('**/__pycache__/**');
  });

  it('watches the given paths', () => {
    expect(watchConfigFromFlags(['src', 'templates']).paths).toEqual(['src', 'templates']);
  });
});

describe('readInotifyLimits', () => {
  async function fakeProc(values: Record<string, string>): Promise<string> {
    const root = await temps.make('crashproof-proc-');
    for (const [file, value] of Object.entries(values)) {
      await mkdir(path.dirname(path.join(root, file)), { recursive: true });
      await writeFile(path.join(root, file), `${value}\n`);
    }
    return root;
  }

  it('reads the sysctls and a lower namespace limit', async () => {
    const root = await fakeProc({
      'sys/fs/inotify/max_user_watches': '8192',
      'sys/user/max_inotify_watches': '100',
      'sys/fs/inotify/max_user_instances': '128',
      'sys/user/max_inotify_instances': '1024',
    });
    const limits = readInotifyLimits(root);

    expect(limits.watches).toEqual({ sysctl: 8192, namespace: 100 });
    expect(limits.instances).toEqual({ sysctl: 128, namespace: undefined });
  });

  it('leaves unreadable limits undefined', async () => {
    const root = await temps.make('crashproof-proc-');
    expect(readInotifyLimits(root).watches).toEqual({ sysctl: undefined, namespace: undefined });
  });

  it('names the limit and the sysctl in the hint', () => {
    const hint = watchLimitHint({ sysctl: 8192, namespace: undefined });
    expect(hint).toContain('fs.inotify.max_user_watches = 8192');
    expect(hint).toContain('"sudo sysctl fs.inotify.max_user_watches=524288"');
    expect(hint).toContain('/etc/sysctl.d/90-inotify.conf');
  });
});
