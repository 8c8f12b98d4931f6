import { PassThrough } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import { runTestCameras } from '../../src/cli/test-cameras.js';
import type { CameraConfig } from '../../src/config/schema/cameras.js';
import { closedPort, startListener, type TestListener } from './listeners.js';

function capture(): { stream: PassThrough; text: () => string } {
  const stream = new PassThrough();
  let text = '';
  stream.on('data', (chunk: Buffer) => {
    text += chunk.toString();
  });
  return { stream, text: () => text };
}

function camera(name: string, fields: Partial<CameraConfig>): CameraConfig {
  return { name, kind: 'camera', interval: 30_000, timeout: 2000, ...fields };
}

describe('runTestCameras', () => {
  let listener: TestListener | undefined;
  afterEach(async () => {
    await listener?.close();
    listener = undefined;
  });

  it('prints a table and returns 1 when a camera is down', async () => {
    listener = await startListener();
    const down = await closedPort();
    const out = capture();
    const code = await runTestCameras(
      [
        camera('yard', { url: `tcp://127.0.0.1:${listener.port}` }),
        camera('door', { url: `rtsp://admin:hunter2@127.0.0.1:${down}/stream1` }),
        camera('ring', { kind: 'doorbell' }),
      ],
      { json: false },
      out.stream,
    );

    expect(code).toBe(1);
    const lines = out.text().trimEnd().split('\n');
    expect(lines[0]).toMatch(/^NAME\s+KIND\s+ADDRESS\s+STATUS\s+LATENCY\s+DETAIL$/);
    expect(lines[1]).toMatch(
      new RegExp(
        `^yard\\s+camera\\s+tcp://127\\.0\\.0\\.1:${listener.port}\\s+online\\s+\\d+\\.\\d ms\\s+TCP connection accepted$`,
      ),
    );
    expect(lines[2]).toMatch(
      /^door\s+camera\s+rtsp:\/\/admin:\*\*\*@127\.0\.0\.1:\d+\/stream1\s+offline\s+[\d.]+ ms\s+connection refused$/,
    );
    expect(lines[3]).toMatch(/^ring\s+doorbell\s+-\s+skipped\s+-\s+no url or device/);
    expect(out.text()).not.toContain('hunter2');
  });

  it('returns 0 when every probed camera is online, skipping doorbells', async () => {
    listener = await startListener();
    const out = capture();
    const code = await runTestCameras(
      [
        camera('yard', { url: `tcp://127.0.0.1:${listener.port}` }),
        camera('ring', { kind: 'doorbell' }),
      ],
      { json: false },
      out.stream,
    );
    expect(code).toBe(0);
  });

  it('prints JSON with redacted addresses', async () => {
    const down = await closedPort();
    const out = capture();
    const code = await runTestCameras(
      [camera('door', { url: `rtsp://admin:hunter2@127.0.0.1:${down}/stream1` })],
      { json: true, timeoutMs: 1500 },
      out.stream,
    );
    expect(code).toBe(1);
    const rows = JSON.parse(out.text()) as Array<Record<string, unknown>>;
    expect(rows).toEqual([
      {
        name: 'door',
        kind: 'camera',
        address: `rtsp://admin:***@127.0.0.1:${down}/stream1`,
        status: 'offline',
        latencyMs: expect.any(Number),
        detail: 'connection refused',
      },
    ]);
  });

  it('says so when no cameras are configured', async () => {
    const out = capture();
    expect(await runTestCameras([], { json: false }, out.stream)).toBe(0);
    expect(out.text()).toBe('no cameras configured: add them under "cameras" in the config file\n');
  });
});
