import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { healthSchema } from '../../src/config/schema/health.js';
import { EventBus } from '../../src/events.js';
import { HealthMonitor } from '../../src/health/monitor.js';
import { captureLogger, RecordingHandle, waitFor } from './helpers.js';

// Debian's interpreter: the python3 first on PATH may be a build without fastapi.
const PYTHON = '/usr/bin/python3';
const FIXTURES = fileURLToPath(new URL('../fixtures/', import.meta.url));

/** Return why the fixture cannot run here, or undefined when it can. */
function fastapiMissing(): string | undefined {
  const probe = spawnSync(PYTHON, ['-c', 'import fastapi, uvicorn'], { encoding: 'utf8' });
  if (probe.error) return `${PYTHON} cannot run: ${probe.error.message}`;
  if (probe.status !== 0) {
    return `${PYTHON} cannot import fastapi and uvicorn (run scripts/install-test-deps.sh): ${probe.stderr.trim()}`;
  }
  return undefined;
}

interface Uvicorn {
  child: ChildProcess;
  port: number;
  stderr: string[];
}

/** Start the fixture under uvicorn on an ephemeral port and read the port from its log. */
async function startUvicorn(): Promise<Uvicorn> {
  const child = spawn(
    PYTHON,
    [
      '-m',
      'uvicorn',
      '--app-dir',
      FIXTURES,
      'fastapi_app:app',
      '--host',
      '127.0.0.1',
      '--port',
      '0',
    ],
    {
      stdio: ['ignore', 'ignore', 'pipe'],
      // The hang mode ends by itself, so that SIGTERM can stop uvicorn soon after.
      env: { ...process.env, FIXTURE_HANG_SECONDS: '3' },
    },
  );
  children.push(child);
  const stderr: string[] = [];
  let port: number | undefined;
  child.stderr?.setEncoding('utf8');
  child.stderr?.on('data', (text: string) => {
    stderr.push(text);
    const match = /Uvicorn running on http:\/\/127\.0\.0\.1:(\d+)/.exec(stderr.join(''));
    if (match) port = Number(match[1]);
  });
  await waitFor(() => port !== undefined || child.exitCode !== null, 'uvicorn to listen', 20_000);
  if (port === undefined)
    throw new Error(`uvicorn exited with ${child.exitCode}: ${stderr.join('')}`);
  return { child, port, stderr };
}

/** Stop uvicorn by PID: SIGTERM, then SIGKILL, because 0.17 does not exit while a request hangs. */
async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = once(child, 'exit');
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
  await exited;
  clearTimeout(timer);
}

const children: ChildProcess[] = [];
const monitors: HealthMonitor[] = [];

afterEach(async () => {
  for (const monitor of monitors.splice(0)) monitor.stop();
  await Promise.all(children.splice(0).map(stopChild));
});

async function setMode(port: number, mode: string): Promise<void> {
  const response = await fetch(`http://127.0.0.1:${port}/fixture/mode`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ mode }),
  });
  expect(response.status).toBe(200);
}

describe('HealthMonitor against the FastAPI fixture', () => {
  it('follows healthy, degraded and unhealthy', async (context) => {
    const missing = fastapiMissing();
    if (missing !== undefined) {
      // The default reporter hides skip notes, so the reason goes to the console too.
      console.warn(`FastAPI fixture test skipped: ${missing}`);
      context.skip(`FastAPI fixture test skipped: ${missing}`);
    }

    const uvicorn = await startUvicorn();
    const handle = new RecordingHandle();
    const bus = new EventBus();
    const log = captureLogger();
    const monitor = new HealthMonitor({
      app: 'tapo',
      url: `http://127.0.0.1:${uvicorn.port}/api/health`,
      config: healthSchema.parse({
        interval: '150ms',
        timeout: '1s',
        startInterval: '50ms',
        startPeriod: '20s',
        failureThreshold: 100,
      }),
      handle,
      bus,
      logger: log.logger,
    });
    monitors.push(monitor);
    handle.pid = uvicorn.child.pid;
    monitor.start();

    await waitFor(() => monitor.state === 'healthy', 'the healthy state');
    expect(handle.ready).toEqual(['health']);
    expect(monitor.devices.map((device) => [device.name, device.type, device.online])).toEqual([
      ['front_door', 'camera', true],
      ['garden', 'camera', true],
    ]);

    await setMode(uvicorn.port, 'offline-cameras');
    await waitFor(() => monitor.state === 'degraded', 'the degraded state');
    const garden = monitor.devices.find((device) => device.name === 'garden');
    expect(garden?.online).toBe(false);
    expect(garden?.detail).toBe('rtsp://admin:***@127.0.0.1:8554/stream1 connection refused');
    expect(handle.health.at(-1)).toBe(true);

    await setMode(uvicorn.port, 'warning');
    await waitFor(() => monitor.lastResult?.verdict?.statusField === 'warning', 'a warning body');
    expect(monitor.state).toBe('degraded');

    await setMode(uvicorn.port, 'garbage');
    await waitFor(() => monitor.state === 'unhealthy', 'the unhealthy state');
    expect(monitor.lastResult?.error).toBe('invalid JSON body (Content-Type application/json)');

    await setMode(uvicorn.port, '500');
    await waitFor(() => monitor.lastResult?.error === 'HTTP 500', 'an HTTP 500');
    expect(monitor.state).toBe('unhealthy');
    expect(handle.health.at(-1)).toBe(false);

    await setMode(uvicorn.port, 'hang');
    await waitFor(() => monitor.lastResult?.timedOut === true, 'a timed-out check');
    expect(monitor.lastResult?.error).toBe('timed out after 1 s');

    await setMode(uvicorn.port, 'healthy');
    await waitFor(() => monitor.state === 'healthy', 'recovery');

    // No camera password reaches the log.
    expect(JSON.stringify(log.lines)).not.toContain('fixture-secret');
    expect(handle.restarts).toEqual([]);
  });
});
