import { describe, expect, it } from 'vitest';
import {
  ChallengeResponder,
  digestResponse,
  parseChallenges,
  pickChallenge,
} from '../../src/cameras/http-auth.js';

describe('digestResponse', () => {
  it('matches the RFC 2617 example (MD5, qop=auth)', () => {
    const response = digestResponse({
      username: 'Mufasa',
      password: 'Circle Of Life',
      realm: 'testrealm@host.com',
      nonce: 'dcd98b7102dd2f0e8b11d0f600bfb0c093',
      method: 'GET',
      uri: '/dir/index.html',
      qop: 'auth',
      nc: '00000001',
      cnonce: '0a4f113b',
    });
    expect(response).toBe('6629fae49393a05397450978507c4ef1');
  });

  it('matches the RFC 7616 examples (MD5 and SHA-256)', () => {
    const input = {
      username: 'Mufasa',
      password: 'Circle of Life',
      realm: 'http-auth@example.org',
      nonce: '7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v',
      method: 'GET',
      uri: '/dir/index.html',
      qop: 'auth' as const,
      nc: '00000001',
      cnonce: 'f2/wE4q74E6zIJEtWaHKaf5wv/H5QzzpXusqGemxURZJ',
    };
    expect(digestResponse({ ...input, algorithm: 'MD5' })).toBe('8ca523f5e9506fed4657c9700eebdbec');
    expect(digestResponse({ ...input, algorithm: 'SHA-256' })).toBe(
      '753927fa0e85d155564e2e272a28d1802ca10daf4496794697cf8db5856cb6c1',
    );
  });

  it('computes the RFC 2069 form without qop', () => {
    // MD5(MD5(user:realm:pass):nonce:MD5(method:uri)), worked out by hand with md5sum.
    const response = digestResponse({
      username: 'admin',
      password: 'secret',
      realm: 'GStreamer RTSP Server',
      nonce: 'fed0219288da24ff',
      method: 'DESCRIBE',
      uri: 'rtsp://127.0.0.1:8554/stream',
    });
    expect(response).toBe('fa69b61303e2ef7c2235e0ba70f680c8');
  });

  it('rejects an unknown algorithm by name', () => {
    expect(() =>
      digestResponse({
        username: 'a',
        password: 'b',
        realm: 'r',
        nonce: 'n',
        method: 'GET',
        uri: '/',
        algorithm: 'SHA-512-256',
      }),
    ).toThrow(/unsupported Digest algorithm "SHA-512-256"/);
  });
});

describe('parseChallenges', () => {
  it('reads several challenges from one header value', () => {
    const challenges = parseChallenges([
      'Basic realm="cam", Digest realm="cam, inc", nonce="abc", qop="auth,auth-int"',
    ]);
    expect(challenges).toEqual([
      { scheme: 'basic', params: { realm: 'cam' } },
      { scheme: 'digest', params: { realm: 'cam, inc', nonce: 'abc', qop: 'auth,auth-int' } },
    ]);
  });

  it('reads repeated headers and unquoted values', () => {
    const challenges = parseChallenges([
      'Digest realm="r", nonce=xyz, algorithm=MD5, stale=TRUE',
      'Basic realm="r"',
    ]);
    expect(challenges[0]).toEqual({
      scheme: 'digest',
      params: { realm: 'r', nonce: 'xyz', algorithm: 'MD5', stale: 'TRUE' },
    });
    expect(challenges[1]?.scheme).toBe('basic');
  });

  it('undoes backslash escapes in quoted values', () => {
    expect(parseChallenges(['Digest realm="a \\"b\\"", nonce="n"'])[0]?.params.realm).toBe('a "b"');
  });
});

describe('pickChallenge', () => {
  it('prefers Digest over Basic', () => {
    const picked = pickChallenge(
      parseChallenges(['Basic realm="r"', 'Digest realm="r", nonce="n"']),
    );
    expect(picked?.scheme).toBe('digest');
  });

  it('falls back to Basic when the Digest algorithm is unsupported', () => {
    const picked = pickChallenge(
      parseChallenges(['Digest realm="r", nonce="n", algorithm=SHA-512-256', 'Basic realm="r"']),
    );
    expect(picked?.scheme).toBe('basic');
  });

  it('returns undefined for schemes it cannot answer', () => {
    expect(pickChallenge(parseChallenges(['Bearer realm="r"']))).toBeUndefined();
  });
});

describe('ChallengeResponder', () => {
  it('sends Basic credentials in base64', () => {
    const responder = new ChallengeResponder(
      { scheme: 'basic', params: {} },
      { username: 'admin', password: 'pw' },
    );
    expect(responder.authorization('DESCRIBE', 'rtsp://h/s')).toBe(
      `Basic ${Buffer.from('admin:pw').toString('base64')}`,
    );
  });

  it('counts the nonce up and sends qop fields', () => {
    const responder = new ChallengeResponder(
      { scheme: 'digest', params: { realm: 'r', nonce: 'n', qop: 'auth', opaque: 'o' } },
      { username: 'admin', password: 'pw' },
    );
    const first = responder.authorization('OPTIONS', 'rtsp://h/s');
    const second = responder.authorization('DESCRIBE', 'rtsp://h/s');
    expect(first).toMatch(
      /^Digest username="admin", realm="r", nonce="n", uri="rtsp:\/\/h\/s", response="[0-9a-f]{32}"/,
    );
    expect(first).toContain('qop=auth, nc=00000001, cnonce="');
    expect(first).toContain('opaque="o"');
    expect(second).toContain('nc=00000002');
    expect(first).not.toContain('pw');
  });

  it('leaves qop fields out for an RFC 2069 challenge', () => {
    const responder = new ChallengeResponder(
      { scheme: 'digest', params: { realm: 'r', nonce: 'n' } },
      { username: 'u', password: 'p' },
    );
    const header = responder.authorization('DESCRIBE', '/');
    expect(header).not.toContain('qop=');
    expect(header).not.toContain('nc=');
  });
});
