import net from 'node:net';
import { setImmediate as yieldToLoop } from 'node:timers/promises';
import { afterEach, describe, expect, it } from 'vitest';
import { type Fixture, pollFor, request, startFixture } from './helpers.js';
import { SseClient } from './sse-client.js';

/** Open /api/events on a raw socket and never read from it: the kernel buffers fill, then node's. */
function stalledClient(url: string): Promise<net.Socket> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host: hostname, port: Number(port) }, () => {
      socket.write(`GET /api/events HTTP/1.1\r\nHost: ${hostname}:${port}\r\n\r\n`);
      socket.pause();
      resolve(socket);
    });
    socket.on('error', reject);
  });
}

function metric(text: string, name: string): number | undefined {
  const line = text.split('\n').find((candidate) => candidate.startsWith(`${name} `));
  return line === undefined ? undefined : Number(line.slice(name.length + 1));
}

describe('event stream', () => {
  let fixture: Fixture | undefined;
  const clients: SseClient[] = [];
  const sockets: net.Socket[] = [];

  afterEach(async () => {
    for (const client of clients.splice(0)) client.close();
    for (const socket of sockets.splice(0)) socket.destroy();
    await fixture?.close();
    fixture = undefined;
  });

  it('drops a client that stops reading', async () => {
    fixture = await startFixture(
      [{ name: 'cam', extra: ['    autostart: false'] }],
      ['events: { bufferSize: 256KiB, heartbeat: 1h }'],
    );
    const { runner, server, logs } = fixture;
    const reader = await SseClient.connect(server.url);
    clients.push(reader);
    const stalled = await stalledClient(server.url);
    sockets.push(stalled);
    await pollFor(async () => {
      const text = (await request(`${server.url}/metrics`)).body;
      return metric(text, 'crashproof_event_stream_clients') === 2 ? true : undefined;
    }, 'two clients connected');

    // camera:state events are what a camera monitor emits; 16 KiB of detail each fills buffers fast.
    const detail = 'x'.repeat(16 * 1024);
    let sent = 0;
    const dropped = (): boolean =>
      logs.some((record) => String(record.msg).startsWith('dropped a slow event-stream client'));
    while (!dropped() && sent < 4000) {
      runner.bus.emit('camera:state', {
        camera: `cam${sent}`,
        from: 'online',
        to: 'offline',
        detail,
      });
      sent++;
      // Small bursts with a turn of the event loop between them, so the reading client keeps up.
      if (sent % 4 === 0) await yieldToLoop();
    }
    expect(dropped()).toBe(true);

    const warning = logs.find((record) => String(record.msg).startsWith('dropped a slow'));
    expect(warning?.limitBytes).toBe(256 * 1024);
    const text = (await request(`${server.url}/metrics`)).body;
    expect(metric(text, 'crashproof_event_stream_dropped_clients_total')).toBe(1);
    expect(metric(text, 'crashproof_event_stream_clients')).toBe(1);

    // The reading client got every event, the last one included, and the runner kept going.
    const last = `cam${sent - 1}`;
    await reader.waitFor('camera:state', (data) => data.camera === last, 20_000);
    expect(reader.events.filter((event) => event.event === 'camera:state')).toHaveLength(sent);
    expect(reader.closed).toBe(false);
    expect((await request(`${server.url}/healthz`)).status).toBe(200);
  });

  it('sends heartbeats and replays', async () => {
    fixture = await startFixture(
      [{ name: 'cam', extra: ['    autostart: false'] }],
      ['events: { heartbeat: 100ms }'],
    );
    const { runner, server } = fixture;
    const first = await SseClient.connect(server.url);
    clients.push(first);
    expect(first.status).toBe(200);
    await pollFor(
      () => (first.comments.some((comment) => comment.startsWith('heartbeat')) ? true : undefined),
      'a heartbeat comment',
      5000,
    );

    for (const camera of ['a', 'b', 'c'])
      runner.bus.emit('camera:state', { camera, from: 'unknown', to: 'online', detail: 'ok' });
    const a = await first.waitFor('camera:state', (data) => data.camera === 'a');
    await first.waitFor('camera:state', (data) => data.camera === 'c');

    // A reconnect with Last-Event-ID gets what came after that id, and nothing before.
    const second = await SseClient.connect(server.url, { 'Last-Event-ID': a.id! });
    clients.push(second);
    await second.waitFor('camera:state', (data) => data.camera === 'c');
    expect(second.events.map((event) => event.data.camera)).toEqual(['b', 'c']);
  });

  it('rejects clients past maxClients', async () => {
    fixture = await startFixture(
      [{ name: 'cam', extra: ['    autostart: false'] }],
      ['events: { maxClients: 2 }'],
    );
    const { server } = fixture;
    for (let index = 0; index < 2; index++) {
      const client = await SseClient.connect(server.url);
      clients.push(client);
      expect(client.status).toBe(200);
    }
    const third = await request(`${server.url}/api/events`);
    expect(third.status).toBe(503);
    expect(third.headers['retry-after']).toBe('10');
    expect(third.json().error).toBe('too many event-stream clients');
  });

  it('redacts secrets in events', async () => {
    fixture = await startFixture([{ name: 'cam', extra: ['    autostart: false'] }]);
    const { runner, server } = fixture;
    const client = await SseClient.connect(server.url);
    clients.push(client);
    runner.bus.emit('camera:state', {
      camera: 'porch',
      from: 'online',
      to: 'auth-failed',
      detail: 'rtsp://admin:hunter2@127.0.0.1:8554/stream1 answered 401',
    });
    const event = await client.waitFor('camera:state');
    expect(String(event.data.detail)).not.toContain('hunter2');
    expect(String(event.data.detail)).toContain('127.0.0.1:8554');
  });
});
