import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import pino from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type ReportsArgs, runReports } from '../../src/cli/reports.js';
import { classifyCrash } from '../../src/crash/classify.js';
import { type CrashContext, CrashReporter } from '../../src/crash/report.js';
import { EventBus } from '../../src/events.js';
import { fileSafeTime } from '../../src/util/atomic-write.js';
import { TempDirs } from '../helpers/temp.js';

const NOW = new Date('2026-12-05T12:00:00.000Z');

const CONTEXT: CrashContext = {
  health: {
    state: 'healthy',
    lastCheck: { ok: true, httpStatus: 200, durationMs: 12, at: '2026-12-04T21:29:45.000Z' },
  },
  healthTimedOut: false,
  cameras: [
    {
      name: 'front-door',
      status: 'online',
      latencyMs: 38,
      detail: 'rtsp://admin:hunter2@127.0.0.1:8554/stream1',
    },
  ],
  memory: { rssBytes: 412_000_000, peakRssBytes: 455_000_000, limitBytes: 2_000_000_000 },
};

const temp = new TempDirs();
let dir: string;

beforeEach(async () => {
  dir = await temp.make('crashproof-reports-');
});

afterEach(async () => {
  await temp.removeAll();
});

/** Write a crash report the way the runner does, with the real writer's build(). */
async function writeCrash(
  app: string,
  time: string,
  outputTail: string[],
  exitCode: number | null = 1,
) {
  const reporter = new CrashReporter({
    dir,
    keep: 100,
    bus: new EventBus(),
    logger: pino({ level: 'silent' }),
    context: () => CONTEXT,
    classify: (facts) => classifyCrash({ ...facts, stopCause: facts.cause }),
  });
  const report = reporter.build(
    {
      app,
      pid: 4242,
      exitCode,
      signal: exitCode === null ? 'SIGSEGV' : null,
      uptimeMs: 5_412_003,
      duringStart: false,
      cause: 'crash',
      reason: 'exit code 1',
      category: undefined,
      attempt: 1,
      nextDelayMs: 1000,
      fatal: false,
      command: ['/usr/bin/python3', '-m', 'uvicorn', 'main:app'],
      cwd: '/srv/tapo',
      stateBefore: 'running',
      outputTail,
      survivors: [],
    },
    new Date(time),
  );
  await writeFile(path.join(dir, `${report.id}.json`), JSON.stringify(report, null, 2));
  return report.id;
}

async function writeSummary(time: string) {
  const id = `summary-${fileSafeTime(new Date(time))}`;
  const summary = {
    version: 1,
    id,
    kind: 'summary',
    time,
    reason: 'tapo-webapp is fatal',
    apps: [{ name: 'tapo-webapp', state: 'fatal', restartsTotal: 10 }],
    lastCrashes: [],
  };
  await writeFile(path.join(dir, `${id}.json`), JSON.stringify(summary));
  return id;
}

async function seed() {
  const ids = {
    oldDatabase: await writeCrash('tapo-webapp', '2026-12-03T08:00:00.000Z', [
      'sqlite3.DatabaseError: database disk image is malformed',
    ]),
    network: await writeCrash('tapo-webapp', '2026-12-04T21:30:00.123Z', [
      'ConnectionRefusedError: [Errno 111] Connection refused',
    ]),
    database: await writeCrash('tapo-webapp', '2026-12-05T10:00:00.000Z', [
      'sqlite3.OperationalError: database is locked',
    ]),
    ring: await writeCrash('ring-bridge', '2026-12-05T11:00:00.000Z', [], null),
    summary: await writeSummary('2026-12-05T11:30:00.000Z'),
  };
  await writeFile(path.join(dir, 'broken.json'), '{"version": 1, "kind": "crash"');
  await writeFile(path.join(dir, 'other.json'), '{"version": 7}');
  await writeFile(path.join(dir, 'notes.txt'), 'not a report');
  return ids;
}

async function run(args: ReportsArgs) {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  const chunks = { stdout: '', stderr: '' };
  stdout.on('data', (chunk: Buffer) => (chunks.stdout += chunk.toString()));
  stderr.on('data', (chunk: Buffer) => (chunks.stderr += chunk.toString()));
  const code = await runReports(dir, args, { stdout, stderr }, NOW);
  return { code, ...chunks };
}

