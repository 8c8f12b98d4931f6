import { describe, expect, it } from 'vitest';
import { mayContainSecret, redactText } from '../../src/crash/redact.js';
import { redactOutput } from '../../src/supervisor/output.js';

const SECRET_LINES = [
  'connecting to rtsp://admin:hunter2@127.0.0.1:554/stream1',
  'http://tokenonly@127.0.0.1/x',
  'password=abc123 user=bob',
  'PASSWD: s3cret',
  'db_pwd=x',
  '{"api_key": "k-123"}',
  'apikey=abc',
  'ACCESS-KEY: abc',
  'client_secret=abc',
  'Authorization: Digest username="a"',
  'proxy-authorization: Basic YWxhZGRpbjpvcGVu',
  'sent Bearer abcdefghijklmnop',
  'refresh_token="abc"',
  'ffmpeg --pass hunter2',
  '--auth hunter2',
  '--credential hunter2',
  '--private-key hunter2',
];

describe('mayContainSecret', () => {
  it('matches every line that redactText changes', () => {
    for (const line of SECRET_LINES) {
      expect(redactText(line), line).not.toBe(line);
      expect(mayContainSecret(line), line).toBe(true);
    }
  });

  it('matches random lines that redactText changes', () => {
    // Seeded generator: the same lines on every run.
    let seed = 42;
    const random = (n: number): number => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed % n;
    };
    const words = [
      'pass',
      'word',
      'token',
      'key',
      'api',
      '_',
      '-',
      '=',
      ': ',
      '://',
      'u:p@h',
      'Bearer ',
      'abcdefghijk',
      ' ',
      'secret',
      'Basic ',
      'auth',
    ];
    let changed = 0;
    for (let i = 0; i < 20_000; i++) {
      let line = '';
      for (let j = 0; j < 8; j++) line += words[random(words.length)];
      if (redactText(line) !== line) {
        changed++;
        expect(mayContainSecret(line), line).toBe(true);
      }
    }
    expect(changed).toBeGreaterThan(100);
  });

  it('leaves output without hints byte for byte', () => {
    const block = Buffer.from('GET /api/health 200 12ms\n\u0000\u00ff binary\n', 'latin1');
    expect(redactOutput(block)).toBe(block);
  });
});
