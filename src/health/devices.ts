import { redactText } from '../crash/redact.js';

/**
 * Device lists inside health bodies. Camera web apps report their cameras in
 * many shapes: an array of records, a map by name, a map of status strings,
 * or only counts ("total": 2, "online": 0). This module turns each of them
 * into DeviceReport records and never throws on unexpected JSON.
 */

export type DeviceType = 'camera' | 'webcam' | 'doorbell' | 'unknown';

export interface DeviceReport {
  name: string;
  type: DeviceType;
  /** undefined when the body does not say whether the device is reachable. */
  online: boolean | undefined;
  /** Error text or non-standard status from the body, redacted and shortened. */
  detail?: string;
  /** The body's last-seen time as written, or ISO 8601 for epoch numbers. */
  lastSeen?: string;
}

/** Nesting followed when looking for device lists. Deeper values are ignored. */
export const MAX_DEVICE_DEPTH = 8;

/** Devices kept from one body, so that a huge list cannot flood logs and memory. */
export const MAX_DEVICES = 256;

/** Entries read from one array or map, so that a huge container is not walked in full. */
const MAX_ENTRIES = 1024;

const MAX_TEXT_LENGTH = 200;

type JsonObject = Record<string, unknown>;

/** Normalised group key → type of the devices it lists. */
const GROUP_KEYS = new Map<string, DeviceType>([
  ['cameras', 'camera'],
  ['camera', 'camera'],
  ['ipcameras', 'camera'],
  ['webcams', 'webcam'],
  ['webcam', 'webcam'],
  ['usbcameras', 'webcam'],
  ['doorbells', 'doorbell'],
  ['doorbell', 'doorbell'],
  ['ring', 'doorbell'],
  ['devices', 'unknown'],
  ['components', 'unknown'],
  ['checks', 'unknown'],
  ['services', 'unknown'],
]);

/** Keys inside a counts object ("total": 2) that may hold the per-device list. */
const NESTED_LIST_KEYS = ['details', 'list', 'items', 'entries', 'devices', 'cameras'];

const ONLINE_WORDS = new Set([
  'online',
  'connected',
  'ok',
  'healthy',
  'up',
  'pass',
  'passing',
  'active',
  'streaming',
  'ready',
  'available',
  'operational',
  'recording',
  'running',
  'alive',
  'reachable',
  // A device that warns is still reachable; the warning stays in detail.
  'degraded',
  'warn',
  'warning',
]);

const OFFLINE_WORDS = new Set([
  'offline',
  'disconnected',
  'down',
  'fail',
  'failed',
  'failure',
  'error',
  'unhealthy',
  'unreachable',
  'critical',
  'unavailable',
  'timeout',
  'timedout',
  'dead',
  'lost',
  'notconnected',
]);

const NAME_KEYS = ['name', 'id', 'deviceid', 'cameraid', 'componentid', 'label', 'title'];
const TYPE_KEYS = ['type', 'kind', 'devicetype', 'cameratype', 'componenttype', 'category'];
const ONLINE_FLAG_KEYS = ['online', 'connected', 'isonline', 'isconnected', 'alive', 'reachable'];
const STATUS_KEYS = ['status', 'state', 'connection', 'connectionstatus'];
/** Fields whose text means the device fails now. DETAIL_KEYS ("last_error") are only detail. */
const ERROR_KEYS = ['error', 'errormessage'];
const DETAIL_KEYS = ['lasterror', 'message', 'reason', 'output'];
const LAST_SEEN_KEYS = [
  'lastseen',
  'lastseenat',
  'lastonline',
  'lastsuccess',
  'lastcontact',
  'lastupdate',
];

/** Lower-case a key and drop "_", "-" and spaces, so last_seen, lastSeen and Last-Seen match. */
export function normaliseKey(key: string): string {
  return key.toLowerCase().replace(/[\s_-]/g, '');
}

export function isJsonObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Shorten and redact text from a body: camera names and errors may carry RTSP credentials. */
export function cleanText(text: string): string {
  const single = text.replace(/\s+/g, ' ').trim();
  const short = single.length > MAX_TEXT_LENGTH ? `${single.slice(0, MAX_TEXT_LENGTH)}…` : single;
  return redactText(short);
}

/** Map an object's keys by normalised name. The first key wins on a clash. */
function fieldsOf(record: JsonObject): Map<string, unknown> {
  const fields = new Map<string, unknown>();
  let count = 0;
  for (const key of Object.keys(record)) {
    if (++count > MAX_ENTRIES) break;
    const normalised = normaliseKey(key);
    if (!fields.has(normalised)) fields.set(normalised, record[key]);
  }
  return fields;
}

function firstOf(fields: Map<string, unknown>, keys: readonly string[]): unknown {
  for (const key of keys) {
    const value = fields.get(key);
    if (value !== undefined && value !== null) return value;
  }
  return undefined;
}

