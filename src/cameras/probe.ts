import type { CameraConfig } from '../config/schema/cameras.js';
import { redactUrl } from './address.js';
import { probeHttp } from './http.js';
import { probeOnvif } from './onvif.js';
import { runProbe } from './probe-runner.js';
import { probeRtsp } from './rtsp.js';
import { probeTcp } from './tcp.js';
import type { Probe, ProbeResult } from './types.js';
import { probeV4l2 } from './v4l2.js';

const PROBES_BY_SCHEME: Record<string, Probe> = {
  rtsp: probeRtsp,
  onvif: probeOnvif,
  http: probeHttp,
  https: probeHttp,
  tcp: probeTcp,
};

/** False for a camera known only from the app's health report, such as a cloud doorbell. */
export function isProbeable(camera: Pick<CameraConfig, 'url' | 'device'>): boolean {
  return camera.url !== undefined || camera.device !== undefined;
}

/** Format the camera's address for logs and tables: its device path, or its URL without the password. */
export function cameraAddress(camera: Pick<CameraConfig, 'url' | 'device'>): string {
  if (camera.device !== undefined) return camera.device;
  if (camera.url !== undefined) return redactUrl(camera.url);
  return '-';
}

/**
 * Probe a configured camera with the probe its URL scheme or device calls
 * for, within `timeoutMs` (the camera's own timeout by default). Never rejects.
 */
export function probeCamera(
  camera: Pick<CameraConfig, 'url' | 'device' | 'timeout'>,
  options: { timeoutMs?: number } = {},
): Promise<ProbeResult> {
  const timeoutMs = options.timeoutMs ?? camera.timeout;
  if (camera.device !== undefined) return probeV4l2(camera.device, { timeoutMs });

  const url = camera.url;
  if (url === undefined) {
    return runProbe(timeoutMs, async () => ({
      status: 'not-a-camera',
      detail: "no url or device to probe: judged from the app's health report alone",
    }));
  }

  const scheme = /^([a-z][a-z0-9+.-]*):/i.exec(url)?.[1]?.toLowerCase() ?? '';
  const probe = PROBES_BY_SCHEME[scheme];
  if (!probe) {
    return runProbe(timeoutMs, async () => ({
      status: 'not-a-camera',
      detail: `unsupported URL scheme in ${redactUrl(url)}: use rtsp://, onvif://, http://, https:// or tcp://`,
    }));
  }
  return probe(url, { timeoutMs });
}
