import { z } from 'zod';
import { duration } from '../units.js';

/** A camera probed directly: an RTSP, ONVIF, HTTP(S) or TCP address, or a V4L2 device node. */
export const cameraSchema = z
  .strictObject({
    name: z.string().min(1).regex(/^[A-Za-z0-9._-]+$/, 'use letters, digits, ".", "_" and "-"'),
    url: z.string().optional(),
    device: z.string().optional(),
    kind: z.enum(['camera', 'webcam', 'doorbell']).default('camera'),
    /** The app that reports this camera in its health body; matched by camera name. */
    app: z.string().optional(),
    /** Name of the device in the app's health body, when it differs from `name`. */
    reportedAs: z.string().optional(),
    interval: duration().prefault('30s'),
    timeout: duration().prefault('5s'),
  })
  .refine((camera) => (camera.url === undefined) !== (camera.device === undefined), {
    message: 'set exactly one of "url" (rtsp://, onvif://, http(s)://, tcp://) or "device" (/dev/video0)',
  });

export type CameraConfig = z.output<typeof cameraSchema>;

/** Conditions to wait for before an app's first start. */
export const startConditionSchema = z.strictObject({
  device: z.string().optional(),
  tcp: z.string().optional(),
  camera: z.string().optional(),
  mounted: z.string().optional(),
  app: z.string().optional(),
  timeout: duration().prefault('5m'),
});

export type StartConditionConfig = z.output<typeof startConditionSchema>;
