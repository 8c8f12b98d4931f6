import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { probeRtsp } from '../../src/cameras/rtsp.js';
import { type RtspResponder, startRtspResponder } from '../fixtures/rtsp_responder.js';
import { type GstRtspServer, startGstRtspServer } from './gst-rtsp-server.js';
import { closedPort, startListener, type TestListener } from './listeners.js';

const GOOD = { username: 'admin', password: 'hunter2-secret' };
const WRONG = { username: 'admin', password: 'not-the-password' };

describe('probeRtsp against the GStreamer RTSP server', () => {
  let open: GstRtspServer;
  let protectedServer: GstRtspServer;

  beforeAll(async () => {
    [open, protectedServer] = await Promise.all([startGstRtspServer(), startGstRtspServer(GOOD)]);
  });
  afterAll(async () => {
    await Promise.all([open?.stop(), protectedServer?.stop()]);
  });

  it('reports an open stream online with its SDP', async () => {
    const result = await probeRtsp(open.url(), { timeoutMs: 5000 });
    expect(result.status).toBe('online');
    expect(result.detail).toBe('RTSP 200: SDP with 1 media stream (H264)');
    expect(result.latencyMs).toBeGreaterThan(0);
  });

  it('reports auth-required when no credentials are configured', async () => {
    const result = await probeRtsp(protectedServer.url(), { timeoutMs: 5000 });
    expect(result).toMatchObject({
      status: 'auth-required',
      detail: 'RTSP 401: credentials required',
    });
  });

  it('reports auth-failed for wrong credentials', async () => {
    const result = await probeRtsp(protectedServer.url(WRONG), { timeoutMs: 5000 });
    expect(result).toMatchObject({
      status: 'auth-failed',
      detail: 'RTSP 401: credentials rejected',
    });
    expect(result.detail).not.toContain(WRONG.password);
  });

  it('answers the Digest challenge with the right credentials', async () => {
    const result = await probeRtsp(protectedServer.url(GOOD), { timeoutMs: 5000 });
    expect(result.status).toBe('online');
    expect(result.detail).not.toContain(GOOD.password);
  });
});

describe('probeRtsp through an outage of the GStreamer server', () => {
  let server: GstRtspServer | undefined;
  afterEach(async () => {
    await server?.stop();
    server = undefined;
  });

  it('goes offline, times out while stopped, and recovers', async () => {
    server = await startGstRtspServer(GOOD);
    const port = server.port;
    expect((await probeRtsp(server.url(GOOD), { timeoutMs: 5000 })).status).toBe('online');

    // SIGSTOP: the kernel completes the TCP handshake, but nothing responds.
    server.pause();
    const paused = await probeRtsp(server.url(GOOD), { timeoutMs: 1000 });
    expect(paused).toMatchObject({ status: 'offline', detail: 'timed out after 1 s' });
    expect(paused.latencyMs).toBeGreaterThanOrEqual(990);
    server.resume();

    await server.stop();
    const stopped = await probeRtsp(server.url(GOOD), { timeoutMs: 5000 });
    expect(stopped).toMatchObject({ status: 'offline', detail: 'connection refused' });

    server = await startGstRtspServer({ ...GOOD, port });
    expect((await probeRtsp(server.url(GOOD), { timeoutMs: 5000 })).status).toBe('online');
  });
});

