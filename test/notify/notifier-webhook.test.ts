import { createServer } from 'node:net';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { notifySchema } from '../../src/config/schema/notify.js';
import type { CrashCategory } from '../../src/crash/categories.js';
import { EventBus } from '../../src/events.js';
import { createNotifier, type Notifier } from '../../src/notify/notifier.js';
import { memoryLogger } from '../helpers/logger.js';
import { waitFor } from '../helpers/wait.js';
import { CAMERA_URL, emitCrash, type Receiver, startReceiver } from './helpers.js';

const SECRET = 'hunter2';

let receiver: Receiver;
let notifier: Notifier | undefined;

beforeEach(async () => {
  receiver = await startReceiver();
});

afterEach(async () => {
  await notifier?.close();
  notifier = undefined;
  await receiver.close();
});

function crash(bus: EventBus, app: string, category: CrashCategory, attempt = 1): void {
  emitCrash(bus, app, category, attempt);
}

function start(input: Record<string, unknown>) {
  const bus = new EventBus();
  const { logger, records: lines } = memoryLogger();
  const config = notifySchema.parse(input);
  notifier = createNotifier({ config, bus, logger, closeTimeoutMs: 5000 });
  return { bus, lines, notifier };
}

async function closedPortUrl(): Promise<string> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('no TCP address');
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return `http://127.0.0.1:${address.port}/hook`;
}

