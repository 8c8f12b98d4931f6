import { spawn } from 'node:child_process';
import { afterEach, describe, expect, it } from 'vitest';
import { statusCommand } from '../../src/cli/status.js';
import { readLiveStatus, renderWatchFrame } from '../../src/cli/status-watch.js';
import {
  collectOutput,
  type Fixture,
  nextEvent,
  pollFor,
  request,
  startFixture,
} from './helpers.js';
import { SseClient } from './sse-client.js';

function metricValue(text: string, series: string): number | undefined {
  const line = text.split('\n').find((candidate) => candidate.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

async function appStatus(fixture: Fixture, app: string): Promise<Record<string, unknown>> {
  const reply = await request(`${fixture.server.url}/api/status`);
  expect(reply.status).toBe(200);
  return (reply.json().apps as Record<string, Record<string, unknown>>)[app]!;
}

/** Run promtool on a metrics text; resolves with its exit code and output. */
function promtoolCheck(text: string): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn('promtool', ['check', 'metrics'], { stdio: ['pipe', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, output }));
    child.stdin.end(text);
  });
}

describe('status surfaces', () => {
  let fixture: Fixture | undefined;
  let stream: SseClient | undefined;

  afterEach(async () => {
    stream?.close();
    await fixture?.close();
    fixture = undefined;
  });

  it('crash moves every surface', async () => {
    fixture = await startFixture();
    const { runner, server } = fixture;
    await pollFor(
      () => (runner.supervisors.get('cam')?.state === 'running' ? true : undefined),
      'cam running',
    );
    stream = await SseClient.connect(server.url);
    expect(stream.status).toBe(200);

    const report = nextEvent(runner.bus, 'crash:report', (event) => event.app === 'cam');
    await fixture.crash('cam');
    const crash = await report;

    // The event stream carries the state change, the scheduled restart and the report.
    await stream.waitFor('app:state', (data) => data.app === 'cam' && data.to === 'backoff');
    await stream.waitFor('app:restart-scheduled', (data) => data.cause === 'crash');
    const streamed = await stream.waitFor(
      'crash:report',
      (data) => data.reportId === crash.reportId,
    );
    expect(streamed.data.category).toBe(crash.category);

    // JSON status: one crash, counted under the report's category, one restart.
    const app = await appStatus(fixture, 'cam');
    expect(app.crashes).toBe(1);
    expect(app.crashesByCategory).toEqual({ [crash.category]: 1 });
    expect(app.restartsTotal).toBe(1);
    expect(app.restarts).toEqual({ crash: 1 });

    // Metrics agree with the JSON status.
    const metrics = (await request(`${server.url}/metrics`)).body;
    expect(
      metricValue(metrics, `crashproof_app_crashes_total{app="cam",category="${crash.category}"}`),
    ).toBe(1);
    expect(metricValue(metrics, 'crashproof_app_restarts_total{app="cam",cause="crash"}')).toBe(1);

    // The crash list that the dashboard shows.
    const crashes = JSON.parse((await request(`${server.url}/api/crashes`)).body) as Array<
      Record<string, unknown>
    >;
    expect(crashes[0]?.id).toBe(crash.reportId);
    expect(crashes[0]?.outputTail).toContain('fixture: crashing on demand');

    // The app comes back: every surface shows it running again.
    await pollFor(
      async () => ((await appStatus(fixture!, 'cam')).state === 'running' ? true : undefined),
      'cam running after the restart',
    );
    const after = (await request(`${server.url}/metrics`)).body;
    expect(metricValue(after, 'crashproof_app_up{app="cam"}')).toBe(1);
    expect(metricValue(after, 'crashproof_app_state{app="cam",state="running"}')).toBe(1);
    expect(metricValue(after, 'crashproof_app_state{app="cam",state="backoff"}')).toBe(0);
    await stream.waitFor('app:state', (data) => data.app === 'cam' && data.to === 'running');

    // The CLI: `crashproof status` from the state file, and one frame of `status --watch`.
    const out = collectOutput();
    await pollFor(async () => {
      await statusCommand(runner.logDir, {}, out);
      return /cam\s+running\s+\d+\s+\S+\s+1\s+1\s/.test(out.text()) ? true : undefined;
    }, 'status table with one restart and one crash');
    const live = await readLiveStatus(runner.logDir);
    expect(live?.source).toBe('server');
    const frame = renderWatchFrame(live!, Date.now(), 120);
    expect(frame).toMatch(new RegExp(`cam\\s+running\\s+\\S+\\s+1\\s+1 \\(${crash.category}:1\\)`));
  });

  it('metrics pass promtool check metrics', async () => {
    fixture = await startFixture();
    const { runner, server } = fixture;
    await pollFor(
      () => (runner.supervisors.get('cam')?.state === 'running' ? true : undefined),
      'cam running',
    );
    await fixture.crash('cam');
    await nextEvent(runner.bus, 'crash:report');
    await pollFor(
      () => (runner.supervisors.get('cam')?.state === 'running' ? true : undefined),
      'cam running after the crash',
    );

    // Stand-ins for the health monitor, resource sampler and camera monitor,
    // which the wiring code attaches: the metrics read only these events and
    // runner.cameraSnapshot().
    runner.bus.emit('health:check', { app: 'cam', ok: true, httpStatus: 200, durationMs: 12 });
    runner.bus.emit('health:check', {
      app: 'cam',
      ok: false,
      durationMs: 10_000,
      error: 'timeout',
    });
    runner.bus.emit('resource:sample', {
      app: 'cam',
      rssBytes: 48 * 2 ** 20,
      cpuPercent: 3,
      processes: 1,
    });
    runner.cameraSnapshot = () => [
      { name: 'porch', status: 'online', latencyMs: 42, since: new Date().toISOString() },
      { name: 'garage', status: 'offline', since: new Date().toISOString() },
    ];

    const reply = await request(`${server.url}/metrics`);
    expect(reply.status).toBe(200);
    expect(reply.headers['content-type']).toMatch(/^text\/plain; version=0\.0\.4/);
    const text = reply.body;
    expect(metricValue(text, 'crashproof_app_resident_memory_bytes{app="cam"}')).toBe(48 * 2 ** 20);
    expect(
      metricValue(text, 'crashproof_health_check_duration_seconds_count{app="cam",result="ok"}'),
    ).toBe(1);
    expect(metricValue(text, 'crashproof_camera_up{camera="porch"}')).toBe(1);
    expect(metricValue(text, 'crashproof_camera_up{camera="garage"}')).toBe(0);
    expect(metricValue(text, 'crashproof_camera_probe_duration_seconds{camera="porch"}')).toBe(
      0.042,
    );
    expect(text).toMatch(/^process_resident_memory_bytes \d+/m);
    expect(text).toMatch(/^crashproof_app_uptime_seconds\{app="cam"\} /m);

    const check = await promtoolCheck(text);
    expect(check.output).toBe('');
    expect(check.code).toBe(0);
  });
});
