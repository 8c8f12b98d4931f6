import { CRASH_CATEGORIES } from './categories.js';

/**
 * The JSON Schema (draft 2020-12) of the files in logs/crash-reports/: one
 * crash report per crash (kind "crash") and summary reports (kind
 * "summary") when an app goes fatal or the runner stops. docs/crash-reports.md
 * describes every field. Bump `version` when a field changes meaning or
 * disappears; adding an optional field keeps version 1.
 */

const APP_STATES = ['stopped', 'starting', 'running', 'backoff', 'stopping', 'fatal'] as const;
const HEALTH_STATES = ['unknown', 'healthy', 'degraded', 'unhealthy'] as const;
const CAMERA_STATUSES = [
  'unknown',
  'online',
  'auth-required',
  'auth-failed',
  'offline',
  'not-a-camera',
  'unplugged',
  'permission-denied',
] as const;

const nullableString = { type: ['string', 'null'] } as const;
const nullableInteger = { type: ['integer', 'null'] } as const;
const dateTime = { type: 'string', format: 'date-time' } as const;
const nonNegative = { type: 'number', minimum: 0 } as const;
const byteCount = { type: 'integer', minimum: 0 } as const;

const healthCheckSchema = {
  type: 'object',
  required: ['ok', 'durationMs', 'at'],
  additionalProperties: false,
  properties: {
    ok: { type: 'boolean' },
    httpStatus: nullableInteger,
    error: nullableString,
    durationMs: nonNegative,
    at: dateTime,
  },
} as const;

const cameraSchema = {
  type: 'object',
  required: ['name', 'status'],
  additionalProperties: false,
  properties: {
    name: { type: 'string' },
    status: { enum: CAMERA_STATUSES },
    latencyMs: { type: ['number', 'null'], minimum: 0 },
    since: { type: ['string', 'null'], format: 'date-time' },
    detail: nullableString,
  },
} as const;

const crashReportSchema = {
  type: 'object',
  required: [
    'version',
    'id',
    'kind',
    'app',
    'time',
    'exitCode',
    'signal',
    'uptimeMs',
    'duringStart',
    'attempt',
    'nextDelayMs',
    'command',
    'cwd',
    'stateBefore',
    'category',
    'hint',
    'evidence',
    'ruleId',
    'outputTail',
    'health',
    'cameras',
    'memory',
    'survivors',
    'host',
  ],
  additionalProperties: false,
  properties: {
    version: { const: 1 },
    id: { type: 'string', pattern: '^[A-Za-z0-9._-]+$' },
    kind: { const: 'crash' },
    app: { type: 'string' },
    time: dateTime,
    pid: nullableInteger,
    exitCode: nullableInteger,
    signal: { type: ['string', 'null'], pattern: '^SIG[A-Z0-9]+$' },
    uptimeMs: nonNegative,
    duringStart: { type: 'boolean' },
    cause: { type: 'string' },
    reason: { type: 'string' },
    attempt: { type: 'integer', minimum: 0 },
    nextDelayMs: { type: ['number', 'null'], minimum: 0 },
    fatal: { type: 'boolean' },
    command: { type: 'array', items: { type: 'string' } },
    cwd: { type: 'string' },
    stateBefore: { enum: APP_STATES },
    category: { enum: CRASH_CATEGORIES },
    hint: { type: 'string' },
    evidence: { type: ['string', 'null'], maxLength: 500 },
    ruleId: { type: 'string', minLength: 1 },
    outputTail: { type: 'array', items: { type: 'string' } },
    health: {
      oneOf: [
        { type: 'null' },
        {
          type: 'object',
          required: ['state'],
          additionalProperties: false,
          properties: {
            state: { enum: HEALTH_STATES },
            lastCheck: { oneOf: [{ type: 'null' }, healthCheckSchema] },
          },
        },
      ],
    },
    cameras: { type: 'array', items: cameraSchema },
    memory: {
      oneOf: [
        { type: 'null' },
        {
          type: 'object',
          required: ['rssBytes', 'peakRssBytes'],
          additionalProperties: false,
          properties: {
            rssBytes: byteCount,
            peakRssBytes: byteCount,
            limitBytes: { type: ['integer', 'null'], minimum: 0 },
          },
        },
      ],
    },
    survivors: { type: 'array', items: { type: 'integer', minimum: 1 } },
    host: {
      type: 'object',
      required: ['hostname', 'platform', 'release', 'node', 'runnerPid'],
      additionalProperties: false,
      properties: {
        hostname: { type: 'string' },
        platform: { type: 'string' },
        release: { type: 'string' },
        node: { type: 'string' },
        runnerPid: { type: 'integer', minimum: 1 },
      },
    },
  },
} as const;

// Summaries embed runner state that grows with the status document, so only
// their frame is fixed here.
const summaryReportSchema = {
  type: 'object',
  required: ['version', 'id', 'kind', 'time', 'reason', 'apps', 'lastCrashes'],
  properties: {
    version: { const: 1 },
    id: { type: 'string', pattern: '^[A-Za-z0-9._-]+$' },
    kind: { const: 'summary' },
    time: dateTime,
    reason: { type: 'string' },
    apps: {
      type: 'array',
      items: {
        type: 'object',
        required: ['name', 'state'],
        properties: { name: { type: 'string' }, state: { enum: APP_STATES } },
      },
    },
    lastCrashes: {
      type: 'array',
      items: {
        type: 'object',
        required: ['id', 'app', 'time', 'category'],
        properties: {
          id: { type: 'string' },
          app: { type: 'string' },
          time: dateTime,
          category: { enum: CRASH_CATEGORIES },
          reason: { type: 'string' },
          exitCode: nullableInteger,
          signal: nullableString,
        },
      },
    },
  },
} as const;

export const CRASH_REPORT_SCHEMA = {
  $schema: 'https://json-schema.org/draft/2020-12/schema',
  title: 'crashproof crash report',
  oneOf: [crashReportSchema, summaryReportSchema],
} as const;

/** The fields of a stored report that the reports command reads; the rest it prints as found. */
export interface StoredReport {
  version: 1;
  id: string;
  kind: 'crash' | 'summary';
  time: string;
  app?: string;
  category?: string;
  [field: string]: unknown;
}

/**
 * Check the frame of a parsed report file: the fields that every reader
 * relies on. Returns the problem, or undefined for a usable report.
 */
export function checkStoredReport(value: unknown): string | undefined {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    return 'expected a JSON object';
  }
  const report = value as Record<string, unknown>;

  if (report.version !== 1)
    return `unsupported version ${JSON.stringify(report.version)}, expected 1`;
  if (report.kind !== 'crash' && report.kind !== 'summary') {
    return `invalid kind ${JSON.stringify(report.kind)}, expected "crash" or "summary"`;
  }
  if (typeof report.id !== 'string') return 'missing "id"';
  if (typeof report.time !== 'string' || Number.isNaN(Date.parse(report.time))) {
    return `invalid time ${JSON.stringify(report.time)}, expected an ISO date`;
  }
  if (
    report.kind === 'crash' &&
    (typeof report.app !== 'string' || typeof report.category !== 'string')
  ) {
    return 'a crash report needs "app" and "category"';
  }
  return undefined;
}
