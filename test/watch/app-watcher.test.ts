import { mkdir, rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { type WatchConfig, watchSchema } from '../../src/config/schema/watch.js';
import { EventBus, type EventMap } from '../../src/events.js';
import { AppWatcher } from '../../src/watch/app-watcher.js';
import { WatchError } from '../../src/watch/errors.js';
import { memoryLogger } from '../helpers/logger.js';
import { TempDirs } from '../helpers/temp.js';
import { waitFor } from '../helpers/wait.js';
import { RecordingHandle } from './recording-handle.js';

const temps = new TempDirs();
const watchers: AppWatcher[] = [];

afterEach(async () => {
  await Promise.all(watchers.splice(0).map((watcher) => watcher.stop()));
  await temps.removeAll();
});

/** Create a small app tree: app.py, pkg/cameras.py, and the directories the defaults ignore. */
async function makeApp(): Promise<string> {
  const dir = await temps.make('crashproof-watch-');
  await mkdir(path.join(dir, 'pkg'));
  await mkdir(path.join(dir, '__pycache__'));
  await mkdir(path.join(dir, 'logs'));
  await mkdir(path.join(dir, '.git'));
  await writeFile(path.join(dir, 'app.py'), 'print("v1")\n');
  await writeFile(path.join(dir, 'pkg', 'cameras.py'), 'CAMERAS = []\n');
  return dir;
}

async function startWatcher(
  baseDir: string,
  settings: Partial<Record<keyof WatchConfig, unknown>> = {},
) {
  const config = watchSchema.parse({ paths: ['.'], ...settings });
  const handle = new RecordingHandle('web');
  const log = memoryLogger();
  const bus = new EventBus();
  const warnings: Array<EventMap['runner:warning']> = [];
  bus.on('runner:warning', (warning) => warnings.push(warning));

  const watcher = new AppWatcher({
    app: 'web',
    config,
    baseDir,
    handle,
    logger: log.logger,
    bus,
    rewatchIntervalMs: 50,
  });
  watchers.push(watcher);
  await watcher.start();
  return { watcher, handle, log, warnings };
}

function restartCount(handle: RecordingHandle, count: number) {
  return waitFor(() => handle.restarts.length >= count, `${count} restart request(s)`);
}

describe('AppWatcher', () => {
  it('restarts once on a save', async () => {
    const dir = await makeApp();
    const { handle, log } = await startWatcher(dir);

    await writeFile(path.join(dir, 'app.py'), 'print("v2")\n');
    await restartCount(handle, 1);

    expect(handle.restarts[0]).toEqual({ cause: 'watch', reason: 'files changed: app.py' });
    const line = await log.waitForMessage(/^files changed: app\.py; restarting web$/);
    expect(line.files).toEqual(['app.py']);
    expect(line.level).toBe(30);
  });

  it('restarts once on an atomic rename save', async () => {
    const dir = await makeApp();
    const { handle } = await startWatcher(dir, { debounce: '100ms' });

    const temporary = path.join(dir, '.app.py.tmp1234');
    await writeFile(temporary, 'print("v2")\n');
    await rename(temporary, path.join(dir, 'app.py'));
    await restartCount(handle, 1);

    expect(handle.restarts[0]!.reason).toMatch(/^files changed: app\.py\b/);

    // A later save is the next restart, so nothing else came in between.
    await writeFile(path.join(dir, 'pkg', 'cameras.py'), 'CAMERAS = [1]\n');
    await restartCount(handle, 2);
    expect(handle.restarts).toHaveLength(2);
    expect(handle.restarts[1]!.reason).toBe('files changed: pkg/cameras.py');
  });

  it('restarts once for a burst of 1,000 changes', async () => {
    const dir = await makeApp();
    await mkdir(path.join(dir, 'gen'));
    // Generous timings: the burst must end within maxWait even on a loaded machine.
    const { handle, log } = await startWatcher(dir, { debounce: '300ms', maxWait: '20s' });

    const names = Array.from(
      { length: 1000 },
      (_, index) => `m${String(index).padStart(4, '0')}.py`,
    );
    for (let start = 0; start < names.length; start += 100) {
      await Promise.all(
        names
          .slice(start, start + 100)
          .map((name) => writeFile(path.join(dir, 'gen', name), 'X = 1\n')),
      );
    }
    await restartCount(handle, 1);

    expect(handle.restarts[0]!.reason).toMatch(
      /^files changed: (gen\/m\d{4}\.py, ){2}gen\/m\d{4}\.py and 997 more$/,
    );
    const line = await log.waitForMessage(/and 997 more; restarting web$/);
    expect(line.count).toBe(1000);
    expect(line.files).toHaveLength(20);

    await writeFile(path.join(dir, 'app.py'), 'print("after")\n');
    await restartCount(handle, 2);
    expect(handle.restarts).toHaveLength(2);
    expect(handle.restarts[1]!.reason).toBe('files changed: app.py');
  });

  it('ignores the default ignored paths', async () => {
    const dir = await makeApp();
    const { handle } = await startWatcher(dir);

    await writeFile(path.join(dir, '__pycache__', 'app.cpython-311.pyc'), 'x');
    await writeFile(path.join(dir, 'logs', 'a.log'), 'line\n');
    await writeFile(path.join(dir, '.git', 'index'), 'x');
    await writeFile(path.join(dir, 'pkg', 'cameras.pyc'), 'x');
    await writeFile(path.join(dir, 'app.py.swp'), 'x');
    // The sentinel: its restart proves the ignored writes were seen and dropped first.
    await writeFile(path.join(dir, 'app.py'), 'print("v2")\n');
    await restartCount(handle, 1);

    expect(handle.restarts.map((request) => request.reason)).toEqual(['files changed: app.py']);
  });

  it('watches subdirectories created after the start', async () => {
    const dir = await makeApp();
    const { handle } = await startWatcher(dir);

    await mkdir(path.join(dir, 'pkg', 'new', 'deep'), { recursive: true });
    await restartCount(handle, 1);

    // Once the new directories are watched, a save inside them is seen too.
    await waitFor(async () => {
      const before = handle.restarts.length;
      await writeFile(path.join(dir, 'pkg', 'new', 'deep', 'probe.py'), `X = ${before}\n`);
      return waitFor(() => handle.restarts.length > before, 'a restart', 2000, 10).catch(
        () => false,
      );
    }, 'a restart for a file in a new subdirectory');
    expect(handle.restarts.at(-1)!.reason).toBe('files changed: pkg/new/deep/probe.py');
  });

  it('survives a deleted watched directory and resumes', async () => {
    const dir = await makeApp();
    await mkdir(path.join(dir, 'src', 'inner'), { recursive: true });
    await writeFile(path.join(dir, 'src', 'inner', 'a.py'), 'A = 1\n');
    const { handle, log, warnings } = await startWatcher(dir, { paths: ['src'] });

    await rm(path.join(dir, 'src'), { recursive: true });
    const line = await log.waitForMessage(/^watched directory src .* was deleted/);
    expect(line.msg).toContain(path.join(dir, 'src'));
    expect(line.msg).toContain('watching resumes when the directory is back');
    expect(line.level).toBe(40);
    await waitFor(() => warnings.length > 0, 'a runner:warning event');
    expect(warnings[0]!.message).toMatch(/was deleted/);

    await mkdir(path.join(dir, 'src'));
    await log.waitForMessage(/^watched directory src is back; watching it again$/);
    const count = handle.restarts.length;
    await waitFor(() => handle.restarts.length > count, 'a restart after the directory came back');

    const before = handle.restarts.length;
    await writeFile(path.join(dir, 'src', 'b.py'), 'B = 1\n');
    await waitFor(() => handle.restarts.length > before, 'a restart for a save after the return');
    expect(handle.restarts.at(-1)!.reason).toBe('files changed: src/b.py');
  });

  it('sends the configured signal instead of restarting', async () => {
    const dir = await makeApp();
    const { handle, log } = await startWatcher(dir, { action: 'signal', signal: 'SIGUSR2' });

    await writeFile(path.join(dir, 'app.py'), 'print("v2")\n');
    await waitFor(() => handle.signals.length > 0, 'a signal');

    expect(handle.signals).toEqual(['SIGUSR2']);
    expect(handle.restarts).toEqual([]);
    await log.waitForMessage(/^files changed: app\.py; sending SIGUSR2 to web$/);
  });

  it('watches only the listed files of a file path', async () => {
    const dir = await makeApp();
    const { handle } = await startWatcher(dir, { paths: ['pkg/cameras.py'] });

    await writeFile(path.join(dir, 'pkg', 'other.py'), 'X = 1\n');
    await writeFile(path.join(dir, 'pkg', 'cameras.py'), 'CAMERAS = [2]\n');
    await restartCount(handle, 1);

    expect(handle.restarts.map((request) => request.reason)).toEqual([
      'files changed: pkg/cameras.py',
    ]);
  });

  it('logs a restart the supervisor does not accept', async () => {
    const dir = await makeApp();
    const { handle, log } = await startWatcher(dir);
    handle.acceptRestarts = false;
    handle.state = 'stopping';

    await writeFile(path.join(dir, 'app.py'), 'print("v2")\n');
    await log.waitForMessage(
      /^the supervisor did not accept the restart of web \(state stopping\)$/,
    );
  });

  it('rejects a path that does not exist, naming it and the base directory', async () => {
    const dir = await makeApp();
    const error = await startWatcher(dir, { paths: ['.', 'missing/dir'] }).catch(
      (caught: unknown) => caught,
    );

    expect(error).toBeInstanceOf(WatchError);
    const message = (error as WatchError).message;
    expect(message).toContain('watch path "missing/dir" does not exist');
    expect(message).toContain(path.join(dir, 'missing', 'dir'));
    expect(message).toContain(`the base directory ${dir}`);
    expect((error as WatchError).code).toBe('ENOENT');
  });

  it('closes every watch when stopped during the start', async () => {
    const dir = await makeApp();
    const fsWatches = () =>
      process.getActiveResourcesInfo().filter((resource) => resource === 'FSEventWrap').length;
    const before = fsWatches();

    const watcher = new AppWatcher({
      app: 'web',
      config: watchSchema.parse({ paths: ['.', 'pkg/cameras.py'] }),
      baseDir: dir,
      handle: new RecordingHandle('web'),
      logger: memoryLogger().logger,
      bus: new EventBus(),
    });
    const starting = watcher.start();
    await watcher.stop();
    await starting;

    // A closed watch leaves the list once its handle's close callback has run.
    await waitFor(() => fsWatches() === before, `${before} fs.watch handles, as before the start`);
  });

  it('does nothing when turned off', async () => {
    const dir = await makeApp();
    const { log } = await startWatcher(dir, { enabled: false });

    const line = await log.waitForMessage(
      /^file watching is turned off \(watch\.enabled: false\)$/,
    );
    expect(line.app).toBe('web');
  });
});
