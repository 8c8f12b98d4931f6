import { describe, expect, it } from 'vitest';
import { cameraSchema } from '../../src/config/schema/cameras.js';

function messages(input: unknown): string[] {
  return cameraSchema.safeParse(input).error?.issues.map((issue) => issue.message) ?? [];
}

describe('cameraSchema', () => {
  it('parses durations and defaults', () => {
    const camera = cameraSchema.parse({
      name: 'door',
      url: 'rtsp://127.0.0.1/stream1',
      interval: '10s',
    });
    expect(camera).toMatchObject({ kind: 'camera', interval: 10_000, timeout: 5000 });
  });

  it('lets a doorbell go without an address', () => {
    expect(cameraSchema.parse({ name: 'ring', kind: 'doorbell' }).url).toBeUndefined();
  });

  it('needs an address for other kinds', () => {
    expect(messages({ name: 'door' })).toEqual([
      'camera "door" needs "url" (rtsp://, onvif://, http(s)://, tcp://) or "device" (/dev/video0); only a doorbell may have neither',
    ]);
  });

  it('rejects both url and device', () => {
    expect(messages({ name: 'door', url: 'tcp://127.0.0.1:1', device: '/dev/video0' })).toEqual([
      'camera "door" sets both "url" and "device": keep one',
    ]);
  });

  it('rejects an unsupported URL without showing its password', () => {
    const [message] = messages({ name: 'door', url: 'rtmp://admin:hunter2@127.0.0.1/live' });
    expect(message).toContain('unsupported camera URL scheme "rtmp:"');
    expect(message).not.toContain('hunter2');
  });

  it('rejects a relative device path', () => {
    expect(messages({ name: 'cam', device: 'video0' })).toEqual([
      'device "video0" is not an absolute path: write it as /dev/video0',
    ]);
  });
});