describe('probeRtsp against scripted servers', () => {
  const cleanups: Array<() => Promise<void>> = [];
  afterEach(async () => {
    await Promise.all(cleanups.splice(0).map((cleanup) => cleanup()));
  });

  async function responder(
    options: Parameters<typeof startRtspResponder>[0],
  ): Promise<RtspResponder> {
    const started = await startRtspResponder(options);
    cleanups.push(() => started.close());
    return started;
  }
  async function listener(
    onConnection: Parameters<typeof startListener>[0],
  ): Promise<TestListener> {
    const started = await startListener(onConnection);
    cleanups.push(() => started.close());
    return started;
  }
  const url = (port: number, credentials?: { username: string; password: string }) =>
    `rtsp://${credentials ? `${credentials.username}:${credentials.password}@` : ''}127.0.0.1:${port}/live`;

  it('answers Digest with qop=auth', async () => {
    const server = await responder({ auth: { scheme: 'digest', qop: 'auth', ...GOOD } });
    expect((await probeRtsp(url(server.port, GOOD), { timeoutMs: 3000 })).status).toBe('online');
    expect((await probeRtsp(url(server.port, WRONG), { timeoutMs: 3000 })).status).toBe(
      'auth-failed',
    );
    const authorization = server.requests.find((request) => request.headers.authorization)?.headers
      .authorization;
    expect(authorization).toMatch(/qop=auth, nc=00000001/);
  });

  it('answers Basic challenges', async () => {
    const server = await responder({ auth: { scheme: 'basic', ...GOOD } });
    expect((await probeRtsp(url(server.port, GOOD), { timeoutMs: 3000 })).status).toBe('online');
    expect((await probeRtsp(url(server.port, WRONG), { timeoutMs: 3000 })).status).toBe(
      'auth-failed',
    );
  });

  it('sends the request URI without credentials', async () => {
    const server = await responder({ auth: { scheme: 'digest', ...GOOD } });
    await probeRtsp(url(server.port, GOOD), { timeoutMs: 3000 });
    expect(server.requests.map((request) => request.method)).toEqual([
      'OPTIONS',
      'DESCRIBE',
      'DESCRIBE',
    ]);
    for (const request of server.requests)
      expect(request.uri).toBe(`rtsp://127.0.0.1:${server.port}/live`);
    expect(server.requests[1]?.headers.accept).toBe('application/sdp');
  });

  it('reconnects when the server closes after a 401', async () => {
    const server = await responder({
      auth: { scheme: 'digest', ...GOOD },
      authenticateOptions: true,
      closeAfter401: true,
    });
    expect((await probeRtsp(url(server.port, GOOD), { timeoutMs: 3000 })).status).toBe('online');
    expect((await probeRtsp(url(server.port), { timeoutMs: 3000 })).status).toBe('auth-required');
  });

  it('reports a missing stream path offline', async () => {
    const server = await responder({ describeStatus: 404 });
    const result = await probeRtsp(url(server.port), { timeoutMs: 3000 });
    expect(result).toMatchObject({
      status: 'offline',
      detail: 'RTSP 404: stream path not found, check the path in the URL',
    });
  });

  it('calls a service that answers garbage not-a-camera', async () => {
    const garbage = await listener((socket) => socket.end('SSH-2.0-OpenSSH_9.2\r\n'));
    const result = await probeRtsp(url(garbage.port), { timeoutMs: 3000 });
    expect(result).toMatchObject({
      status: 'not-a-camera',
      detail: 'answered with something that is not RTSP',
    });
  });

  it('calls an HTTP server not-a-camera', async () => {
    const http = await listener((socket) =>
      socket.end('HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n'),
    );
    const result = await probeRtsp(url(http.port), { timeoutMs: 3000 });
    expect(result).toMatchObject({
      status: 'not-a-camera',
      detail: 'answered with HTTP, not RTSP',
    });
  });

  it('bounds the size of an answer', async () => {
    const flood = await listener((socket) =>
      socket.write(`RTSP/1.0 200 OK\r\nX-Filler: ${'a'.repeat(20_000)}`),
    );
    const result = await probeRtsp(url(flood.port), { timeoutMs: 3000 });
    expect(result.status).toBe('not-a-camera');
    expect(result.detail).toMatch(/headers longer than 16384 bytes/);
  });

  it('times out on a server that accepts and never answers', async () => {
    const silent = await listener(() => {});
    const result = await probeRtsp(url(silent.port), { timeoutMs: 300 });
    expect(result).toMatchObject({ status: 'offline', detail: 'timed out after 300 ms' });
  });

  it('reports a closed port as connection refused', async () => {
    const port = await closedPort();
    const result = await probeRtsp(url(port, GOOD), { timeoutMs: 3000 });
    expect(result).toMatchObject({ status: 'offline', detail: 'connection refused' });
  });

  it('reports a connection closed without an answer offline', async () => {
    const closer = await listener((socket) => socket.end());
    const result = await probeRtsp(url(closer.port), { timeoutMs: 3000 });
    expect(result).toMatchObject({
      status: 'offline',
      detail: 'connection closed without an RTSP answer',
    });
  });
});