/** Classify a device type string: "USB webcam", "tapo_c200", "ring_doorbell". */
function typeFromText(text: string): DeviceType | undefined {
  const lower = text.toLowerCase();
  if (lower.includes('webcam') || lower.includes('usb') || lower.includes('v4l')) return 'webcam';
  if (lower.includes('doorbell') || lower.includes('ring')) return 'doorbell';
  if (/cam|tapo|onvif|rtsp/.test(lower)) return 'camera';
  return undefined;
}

/** Classify a status word: true online, false offline, undefined for anything else. */
export function onlineFromStatus(value: unknown): boolean | undefined {
  if (typeof value === 'boolean') return value;
  if (typeof value !== 'string') return undefined;
  const word = normaliseKey(value);
  if (ONLINE_WORDS.has(word)) return true;
  if (OFFLINE_WORDS.has(word)) return false;
  return undefined;
}

function lastSeenFrom(value: unknown): string | undefined {
  if (typeof value === 'string' && value.trim() !== '') return cleanText(value);
  if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0) return undefined;

  // Epoch seconds (about 2001 to 2286) or epoch milliseconds; other numbers stay as written.
  if (value >= 1e9 && value < 1e10) return new Date(value * 1000).toISOString();
  if (value >= 1e12 && value < 1e13) return new Date(value).toISOString();
  return String(value);
}

function errorTextFrom(value: unknown): string | undefined {
  if (typeof value === 'string') return value.trim() === '' ? undefined : cleanText(value);
  if (value === true) return 'error';
  if (isJsonObject(value)) {
    const message = fieldsOf(value).get('message');
    return typeof message === 'string' && message.trim() !== '' ? cleanText(message) : 'error';
  }
  return undefined;
}

/** Keep a status word as detail unless it only repeats online or offline. */
function statusDetail(value: unknown): string | undefined {
  if (typeof value !== 'string' || value.trim() === '') return undefined;
  const word = normaliseKey(value);
  return word === 'online' || word === 'offline' ? undefined : cleanText(value);
}

/** Read one device record such as {"name": "front", "type": "camera", "status": "online"}. */
function deviceFromRecord(
  fallbackName: string,
  record: JsonObject,
  typeHint: DeviceType,
): DeviceReport {
  const fields = fieldsOf(record);

  const nameValue = firstOf(fields, NAME_KEYS);
  const name =
    typeof nameValue === 'string' && nameValue.trim() !== ''
      ? cleanText(nameValue)
      : typeof nameValue === 'number' && Number.isFinite(nameValue)
        ? String(nameValue)
        : fallbackName;

  const typeValue = firstOf(fields, TYPE_KEYS);
  const type = (typeof typeValue === 'string' ? typeFromText(typeValue) : undefined) ?? typeHint;

  // An explicit boolean flag wins over a status word; a current error alone means offline.
  let online: boolean | undefined;
  const flag = firstOf(fields, ONLINE_FLAG_KEYS);
  if (typeof flag === 'boolean') online = flag;
  const statusValue = firstOf(fields, STATUS_KEYS);
  if (online === undefined) online = onlineFromStatus(statusValue);
  const errorText = errorTextFrom(firstOf(fields, ERROR_KEYS));
  if (online === undefined && errorText !== undefined) online = false;

  const report: DeviceReport = { name, type, online };
  const detail =
    errorText ?? errorTextFrom(firstOf(fields, DETAIL_KEYS)) ?? statusDetail(statusValue);
  if (detail !== undefined) report.detail = detail;
  const lastSeen = lastSeenFrom(firstOf(fields, LAST_SEEN_KEYS));
  if (lastSeen !== undefined) report.lastSeen = lastSeen;
  return report;
}

/** Summarise a counts object such as {"total": 2, "online": 0} as one report for the group. */
function deviceFromCounts(
  groupName: string,
  fields: Map<string, unknown>,
  type: DeviceType,
): DeviceReport | undefined {
  const total = firstOf(fields, ['total', 'totaldevices', 'count']);
  if (typeof total !== 'number' || !Number.isFinite(total) || total <= 0) return undefined;

  let onlineCount = firstOf(fields, ['online', 'connected', 'alive', 'active']);
  if (typeof onlineCount !== 'number') {
    const offlineCount = firstOf(fields, ['offline', 'disconnected']);
    onlineCount = typeof offlineCount === 'number' ? total - offlineCount : undefined;
  }
  if (typeof onlineCount !== 'number' || !Number.isFinite(onlineCount)) {
    return { name: groupName, type, online: undefined, detail: `${total} in total` };
  }
  return {
    name: groupName,
    type,
    online: onlineCount >= total,
    detail: `${Math.max(0, onlineCount)} of ${total} online`,
  };
}

