import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { notifySchema } from '../../src/config/schema/notify.js';
import { EventBus } from '../../src/events.js';
import { createNotifier, type Notifier } from '../../src/notify/notifier.js';
import { memoryLogger } from '../helpers/logger.js';
import { waitFor } from '../helpers/wait.js';

const FIXTURES = resolve(import.meta.dirname, '../fixtures');
const PYTHON = '/usr/bin/python3';

let workDir: string;
let notifier: Notifier | undefined;
const startedPids: number[] = [];

beforeEach(async () => {
  workDir = await mkdtemp(join(tmpdir(), 'crashproof-hook-'));
});

afterEach(async () => {
  await notifier?.close();
  notifier = undefined;
  // A failed assertion must not leave a hook's child behind.
  for (const pid of startedPids.splice(0)) {
    if (isAlive(pid)) process.kill(pid, 'SIGKILL');
  }
  await rm(workDir, { recursive: true, force: true });
});

/** True while the process exists and is not a zombie waiting to be reaped. */
function isAlive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2)[0] !== 'Z';
  } catch {
    return false;
  }
}

function start(input: Record<string, unknown>, reportDir?: string) {
  const bus = new EventBus();
  const { logger, records: lines } = memoryLogger();
  notifier = createNotifier({ config: notifySchema.parse(input), bus, logger, reportDir });
  return { bus, lines, notifier };
}

describe('notifier command hooks', () => {
  it('passes the event in the environment', async () => {
    const output = join(workDir, 'env.jsonl');
    const { bus } = start(
      { commands: [{ command: [PYTHON, join(FIXTURES, 'crash_env_hook.py'), output] }] },
      '/var/log/crash-reports',
    );

    bus.emit('crash:report', {
      app: 'tapo-webapp',
      category: 'camera-auth',
      hint: 'check the camera password',
      evidence:
        'method DESCRIBE failed: 401 Unauthorized rtsp://admin:hunter2@127.0.0.1:8554/stream1',
      reportId: 'tapo-webapp-2026-12-04T21-30-00.000Z',
      attempt: 2,
      nextDelayMs: null,
    });
    await waitFor(() => notifier!.stats()[0]!.sent === 1, 'hook output');

    const env = JSON.parse((await readFile(output, 'utf8')).trim()) as Record<string, string>;
    expect(env.CRASHPROOF_EVENT).toBe('crash');
    expect(env.CRASHPROOF_APP).toBe('tapo-webapp');
    expect(env.CRASHPROOF_CATEGORY).toBe('camera-auth');
    expect(env.CRASHPROOF_REPORT).toBe(
      '/var/log/crash-reports/tapo-webapp-2026-12-04T21-30-00.000Z.json',
    );
    expect(env.CRASHPROOF_SEVERITY).toBe('error');
    expect(env.CRASHPROOF_MESSAGE).toContain('tapo-webapp crashed: camera-auth\n');
    expect(env.CRASHPROOF_MESSAGE).toContain('No further restart.');
    expect(env.CRASHPROOF_MESSAGE).toContain('rtsp://admin:***@127.0.0.1');
    expect(JSON.stringify(env)).not.toContain('hunter2');
  });

  it('passes camera events with the camera name', async () => {
    const output = join(workDir, 'env.jsonl');
    const { bus } = start({
      commands: [{ command: [PYTHON, join(FIXTURES, 'crash_env_hook.py'), output] }],
    });

    bus.emit('camera:state', {
      camera: 'doorbell',
      from: 'online',
      to: 'offline',
      detail: 'no answer',
    });
    await waitFor(() => notifier!.stats()[0]!.sent === 1, 'hook output');

    const env = JSON.parse((await readFile(output, 'utf8')).trim()) as Record<string, string>;
    expect(env.CRASHPROOF_EVENT).toBe('camera');
    expect(env.CRASHPROOF_CAMERA).toBe('doorbell');
    expect(env.CRASHPROOF_APP).toBe('');
  });

  it('kills the process group on timeout', async () => {
    const pidsFile = join(workDir, 'pids');
    const { bus, lines } = start({
      commands: [{ command: [join(FIXTURES, 'crash_slow_hook.sh'), pidsFile], timeout: '300ms' }],
    });
    bus.emit('app:fatal', { app: 'tapo-webapp', reason: 'budget spent', restarts: 10 });

    await waitFor(() => existsSync(pidsFile), 'pids file');
    const pids = (await readFile(pidsFile, 'utf8')).trim().split(' ').map(Number);
    startedPids.push(...pids);
    expect(pids).toHaveLength(2);

    await waitFor(() => notifier!.stats()[0]!.failed === 1, 'a failure');
    await waitFor(() => pids.every((pid) => !isAlive(pid)), 'hook and child gone');
    const failure = lines.find((line) => String(line.msg).startsWith('notification to command 1'));
    expect(failure?.msg).toBe(
      'notification to command 1 (crash_slow_hook.sh) failed after 1 attempt(s): timed out after 300 ms',
    );
  });

  it('logs a failing hook redacted', async () => {
    const { bus, lines } = start({
      commands: [{ command: [join(FIXTURES, 'crash_failing_hook.sh')] }],
    });
    bus.emit('app:recovered', { app: 'tapo-webapp', afterCrashes: 4 });

    await waitFor(() => notifier!.stats()[0]!.failed === 1, 'a failure');
    const failure = lines.find((line) => String(line.msg).startsWith('notification to command 1'));
    expect(failure?.msg).toBe(
      'notification to command 1 (crash_failing_hook.sh) failed after 1 attempt(s): exit code 3: could not reach rtsp://admin:***@127.0.0.1:8554/stream1',
    );
  });

  it('reports a missing program', async () => {
    const { bus, lines } = start({ commands: [{ command: [join(workDir, 'no-such-hook')] }] });
    bus.emit('app:recovered', { app: 'tapo-webapp', afterCrashes: 1 });

    await waitFor(() => notifier!.stats()[0]!.failed === 1, 'a failure');
    const failure = lines.find((line) => String(line.msg).startsWith('notification to command 1'));
    expect(failure?.msg).toContain(`program not found: ${join(workDir, 'no-such-hook')}`);
  });

  it('runs no hook when disabled', async () => {
    const output = join(workDir, 'env.jsonl');
    const { bus, lines } = start({
      enabled: false,
      commands: [{ command: [PYTHON, join(FIXTURES, 'crash_env_hook.py'), output] }],
    });
    bus.emit('app:fatal', { app: 'tapo-webapp', reason: 'budget spent', restarts: 10 });
    await notifier!.close();

    expect(notifier!.stats()).toEqual([]);
    expect(existsSync(output)).toBe(false);
    expect(lines.filter((line) => line.notification === 'fatal')).toHaveLength(1);
  });
});
