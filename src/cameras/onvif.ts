import { parseCameraUrl, redactUrl } from './address.js';
import { httpRequest } from './http-request.js';
import { ProbeFailure } from './network-errors.js';
import { type ProbeVerdict, runProbe } from './probe-runner.js';
import type { ProbeOptions, ProbeResult } from './types.js';

/** Path of the device management service on ONVIF devices (ONVIF Core Specification). */
export const ONVIF_DEVICE_SERVICE_PATH = '/onvif/device_service';

const ACTION = 'http://www.onvif.org/ver10/device/wsdl/GetSystemDateAndTime';

// GetSystemDateAndTime needs no credentials: the ONVIF core specification lets
// clients call it before authenticating, to learn the clock for WS-Security.
const REQUEST_BODY =
  '<?xml version="1.0" encoding="UTF-8"?>' +
  '<s:Envelope xmlns:s="http://www.w3.org/2003/05/soap-envelope" xmlns:tds="http://www.onvif.org/ver10/device/wsdl">' +
  '<s:Body><tds:GetSystemDateAndTime/></s:Body>' +
  '</s:Envelope>';

const MAX_RESPONSE_BYTES = 64 * 1024;

/**
 * Probe onvif://host[:2020] with a SOAP 1.2 GetSystemDateAndTime request to
 * http://host:port/onvif/device_service. Online when a SOAP response comes
 * back. The device clock's offset from ours goes into clockSkewMs, because a
 * skewed clock makes WS-Security authentication fail. Never rejects.
 */
export function probeOnvif(target: string, options: ProbeOptions): Promise<ProbeResult> {
  return runProbe(options.timeoutMs, async (signal) => {
    const address = parseCameraUrl(target);
    if (address.scheme !== 'onvif') {
      throw new ProbeFailure('not-a-camera', `not an onvif:// URL: ${redactUrl(target)}`);
    }

    const sentAt = Date.now();
    const response = await httpRequest({
      tls: false,
      host: address.host,
      port: address.port,
      path: ONVIF_DEVICE_SERVICE_PATH,
      method: 'POST',
      headers: { 'Content-Type': `application/soap+xml; charset=utf-8; action="${ACTION}"` },
      body: REQUEST_BODY,
      signal,
      maxBodyBytes: MAX_RESPONSE_BYTES,
      verifyTls: true,
    });
    const receivedAt = Date.now();

    if (response.status === 401)
      return { status: 'auth-required', detail: 'ONVIF HTTP 401: credentials required' };
    if (response.truncated) {
      return {
        status: 'not-a-camera',
        detail: `ONVIF response larger than ${MAX_RESPONSE_BYTES / 1024} KiB`,
      };
    }
    if (!hasElement(response.body, 'Envelope')) {
      return response.status >= 500
        ? { status: 'offline', detail: `HTTP ${response.status} without a SOAP response` }
        : {
            status: 'not-a-camera',
            detail: `HTTP ${response.status} without a SOAP response: no ONVIF service at ${ONVIF_DEVICE_SERVICE_PATH}`,
          };
    }

    if (hasElement(response.body, 'Fault')) return faultVerdict(response.body);

    const deviceTime = parseUtcDateTime(response.body);
    if (deviceTime === undefined) {
      return { status: 'online', detail: 'ONVIF responded without a valid UTCDateTime' };
    }
    // The device truncates to whole seconds, so its clock read somewhere in [T, T + 1 s):
    // take the middle of that second and of our request.
    const clockSkewMs = deviceTime + 500 - Math.round((sentAt + receivedAt) / 2);
    return { status: 'online', detail: `ONVIF ${describeSkew(clockSkewMs)}`, clockSkewMs };
  });
}

function faultVerdict(body: string): ProbeVerdict {
  const reason = elementText(body, 'Text') ?? elementText(body, 'Value') ?? 'no reason given';
  if (/NotAuthorized|not ?authori[sz]ed/i.test(body)) {
    return { status: 'auth-required', detail: 'ONVIF fault: not authorized' };
  }
  // A SOAP fault still proves an ONVIF service is running.
  return {
    status: 'online',
    detail: `ONVIF fault: ${reason.replace(/[^\x20-\x7e]/g, '?').slice(0, 80)}`,
  };
}

/**
 * "clock skew +90 s (device ahead)". The device reports whole seconds, so the
 * skew is shown in whole seconds and anything within a second is in sync.
 */
export function describeSkew(skewMs: number): string {
  if (Math.abs(skewMs) < 1000) return 'clock in sync (within 1 s)';
  const sign = skewMs > 0 ? '+' : '-';
  return `clock skew ${sign}${Math.round(Math.abs(skewMs) / 1000)} s (device ${skewMs > 0 ? 'ahead' : 'behind'})`;
}

/** Matches an element whatever its namespace prefix (s:, env:, SOAP-ENV:, tt:, none). */
function elementPattern(name: string): RegExp {
  return new RegExp(`<(?:[\\w.-]+:)?${name}\\b[^>]*>([\\s\\S]*?)</(?:[\\w.-]+:)?${name}>`);
}

function hasElement(xml: string, name: string): boolean {
  return new RegExp(`<(?:[\\w.-]+:)?${name}\\b`).test(xml);
}

function elementText(xml: string, name: string): string | undefined {
  return elementPattern(name).exec(xml)?.[1]?.trim();
}

/**
 * Read SystemDateAndTime/UTCDateTime (tt:Date Year/Month/Day, tt:Time
 * Hour/Minute/Second) as epoch milliseconds, or undefined when absent or invalid.
 */
export function parseUtcDateTime(xml: string): number | undefined {
  const utc = elementText(xml, 'UTCDateTime');
  if (utc === undefined) return undefined;

  const field = (name: string) => {
    const text = elementText(utc, name);
    return text !== undefined && /^\d+$/.test(text) ? Number(text) : Number.NaN;
  };
  const [year, month, day, hour, minute, second] = [
    'Year',
    'Month',
    'Day',
    'Hour',
    'Minute',
    'Second',
  ].map(field);
  const parts = [year, month, day, hour, minute, second] as number[];
  if (parts.some(Number.isNaN)) return undefined;
  if (
    month! < 1 ||
    month! > 12 ||
    day! < 1 ||
    day! > 31 ||
    hour! > 23 ||
    minute! > 59 ||
    second! > 60
  )
    return undefined;

  return Date.UTC(year!, month! - 1, day!, hour!, minute!, second!);
}
