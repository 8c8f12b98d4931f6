import { z } from 'zod';
import { parseCameraUrl } from '../../cameras/address.js';
import { duration } from '../units.js';

/**
 * A camera probed directly: an RTSP, ONVIF, HTTP(S) or TCP address, or a V4L2
 * device node. A doorbell may have neither: a cloud doorbell (Ring) is judged
 * from the app's health report alone.
 */
export const cameraSchema = z
  .strictObject({
    name: z
      .string()
      .min(1)
      .regex(/^[A-Za-z0-9._-]+$/, 'use letters, digits, ".", "_" and "-"'),
    url: z.string().optional(),
    device: z.string().optional(),
    kind: z.enum(['camera', 'webcam', 'doorbell']).default('camera'),
    /** The app that reports this camera in its health body; any app when unset. */
    app: z.string().optional(),
    /** Name of the device in the app's health body, when it differs from `name`. */
    reportedAs: z.string().optional(),
    interval: duration().prefault('30s'),
    timeout: duration().prefault('5s'),
  })
  .superRefine((camera, ctx) => {
    if (camera.url !== undefined && camera.device !== undefined) {
      ctx.addIssue({
        code: 'custom',
        message: `camera "${camera.name}" sets both "url" and "device": keep one`,
      });
      return;
    }
    if (camera.url === undefined && camera.device === undefined && camera.kind !== 'doorbell') {
      ctx.addIssue({
        code: 'custom',
        message: `camera "${camera.name}" needs "url" (rtsp://, onvif://, http(s)://, tcp://) or "device" (/dev/video0); only a doorbell may have neither`,
      });
      return;
    }
    if (camera.url !== undefined) {
      try {
        parseCameraUrl(camera.url);
      } catch (error) {
        ctx.addIssue({ code: 'custom', path: ['url'], message: (error as Error).message });
      }
    }
    if (camera.device !== undefined && !camera.device.startsWith('/')) {
      ctx.addIssue({
        code: 'custom',
        path: ['device'],
        message: `device "${camera.device}" is not an absolute path: write it as /dev/video0`,
      });
    }
  });

export type CameraConfig = z.output<typeof cameraSchema>;

const START_CONDITION_KINDS = ['device', 'tcp', 'camera', 'mounted', 'app'] as const;

/** A condition to wait for before an app's first start; set exactly one of the kinds. */
export const startConditionSchema = z
  .strictObject({
    /** A device node that must exist, such as /dev/video0. */
    device: z.string().optional(),
    /** host:port that must accept a TCP connection, such as 192.168.1.20:554 or [::1]:8080. */
    tcp: z.string().optional(),
    /** Name of a camera under "cameras" whose probe must report it online. */
    camera: z.string().optional(),
    /** A path that must be a mount point, such as a NAS share for recordings. */
    mounted: z.string().optional(),
    /** Name of another app that must be ready. */
    app: z.string().optional(),
    timeout: duration().prefault('5m'),
  })
  .superRefine((condition, ctx) => {
    const set = START_CONDITION_KINDS.filter((kind) => condition[kind] !== undefined);
    if (set.length !== 1) {
      ctx.addIssue({
        code: 'custom',
        message: `a start condition needs exactly one of ${START_CONDITION_KINDS.join(', ')}; got ${set.length === 0 ? 'none' : set.join(', ')}`,
      });
      return;
    }
    if (condition.tcp !== undefined && parseHostPort(condition.tcp) === undefined) {
      ctx.addIssue({
        code: 'custom',
        path: ['tcp'],
        message: `invalid tcp condition "${condition.tcp}": write it as host:port, such as 192.168.1.20:554 or [::1]:8080`,
      });
    }
  });

export type StartConditionConfig = z.output<typeof startConditionSchema>;

/** Split "host:port" or "[v6]:port"; undefined when the port is missing or out of range. */
export function parseHostPort(text: string): { host: string; port: number } | undefined {
  const match = /^(?:\[([^\]]+)\]|([^:[\]]+)):(\d{1,5})$/.exec(text.trim());
  if (!match) return undefined;
  const port = Number(match[3]);
  if (port < 1 || port > 65535) return undefined;
  return { host: match[1] ?? match[2]!, port };
}
