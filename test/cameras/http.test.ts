import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { probeHttp } from '../../src/cameras/http.js';
import { closedPort } from './listeners.js';

type Handler = (request: IncomingMessage, response: ServerResponse) => void;

describe('probeHttp', () => {
  let server: Server | undefined;
  afterEach(async () => {
    server?.closeAllConnections();
    await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
    server = undefined;
  });

  async function serve(handler: Handler): Promise<number> {
    server = createServer(handler);
    await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', () => resolve()));
    const address = server.address();
    if (address === null || typeof address === 'string') throw new Error('no TCP address');
    return address.port;
  }

  const status =
    (code: number, headers: Record<string, string> = {}): Handler =>
    (_request, response) => {
      response.writeHead(code, headers).end('body');
    };

  it('reports 2xx online', async () => {
    const port = await serve(status(200));
    expect(await probeHttp(`http://127.0.0.1:${port}/`, { timeoutMs: 3000 })).toMatchObject({
      status: 'online',
      detail: 'HTTP 200',
    });
  });

  it('reports a redirect online with its target', async () => {
    const port = await serve(status(302, { Location: '/login.html' }));
    const result = await probeHttp(`http://127.0.0.1:${port}/`, { timeoutMs: 3000 });
    expect(result).toMatchObject({
      status: 'online',
      detail: 'HTTP 302: redirects to /login.html',
    });
  });

  it('reports 401 without credentials as auth-required', async () => {
    const port = await serve(status(401, { 'WWW-Authenticate': 'Basic realm="cam"' }));
    const result = await probeHttp(`http://127.0.0.1:${port}/`, { timeoutMs: 3000 });
    expect(result).toMatchObject({
      status: 'auth-required',
      detail: 'HTTP 401: credentials required',
    });
  });

  it('answers a Basic challenge and reports rejected credentials', async () => {
    const expected = `Basic ${Buffer.from('admin:right').toString('base64')}`;
    const port = await serve((request, response) => {
      if (request.headers.authorization === expected) response.writeHead(200).end();
      else response.writeHead(401, { 'WWW-Authenticate': 'Basic realm="cam"' }).end();
    });
    expect(
      (await probeHttp(`http://admin:right@127.0.0.1:${port}/`, { timeoutMs: 3000 })).status,
    ).toBe('online');
    const wrong = await probeHttp(`http://admin:wrong@127.0.0.1:${port}/`, { timeoutMs: 3000 });
    expect(wrong).toMatchObject({
      status: 'auth-failed',
      detail: 'HTTP 401: credentials rejected',
    });
  });

  it('reports 403 as auth-required without credentials', async () => {
    const port = await serve(status(403));
    const result = await probeHttp(`http://127.0.0.1:${port}/`, { timeoutMs: 3000 });
    expect(result).toMatchObject({
      status: 'auth-required',
      detail: 'HTTP 403: access forbidden without credentials',
    });
  });

  it('reports other statuses offline', async () => {
    const port = await serve(status(503));
    const result = await probeHttp(`http://127.0.0.1:${port}/`, { timeoutMs: 3000 });
    expect(result).toMatchObject({ status: 'offline', detail: 'HTTP 503 Service Unavailable' });
  });

  it('does not wait for an endless MJPEG stream', async () => {
    const port = await serve((_request, response) => {
      response.writeHead(200, { 'Content-Type': 'multipart/x-mixed-replace; boundary=frame' });
      const timer = setInterval(() => response.write('--frame\r\n\r\n'), 20);
      response.on('close', () => clearInterval(timer));
    });
    const result = await probeHttp(`http://127.0.0.1:${port}/video.mjpeg`, { timeoutMs: 2000 });
    expect(result).toMatchObject({ status: 'online', detail: 'HTTP 200' });
    expect(result.latencyMs).toBeLessThan(1500);
  });

  it('reports a closed port as connection refused', async () => {
    const port = await closedPort();
    expect(await probeHttp(`http://127.0.0.1:${port}/`, { timeoutMs: 3000 })).toMatchObject({
      status: 'offline',
      detail: 'connection refused',
    });
  });

  it('times out on a server that never answers', async () => {
    const port = await serve(() => {});
    const result = await probeHttp(`http://127.0.0.1:${port}/`, { timeoutMs: 300 });
    expect(result).toMatchObject({ status: 'offline', detail: 'timed out after 300 ms' });
  });

  it.skipIf(!existsSync('/usr/bin/openssl'))(
    'sends credentials only over verified TLS (needs openssl)',
    async () => {
      const dir = mkdtempSync(join(tmpdir(), 'crashproof-tls-'));
      try {
        execFileSync(
          '/usr/bin/openssl',
          [
            'req',
            '-x509',
            '-newkey',
            'rsa:2048',
            '-nodes',
            '-days',
            '1',
            '-subj',
            '/CN=127.0.0.1',
            '-keyout',
            join(dir, 'key.pem'),
            '-out',
            join(dir, 'cert.pem'),
          ],
          { stdio: 'ignore' },
        );
        const authorizations: Array<string | undefined> = [];
        server = createHttpsServer(
          { key: readFileSync(join(dir, 'key.pem')), cert: readFileSync(join(dir, 'cert.pem')) },
          (request, response) => {
            authorizations.push(request.headers.authorization);
            response.writeHead(401, { 'WWW-Authenticate': 'Basic realm="cam"' }).end();
          },
        );
        await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', () => resolve()));
        const address = server.address();
        if (address === null || typeof address === 'string') throw new Error('no TCP address');

        // Without credentials a self-signed camera is fine: nothing secret is sent.
        const open = await probeHttp(`https://127.0.0.1:${address.port}/`, { timeoutMs: 3000 });
        expect(open).toMatchObject({
          status: 'auth-required',
          detail: 'HTTP 401: credentials required',
        });

        const withCredentials = await probeHttp(
          `https://admin:hunter2@127.0.0.1:${address.port}/`,
          { timeoutMs: 3000 },
        );
        expect(withCredentials.status).toBe('offline');
        expect(withCredentials.detail).toMatch(
          /^TLS certificate not trusted \(DEPTH_ZERO_SELF_SIGNED_CERT\): credentials are only sent over verified TLS/,
        );
        expect(authorizations).toEqual([undefined]);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    },
  );
});
