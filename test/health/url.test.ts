import { describe, expect, it } from 'vitest';
import { checkableHost, defaultHealthUrl, resolveHealthUrl } from '../../src/health/url.js';

describe('defaultHealthUrl', () => {
  const table: Array<[string | undefined, number, string]> = [
    [undefined, 7777, 'http://127.0.0.1:7777/api/health'],
    ['', 7777, 'http://127.0.0.1:7777/api/health'],
    ['0.0.0.0', 7777, 'http://127.0.0.1:7777/api/health'],
    ['::', 7777, 'http://[::1]:7777/api/health'],
    ['[::]', 8080, 'http://[::1]:8080/api/health'],
    ['0:0:0:0:0:0:0:0', 80, 'http://[::1]:80/api/health'],
    ['::1', 7777, 'http://[::1]:7777/api/health'],
    ['[::1]', 7777, 'http://[::1]:7777/api/health'],
    ['fe80::1', 7777, 'http://[fe80::1]:7777/api/health'],
    ['127.0.0.1', 7777, 'http://127.0.0.1:7777/api/health'],
    ['127.0.0.2', 9000, 'http://127.0.0.2:9000/api/health'],
    ['localhost', 7777, 'http://localhost:7777/api/health'],
    [' 0.0.0.0 ', 7777, 'http://127.0.0.1:7777/api/health'],
  ];

  for (const [host, port, expected] of table) {
    it(`maps ${JSON.stringify(host)} to ${expected}`, () => {
      expect(defaultHealthUrl(host, port)).toBe(expected);
    });
  }

  it('never returns a wildcard host', () => {
    for (const host of ['0.0.0.0', '::', '[::]', '::0', undefined]) {
      const url = new URL(defaultHealthUrl(host, 1));
      expect(['127.0.0.1', '[::1]']).toContain(url.hostname);
    }
  });
});

describe('checkableHost', () => {
  it('brackets IPv6 literals only', () => {
    expect(checkableHost('::1')).toBe('[::1]');
    expect(checkableHost('camera.local')).toBe('camera.local');
  });
});

describe('resolveHealthUrl', () => {
  it('rewrites wildcard hosts to loopback', () => {
    expect(resolveHealthUrl('http://0.0.0.0:7777/api/health')).toBe(
      'http://127.0.0.1:7777/api/health',
    );
    expect(resolveHealthUrl('http://[::]:7777/healthz')).toBe('http://[::1]:7777/healthz');
  });

  it('keeps other URLs as they are', () => {
    expect(resolveHealthUrl('http://127.0.0.1:7777/api/health?deep=1')).toBe(
      'http://127.0.0.1:7777/api/health?deep=1',
    );
    expect(resolveHealthUrl('https://localhost:8443/health')).toBe('https://localhost:8443/health');
  });

  it('rejects invalid URLs with the value and the fix', () => {
    expect(() => resolveHealthUrl('127.0.0.1:7777/api/health')).toThrow(
      'invalid health URL "127.0.0.1:7777/api/health": use a full URL such as "http://127.0.0.1:7777/api/health"',
    );
    expect(() => resolveHealthUrl('ftp://127.0.0.1/health')).toThrow(
      'the scheme must be http or https',
    );
  });

  it('redacts credentials in the error', () => {
    expect(() => resolveHealthUrl('rtsp://admin:hunter2@127.0.0.1/x')).toThrow(
      'invalid health URL "rtsp://admin:***@127.0.0.1/x"',
    );
  });
});
