/**
 * deploy/logrotate/crashproof with the real logrotate binary, against a
 * real runner (dist/cli/main.js) supervising an app that writes lines
 * continuously: rotation loses no line, and once the runner has reopened
 * its files it keeps no rotated file open.
 */
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import {
  chmod,
  mkdtemp,
  readdir,
  readFile,
  readlink,
  rm,
  unlink,
  writeFile,
} from 'node:fs/promises';
import { tmpdir, userInfo } from 'node:os';
import path from 'node:path';
import { gunzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const REPO = path.resolve(import.meta.dirname, '../..');
const SHIPPED = path.join(REPO, 'deploy/logrotate/crashproof');
const CLI = path.join(REPO, 'dist/cli/main.js');
const WRITER = path.join(import.meta.dirname, 'fixtures/line-writer.mjs');
const SHIPPED_DIR = '/var/log/tapo-camera-mcp';
const SHIPPED_USER = 'tapo-camera-mcp';

const hasCli = existsSync(CLI);
if (!hasCli) {
  console.warn(
    `${CLI} does not exist yet: skipping the rotation run against the runner (npm run build first)`,
  );
}

function logrotate(args: string[]): Promise<{ code: number; output: string }> {
  return new Promise((resolve, reject) => {
    const program = existsSync('/usr/sbin/logrotate') ? '/usr/sbin/logrotate' : 'logrotate';
    execFile(program, args, { timeout: 20_000 }, (error, stdout, stderr) => {
      if (error !== null && typeof error.code !== 'number') {
        reject(
          new Error(
            `logrotate could not run (${error.message}); install it with scripts/install-test-deps.sh`,
          ),
        );
        return;
      }
      resolve({
        code: typeof error?.code === 'number' ? error.code : 0,
        output: `${stdout}${stderr}`,
      });
    });
  });
}

async function groupName(gid: number): Promise<string> {
  const line = (await readFile('/etc/group', 'utf8'))
    .split('\n')
    .find((entry) => entry.split(':')[2] === String(gid));
  return line?.split(':')[0] ?? String(gid);
}

/** Rewrite the shipped configuration for `logsDir` and the user running the test. */
async function localConfig(logsDir: string): Promise<string> {
  const user = userInfo();
  const group = await groupName(user.gid);
  const shipped = await readFile(SHIPPED, 'utf8');
  return shipped
    .replaceAll(SHIPPED_DIR, logsDir)
    .replaceAll(`${SHIPPED_USER} ${SHIPPED_USER}`, `${user.username} ${group}`);
}

/** Poll `check` until it returns true or the deadline passes. */
async function waitFor(
  label: string,
  check: () => Promise<boolean> | boolean,
  timeoutMs = 15_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline)
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${label}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** Targets of the runner's open file descriptors that are regular files. */
async function openFiles(pid: number): Promise<string[]> {
  const dir = `/proc/${pid}/fd`;
  const targets = await Promise.all(
    (await readdir(dir)).map((fd) => readlink(path.join(dir, fd)).catch(() => '')),
  );
  return targets.filter((target) => target.startsWith('/'));
}

let work: string;

beforeAll(async () => {
  work = await mkdtemp(path.join(tmpdir(), 'crashproof-logrotate-'));
});

afterAll(async () => {
  await rm(work, { recursive: true, force: true });
});

describe('deploy/logrotate/crashproof', () => {
  it('parses without errors in logrotate', async () => {
    const conf = path.join(work, 'syntax.conf');
    await writeFile(conf, await localConfig(path.join(work, 'syntax-logs')), { mode: 0o644 });
    const result = await logrotate(['-d', '-s', path.join(work, 'syntax.state'), conf]);
    expect(result.output).not.toMatch(/^error:/m);
    expect(result.code).toBe(0);
  });

  it('renames and signals rather than copying and truncating', async () => {
    const text = await readFile(SHIPPED, 'utf8');
    expect(text).toMatch(/^\s+create\b/m);
    expect(text).toMatch(/^\s+delaycompress$/m);
    expect(text).not.toMatch(/^\s+copytruncate$/m);
    expect(text).toContain(`kill -HUP "$pid"`);
    expect(text).toContain(`${SHIPPED_DIR}/crashproof.pid`);
  });

  describe.skipIf(!hasCli)('with the runner', () => {
    let runner: ChildProcess | undefined;

    // After a failure: SIGTERM lets the runner stop the writer; SIGKILL the
    // runner and its children by PID if it does not exit in time.
    afterAll(async () => {
      const pid = runner?.pid;
      if (
        runner === undefined ||
        pid === undefined ||
        runner.exitCode !== null ||
        runner.signalCode !== null
      )
        return;
      const children = await readFile(`/proc/${pid}/task/${pid}/children`, 'utf8').catch(() => '');
      const exited = new Promise((resolve) => runner!.once('exit', resolve));
      process.kill(pid, 'SIGTERM');
      const timeout = new Promise((resolve) => setTimeout(() => resolve('timeout'), 15_000));
      if ((await Promise.race([exited, timeout])) !== 'timeout') return;
      for (const child of children.trim().split(/\s+/).filter(Boolean)) {
        try {
          process.kill(Number(child), 'SIGKILL');
        } catch {
          // Already gone.
        }
      }
      process.kill(pid, 'SIGKILL');
      await exited;
    });

    it('loses no line and keeps no rotated file open', async () => {
      const dir = await mkdtemp(path.join(work, 'run-'));
      const logs = path.join(dir, 'logs');
      const countFile = path.join(dir, 'written');
      const conf = path.join(dir, 'logrotate.conf');
      const state = path.join(dir, 'logrotate.state');

      runner = spawn(process.execPath, [CLI, 'run', '--', process.execPath, WRITER, countFile], {
        cwd: dir,
        stdio: ['ignore', 'ignore', 'pipe'],
      });
      let stderr = '';
      runner.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
      const exited = new Promise<number | null>((resolve) =>
        runner!.once('exit', (code) => resolve(code)),
      );
      const pid = runner.pid!;

      const pidFile = path.join(logs, 'crashproof.pid');
      await waitFor('logs/crashproof.pid', () => existsSync(pidFile));
      expect(Number((await readFile(pidFile, 'utf8')).trim())).toBe(pid);

      const outLog = async () => (await readdir(logs)).find((name) => name.endsWith('.out.log'));
      await waitFor('app output in logs/*.out.log', async () => (await outLog()) !== undefined);
      const outName = (await outLog())!;
      const outPath = path.join(logs, outName);

      await writeFile(conf, await localConfig(logs), { mode: 0o644 });
      await chmod(conf, 0o644);
      for (let round = 1; round <= 3; round++) {
        // Let a few hundred lines through each round, so rotations land mid-stream.
        await waitFor(
          `output before rotation ${round}`,
          async () => (await readFile(outPath)).length > 4096,
        );
        const result = await logrotate(['-f', '-s', state, conf]);
        expect(result.output).not.toMatch(/^error:/m);

        // The runner has reopened once its descriptors point at the new file and at no renamed one.
        await waitFor(`the runner to reopen its files after rotation ${round}`, async () => {
          const open = await openFiles(pid);
          return (
            open.includes(outPath) && !open.some((target) => /\.log\.\d+(\.gz)?$/.test(target))
          );
        });
      }

      // Keep the rotated files' content, then delete them: the runner must hold none.
      const rotatedNames = (await readdir(logs)).filter((name) => name.startsWith(`${outName}.`));
      expect(rotatedNames.length).toBeGreaterThanOrEqual(3);
      const rotated = await Promise.all(
        rotatedNames.map(async (name) => {
          const data = await readFile(path.join(logs, name));
          return name.endsWith('.gz') ? gunzipSync(data).toString() : data.toString();
        }),
      );
      await Promise.all(rotatedNames.map((name) => unlink(path.join(logs, name))));
      expect((await openFiles(pid)).filter((target) => target.endsWith(' (deleted)'))).toEqual([]);

      process.kill(pid, 'SIGTERM');
      expect(await exited, `runner stderr:\n${stderr}`).toBe(0);

      const written = Number(await readFile(countFile, 'utf8'));
      const text = [...rotated, await readFile(outPath, 'utf8')].join('');
      const numbers = [...text.matchAll(/line (\d+)/g)].map((match) => Number(match[1]));
      const unique = new Set(numbers);
      expect(written).toBeGreaterThan(0);
      expect(numbers.length).toBe(unique.size);
      expect(unique.size).toBe(written);
      expect(numbers.reduce((max, n) => Math.max(max, n), 0)).toBe(written);
    });
  });
});