describe('runReports list', () => {
  it('lists every report oldest first', async () => {
    const ids = await seed();
    const { code, stdout, stderr } = await run({});
    expect(code).toBe(0);

    const lines = stdout.trim().split('\n');
    expect(lines[0]).toMatch(/^TIME \(UTC\)\s+APP\s+CATEGORY\s+EXIT\s+ID$/);
    expect(lines[1]).toMatch(/^2026-12-03 08:00:00\s+tapo-webapp\s+database\s+exit 1\s+/);
    expect(lines[1]!.endsWith(ids.oldDatabase)).toBe(true);
    expect(lines[4]).toMatch(
      /^2026-12-05 11:00:00\s+ring-bridge\s+native-crash\s+signal SIGSEGV\s+/,
    );
    expect(lines[5]).toMatch(/^2026-12-05 11:30:00\s+tapo-webapp\s+summary\s+-\s+summary-/);
    expect(lines[6]).toBe('5 reports: 4 crashes, 1 summaries');

    expect(stderr).toContain(`skipping ${path.join(dir, 'broken.json')}:`);
    expect(stderr).toContain(
      `skipping ${path.join(dir, 'other.json')}: unsupported version 7, expected 1`,
    );
    expect(stderr).not.toContain('notes.txt');
  });

  it('filters by app, category and since', async () => {
    const ids = await seed();

    const byApp = await run({ app: 'ring-bridge', json: true });
    expect(
      byApp.stdout
        .trim()
        .split('\n')
        .map((line) => JSON.parse(line).id),
    ).toEqual([ids.ring]);

    const byCategory = await run({ category: 'database', json: true });
    expect(
      byCategory.stdout
        .trim()
        .split('\n')
        .map((line) => JSON.parse(line).id),
    ).toEqual([ids.oldDatabase, ids.database]);

    const lastDay = await run({ since: '24h', app: 'tapo-webapp', json: true });
    expect(
      lastDay.stdout
        .trim()
        .split('\n')
        .map((line) => JSON.parse(line).id),
    ).toEqual([ids.network, ids.database, ids.summary]);

    const sinceDate = await run({ since: '2026-12-05', category: 'database', json: true });
    expect(
      sinceDate.stdout
        .trim()
        .split('\n')
        .map((line) => JSON.parse(line).id),
    ).toEqual([ids.database]);
  });

  it('says when nothing matches', async () => {
    await seed();
    const { code, stdout } = await run({ app: 'nothing' });
    expect(code).toBe(0);
    expect(stdout).toBe(`no crash reports in ${dir} match\n`);
  });

  it('treats a missing directory as empty', async () => {
    dir = path.join(dir, 'missing');
    const { code, stdout } = await run({});
    expect(code).toBe(0);
    expect(stdout).toBe(`no crash reports in ${dir} match\n`);
  });

  it('rejects invalid filters', async () => {
    const category = await run({ category: 'gremlins' });
    expect(category.code).toBe(2);
    expect(category.stderr).toContain(
      'invalid --category "gremlins": use one of network, usb-device',
    );

    const since = await run({ since: 'last tuesday' });
    expect(since.code).toBe(2);
    expect(since.stderr).toContain('invalid --since "last tuesday"');
  });
});

describe('runReports show', () => {
  it('prints a crash report readably', async () => {
    const ids = await seed();
    const { code, stdout } = await run({ action: 'show', id: ids.network });
    expect(code).toBe(0);
    expect(stdout).toContain(`Crash report ${ids.network}\n`);
    expect(stdout).toMatch(/ {2}category: +network \(rule connection-refused\)\n/);
    expect(stdout).toMatch(/ {2}exit: +exit 1 after 1h 30m 12s\n/);
    expect(stdout).toMatch(/ {2}attempt: +1, next start in 1s\n/);
    expect(stdout).toMatch(/ {2}health: +healthy; last check ok HTTP 200 in 12 ms/);
    expect(stdout).toMatch(/ {2}memory: +RSS 392\.9 MiB, peak 433\.9 MiB, limit 1\.9 GiB\n/);
    expect(stdout).toMatch(
      / {2}front-door +online +38 ms +rtsp:\/\/admin:\*\*\*@127\.0\.0\.1:8554\/stream1\n/,
    );
    expect(stdout).toContain('  | ConnectionRefusedError: [Errno 111] Connection refused\n');
    expect(stdout).not.toContain('hunter2');
  });

  it('finds a report by unique prefix or file name', async () => {
    const ids = await seed();
    const prefix = await run({ action: 'show', id: 'ring-bridge-2026-12-05' });
    expect(prefix.code).toBe(0);
    expect(prefix.stdout).toContain(`Crash report ${ids.ring}`);

    const fileName = await run({ action: 'show', id: `${ids.summary}.json` });
    expect(fileName.code).toBe(0);
    expect(fileName.stdout).toContain(`Summary report ${ids.summary}`);
    expect(fileName.stdout).toContain('tapo-webapp  fatal  10 restarts');
  });

  it('fails on ambiguous or unknown ids', async () => {
    await seed();
    const ambiguous = await run({ action: 'show', id: 'tapo-webapp-2026-12' });
    expect(ambiguous.code).toBe(1);
    expect(ambiguous.stderr).toContain('3 reports in');

    const unknown = await run({ action: 'show', id: 'nope' });
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toContain('no report in');

    const missing = await run({ action: 'show' });
    expect(missing.code).toBe(2);
  });
});

describe('runReports stats', () => {
  it('counts crashes per category, day and app', async () => {
    await seed();
    const { code, stdout } = await run({ action: 'stats', json: true });
    expect(code).toBe(0);
    expect(JSON.parse(stdout)).toEqual({
      crashes: 4,
      byCategory: { database: 2, 'native-crash': 1, network: 1 },
      byDay: { '2026-12-03': 1, '2026-12-04': 1, '2026-12-05': 2 },
      byApp: { 'tapo-webapp': 3, 'ring-bridge': 1 },
    });
  });

  it('prints readable tables', async () => {
    await seed();
    const { stdout } = await run({ action: 'stats', since: '7d' });
    expect(stdout).toContain('4 crashes\n\nper category:\n  database      2\n');
    expect(stdout).toContain('per day (UTC):\n  2026-12-03  1\n  2026-12-04  1\n  2026-12-05  2\n');
  });
});
