import { execFile, execFileSync } from 'node:child_process';
import { chmod, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { build } from 'rolldown';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TempDirs } from '../helpers/temp.js';

/*
 * Errors that need another user or lower kernel limits: root never gets
 * EACCES, and the inotify limits are shared by the whole machine. The
 * watcher runs in a child process: as uid 65534 through setpriv, or as
 * root of a new user namespace whose own inotify watch limit is lowered
 * (unshare -Ur), which leaves the host's limit alone.
 */

const execFileAsync = promisify(execFile);
const DRIVER_SOURCE = fileURLToPath(new URL('./fixtures/watch-driver.ts', import.meta.url));
const NOBODY = 65534;

const temps = new TempDirs();
let bundleDir: string;
let driver: string;

interface DriverResult {
  ok: boolean;
  code?: string;
  message?: string;
  warnings: string[];
}

beforeAll(async () => {
  // One self-contained file in a world-readable place, so uid 65534 can run it
  // wherever the checkout lives.
  bundleDir = await mkdtemp(path.join(tmpdir(), 'crashproof-watch-driver-'));
  driver = path.join(bundleDir, 'watch-driver.mjs');
  await build({
    input: DRIVER_SOURCE,
    platform: 'node',
    logLevel: 'silent',
    output: { file: driver, format: 'esm', codeSplitting: false },
  });
  await chmod(bundleDir, 0o755);
  await chmod(driver, 0o644);
});

afterAll(async () => {
  await temps.removeAll();
  await rm(bundleDir, { recursive: true, force: true });
});

async function runDriver(
  prefix: string[],
  baseDir: string,
  paths: string[],
): Promise<DriverResult> {
  const [command, ...args] = [...prefix, process.execPath, driver, baseDir, ...paths];
  const { stdout } = await execFileAsync(command!, args, { timeout: 20_000 });
  return JSON.parse(stdout.trim()) as DriverResult;
}

const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;

function canUnshareUserNamespace(): boolean {
  try {
    execFileSync('unshare', ['-Ur', 'true'], { stdio: 'ignore', timeout: 5000 });
    return true;
  } catch {
    return false;
  }
}

/** Create a tree that an unprivileged user can reach, because the temporary directory lets everyone in. */
async function makeSharedTree(): Promise<string> {
  const dir = await temps.make('crashproof-watch-perm-');
  await chmod(dir, 0o755);
  await mkdir(path.join(dir, 'open', 'locked'), { recursive: true });
  await mkdir(path.join(dir, 'closed'));
  await writeFile(path.join(dir, 'open', 'app.py'), 'print("x")\n');
  await chmod(path.join(dir, 'open'), 0o755);
  await chmod(path.join(dir, 'open', 'locked'), 0o700);
  await chmod(path.join(dir, 'closed'), 0o700);
  return dir;
}

const asNobody = ['setpriv', `--reuid=${NOBODY}`, `--regid=${NOBODY}`, '--clear-groups'];

describe('watch errors as an unprivileged user', () => {
  if (!isRoot) {
    it.skip('needs root to switch to uid 65534 with setpriv; run the suite as root to cover EACCES', () => {});
    return;
  }

  it('rejects an unreadable directory with the user and the fix', async () => {
    const dir = await makeSharedTree();
    const result = await runDriver(asNobody, dir, ['closed']);

    expect(result.ok).toBe(false);
    expect(result.code).toBe('EACCES');
    expect(result.message).toContain(`cannot watch ${path.join(dir, 'closed')}: permission denied`);
    expect(result.message).toContain('(uid 65534)');
    expect(result.message).toContain('read and execute permission');
  });

  it('warns about an unreadable subdirectory and watches the rest', async () => {
    const dir = await makeSharedTree();
    const result = await runDriver(asNobody, dir, ['open']);

    expect(result.ok).toBe(true);
    expect(result.warnings).toHaveLength(1);
    expect(result.warnings[0]).toContain(
      `cannot watch ${path.join(dir, 'open', 'locked')}: permission denied`,
    );
  });
});

describe('inotify watch limit', () => {
  const supported = isRoot && process.platform === 'linux' && canUnshareUserNamespace();
  if (!supported) {
    it.skip('needs Linux, root and unshare -Ur to lower the inotify watch limit of a user namespace', () => {});
    return;
  }

  it('names the limit and the sysctl that raises it', async () => {
    const dir = await temps.make('crashproof-watch-limit-');
    for (let index = 0; index < 20; index++) await mkdir(path.join(dir, `d${index}`));

    // Inside the namespace, lower its own watch limit below the 21 directories, then run the driver.
    const script = 'echo 10 > /proc/sys/user/max_inotify_watches && exec "$@"';
    const result = await runDriver(['unshare', '-Ur', 'sh', '-c', script, 'sh'], dir, ['.']);

    expect(result.ok).toBe(false);
    expect(result.code).toBe('ENOSPC');
    expect(result.message).toContain('the inotify watch limit is reached');
    expect(result.message).toMatch(
      /fs\.inotify\.max_user_watches = \d+, and this user namespace allows 10/,
    );
    expect(result.message).toContain('sudo sysctl fs.inotify.max_user_watches=524288');
  });
});
