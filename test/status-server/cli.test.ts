import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { appControlCommand, reloadCommand } from '../../src/cli/control.js';
import {
  readLiveStatus,
  renderWatchFrame,
  statusWatchCommand,
} from '../../src/cli/status-watch.js';
import type { StateDocument } from '../../src/status/state-file.js';
import {
  collectOutput,
  configYaml,
  type Fixture,
  pollFor,
  startFixture,
  waitForStatusUrl,
} from './helpers.js';

const output = collectOutput;

describe('control commands', () => {
  let fixture: Fixture | undefined;

  afterEach(async () => {
    await fixture?.close();
    fixture = undefined;
  });

  it('restart, stop and start an app', async () => {
    fixture = await startFixture();
    const { runner } = fixture;
    const logDir = runner.logDir;
    const supervisor = () => runner.supervisors.get('cam')!;
    await pollFor(() => (supervisor().state === 'running' ? true : undefined), 'cam running');
    await waitForStatusUrl(fixture);
    const firstPid = supervisor().pid;

    const out = output();
    expect(await appControlCommand(logDir, 'restart', 'cam', { out, reason: 'new firmware' })).toBe(
      0,
    );
    expect(out.text()).toContain('cam: restart requested');
    await pollFor(
      () => (supervisor().state === 'running' && supervisor().pid !== firstPid ? true : undefined),
      'cam running with a new pid',
    );
    expect(supervisor().snapshot().restarts).toEqual({ manual: 1 });
    expect(fixture.logs.some((record) => record.reason === 'new firmware')).toBe(true);

    expect(await appControlCommand(logDir, 'stop', 'cam', { out })).toBe(0);
    expect(supervisor().state).toBe('stopped');
    expect(out.text()).toContain('cam: stopped (now stopped)');

    expect(await appControlCommand(logDir, 'start', 'cam', { out })).toBe(0);
    await pollFor(() => (supervisor().state === 'running' ? true : undefined), 'cam running again');
  });

  it('explains failures', async () => {
    fixture = await startFixture();
    const logDir = fixture.runner.logDir;
    await waitForStatusUrl(fixture);
    const supervisor = fixture.runner.supervisors.get('cam')!;
    await pollFor(() => (supervisor.state === 'running' ? true : undefined), 'cam running');

    const unknown = output();
    expect(await appControlCommand(logDir, 'stop', 'nope', { err: unknown, out: output() })).toBe(
      1,
    );
    expect(unknown.text()).toMatch(/^crashproof: unknown app: no app named "nope"; apps: cam/);

    const running = output();
    expect(await appControlCommand(logDir, 'start', 'cam', { err: running, out: output() })).toBe(
      1,
    );
    expect(running.text()).toContain('app is not stopped');

    const missing = output();
    const options = { err: missing, out: output(), tokenFile: 'elsewhere.token' };
    expect(await appControlCommand(logDir, 'stop', 'cam', options)).toBe(1);
    expect(missing.text()).toContain('cannot read the token file');
    expect(missing.text()).toContain('elsewhere.token');

    await writeFile(path.join(logDir, 'crashproof.token'), 'not-the-token\n');
    const wrong = output();
    expect(await appControlCommand(logDir, 'stop', 'cam', { err: wrong, out: output() })).toBe(1);
    expect(wrong.text()).toContain('rejected the token');
    expect(fixture.runner.supervisors.get('cam')!.state).toBe('running');
  });

  it('reload prints the changes', async () => {
    fixture = await startFixture([{ name: 'a' }]);
    const { dir, configFile, runner } = fixture;
    await waitForStatusUrl(fixture);
    await writeFile(configFile, configYaml(dir, [{ name: 'a' }, { name: 'b' }]));
    const out = output();
    expect(await reloadCommand(runner.logDir, { out })).toBe(0);
    expect(out.text()).toBe('added: b\nremoved: -\nrestarted: -\nunchanged: a\n');

    await writeFile(configFile, 'apps: []\n');
    const err = output();
    expect(await reloadCommand(runner.logDir, { out: output(), err })).toBe(1);
    expect(err.text()).toContain('invalid configuration: nothing was changed');
    expect(err.text()).toContain('  - ');
  });

  it('reports an unreachable server', async () => {
    fixture = await startFixture();
    await waitForStatusUrl(fixture);
    await fixture.server.close();
    // close() removes the token file; a stale copy gets the CLI as far as the connection attempt.
    await writeFile(path.join(fixture.runner.logDir, 'crashproof.token'), 'stale\n');
    const err = output();
    expect(await appControlCommand(fixture.runner.logDir, 'start', 'cam', { err })).toBe(1);
    expect(err.text()).toContain('cannot reach the status server');
  });

  it('reports a stopped runner', async () => {
    fixture = await startFixture([{ name: 'cam', extra: ['    autostart: false'] }]);
    const logDir = fixture.runner.logDir;
    await fixture.runner.shutdown('test');
    const err = output();
    expect(await appControlCommand(logDir, 'start', 'cam', { err })).toBe(1);
    expect(err.text()).toContain('the runner is not running');

    const empty = await mkdtemp(path.join(os.tmpdir(), 'crashproof-empty-'));
    try {
      const none = output();
      expect(await reloadCommand(empty, { err: none })).toBe(1);
      expect(none.text()).toContain('no runner state at');
    } finally {
      await rm(empty, { recursive: true, force: true });
    }
  });
});

