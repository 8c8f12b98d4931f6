import { describe, expect, it } from 'vitest';
import { parseCameraUrl, redactUrl } from '../../src/cameras/address.js';

describe('parseCameraUrl', () => {
  it('takes an RTSP URL apart with decoded credentials', () => {
    expect(parseCameraUrl('rtsp://admin:p%40ss@192.0.2.5/stream1')).toEqual({
      scheme: 'rtsp',
      host: '192.0.2.5',
      port: 554,
      path: '/stream1',
      uri: 'rtsp://192.0.2.5/stream1',
      username: 'admin',
      password: 'p@ss',
    });
  });

  it('applies default ports per scheme', () => {
    expect(parseCameraUrl('onvif://cam.local').port).toBe(2020);
    expect(parseCameraUrl('http://cam.local/').port).toBe(80);
    expect(parseCameraUrl('https://cam.local/').port).toBe(443);
    expect(parseCameraUrl('rtsp://cam.local:8554/live').port).toBe(8554);
  });

  it('strips IPv6 brackets and keeps the query', () => {
    const address = parseCameraUrl('rtsp://[::1]:8554/live?channel=1');
    expect(address.host).toBe('::1');
    expect(address.path).toBe('/live?channel=1');
    expect(address.uri).toBe('rtsp://[::1]:8554/live?channel=1');
  });

  it('requires a port for tcp://', () => {
    expect(() => parseCameraUrl('tcp://cam.local')).toThrow(
      /has no port: write it as tcp:\/\/host:port/,
    );
  });

  it('rejects other schemes without showing the password', () => {
    let message = '';
    try {
      parseCameraUrl('ftp://admin:hunter2@cam.local/');
    } catch (error) {
      message = (error as Error).message;
    }
    expect(message).toContain('unsupported camera URL scheme "ftp:"');
    expect(message).not.toContain('hunter2');
  });
});

describe('redactUrl', () => {
  const cases: Array<[string, string]> = [
    ['rtsp://admin:hunter2@192.0.2.5:554/stream1', 'rtsp://admin:***@192.0.2.5:554/stream1'],
    ['rtsp://admin:p@ss@192.0.2.5/stream1', 'rtsp://admin:***@192.0.2.5/stream1'],
    ['http://token@192.0.2.5/', 'http://***@192.0.2.5/'],
    ['onvif://192.0.2.5:2020', 'onvif://192.0.2.5:2020'],
    [
      'http://192.0.2.5/snap.jpg?user=admin&password=hunter2',
      'http://192.0.2.5/snap.jpg?user=admin&password=***',
    ],
    ['rtsp://admin:hunter2@[bad/stream', 'rtsp://***@[bad/stream'],
  ];
  for (const [input, expected] of cases) {
    it(`redacts ${expected}`, () => {
      expect(redactUrl(input)).toBe(expected);
      expect(redactUrl(input)).not.toContain('hunter2');
    });
  }
});
