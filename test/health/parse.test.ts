import { describe, expect, it } from 'vitest';
import { MAX_DEVICES } from '../../src/health/devices.js';
import { parseHealthBody } from '../../src/health/parse.js';

const JSON_TYPE = 'application/json';

function judge(body: unknown, httpStatus = 200, contentType = JSON_TYPE) {
  return parseHealthBody(httpStatus, contentType, Buffer.from(JSON.stringify(body)));
}

describe('parseHealthBody status field', () => {
  const table: Array<[string, 'healthy' | 'degraded' | 'unhealthy']> = [
    ['healthy', 'healthy'],
    ['ok', 'healthy'],
    ['OK', 'healthy'],
    ['up', 'healthy'],
    ['UP', 'healthy'],
    ['pass', 'healthy'],
    ['degraded', 'degraded'],
    ['warning', 'degraded'],
    ['Warning', 'degraded'],
    ['warn', 'degraded'],
    ['unhealthy', 'unhealthy'],
    ['critical', 'unhealthy'],
    ['down', 'unhealthy'],
    ['DOWN', 'unhealthy'],
    ['fail', 'unhealthy'],
    ['error', 'unhealthy'],
  ];

  for (const [status, expected] of table) {
    it(`reads status "${status}" as ${expected}`, () => {
      const verdict = judge({ status });
      expect(verdict.state).toBe(expected);
      expect(verdict.statusField).toBe(status);
    });
  }

  it('matches the status key in any case', () => {
    expect(judge({ Status: 'critical' }).state).toBe('unhealthy');
    expect(judge({ STATUS: 'warning' }).state).toBe('degraded');
  });

  it('never treats warning as unhealthy', () => {
    const verdict = judge({ status: 'warning', cameras: { total: 2, online: 0, offline: 2 } });
    expect(verdict.state).toBe('degraded');
    expect(verdict.state).not.toBe('unhealthy');
  });

  it('judges an unknown status word by HTTP status', () => {
    const verdict = judge({ status: 'starting' });
    expect(verdict.state).toBe('healthy');
    expect(verdict.reason).toBe('HTTP 200, unknown status "starting"');
  });

  it('reads boolean status and ok fields', () => {
    expect(judge({ status: false }).state).toBe('unhealthy');
    expect(judge({ status: true }).state).toBe('healthy');
    expect(judge({ ok: false, keys: {} }).state).toBe('unhealthy');
    expect(judge({ healthy: true }).state).toBe('healthy');
  });

  it('ignores a status of the wrong type', () => {
    expect(judge({ status: 42 }).state).toBe('healthy');
    expect(judge({ status: { code: 'down' } }).state).toBe('healthy');
    expect(judge({ status: null }).state).toBe('healthy');
  });
});

describe('parseHealthBody HTTP status', () => {
  it('fails any non-2xx status', () => {
    for (const status of [100, 301, 404, 500, 503, 0, -1, 999]) {
      expect(judge({ status: 'ok' }, status).state).toBe('unhealthy');
    }
  });

  it('names the HTTP status and the body status', () => {
    const verdict = judge({ status: 'degraded' }, 503);
    expect(verdict.reason).toBe('HTTP 503, status "degraded"');
  });

  it('judges non-JSON bodies by HTTP status', () => {
    expect(parseHealthBody(200, 'text/plain', Buffer.from('OK')).state).toBe('healthy');
    expect(parseHealthBody(200, 'text/html', Buffer.from('<h1>down</h1>')).state).toBe('healthy');
    expect(parseHealthBody(500, 'text/plain', Buffer.from('Internal Server Error')).state).toBe(
      'unhealthy',
    );
    expect(parseHealthBody(204, undefined, Buffer.alloc(0)).state).toBe('healthy');
  });

  it('fails a body that declares JSON and is not', () => {
    const verdict = parseHealthBody(200, JSON_TYPE, Buffer.from('{"status": "heal'));
    expect(verdict.state).toBe('unhealthy');
    expect(verdict.reason).toBe('invalid JSON body (Content-Type application/json)');
  });

  it('reads JSON sent without a JSON content type', () => {
    const verdict = parseHealthBody(200, 'text/plain', Buffer.from('{"status":"down"}'));
    expect(verdict.state).toBe('unhealthy');
  });

  it('judges JSON-like plain text by status', () => {
    expect(parseHealthBody(200, 'text/plain', Buffer.from('{not json')).state).toBe('healthy');
  });

  it('reads application/health+json', () => {
    const body = Buffer.from('{"status":"warn"}');
    expect(parseHealthBody(200, 'application/health+json', body).state).toBe('degraded');
  });

  it('skips a UTF-8 byte order mark', () => {
    const body = Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from('{"status":"fail"}')]);
    expect(parseHealthBody(200, JSON_TYPE, body).state).toBe('unhealthy');
  });
});

