import { describe, expect, it } from 'vitest';
import { formatWebhook } from '../../src/notify/format.js';
import {
  cameraMessage,
  crashMessage,
  crashSummaryMessage,
  describeDuration,
  fatalMessage,
  type NotifyMessage,
} from '../../src/notify/message.js';

const NOW = new Date('2026-12-04T21:30:00.000Z');

function message(overrides: Partial<NotifyMessage> = {}): NotifyMessage {
  return {
    kind: 'crash',
    severity: 'error',
    title: 'tapo-webapp crashed: database',
    text: 'Hint: restore the backup',
    time: NOW.toISOString(),
    app: 'tapo-webapp',
    category: 'database',
    details: {},
    ...overrides,
  };
}

describe('formatWebhook', () => {
  it('escapes slack markup', () => {
    const request = formatWebhook('slack', message({ text: 'a <b> & c' }));
    expect(JSON.parse(request.body)).toEqual({
      text: '*tapo-webapp crashed: database*\na &lt;b&gt; &amp; c',
    });
  });

  it('truncates discord content to 2000 characters', () => {
    const request = formatWebhook('discord', message({ text: 'x'.repeat(5000) }));
    const body = JSON.parse(request.body) as { content: string };
    expect(body.content).toHaveLength(2000);
    expect(body.content.endsWith('…')).toBe(true);
  });

  it('maps ntfy priority and tags', () => {
    const fatal = formatWebhook(
      'ntfy',
      message({ kind: 'fatal', severity: 'critical', category: undefined }),
    );
    expect(fatal.headers.priority).toBe('5');
    expect(fatal.headers.tags).toBe('rotating_light,tapo-webapp');

    const recovered = formatWebhook(
      'ntfy',
      message({ kind: 'recovered', severity: 'info', category: undefined }),
    );
    expect(recovered.headers.priority).toBe('2');
    expect(recovered.headers.tags).toBe('white_check_mark,tapo-webapp');
  });

  it('keeps ntfy headers latin-1', () => {
    const request = formatWebhook('ntfy', message({ title: 'caméra 📷 down\nnow' }));
    expect(request.headers.title).toBe('caméra ?? down?now');
  });

  it('adds the report path to ntfy bodies', () => {
    const request = formatWebhook('ntfy', message({ reportPath: '/logs/crash-reports/a.json' }));
    expect(request.body).toBe('Hint: restore the backup\nReport: /logs/crash-reports/a.json');
  });

  it('sends generic messages whole', () => {
    const request = formatWebhook('generic', message());
    expect(request.headers['content-type']).toBe('application/json');
    expect(JSON.parse(request.body)).toMatchObject({
      source: 'crashproof',
      kind: 'crash',
      category: 'database',
    });
  });
});

describe('messages', () => {
  it('redact camera passwords', () => {
    const crash = crashMessage(
      {
        app: 'tapo-webapp',
        category: 'network',
        hint: 'check rtsp://admin:pw1@127.0.0.1/stream1',
        evidence: 'failed: rtsp://admin:pw2@127.0.0.1/stream1',
        reportId: 'r',
        attempt: 1,
        nextDelayMs: 2000,
      },
      undefined,
      NOW,
    );
    const camera = cameraMessage(
      {
        camera: 'front',
        from: 'online',
        to: 'auth-failed',
        detail: 'rtsp://admin:pw3@127.0.0.1/s password=pw4',
      },
      NOW,
    );
    const text = JSON.stringify([crash, camera]);
    for (const secret of ['pw1', 'pw2', 'pw3', 'pw4']) expect(text).not.toContain(secret);
    expect(crash.text).toBe(
      'Evidence: failed: rtsp://admin:***@127.0.0.1/stream1\nHint: check rtsp://admin:***@127.0.0.1/stream1\nRestart attempt 1 in 2 seconds.',
    );
  });

  it('count crash categories most frequent first', () => {
    const summary = crashSummaryMessage('a', ['network', 'database', 'database'], 300_000, NOW);
    expect(summary.text).toBe('3 more crashes in the last 5 minutes, 2 database, 1 network');
    expect(summary.details).toEqual({ crashes: 3, windowMs: 300_000, database: 2, network: 1 });
  });

  it('fatal is critical', () => {
    const fatal = fatalMessage({ app: 'a', reason: 'budget spent', restarts: 10 }, NOW);
    expect(fatal.severity).toBe('critical');
    expect(fatal.title).toBe('a gave up after 10 restarts');
  });
});

describe('describeDuration', () => {
  it('uses the largest whole unit', () => {
    expect(describeDuration(300)).toBe('300 ms');
    expect(describeDuration(1000)).toBe('1 second');
    expect(describeDuration(1500)).toBe('1.5 seconds');
    expect(describeDuration(300_000)).toBe('5 minutes');
    expect(describeDuration(3_600_000)).toBe('1 hour');
  });
});
