import { describe, expect, it } from 'vitest';
import { MAX_DEVICES } from '../../src/health/devices.js';
import { type HealthVerdict, parseHealthBody } from '../../src/health/parse.js';

/** mulberry32: a small seeded PRNG, so a failing case can be replayed from its seed. */
function createRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

// Keys and words that real health bodies use, so random bodies hit the parser's paths.
const KEYS = [
  'status',
  'Status',
  'STATUS',
  'ok',
  'healthy',
  'cameras',
  'webcams',
  'doorbells',
  'ring',
  'devices',
  'components',
  'checks',
  'services',
  'details',
  'list',
  'items',
  'name',
  'id',
  'type',
  'kind',
  'online',
  'connected',
  'state',
  'error',
  'last_error',
  'last_seen',
  'lastSeen',
  'total',
  'offline',
  'count',
  '__proto__',
  'constructor',
  'toString',
  '',
];

const WORDS = [
  'ok',
  'healthy',
  'warning',
  'degraded',
  'critical',
  'down',
  'online',
  'offline',
  'camera',
  'webcam',
  'ring',
  'usb',
  'error',
  'rtsp://admin:pw@127.0.0.1/s',
  '',
  '\u0000',
  '\ud800',
  'é',
];

const NUMBERS = [0, -1, 1, 2, 1e9 + 1, 1714557600123, 1e308, -1e308, 0.5, Number.MAX_SAFE_INTEGER];

function pick<T>(random: () => number, items: readonly T[]): T {
  return items[Math.floor(random() * items.length)]!;
}

function randomValue(random: () => number, depth: number): unknown {
  const roll = random();
  if (depth > 6 || roll < 0.3) {
    const scalar = random();
    if (scalar < 0.35) return pick(random, WORDS);
    if (scalar < 0.6) return pick(random, NUMBERS);
    if (scalar < 0.8) return random() < 0.5;
    return null;
  }
  if (roll < 0.6) {
    return Array.from({ length: Math.floor(random() * 5) }, () => randomValue(random, depth + 1));
  }
  const record: Record<string, unknown> = {};
  const size = Math.floor(random() * 6);
  for (let index = 0; index < size; index++) {
    record[pick(random, KEYS)] = randomValue(random, depth + 1);
  }
  return record;
}

/** Build a random body: JSON, corrupted JSON, random bytes, deep nesting or huge numbers. */
function randomBody(random: () => number): Buffer {
  const kind = random();
  if (kind < 0.5) return Buffer.from(JSON.stringify(randomValue(random, 0)) ?? 'null');

  if (kind < 0.65) {
    // Valid JSON with random bytes overwritten, invalid UTF-8 included.
    const bytes = Buffer.from(JSON.stringify(randomValue(random, 0)) ?? '{}');
    for (let index = 0; index < 1 + random() * 4 && bytes.length > 0; index++) {
      bytes[Math.floor(random() * bytes.length)] = Math.floor(random() * 256);
    }
    return bytes;
  }

  if (kind < 0.75) {
    return Buffer.from(
      Array.from({ length: Math.floor(random() * 200) }, () => Math.floor(random() * 256)),
    );
  }

  if (kind < 0.85) {
    // Deep nesting: arrays or objects thousands of levels deep, closed or not.
    const depth = 100 + Math.floor(random() * 20_000);
    const open = random() < 0.5 ? '{"cameras":'.repeat(depth) : '['.repeat(depth);
    const close = open.startsWith('{') ? '}'.repeat(depth) : ']'.repeat(depth);
    return Buffer.from(`${open}1${random() < 0.8 ? close : ''}`);
  }

  if (kind < 0.93) {
    // Numbers far outside double range, and status fields of the wrong type.
    const digits = '9'.repeat(1 + Math.floor(random() * 400));
    return Buffer.from(`{"status":${digits},"cameras":{"total":1e999,"online":-${digits}}}`);
  }

  return Buffer.from(`{"status":"${pick(random, WORDS)}","cameras":[${'"x",'.repeat(3000)}"y"]}`);
}

const STATES = new Set(['healthy', 'degraded', 'unhealthy']);
const TYPES = new Set(['camera', 'webcam', 'doorbell', 'unknown']);

