import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CRASH_CATEGORIES } from '../../src/crash/categories.js';
import { classifyCrash } from '../../src/crash/classify.js';
import { type CrashContext, CrashReporter } from '../../src/crash/report.js';
import { CRASH_REPORT_SCHEMA, checkStoredReport } from '../../src/crash/report-schema.js';
import { EventBus } from '../../src/events.js';
import { validateWithJsonSchema } from '../helpers/json-schema.js';

const DOCS = resolve(import.meta.dirname, '../../docs/crash-reports.md');

let workDir: string;
let schemaFile: string;

beforeAll(async () => {
  workDir = await mkdtemp(join(tmpdir(), 'crashproof-schema-'));
  schemaFile = join(workDir, 'schema.json');
  await writeFile(schemaFile, JSON.stringify(CRASH_REPORT_SCHEMA));
});

afterAll(async () => {
  await rm(workDir, { recursive: true, force: true });
});

function validate(documents: unknown[]): string[][] {
  return validateWithJsonSchema(schemaFile, documents);
}

function docsExamples(markdown: string): unknown[] {
  const blocks = [...markdown.matchAll(/```json\n([\s\S]*?)```/g)].map((match) => match[1]!);
  return blocks.map((block) => JSON.parse(block) as unknown);
}

const CONTEXT: CrashContext = {
  health: {
    state: 'unhealthy',
    lastCheck: {
      ok: false,
      error: 'timed out after 10 s',
      durationMs: 10_000,
      at: '2026-12-04T21:29:50.000Z',
    },
  },
  healthTimedOut: false,
  cameras: [
    {
      name: 'front-door',
      status: 'auth-failed',
      latencyMs: 42,
      since: '2026-12-04T21:00:00.000Z',
      detail: 'RTSP 401',
    },
    { name: 'garden', status: 'unknown' },
  ],
  memory: { rssBytes: 200_000_000, peakRssBytes: 250_000_000, limitBytes: 1_000_000_000 },
};

/** A real reporter on CONTEXT, whose classifier sees the cameras. */
function writer(): CrashReporter {
  return new CrashReporter({
    dir: workDir,
    keep: 10,
    bus: new EventBus(),
    logger: pino({ level: 'silent' }),
    context: () => CONTEXT,
    classify: (facts, context) =>
      classifyCrash({ ...facts, cameras: context.cameras, stopCause: facts.cause }),
  });
}

function buildWriterReport() {
  return writer().build({
    app: 'tapo-webapp',
    pid: 4242,
    exitCode: 1,
    signal: null,
    uptimeMs: 12_345,
    duringStart: false,
    cause: 'crash',
    reason: 'exit code 1',
    category: undefined,
    attempt: 2,
    nextDelayMs: 1500,
    fatal: false,
    command: ['/usr/bin/python3', '-m', 'uvicorn', 'main:app', '--port', '7777'],
    cwd: '/srv/tapo',
    stateBefore: 'running',
    outputTail: ['sqlite3.DatabaseError: database disk image is malformed'],
    survivors: [],
  });
}

describe('CrashReporter.build', () => {
  it('redacts command arguments and makes the output printable', () => {
    const escapes = '\u001b[2J\u001b]0;title\u0007\u001bc';
    const report = writer().build({
      app: 'leaky',
      pid: 4242,
      exitCode: 1,
      signal: null,
      uptimeMs: 50,
      duringStart: false,
      cause: 'crash',
      reason: 'exit code 1',
      category: undefined,
      attempt: 1,
      nextDelayMs: 1000,
      fatal: false,
      command: ['./leaky.sh', '--password', 'hunter2', 'rtsp://admin:pw2@127.0.0.1/s'],
      cwd: '/srv/leaky',
      stateBefore: 'running',
      outputTail: [
        `frame ${escapes}\u0000\ud800`,
        'sqlite3.OperationalError: database is \u001b[31mlocked\u001b[0m',
      ],
      survivors: [],
    });

    expect(report.command).toEqual([
      './leaky.sh',
      '--password',
      '***',
      'rtsp://admin:***@127.0.0.1/s',
    ]);
    expect(report.outputTail).toEqual([
      'frame \\x1bc\\x00\ufffd',
      'sqlite3.OperationalError: database is locked',
    ]);
    expect(report.evidence).toBe('sqlite3.OperationalError: database is locked');
    expect(JSON.stringify(report)).not.toMatch(/hunter2|pw2/);
    expect(validate([report])).toEqual([[]]);
  });
});

describe('CRASH_REPORT_SCHEMA', () => {
  it('accepts a report from the writer', () => {
    const report = buildWriterReport();
    expect(report.category).toBe('database');
    expect(validate([report])).toEqual([[]]);
  });

  it('accepts the documented examples', async () => {
    const examples = docsExamples(await readFile(DOCS, 'utf8'));
    expect(examples.length).toBeGreaterThanOrEqual(2);
    expect(validate(examples)).toEqual(examples.map(() => []));
  });

  it('rejects broken reports', () => {
    const report = buildWriterReport() as unknown as Record<string, unknown>;
    const { hint: _hint, ...missingHint } = report;
    const errors = validate([
      missingHint,
      { ...report, category: 'gremlins' },
      { ...report, version: 2 },
      { ...report, extra: true },
      { ...report, memory: { rssBytes: -1, peakRssBytes: 0 } },
    ]);
    for (const [index, messages] of errors.entries()) {
      expect(messages.length, `document ${index}`).toBeGreaterThan(0);
    }
  });
});

describe('docs/crash-reports.md', () => {
  it('names every field and category', async () => {
    const markdown = await readFile(DOCS, 'utf8');
    const crashSchema = CRASH_REPORT_SCHEMA.oneOf[0];
    for (const field of Object.keys(crashSchema.properties)) {
      expect(markdown, field).toContain(`| \`${field}\` |`);
    }
    for (const category of CRASH_CATEGORIES) {
      expect(markdown, category).toContain(`| \`${category}\` |`);
    }
  });
});

describe('checkStoredReport', () => {
  it('accepts the writer report', () => {
    expect(checkStoredReport(buildWriterReport())).toBeUndefined();
  });

  it('names the problem', () => {
    expect(checkStoredReport([])).toBe('expected a JSON object');
    expect(checkStoredReport({ version: 2 })).toBe('unsupported version 2, expected 1');
    expect(checkStoredReport({ version: 1, kind: 'crash', id: 'a', time: 'yesterday' })).toBe(
      'invalid time "yesterday", expected an ISO date',
    );
    expect(
      checkStoredReport({ version: 1, kind: 'crash', id: 'a', time: '2026-12-04T21:30:00Z' }),
    ).toBe('a crash report needs "app" and "category"');
  });
});
