import { stat } from 'node:fs/promises';
import net from 'node:net';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Fixture, post, request, startFixture } from './helpers.js';

describe('status server security', () => {
  let fixture: Fixture;
  let url: string;
  let port: string;

  beforeAll(async () => {
    fixture = await startFixture([{ name: 'cam', extra: ['    autostart: false'] }]);
    url = fixture.server.url;
    port = new URL(url).port;
  });

  afterAll(async () => {
    await fixture.close();
  });

  it('token file is private', async () => {
    const file = path.join(fixture.runner.logDir, 'crashproof.token');
    const info = await stat(file);
    expect(info.mode & 0o777).toBe(0o600);
    expect((await fixture.token()).length).toBeGreaterThanOrEqual(40);
  });

  it('control route without token is 401', async () => {
    const reply = await request(`${url}/api/apps/cam/start`, { method: 'POST' });
    expect(reply.status).toBe(401);
    expect(reply.headers['www-authenticate']).toMatch(/^Bearer/);
    expect(reply.json().error).toBe('missing token');
    expect(fixture.runner.supervisors.get('cam')?.state).toBe('stopped');
  });

  it('control route with wrong token is 403', async () => {
    const token = await fixture.token();
    const wrong = `${token.slice(0, -1)}${token.endsWith('A') ? 'B' : 'A'}`;
    for (const presented of [wrong, 'short', `${token}x`]) {
      const reply = await request(`${url}/api/apps/cam/start`, {
        method: 'POST',
        headers: { Authorization: `Bearer ${presented}` },
      });
      expect(reply.status).toBe(403);
      expect(reply.json().error).toBe('wrong token');
    }
    const reload = await request(`${url}/api/reload`, {
      method: 'POST',
      headers: { Authorization: 'Basic dXNlcjpwYXNz' },
    });
    expect(reload.status).toBe(401);
    expect(fixture.runner.supervisors.get('cam')?.state).toBe('stopped');
  });

  it('foreign Host is 403 on every route', async () => {
    for (const route of ['/', '/api/status', '/metrics', '/api/events', '/healthz']) {
      const reply = await request(`${url}${route}`, {
        headers: { Host: `rebind.example:${port}` },
      });
      expect(reply.status, route).toBe(403);
      expect(reply.json().error).toBe('foreign Host header');
    }
    const control = await request(`${url}/api/apps/cam/start`, {
      method: 'POST',
      headers: {
        Host: `rebind.example:${port}`,
        Authorization: `Bearer ${await fixture.token()}`,
      },
    });
    expect(control.status).toBe(403);
    expect(fixture.runner.supervisors.get('cam')?.state).toBe('stopped');
  });

  it('own Host names are accepted', async () => {
    for (const host of [`127.0.0.1:${port}`, `localhost:${port}`, `LOCALHOST:${port}`]) {
      const reply = await request(`${url}/api/status`, { headers: { Host: host } });
      expect(reply.status, host).toBe(200);
    }
  });

  it('foreign Origin is 403 even with token', async () => {
    const token = await fixture.token();
    for (const origin of ['http://evil.example', 'null', `http://127.0.0.1:${Number(port) + 1}`]) {
      const reply = await request(`${url}/api/apps/cam/start`, {
        method: 'POST',
        headers: { Origin: origin, Authorization: `Bearer ${token}` },
      });
      expect(reply.status, origin).toBe(403);
      expect(reply.json().error).toBe('foreign Origin');
    }
    const read = await request(`${url}/api/status`, { headers: { Origin: 'http://evil.example' } });
    expect(read.status).toBe(403);
    expect(fixture.runner.supervisors.get('cam')?.state).toBe('stopped');
  });

  it('own Origin with token is accepted', async () => {
    const reply = await request(`${url}/api/apps/cam/stop`, {
      method: 'POST',
      headers: { Origin: url, Authorization: `Bearer ${await fixture.token()}` },
    });
    expect(reply.status).toBe(200);
    expect(reply.json()).toMatchObject({ app: 'cam', action: 'stop', detail: 'already stopped' });
  });

  it('missing Host is 400', async () => {
    // HTTP/1.0 allows a request without Host; node:http clients always send one.
    const text = await new Promise<string>((resolve, reject) => {
      const socket = net.connect(Number(port), '127.0.0.1', () => {
        socket.write('GET /api/status HTTP/1.0\r\n\r\n');
      });
      let received = '';
      socket.on('data', (chunk) => (received += chunk.toString()));
      socket.on('end', () => resolve(received));
      socket.on('error', reject);
    });
    expect(text).toMatch(/^HTTP\/1\.1 400 /);
    expect(text).toContain('missing Host header');
  });

  it('unknown routes and apps are 404', async () => {
    const route = await request(`${url}/api/nothing`);
    expect(route.status).toBe(404);
    expect(route.json()).toMatchObject({ error: 'not found' });
    expect(String(route.json().detail)).toContain('/api/nothing');

    const app = await post(fixture, '/api/apps/nope/restart');
    expect(app.status).toBe(404);
    expect(app.json()).toMatchObject({ error: 'unknown app' });
    expect(String(app.json().detail)).toContain('cam');

    const action = await post(fixture, '/api/apps/cam/explode');
    expect(action.status).toBe(404);
    expect(action.json().error).toBe('unknown action');

    const asset = await request(`${url}/assets/secrets.txt`);
    expect(asset.status).toBe(404);
  });

  it('wrong methods are 405 with Allow', async () => {
    const get = await request(`${url}/api/reload`);
    expect(get.status).toBe(405);
    expect(get.headers.allow).toBe('POST');
    const put = await request(`${url}/api/status`, { method: 'PUT' });
    expect(put.status).toBe(405);
    expect(put.headers.allow).toBe('GET, HEAD');
    expect(put.json().error).toBe('method not allowed');
  });

  it('malformed bodies are 4xx', async () => {
    const token = await fixture.token();
    const send = (body: string, type: string) =>
      request(`${url}/api/apps/cam/stop`, {
        method: 'POST',
        headers: { Authorization: `Bearer ${token}`, 'Content-Type': type },
        body,
      });

    const broken = await send('{"reason": ', 'application/json');
    expect(broken.status).toBe(400);
    expect(broken.json().error).toBe('malformed JSON body');

    const array = await send('[1, 2]', 'application/json');
    expect(array.status).toBe(400);
    expect(array.json().error).toBe('invalid body');

    const text = await send('reason=x', 'application/x-www-form-urlencoded');
    expect(text.status).toBe(415);

    const reason = await send('{"reason": 42}', 'application/json');
    expect(reason.status).toBe(400);
    expect(reason.json().error).toBe('invalid reason');

    const name = await post(fixture, '/api/apps/%E0%A4%A/stop');
    expect(name.status).toBe(400);
    expect(name.json().error).toBe('malformed app name');
  });

  it('oversized body is 413', async () => {
    const reply = await request(`${url}/api/apps/cam/stop`, {
      method: 'POST',
      headers: {
        Authorization: `Bearer ${await fixture.token()}`,
        'Content-Type': 'application/json',
      },
      body: JSON.stringify({ reason: 'x'.repeat(70 * 1024) }),
    });
    expect(reply.status).toBe(413);
    expect(reply.json().error).toBe('request body too large');
    expect(String(reply.json().detail)).toContain('65536');
  });

  it('failing handler is a 500, not a crash', async () => {
    const original = fixture.runner.cameraSnapshot;
    fixture.runner.cameraSnapshot = () => {
      throw new Error('camera monitor failed');
    };
    try {
      for (const route of ['/api/status', '/metrics']) {
        const reply = await request(`${url}${route}`);
        expect(reply.status, route).toBe(500);
        expect(reply.json()).toEqual({ error: 'internal error', detail: 'camera monitor failed' });
      }
      const logged = fixture.logs.filter((record) =>
        String(record.msg).startsWith('status server failed on GET'),
      );
      expect(logged).toHaveLength(2);
    } finally {
      fixture.runner.cameraSnapshot = original;
    }
    expect((await request(`${url}/api/status`)).status).toBe(200);
  });

  it('server survives bad requests', async () => {
    const reply = await request(`${url}/healthz`);
    expect(reply.status).toBe(200);
    expect(reply.json().status).toBe('ok');
    expect(fixture.runner.bus.listenerErrors).toBe(0);
  });
});