describe('parseHealthBody device shapes', () => {
  it('reads a top-level array of devices', () => {
    const verdict = judge([{ name: 'front', type: 'camera', status: 'online' }]);
    expect(verdict.state).toBe('healthy');
    expect(verdict.devices).toEqual([{ name: 'front', type: 'camera', online: true }]);
  });

  it('degrades a top-level array with an offline device', () => {
    const verdict = judge([
      { name: 'front', type: 'camera', status: 'online' },
      { name: 'door', type: 'ring', status: 'offline' },
    ]);
    expect(verdict.state).toBe('degraded');
    expect(verdict.reason).toBe('HTTP 200; offline: door (doorbell)');
  });

  it('reads the Tapo warning body with camera counts', () => {
    const verdict = judge({
      status: 'warning',
      cameras: { total: 2, online: 0, offline: 2 },
      system: { cpu_percent: 97.5, memory_percent: 40 },
    });
    expect(verdict.state).toBe('degraded');
    expect(verdict.devices).toEqual([
      { name: 'cameras', type: 'camera', online: false, detail: '0 of 2 online' },
    ]);
    expect(verdict.reason).toBe('status "warning"; offline: cameras (camera): 0 of 2 online');
  });

  it('reads counts that name the offline number only', () => {
    const verdict = judge({ status: 'healthy', cameras: { total: 3, offline: 1 } });
    expect(verdict.devices[0]).toMatchObject({ online: false, detail: '2 of 3 online' });
    expect(verdict.state).toBe('degraded');
  });

  it('keeps healthy with all cameras online', () => {
    const verdict = judge({ status: 'healthy', cameras: { total: 2, online: 2 } });
    expect(verdict.state).toBe('healthy');
    expect(verdict.devices[0]?.online).toBe(true);
  });

  it('reports no device for zero cameras', () => {
    const verdict = judge({ status: 'ok', cameras: { total: 0, online: 0 } });
    expect(verdict.devices).toEqual([]);
    expect(verdict.state).toBe('healthy');
  });

  it('prefers the list inside a counts object', () => {
    const verdict = judge({
      status: 'healthy',
      cameras: {
        total: 2,
        online: 1,
        list: [
          { name: 'front_door', type: 'camera', status: 'online' },
          { name: 'garden', type: 'camera', status: 'offline', error: 'connection refused' },
        ],
      },
    });
    expect(verdict.devices).toEqual([
      { name: 'front_door', type: 'camera', online: true },
      { name: 'garden', type: 'camera', online: false, detail: 'connection refused' },
    ]);
    expect(verdict.state).toBe('degraded');
    expect(verdict.reason).toBe('status "healthy"; offline: garden (camera): connection refused');
  });

  it('reads a counts object whose details map cameras by id', () => {
    const verdict = judge({
      status: 'healthy',
      cameras: { total: 2, details: { cam1: { connected: true }, cam2: { connected: false } } },
    });
    expect(verdict.devices.map((device) => [device.name, device.online])).toEqual([
      ['cam1', true],
      ['cam2', false],
    ]);
  });

  it('reads a map of cameras by name', () => {
    const verdict = judge({
      status: 'ok',
      cameras: {
        front: { online: true, last_seen: '2024-05-01T10:00:00Z' },
        back: { online: false, last_seen: 1714557600 },
      },
    });
    expect(verdict.devices).toEqual([
      { name: 'front', type: 'camera', online: true, lastSeen: '2024-05-01T10:00:00Z' },
      { name: 'back', type: 'camera', online: false, lastSeen: '2024-05-01T10:00:00.000Z' },
    ]);
    expect(verdict.state).toBe('degraded');
  });

  it('reads a map of status strings', () => {
    const verdict = judge({ status: 'ok', webcams: { usb0: 'streaming', usb1: 'disconnected' } });
    expect(verdict.devices).toEqual([
      { name: 'usb0', type: 'webcam', online: true },
      { name: 'usb1', type: 'webcam', online: false, detail: 'disconnected' },
    ]);
  });

  it('reads ring and doorbell keys as doorbells', () => {
    const ring = judge({ status: 'ok', ring: { front_door: { connected: false } } });
    expect(ring.devices).toEqual([{ name: 'front_door', type: 'doorbell', online: false }]);
    const doorbells = judge({ status: 'ok', doorbells: [{ name: 'porch', state: 'up' }] });
    expect(doorbells.devices).toEqual([
      { name: 'porch', type: 'doorbell', online: true, detail: 'up' },
    ]);
  });

  it('classifies devices by their type field', () => {
    const verdict = judge({
      devices: [
        { name: 'a', type: 'USB webcam', online: true },
        { name: 'b', device_type: 'tapo_c200', online: true },
        { name: 'c', kind: 'ring_doorbell', online: true },
        { name: 'd', type: 'smart_plug', online: true },
      ],
    });
    expect(verdict.devices.map((device) => device.type)).toEqual([
      'webcam',
      'camera',
      'doorbell',
      'unknown',
    ]);
  });

  it('reads device lists with errors', () => {
    const verdict = judge({
      total_devices: 3,
      online: 2,
      offline: 1,
      devices: [
        { name: 'kitchen_cam', type: 'camera', error: null, error_count: 0 },
        { name: 'doorbell', type: 'ring', error: 'token expired', last_success: null },
        { name: 'plug', type: 'p115', error: '' },
      ],
    });
    expect(verdict.devices).toEqual([
      { name: 'kitchen_cam', type: 'camera', online: undefined },
      { name: 'doorbell', type: 'doorbell', online: false, detail: 'token expired' },
      { name: 'plug', type: 'unknown', online: undefined },
    ]);
    expect(verdict.state).toBe('degraded');
  });

  it('keeps last_error as detail only', () => {
    const verdict = judge({
      cameras: [{ name: 'a', online: true, last_error: 'timeout at 10:00' }],
    });
    expect(verdict.devices).toEqual([
      { name: 'a', type: 'camera', online: true, detail: 'timeout at 10:00' },
    ]);
    expect(verdict.state).toBe('healthy');
  });

  it('reads Spring-style components', () => {
    const verdict = judge({
      status: 'UP',
      components: { db: { status: 'UP' }, diskSpace: { status: 'DOWN', details: { free: 1 } } },
    });
    expect(verdict.devices).toEqual([
      { name: 'db', type: 'unknown', online: true, detail: 'UP' },
      { name: 'diskSpace', type: 'unknown', online: false, detail: 'DOWN' },
    ]);
    expect(verdict.state).toBe('degraded');
  });

  it('reads RFC-draft health checks', () => {
    const verdict = judge({
      status: 'pass',
      checks: {
        'camera:front': [{ componentType: 'camera', status: 'pass' }],
        'camera:garage': [{ componentType: 'camera', status: 'fail', output: 'no route' }],
      },
    });
    expect(verdict.devices).toEqual([
      { name: 'camera:front', type: 'camera', online: true, detail: 'pass' },
      { name: 'camera:garage', type: 'camera', online: false, detail: 'no route' },
    ]);
  });

  it('finds device lists nested under other keys', () => {
    const verdict = judge({
      status: 'ok',
      details: { hardware: { cameras: [{ name: 'x', online: false }] } },
    });
    expect(verdict.devices).toEqual([{ name: 'x', type: 'camera', online: false }]);
  });

  it('counts a warning device as online', () => {
    const verdict = judge({ status: 'ok', cameras: [{ name: 'x', status: 'warning' }] });
    expect(verdict.devices).toEqual([
      { name: 'x', type: 'camera', online: true, detail: 'warning' },
    ]);
    expect(verdict.state).toBe('healthy');
  });

  it('leaves online undefined for unknown device words', () => {
    const verdict = judge({ cameras: [{ name: 'x', status: 'connecting' }] });
    expect(verdict.devices[0]?.online).toBeUndefined();
    expect(verdict.state).toBe('healthy');
  });

  it('redacts credentials in device names and errors', () => {
    const verdict = judge({
      cameras: [
        {
          name: 'rtsp://admin:hunter2@127.0.0.1:554/stream1',
          status: 'offline',
          error: 'connect rtsp://admin:hunter2@127.0.0.1:554 failed',
        },
      ],
    });
    const text = JSON.stringify(verdict);
    expect(text).not.toContain('hunter2');
    expect(verdict.devices[0]?.name).toBe('rtsp://admin:***@127.0.0.1:554/stream1');
  });

  it('shortens long device text', () => {
    const verdict = judge({ cameras: [{ name: 'x', error: 'e'.repeat(5000) }] });
    expect(verdict.devices[0]?.detail?.length).toBeLessThanOrEqual(201);
  });

  it('keeps at most MAX_DEVICES devices', () => {
    const cameras = Array.from({ length: MAX_DEVICES + 50 }, (_, index) => ({
      name: `cam${index}`,
      online: false,
    }));
    const verdict = judge({ status: 'ok', cameras });
    expect(verdict.devices).toHaveLength(MAX_DEVICES);
    expect(verdict.reason).toContain(`and ${MAX_DEVICES - 5} more`);
  });

  it('keeps devices in an unhealthy verdict', () => {
    const verdict = judge({ status: 'critical', cameras: [{ name: 'x', online: false }] }, 200);
    expect(verdict.state).toBe('unhealthy');
    expect(verdict.reason).toBe('status "critical"; offline: x (camera)');
    expect(verdict.devices).toHaveLength(1);
  });

  it('ignores unknown shapes', () => {
    const verdict = judge({ version: '1.2.3', uptime: 5, services: 'all' });
    expect(verdict).toEqual({ state: 'healthy', reason: 'HTTP 200', devices: [] });
  });
});
