import { describe, expect, it } from 'vitest';
import { redactDeep, redactEnv, redactText } from '../../src/crash/redact.js';

describe('redactText', () => {
  it('removes the password from camera URLs', () => {
    const out = redactText('connecting to rtsp://admin:hunter2@127.0.0.1:554/stream1 failed');
    expect(out).toBe('connecting to rtsp://admin:***@127.0.0.1:554/stream1 failed');
  });

  it('removes user-only credentials', () => {
    expect(redactText('http://tokenonly@127.0.0.1/x')).toBe('http://***@127.0.0.1/x');
  });

  it('redacts key=value and key: value pairs', () => {
    expect(redactText('password=abc123 user=bob')).toBe('password=*** user=bob');
    expect(redactText('{"api_key": "k-123", "name": "x"}')).toBe('{"api_key": "***", "name": "x"}');
    expect(redactText("camera_password='p w'")).toBe("camera_password='***'");
  });

  it('redacts authorization headers and bearer tokens', () => {
    expect(redactText('Authorization: Digest username="a", response="b"')).toBe(
      'Authorization: ***',
    );
    expect(redactText('sent Bearer abcdefghijklmnop')).toBe('sent Bearer ***');
  });

  it('leaves ordinary text alone', () => {
    const text = 'Traceback (most recent call last): ConnectionRefusedError: [Errno 111]';
    expect(redactText(text)).toBe(text);
  });
});

describe('redactEnv and redactDeep', () => {
  it('hides values of secret-looking keys', () => {
    const env = redactEnv({
      CAMERA_PASSWORD: 'p',
      RING_TOKEN: 't',
      HOME: '/root',
      URL: 'rtsp://a:b@h/',
    });
    expect(env).toEqual({
      CAMERA_PASSWORD: '***',
      RING_TOKEN: '***',
      HOME: '/root',
      URL: 'rtsp://a:***@h/',
    });
  });

  it('walks nested objects and arrays', () => {
    const report = redactDeep({ tail: ['rtsp://u:secret@h/s'], env: { TAPO_PASSWORD: 'x' }, n: 3 });
    expect(report).toEqual({ tail: ['rtsp://u:***@h/s'], env: { TAPO_PASSWORD: '***' }, n: 3 });
  });
});