/** Check for a counts object: a numeric total beside online/offline counts or a nested list. */
function isCountsObject(fields: Map<string, unknown>): boolean {
  if (typeof firstOf(fields, ['total', 'totaldevices', 'count']) !== 'number') return false;
  for (const key of ['online', 'connected', 'alive', 'active', 'offline', 'disconnected']) {
    if (typeof fields.get(key) === 'number') return true;
  }
  return NESTED_LIST_KEYS.some((key) => fields.get(key) !== undefined);
}

function looksLikeDeviceRecord(fields: Map<string, unknown>): boolean {
  for (const key of [...ONLINE_FLAG_KEYS, ...STATUS_KEYS, 'error', ...NAME_KEYS]) {
    const value = fields.get(key);
    if (value !== undefined && (value === null || typeof value !== 'object')) return true;
  }
  return false;
}

class DeviceCollector {
  readonly devices: DeviceReport[] = [];

  get full(): boolean {
    return this.devices.length >= MAX_DEVICES;
  }

  add(device: DeviceReport): void {
    if (!this.full) this.devices.push(device);
  }

  /** Read the value under a group key such as "cameras" or "checks". */
  group(name: string, value: unknown, type: DeviceType, depth: number): void {
    if (depth > MAX_DEVICE_DEPTH || this.full) return;

    if (Array.isArray(value)) {
      this.list(name, value, type);
      return;
    }
    if (!isJsonObject(value)) return;

    const fields = fieldsOf(value);
    if (isCountsObject(fields)) {
      const before = this.devices.length;
      for (const key of NESTED_LIST_KEYS) {
        const nested = fields.get(key);
        if (nested !== undefined) this.group(name, nested, type, depth + 1);
      }
      if (this.devices.length === before) {
        const summary = deviceFromCounts(name, fields, type);
        if (summary) this.add(summary);
      }
      return;
    }
    if (looksLikeDeviceRecord(fields)) {
      this.add(deviceFromRecord(name, value, type));
      return;
    }
    this.map(value, type, depth);
  }

  /** Read an array of device records, or of names. */
  private list(name: string, items: unknown[], type: DeviceType): void {
    const count = Math.min(items.length, MAX_ENTRIES);
    for (let index = 0; index < count && !this.full; index++) {
      const item = items[index];
      const fallback = items.length === 1 ? name : `${name}[${index}]`;
      if (isJsonObject(item)) this.add(deviceFromRecord(fallback, item, type));
      else if (typeof item === 'string' && item.trim() !== '') {
        this.add({ name: cleanText(item), type, online: undefined });
      }
    }
  }

  /** Read a map by device name: {"front": {...}, "back": "offline", "garage": [{...}]}. */
  private map(record: JsonObject, type: DeviceType, depth: number): void {
    let count = 0;
    for (const key of Object.keys(record)) {
      if (++count > MAX_ENTRIES || this.full) break;
      const value = record[key];
      const name = cleanText(key);
      if (isJsonObject(value)) {
        if (isCountsObject(fieldsOf(value))) this.group(name, value, type, depth + 1);
        else this.add(deviceFromRecord(name, value, type));
      } else if (Array.isArray(value)) {
        this.list(name, value, type);
      } else if (typeof value === 'string' || typeof value === 'boolean') {
        const report: DeviceReport = { name, type, online: onlineFromStatus(value) };
        if (typeof value === 'string' && report.online !== true && value.trim() !== '') {
          report.detail = cleanText(value);
        }
        this.add(report);
      }
    }
  }

  /** Look through an object for group keys, down to MAX_DEVICE_DEPTH. */
  search(record: JsonObject, depth: number): void {
    if (depth > MAX_DEVICE_DEPTH) return;
    let count = 0;
    for (const key of Object.keys(record)) {
      if (++count > MAX_ENTRIES || this.full) break;
      const value = record[key];
      const type = GROUP_KEYS.get(normaliseKey(key));
      if (type !== undefined) this.group(cleanText(key), value, type, depth + 1);
      else if (isJsonObject(value)) this.search(value, depth + 1);
    }
  }
}

/**
 * Collect the devices a parsed health body reports. A top-level array is read
 * as a device list. An object is searched for keys such as cameras, webcams,
 * doorbells, ring, devices, components, checks and services.
 */
export function collectDevices(body: unknown): DeviceReport[] {
  const collector = new DeviceCollector();
  if (Array.isArray(body)) collector.group('device', body, 'unknown', 0);
  else if (isJsonObject(body)) collector.search(body, 0);
  return collector.devices;
}

/** Summarise offline devices for a reason or log line: "front (camera), garage (doorbell)". */
export function describeOffline(devices: readonly DeviceReport[], limit = 5): string {
  const offline = devices.filter((device) => device.online === false);
  const named = offline.slice(0, limit).map((device) => {
    const label = device.type === 'unknown' ? device.name : `${device.name} (${device.type})`;
    return device.detail ? `${label}: ${device.detail}` : label;
  });
  const rest = offline.length - named.length;
  return rest > 0 ? `${named.join(', ')} and ${rest} more` : named.join(', ');
}