describe('notifier webhooks', () => {
  it('sends one request per format', async () => {
    const { bus } = start({
      webhooks: [
        { url: `${receiver.url}/generic`, format: 'generic' },
        { url: `${receiver.url}/ntfy`, format: 'ntfy' },
        { url: `${receiver.url}/slack`, format: 'slack' },
        {
          url: `${receiver.url}/discord`,
          format: 'discord',
          headers: { authorization: 'Bearer s3cr3t-token' },
        },
      ],
    });
    crash(bus, 'tapo-webapp', 'network');
    await waitFor(() => receiver.requests.length === 4, '4 requests');

    const byPath = new Map(receiver.requests.map((request) => [request.path, request]));
    const generic = JSON.parse(byPath.get('/generic')!.body) as Record<string, unknown>;
    expect(generic.source).toBe('crashproof');
    expect(generic.kind).toBe('crash');
    expect(generic.app).toBe('tapo-webapp');
    expect(generic.category).toBe('network');
    expect(generic.title).toBe('tapo-webapp crashed: network');

    const ntfy = byPath.get('/ntfy')!;
    expect(ntfy.headers['content-type']).toBe('text/plain; charset=utf-8');
    expect(ntfy.headers.title).toBe('tapo-webapp crashed: network');
    expect(ntfy.headers.priority).toBe('4');
    expect(ntfy.headers.tags).toBe('warning,network,tapo-webapp');
    expect(ntfy.body).toContain('Hint: check the camera');

    const slack = JSON.parse(byPath.get('/slack')!.body) as { text: string };
    expect(slack.text).toMatch(/^\*tapo-webapp crashed: network\*\n/);

    const discord = JSON.parse(byPath.get('/discord')!.body) as {
      content: string;
      allowed_mentions: unknown;
    };
    expect(discord.content).toMatch(/^\*\*tapo-webapp crashed: network\*\*\n/);
    expect(discord.allowed_mentions).toEqual({ parse: [] });
    expect(byPath.get('/discord')!.headers.authorization).toBe('Bearer s3cr3t-token');

    for (const request of receiver.requests) {
      expect(request.body, request.path).not.toContain(SECRET);
      expect(request.body, request.path).toContain('admin:***@127.0.0.1');
    }
  });

  it('aggregates a 50-crash loop', async () => {
    const { bus, lines } = start({
      aggregateWindow: '300ms',
      webhooks: [{ url: receiver.url, format: 'generic' }],
    });
    const categories: CrashCategory[] = Array.from({ length: 50 }, (_, index) =>
      index % 10 < 7 ? 'database' : 'network',
    );
    for (const [index, category] of categories.entries()) {
      crash(bus, 'tapo-webapp', category, index + 1);
    }

    await waitFor(() => receiver.requests.length >= 2, 'first crash and summary');
    await notifier!.close();

    expect(receiver.requests).toHaveLength(2);
    const [first, summary] = receiver.requests.map(
      (request) => JSON.parse(request.body) as Record<string, unknown>,
    );
    expect(first!.kind).toBe('crash');
    expect(first!.category).toBe('database');
    expect(summary!.kind).toBe('crash-summary');
    expect(summary!.text).toBe('49 more crashes in the last 300 ms, 34 database, 15 network');
    expect(summary!.category).toBe('database');

    const logged = lines.filter((line) => typeof line.notification === 'string');
    expect(logged).toHaveLength(2);
  });

  it('summarizes a single-category loop as all', async () => {
    const { bus } = start({ aggregateWindow: '300ms', webhooks: [{ url: receiver.url }] });
    for (let attempt = 1; attempt <= 8; attempt++) crash(bus, 'tapo-webapp', 'database', attempt);

    await waitFor(() => receiver.requests.length >= 2, 'summary');
    const summary = JSON.parse(receiver.requests[1]!.body) as { text: string };
    expect(summary.text).toBe('7 more crashes in the last 300 ms, all database');
  });

  it('flushes the loop before a fatal', async () => {
    const { bus } = start({ aggregateWindow: '1m', webhooks: [{ url: receiver.url }] });
    crash(bus, 'tapo-webapp', 'database', 1);
    crash(bus, 'tapo-webapp', 'network', 2);
    bus.emit('app:fatal', {
      app: 'tapo-webapp',
      reason: '10 restarts without a healthy minute',
      restarts: 10,
    });

    await waitFor(() => receiver.requests.length === 3, '3 requests');
    const kinds = receiver.requests.map(
      (request) => (JSON.parse(request.body) as { kind: string }).kind,
    );
    expect(kinds).toEqual(['crash', 'crash-summary', 'fatal']);
  });

  it('collapses camera flapping into one summary', async () => {
    const { bus } = start({ aggregateWindow: '300ms', webhooks: [{ url: receiver.url }] });
    for (let change = 0; change < 10; change++) {
      const to = change % 2 === 0 ? 'offline' : 'online';
      const from = to === 'online' ? 'offline' : 'online';
      bus.emit('camera:state', {
        camera: 'front-door',
        from,
        to,
        detail: `probe of ${CAMERA_URL}`,
      });
    }

    await waitFor(() => receiver.requests.length >= 2, 'camera summary');
    await notifier!.close();
    expect(receiver.requests).toHaveLength(2);

    const [first, summary] = receiver.requests.map(
      (request) => JSON.parse(request.body) as Record<string, unknown>,
    );
    expect(first!.title).toBe('camera front-door is offline');
    expect(summary!.kind).toBe('camera-summary');
    expect(summary!.text).toBe(
      'front-door changed state 9 more times in the last 300 ms (online 5, offline 4); now online. probe of rtsp://admin:***@127.0.0.1:8554/stream1',
    );
  });

  it('skips the first online probe', async () => {
    const { bus, lines } = start({ webhooks: [{ url: receiver.url }] });
    bus.emit('camera:state', { camera: 'garden', from: 'unknown', to: 'online', detail: 'ok' });
    await notifier!.close();
    expect(receiver.requests).toHaveLength(0);
    expect(lines.filter((line) => line.notification !== undefined)).toHaveLength(0);
  });

  it('never delays the emitter', async () => {
    receiver.hold = true;
    const { bus } = start({ webhooks: [{ url: receiver.url }] });

    for (let index = 0; index < 50; index++) crash(bus, `app-${index}`, 'network');

    // Nothing is sent inside emit(): delivery starts on a later turn.
    expect(receiver.requests).toHaveLength(0);
    receiver.release();
  });

  it('bounds the queue and drops the oldest', async () => {
    receiver.hold = true;
    const { bus, lines } = start({
      queueSize: 5,
      webhooks: [{ url: receiver.url, timeout: '20s' }],
    });

    crash(bus, 'app-0', 'network');
    // The first message is in flight once the receiver has it; the rest queue behind it.
    await waitFor(() => receiver.requests.length === 1, 'first request');
    for (let index = 1; index < 20; index++) crash(bus, `app-${index}`, 'network');

    const stats = notifier!.stats()[0]!;
    expect(stats.dropped).toBe(14);
    expect(stats.queued).toBe(5);
    const dropLogs = lines.filter((line) => String(line.msg).includes('queue of webhook 1'));
    expect(dropLogs).toHaveLength(1);

    receiver.release();
    await waitFor(() => receiver.requests.length === 6, '6 requests');
    await notifier!.close();
    const apps = receiver.requests.map(
      (request) => (JSON.parse(request.body) as { app: string }).app,
    );
    expect(apps).toEqual(['app-0', 'app-15', 'app-16', 'app-17', 'app-18', 'app-19']);
  });

  it('logs a refused receiver once per period', async () => {
    const url = await closedPortUrl();
    const { bus, lines } = start({
      failureLogInterval: '1m',
      webhooks: [{ url, retries: 2, retryDelay: '10ms' }],
    });
    for (let index = 0; index < 5; index++) crash(bus, `app-${index}`, 'network');

    await waitFor(() => notifier!.stats()[0]!.failed === 5, '5 failures');
    const failureLogs = lines.filter((line) =>
      String(line.msg).startsWith('notification to webhook 1'),
    );
    expect(failureLogs).toHaveLength(1);
    expect(failureLogs[0]!.msg).toMatch(
      /failed after 3 attempt\(s\): connect ECONNREFUSED 127\.0\.0\.1:\d+/,
    );
    expect(notifier!.stats()[0]!.sent).toBe(0);
  });

  it('times out a slow receiver', async () => {
    receiver.hold = true;
    const { bus, lines } = start({
      webhooks: [{ url: receiver.url, timeout: '200ms', retries: 0 }],
    });
    crash(bus, 'tapo-webapp', 'network');

    await waitFor(() => notifier!.stats()[0]!.failed === 1, 'a failure');
    const failure = lines.find((line) => String(line.msg).startsWith('notification to webhook 1'));
    expect(failure?.msg).toBe(
      'notification to webhook 1 (http://127.0.0.1:' +
        new URL(receiver.url).port +
        ') failed after 1 attempt(s): timed out after 200 ms',
    );
    receiver.release();
  });

  it('retries a 503 with backoff', async () => {
    receiver.status = 503;
    const { bus, lines } = start({
      webhooks: [{ url: receiver.url, retries: 3, retryDelay: '50ms' }],
    });
    crash(bus, 'tapo-webapp', 'network');

    await waitFor(() => receiver.requests.length === 2, '2 attempts');
    receiver.status = 200;
    await waitFor(() => notifier!.stats()[0]!.sent === 1, 'delivery');
    expect(receiver.requests).toHaveLength(3);
    expect(lines.some((line) => String(line.msg).includes('works again after 1 failures'))).toBe(
      false,
    );
  });

  it('does not retry a 400', async () => {
    receiver.status = 400;
    const { bus } = start({ webhooks: [{ url: receiver.url, retries: 3, retryDelay: '10ms' }] });
    crash(bus, 'tapo-webapp', 'network');

    await waitFor(() => notifier!.stats()[0]!.failed === 1, 'a failure');
    expect(receiver.requests).toHaveLength(1);
  });

  it('logs recovery of a failing receiver', async () => {
    receiver.status = 500;
    const { bus, lines } = start({ webhooks: [{ url: receiver.url, retries: 0 }] });
    crash(bus, 'app-a', 'network');
    await waitFor(() => notifier!.stats()[0]!.failed === 1, 'a failure');

    receiver.status = 200;
    crash(bus, 'app-b', 'network');
    await waitFor(() => notifier!.stats()[0]!.sent === 1, 'delivery');
    expect(lines.some((line) => String(line.msg).endsWith('works again after 1 failures'))).toBe(
      true,
    );
  });

  it('keeps the log line when disabled', async () => {
    const { bus, lines } = start({ enabled: false, webhooks: [{ url: receiver.url }] });
    crash(bus, 'tapo-webapp', 'database');
    await notifier!.close();

    expect(receiver.requests).toHaveLength(0);
    const logged = lines.filter((line) => line.notification === 'crash');
    expect(logged).toHaveLength(1);
    expect(logged[0]!.msg).toBe('notification: tapo-webapp crashed: database');
    expect(JSON.stringify(lines)).not.toContain(SECRET);
  });

  it('sends only the selected events', async () => {
    const { bus } = start({ events: ['fatal'], webhooks: [{ url: receiver.url }] });
    crash(bus, 'tapo-webapp', 'database');
    bus.emit('app:fatal', { app: 'tapo-webapp', reason: 'budget spent', restarts: 3 });
    await notifier!.close();

    expect(receiver.requests).toHaveLength(1);
    expect((JSON.parse(receiver.requests[0]!.body) as { kind: string }).kind).toBe('fatal');
  });

  it('abandons deliveries at the close deadline', async () => {
    receiver.hold = true;
    const bus = new EventBus();
    const { logger, records: lines } = memoryLogger();
    const config = notifySchema.parse({ webhooks: [{ url: receiver.url, timeout: '30s' }] });
    const local = createNotifier({ config, bus, logger, closeTimeoutMs: 200 });
    crash(bus, 'app-a', 'network');
    crash(bus, 'app-b', 'network');
    await waitFor(() => receiver.requests.length === 1, 'first request');

    const started = performance.now();
    await local.close();
    expect(performance.now() - started).toBeLessThan(3000);
    expect(local.stats()[0]!.dropped).toBe(1);
    expect(
      lines.some((line) => String(line.msg).startsWith('notifications still pending at shutdown')),
    ).toBe(true);
  });
});
