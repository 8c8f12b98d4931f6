import {
  cleanText,
  collectDevices,
  type DeviceReport,
  describeOffline,
  isJsonObject,
  normaliseKey,
} from './devices.js';

export type { DeviceReport, DeviceType } from './devices.js';

export type VerdictState = 'healthy' | 'degraded' | 'unhealthy';

export interface HealthVerdict {
  state: VerdictState;
  /** One line for people: 'status "warning"; offline: front (camera)'. */
  reason: string;
  /** The body's status value as written, redacted and shortened. */
  statusField?: string;
  devices: DeviceReport[];
}

const STATUS_WORDS = new Map<string, VerdictState>([
  ['healthy', 'healthy'],
  ['ok', 'healthy'],
  ['up', 'healthy'],
  ['pass', 'healthy'],
  // The Tapo camera web app reports "warning" when cameras exist and none is
  // online, or when CPU, memory or disk run high: the app itself is up.
  ['degraded', 'degraded'],
  ['warning', 'degraded'],
  ['warn', 'degraded'],
  ['unhealthy', 'unhealthy'],
  ['critical', 'unhealthy'],
  ['down', 'unhealthy'],
  ['fail', 'unhealthy'],
  ['error', 'unhealthy'],
]);

/** Top-level booleans read when there is no status field: {"ok": false}, {"healthy": true}. */
const BOOLEAN_STATUS_KEYS = ['healthy', 'ok'];

const utf8 = new TextDecoder('utf-8', { fatal: false });

function isSuccess(httpStatus: number): boolean {
  return Number.isInteger(httpStatus) && httpStatus >= 200 && httpStatus < 300;
}

function declaresJson(contentType: string | undefined): boolean {
  return typeof contentType === 'string' && /[/+]json\b/i.test(contentType);
}

type ParsedBody = { kind: 'json'; value: unknown } | { kind: 'invalid-json' } | { kind: 'text' };

/**
 * Decode and parse a body. Invalid UTF-8 is replaced (U+FFFD), not rejected,
 * so that one bad byte in a camera name does not hide the rest of the body.
 */
function parseBody(contentType: string | undefined, body: Buffer): ParsedBody {
  const text = utf8.decode(body).trim();
  if (text === '') return { kind: 'text' };

  const json = declaresJson(contentType);
  if (!json && !text.startsWith('{') && !text.startsWith('[')) return { kind: 'text' };
  try {
    return { kind: 'json', value: JSON.parse(text) as unknown };
  } catch {
    // A body that declares JSON and does not parse comes from a broken app.
    // An undeclared one that only looked like JSON is judged as text.
    return json ? { kind: 'invalid-json' } : { kind: 'text' };
  }
}

interface StatusReading {
  /** The state the body claims, or undefined when it names none or an unknown word. */
  state: VerdictState | undefined;
  /** The raw field for the reason and the verdict, when there is one. */
  field?: string;
}

function readStatus(body: unknown): StatusReading {
  if (!isJsonObject(body)) return { state: undefined };

  let statusValue: unknown;
  let booleanValue: unknown;
  for (const key of Object.keys(body)) {
    const normalised = normaliseKey(key);
    if (normalised === 'status' && statusValue === undefined) statusValue = body[key];
    else if (BOOLEAN_STATUS_KEYS.includes(normalised) && booleanValue === undefined) {
      booleanValue = body[key];
    }
  }

  if (typeof statusValue === 'string') {
    const field = cleanText(statusValue);
    return { state: STATUS_WORDS.get(statusValue.trim().toLowerCase()), field };
  }
  if (typeof statusValue === 'boolean') {
    return { state: statusValue ? 'healthy' : 'unhealthy', field: String(statusValue) };
  }
  if (typeof booleanValue === 'boolean') {
    return { state: booleanValue ? 'healthy' : 'unhealthy', field: String(booleanValue) };
  }
  return { state: undefined };
}

function withOffline(reason: string, devices: readonly DeviceReport[]): string {
  const offline = describeOffline(devices);
  return offline === '' ? reason : `${reason}; offline: ${offline}`;
}

function verdict(
  state: VerdictState,
  reason: string,
  devices: DeviceReport[],
  field: string | undefined,
): HealthVerdict {
  const result: HealthVerdict = { state, reason, devices };
  if (field !== undefined) result.statusField = field;
  return result;
}

function judge(httpStatus: number, contentType: string | undefined, body: Buffer): HealthVerdict {
  const parsed = parseBody(contentType, body);
  const value = parsed.kind === 'json' ? parsed.value : undefined;
  const devices = collectDevices(value);
  const status = readStatus(value);
  const quoted = status.field === undefined ? '' : `status "${status.field}"`;

  if (!isSuccess(httpStatus)) {
    const reason = quoted === '' ? `HTTP ${httpStatus}` : `HTTP ${httpStatus}, ${quoted}`;
    return verdict('unhealthy', withOffline(reason, devices), devices, status.field);
  }
  if (parsed.kind === 'invalid-json') {
    return verdict(
      'unhealthy',
      `invalid JSON body (Content-Type ${contentType})`,
      devices,
      undefined,
    );
  }

  const anyOffline = devices.some((device) => device.online === false);
  switch (status.state) {
    case 'unhealthy':
      return verdict('unhealthy', withOffline(quoted, devices), devices, status.field);
    case 'degraded':
      return verdict('degraded', withOffline(quoted, devices), devices, status.field);
    case 'healthy':
      return anyOffline
        ? verdict('degraded', withOffline(quoted, devices), devices, status.field)
        : verdict('healthy', quoted, devices, status.field);
    default: {
      // No status or an unknown word: HTTP 2xx shows that the app is up.
      const base =
        status.field === undefined ? `HTTP ${httpStatus}` : `HTTP ${httpStatus}, unknown ${quoted}`;
      return anyOffline
        ? verdict('degraded', withOffline(base, devices), devices, status.field)
        : verdict('healthy', base, devices, status.field);
    }
  }
}

/**
 * Judge a health response. Non-2xx is unhealthy; a JSON status field
 * decides next (healthy/ok/up/pass, degraded/warning/warn,
 * unhealthy/critical/down/fail/error); a healthy body with a device offline
 * is degraded. Bodies that are not JSON, or JSON of an unknown shape, are
 * judged by the HTTP status. Never throws.
 */
export function parseHealthBody(
  httpStatus: number,
  contentType: string | undefined,
  body: Buffer,
): HealthVerdict {
  try {
    return judge(httpStatus, contentType, body);
  } catch (error) {
    // Only a bug can land here, and the HTTP status still gives a usable verdict.
    const message = error instanceof Error ? error.message : String(error);
    return {
      state: isSuccess(httpStatus) ? 'healthy' : 'unhealthy',
      reason: `HTTP ${httpStatus}; body not read: ${cleanText(message)}`,
      devices: [],
    };
  }
}