function sampleState(): StateDocument {
  const app = (name: string, state: StateDocument['apps'][string]['state']) => ({
    name,
    state,
    pid: state === 'running' ? 4242 : undefined,
    procStartTime: undefined,
    startedAt: undefined,
    uptimeMs: 3_723_000,
    totalUptimeMs: 3_723_000,
    attempts: 0,
    restarts: { crash: 2 },
    restartsTotal: 2,
    crashes: 2,
    restartsLastHour: 1,
    lastExit: undefined,
    nextStartAt: undefined,
    reason: state === 'backoff' ? 'restart 2 in 1.5s after crash: exit code 3' : 'ready (uptime)',
    crashesByCategory: { network: 1, 'usb-device': 1 },
    memory: { rssBytes: 150 * 2 ** 20 },
    health: { state: 'healthy' },
  });
  return {
    version: 1,
    runner: {
      pid: 1000,
      procStartTime: undefined,
      bootId: undefined,
      startedAt: '2026-01-01T00:00:00.000Z',
      updatedAt: '2026-01-01T01:00:00.000Z',
      stopped: false,
      configSource: null,
      statusUrl: null,
    },
    apps: {
      'tapo-camera-webapp': app('tapo-camera-webapp', 'running'),
      recorder: app('recorder', 'backoff'),
    },
    cameras: [{ name: 'porch', status: 'online', latencyMs: 41.6, since: '2026-01-01T00:10:00Z' }],
  };
}

describe('status --watch', () => {
  it('shows every column when wide', () => {
    const frame = renderWatchFrame(
      { state: sampleState(), alive: true, source: 'state file' },
      Date.parse('2026-01-01T01:00:02.000Z'),
      160,
    );
    const header = frame.split('\n')[1]!;
    expect(header.split(/\s+/)).toEqual([
      'NAME',
      'STATE',
      'UPTIME',
      'RESTARTS',
      'CRASHES',
      'MEMORY',
      'HEALTH',
      'PID',
    ]);
    // Uptime counts on from when the state was written: 1h 2m 3s + 2 s.
    expect(frame).toMatch(
      /tapo-camera-webapp\s+running\s+1h2m\s+2\s+2 \(network:1 usb-device:1\)\s+150\.0 MiB\s+healthy\s+4242/,
    );
    expect(frame).toContain('recorder: restart 2 in 1.5s after crash: exit code 3');
    expect(frame).toMatch(/porch\s+online\s+42 ms/);
  });

  it('drops columns in narrow terminals', () => {
    for (const width of [79, 60, 40]) {
      const frame = renderWatchFrame(
        { state: sampleState(), alive: true, source: 'state file' },
        Date.parse('2026-01-01T01:00:00.000Z'),
        width,
      );
      for (const line of frame.trimEnd().split('\n'))
        expect(line.length, `${width}: ${line}`).toBeLessThanOrEqual(width);
      const header = frame.split('\n')[1]!;
      expect(header).toMatch(/^NAME\s+STATE/);
      expect(header).not.toContain('PID');
    }
  });

  it('marks a runner that is down', () => {
    const frame = renderWatchFrame(
      { state: sampleState(), alive: false, source: 'state file' },
      Date.now(),
      100,
    );
    expect(frame).toMatch(/^runner is NOT running \(last pid 1000\)/);
  });

  it('redraws from a live runner', async () => {
    const fixture = await startFixture();
    try {
      const logDir = fixture.runner.logDir;
      await pollFor(
        () => (fixture.runner.supervisors.get('cam')?.state === 'running' ? true : undefined),
        'cam running',
      );
      await waitForStatusUrl(fixture);
      expect((await readLiveStatus(logDir))?.source).toBe('server');

      const tty = Object.assign(output(), { isTTY: true, columns: 50 });
      await statusWatchCommand(logDir, { out: tty, frames: 2, intervalMs: 20 });
      const frames = tty.text().split('\x1b[H\x1b[2J').filter(Boolean);
      expect(frames).toHaveLength(2);
      for (const line of frames[0]!.trimEnd().split('\n'))
        expect(line.length).toBeLessThanOrEqual(50);
      expect(frames[0]).toMatch(/cam\s+running/);
      expect(frames[0]).toContain('Ctrl-C to quit');

      const pipe = output();
      const controller = new AbortController();
      const watching = statusWatchCommand(logDir, {
        out: pipe,
        intervalMs: 20,
        signal: controller.signal,
      });
      await pollFor(() => (pipe.text().includes('cam') ? true : undefined), 'a frame on the pipe');
      controller.abort();
      expect(await watching).toBe(0);
      expect(pipe.text()).not.toContain('\x1b');
    } finally {
      await fixture.close();
    }
  });
});
