import { execFileSync, spawnSync } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { watchDeviceNodes } from '../../src/cameras/device-watcher.js';
import { probeV4l2 } from '../../src/cameras/v4l2.js';
import { waitFor } from './listeners.js';
import { transpileTree } from './transpile.js';

// No USB webcam can be plugged in here and this kernel has no V4L2 driver, so
// the device nodes are made with mknod. c 1 3 (the null device) is the webcam
// that opens. c 81 0 (the V4L2 major with no driver behind it) is the stale
// node after an unplug, which open() fails with ENXIO.
const isRoot = process.getuid?.() === 0;
const REPO = fileURLToPath(new URL('../../', import.meta.url));

function mknod(path: string, major: number, minor: number, mode = '644'): void {
  execFileSync('mknod', ['-m', mode, path, 'c', String(major), String(minor)]);
}

describe('probeV4l2', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'crashproof-v4l2-'));
  });
  afterEach(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  it('reports a missing node unplugged', async () => {
    const result = await probeV4l2(join(dir, 'video0'), { timeoutMs: 2000 });
    expect(result.status).toBe('unplugged');
    expect(result.detail).toContain('does not exist');
  });

  it('calls a regular file not-a-camera', async () => {
    const path = join(dir, 'video0');
    writeFileSync(path, '');
    const result = await probeV4l2(path, { timeoutMs: 2000 });
    expect(result).toMatchObject({
      status: 'not-a-camera',
      detail: `${path} is not a character device`,
    });
  });

  it.skipIf(!isRoot)(
    'reports an openable character device online (needs root for mknod)',
    async () => {
      const path = join(dir, 'video0');
      mknod(path, 1, 3);
      const result = await probeV4l2(path, { timeoutMs: 2000 });
      expect(result).toMatchObject({
        status: 'online',
        detail: `${path} opened for reading (character device 1:3)`,
      });
    },
  );

  it.skipIf(!isRoot)('reports a stale node (ENXIO) unplugged (needs root for mknod)', async () => {
    const path = join(dir, 'video0');
    mknod(path, 81, 0);
    const result = await probeV4l2(path, { timeoutMs: 2000 });
    expect(result).toMatchObject({
      status: 'unplugged',
      detail: `${path}: device node present but the device is gone`,
    });
  });

  it.skipIf(!isRoot)(
    'reports EACCES as permission-denied for an unprivileged user (needs root)',
    () => {
      // Root never sees EACCES, so the probe runs in a child process as the nobody user (uid 65534).
      chmodSync(dir, 0o755);
      const device = join(dir, 'video0');
      mknod(device, 1, 3, '600');

      const out = join(dir, 'build');
      const module = transpileTree(join(REPO, 'src/cameras/v4l2.ts'), REPO, out);
      const script = join(out, 'probe-child.mjs');
      writeFileSync(
        script,
        `import { probeV4l2 } from ${JSON.stringify(module)};\n` +
          `console.log(JSON.stringify(await probeV4l2(${JSON.stringify(device)}, { timeoutMs: 2000 })));\n`,
      );
      execFileSync('chmod', ['-R', 'a+rX', out]);

      const child = spawnSync(
        'setpriv',
        ['--reuid=65534', '--regid=65534', '--clear-groups', process.execPath, script],
        { encoding: 'utf8', timeout: 20_000 },
      );
      expect(child.stderr).toBe('');
      const result = JSON.parse(child.stdout) as { status: string; detail: string };
      expect(result.status).toBe('permission-denied');
      expect(result.detail).toBe(
        `permission denied opening ${device}: add the runner's user to the video group (usermod -aG video USER), then log in again`,
      );
    },
  );
});

describe('watchDeviceNodes', () => {
  let dir: string;
  let stop: (() => void) | undefined;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'crashproof-watch-'));
  });
  afterEach(() => {
    stop?.();
    stop = undefined;
    rmSync(dir, { recursive: true, force: true });
  });

  it.skipIf(!isRoot)(
    'sees an unplug and a replug within a second (needs root for mknod)',
    async () => {
      const device = join(dir, 'video0');
      mknod(device, 81, 0);
      const seen: Array<{ present: boolean; at: number }> = [];
      stop = watchDeviceNodes([device, join(dir, 'video1')], (path, present) => {
        if (path === device) seen.push({ present, at: performance.now() });
      });

      const removedAt = performance.now();
      unlinkSync(device);
      await waitFor(() => seen.some((event) => !event.present), 'the removal', 1000);
      expect(seen.find((event) => !event.present)!.at - removedAt).toBeLessThan(1000);

      const createdAt = performance.now();
      mknod(device, 81, 0);
      await waitFor(() => seen.at(-1)?.present === true, 'the re-creation', 1000);
      expect(seen.at(-1)!.at - createdAt).toBeLessThan(1000);
    },
  );

  it('ignores other files in the directory', async () => {
    const device = join(dir, 'video0');
    const seen: string[] = [];
    stop = watchDeviceNodes([device], (path) => seen.push(path));
    writeFileSync(join(dir, 'other'), '');
    writeFileSync(device, '');
    await waitFor(() => seen.length > 0, 'the device event', 1000);
    expect(seen.every((path) => path === device)).toBe(true);
  });

  it('reports a directory it cannot watch', () => {
    const errors: string[] = [];
    stop = watchDeviceNodes(
      [join(dir, 'missing', 'video0')],
      () => {},
      (directory) => errors.push(directory),
    );
    expect(errors).toEqual([join(dir, 'missing')]);
  });
});