/** Return what is wrong with a verdict, or undefined. Plain checks keep thousands of cases fast. */
function findMalformation(verdict: HealthVerdict): string | undefined {
  if (!STATES.has(verdict.state)) return `state ${verdict.state}`;
  if (typeof verdict.reason !== 'string' || verdict.reason === '') return 'empty reason';
  if (!Array.isArray(verdict.devices)) return 'devices is not an array';
  if (verdict.devices.length > MAX_DEVICES) return `${verdict.devices.length} devices`;
  for (const device of verdict.devices) {
    if (typeof device.name !== 'string') return `device name ${String(device.name)}`;
    if (!TYPES.has(device.type)) return `device type ${device.type}`;
    if (![true, false, undefined].includes(device.online)) return `online ${device.online}`;
  }
  if (JSON.stringify(verdict).includes(':pw@')) return 'unredacted password';
  return undefined;
}

describe('parseHealthBody fuzz', () => {
  const SEED = 20240501;
  const CASES = 5000;

  it(`never throws on ${CASES} random bodies (seed ${SEED})`, () => {
    const random = createRandom(SEED);
    const contentTypes = [
      'application/json',
      'text/plain',
      undefined,
      'application/health+json',
      '',
    ];
    const statuses = [200, 204, 299, 301, 404, 500, 503];
    const seenStates = new Set<string>();
    let withDevices = 0;

    for (let index = 0; index < CASES; index++) {
      const body = randomBody(random);
      const contentType = pick(random, contentTypes);
      const status = pick(random, statuses);

      const label = `case ${index}: ${body.subarray(0, 80).toString('hex')}`;
      let verdict: HealthVerdict;
      try {
        verdict = parseHealthBody(status, contentType, body);
      } catch (error) {
        expect.fail(`${label} threw ${String(error)}`);
      }
      const malformation = findMalformation(verdict);
      if (malformation !== undefined) expect.fail(`${label}: ${malformation}`);
      if ((status < 200 || status >= 300) && verdict.state !== 'unhealthy') {
        expect.fail(`${label}: HTTP ${status} judged ${verdict.state}`);
      }
      seenStates.add(verdict.state);
      if (verdict.devices.length > 0) withDevices++;

      // The same input gives the same verdict.
      const again = parseHealthBody(status, contentType, body);
      if (JSON.stringify(again) !== JSON.stringify(verdict))
        expect.fail(`${label}: not deterministic`);
    }

    // The generator must reach every verdict and the device readers, or the fuzz proves little.
    expect([...seenStates].sort()).toEqual(['degraded', 'healthy', 'unhealthy']);
    expect(withDevices).toBeGreaterThan(CASES / 20);
  });

  it('survives a million nested arrays', () => {
    const body = Buffer.from(`${'['.repeat(1_000_000)}${']'.repeat(1_000_000)}`);
    expect(parseHealthBody(200, 'application/json', body).state).toBe('healthy');
  });

  it('survives deeply nested device groups', () => {
    const body = Buffer.from(`${'{"devices":'.repeat(50_000)}{}${'}'.repeat(50_000)}`);
    const verdict = parseHealthBody(200, 'application/json', body);
    expect(verdict.state).toBe('healthy');
    // The outer map reads its one entry as a device record and stops there.
    expect(verdict.devices.length).toBeLessThanOrEqual(1);
  });

  it('survives invalid UTF-8 inside strings', () => {
    const body = Buffer.concat([
      Buffer.from('{"status":"ok","cameras":[{"name":"'),
      Buffer.from([0xc3, 0x28, 0xff, 0xfe, 0xed, 0xa0, 0x80]),
      Buffer.from('","online":false}]}'),
    ]);
    const verdict = parseHealthBody(200, 'application/json', body);
    expect(verdict.state).toBe('degraded');
    expect(verdict.devices[0]?.name).toContain('\ufffd');
  });

  it('survives odd statuses and empty bodies', () => {
    expect(parseHealthBody(Number.NaN, undefined, Buffer.alloc(0)).state).toBe('unhealthy');
    expect(parseHealthBody(200, 'application/json', Buffer.alloc(0)).state).toBe('healthy');
  });
});
