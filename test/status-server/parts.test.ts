import { describe, expect, it } from 'vitest';
import { EventBus } from '../../src/events.js';
import { StatusHistory } from '../../src/status/history.js';
import { HostPolicy, isLoopbackHost } from '../../src/status/host-check.js';
import { bearerToken, tokensMatch } from '../../src/status/token.js';

describe('isLoopbackHost', () => {
  it('accepts loopback addresses only', () => {
    for (const host of ['127.0.0.1', '127.1.2.3', 'localhost', '::1', '[::1]'])
      expect(isLoopbackHost(host), host).toBe(true);
    for (const host of ['0.0.0.0', '::', '192.168.1.20', 'cams.example', '128.0.0.1'])
      expect(isLoopbackHost(host), host).toBe(false);
  });
});

describe('HostPolicy', () => {
  it('accepts own names with the port', () => {
    const policy = new HostPolicy('127.0.0.1', 7778);
    for (const host of ['127.0.0.1:7778', 'localhost:7778', '[::1]:7778', 'LocalHost:7778'])
      expect(policy.allows(host), host).toBe(true);
    for (const host of [
      '127.0.0.1:7779',
      'localhost',
      'evil.example:7778',
      '127.0.0.1.nip.io:7778',
    ])
      expect(policy.allows(host), host).toBe(false);
  });

  it('accepts configured names on any port', () => {
    const policy = new HostPolicy('127.0.0.1', 7778, ['cams.example.org']);
    expect(policy.allows('cams.example.org')).toBe(true);
    expect(policy.allows('cams.example.org:443')).toBe(true);
    expect(policy.allows('example.org')).toBe(false);
  });

  it('checks Origin against the same names', () => {
    const policy = new HostPolicy('127.0.0.1', 7778);
    const host = '127.0.0.1:7778';
    expect(policy.check({ host })).toBeUndefined();
    expect(policy.check({ host, origin: 'http://localhost:7778' })).toBeUndefined();
    expect(policy.check({ host, origin: 'http://localhost:7778.evil.example' })?.status).toBe(403);
    expect(policy.check({ host, origin: 'file://' })?.status).toBe(403);
    expect(policy.check({ host, origin: 'null' })?.status).toBe(403);
    expect(policy.check({})?.status).toBe(400);
  });
});

describe('tokens', () => {
  it('match only the same token', () => {
    expect(tokensMatch('abc', 'abc')).toBe(true);
    expect(tokensMatch('abd', 'abc')).toBe(false);
    expect(tokensMatch('', 'abc')).toBe(false);
    expect(tokensMatch('abc'.repeat(100), 'abc')).toBe(false);
  });

  it('read from a Bearer header', () => {
    expect(bearerToken('Bearer abc_-1')).toBe('abc_-1');
    expect(bearerToken('bearer  abc ')).toBe('abc');
    expect(bearerToken('Basic abc')).toBeUndefined();
    expect(bearerToken('Bearer a b')).toBeUndefined();
    expect(bearerToken(undefined)).toBeUndefined();
  });
});

describe('StatusHistory', () => {
  it('keeps a sliding window', () => {
    let now = 1_000_000;
    const bus = new EventBus();
    const history = new StatusHistory(bus, { windowMs: 10_000, now: () => now });
    history.recordState('cam', 'starting');
    now += 1000;
    bus.emit('app:state', { app: 'cam', from: 'starting', to: 'running', reason: 'ready' });
    bus.emit('crash:report', {
      app: 'cam',
      category: 'network',
      hint: 'camera unreachable',
      reportId: 'cam-1',
      attempt: 1,
      nextDelayMs: 1000,
    });
    bus.emit('app:restart-scheduled', {
      app: 'cam',
      cause: 'crash',
      reason: 'exit code 1',
      attempt: 1,
      delayMs: 1000,
    });

    const early = history.timeline();
    expect(early.apps.cam?.map((change) => change.state)).toEqual(['starting', 'running']);
    expect(early.crashes).toHaveLength(1);
    expect(early.restarts).toHaveLength(1);

    // 20 s later everything aged out, but the state at the window start is kept.
    now += 20_000;
    const late = history.timeline();
    expect(late.from).toBe(now - 10_000);
    expect(late.apps.cam).toEqual([{ at: now - 10_000, state: 'running' }]);
    expect(late.crashes).toEqual([]);
    expect(late.restarts).toEqual([]);
    expect(history.crashesByCategory('cam')).toEqual({ network: 1 });
    history.close();
  });

  it('caps entries per list', () => {
    let now = 0;
    const bus = new EventBus();
    const history = new StatusHistory(bus, { windowMs: 1e9, maxEntries: 5, now: () => now });
    for (let index = 0; index < 20; index++) {
      now++;
      history.recordState('cam', index % 2 === 0 ? 'running' : 'backoff');
    }
    expect(history.timeline().apps.cam).toHaveLength(5);
    history.close();
  });
});
