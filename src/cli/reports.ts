import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { formatBytes, parseDuration } from '../config/units.js';
import { CRASH_CATEGORIES, isCrashCategory } from '../crash/categories.js';
import { printable, printableDeep } from '../crash/printable.js';
import { redactDeep } from '../crash/redact.js';
import { checkStoredReport, type StoredReport } from '../crash/report-schema.js';
import { EXIT_FATAL, EXIT_OK, EXIT_USAGE } from './exit-codes.js';

export interface ReportsArgs {
  /** list (default), show ID, or stats. */
  action?: 'list' | 'show' | 'stats';
  /** For show: a report id, its file name, or a unique prefix of the id. */
  id?: string;
  app?: string;
  category?: string;
  /** An ISO date, or a duration back from now such as "24h" or "7d". */
  since?: string;
  json?: boolean;
}

export interface ReportsOutput {
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream;
}

interface LoadedReport {
  file: string;
  report: StoredReport;
}

/**
 * `crashproof reports [list|show ID|stats]`: read the crash report
 * directory. Returns the exit code: 0, 1 when `show` finds no single
 * report, 2 for an invalid filter.
 */
export async function runReports(
  dir: string,
  args: ReportsArgs,
  out: ReportsOutput = { stdout: process.stdout, stderr: process.stderr },
  now: Date = new Date(),
): Promise<number> {
  if (args.category !== undefined && !isCrashCategory(args.category)) {
    out.stderr.write(
      `crashproof: invalid --category "${args.category}": use one of ${CRASH_CATEGORIES.join(', ')}\n`,
    );
    return EXIT_USAGE;
  }
  let since: Date | undefined;
  if (args.since !== undefined) {
    since = parseSince(args.since, now);
    if (since === undefined) {
      out.stderr.write(
        `crashproof: invalid --since "${args.since}": use an ISO date such as 2026-12-01 or a duration such as 24h or 7d\n`,
      );
      return EXIT_USAGE;
    }
  }

  const all = await loadReports(dir, out.stderr);
  const matching = all.filter(({ report }) => matches(report, args, since));
  // Reports quote app output, which may contain escape sequences that would act on the terminal.
  const selected =
    args.json === true
      ? matching
      : matching.map(({ file, report }) => ({
          file: printable(file),
          report: printableDeep(report),
        }));

  switch (args.action ?? 'list') {
    case 'list':
      printList(dir, selected, args.json === true, out.stdout);
      return EXIT_OK;
    case 'stats':
      printStats(selected, args.json === true, out.stdout);
      return EXIT_OK;
    case 'show':
      return show(dir, selected, args, out);
  }
}

/** Parse --since: a duration back from now ("24h", "7d") or an ISO date. */
export function parseSince(text: string, now: Date): Date | undefined {
  const ms = parseDuration(text);
  if (ms !== undefined) return new Date(now.getTime() - ms);

  const time = Date.parse(text);
  return Number.isNaN(time) ? undefined : new Date(time);
}

/** Read every report file of the directory, oldest first; files that do not parse are skipped with a warning. */
export async function loadReports(
  dir: string,
  stderr: NodeJS.WritableStream,
): Promise<LoadedReport[]> {
  let names: string[];
  try {
    names = await readdir(dir);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw error;
  }

  // Dot files are temporary files of an atomic write in progress.
  const files = names.filter((name) => name.endsWith('.json') && !name.startsWith('.')).sort();
  const loaded = await Promise.all(files.map((name) => loadReport(path.join(dir, name), stderr)));
  const reports = loaded.filter((entry): entry is LoadedReport => entry !== undefined);

  return reports.sort((a, b) => Date.parse(a.report.time) - Date.parse(b.report.time));
}

async function loadReport(
  file: string,
  stderr: NodeJS.WritableStream,
): Promise<LoadedReport | undefined> {
  let value: unknown;
  try {
    value = JSON.parse(await readFile(file, 'utf8'));
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    stderr.write(`crashproof: skipping ${printable(file)}: ${printable(reason)}\n`);
    return undefined;
  }

  const problem = checkStoredReport(value);
  if (problem !== undefined) {
    stderr.write(`crashproof: skipping ${printable(file)}: ${printable(problem)}\n`);
    return undefined;
  }
  // Reports are redacted when written; this also covers files from older or foreign writers.
  return { file, report: redactDeep(value as StoredReport) };
}

function matches(report: StoredReport, args: ReportsArgs, since: Date | undefined): boolean {
  if (since !== undefined && Date.parse(report.time) < since.getTime()) return false;
  if (args.category !== undefined && report.category !== args.category) return false;
  if (args.app !== undefined && !appsOf(report).includes(args.app)) return false;
  return true;
}

/** Return the app of a crash report, or the apps a summary covers. */
function appsOf(report: StoredReport): string[] {
  if (report.kind === 'crash') return [String(report.app)];
  const apps = Array.isArray(report.apps) ? report.apps : [];
  return apps.map((app) => String((app as { name?: unknown }).name));
}

function printList(
  dir: string,
  reports: LoadedReport[],
  json: boolean,
  stdout: NodeJS.WritableStream,
): void {
  if (json) {
    for (const { report } of reports) stdout.write(`${safeJson(report)}\n`);
    return;
  }
  if (reports.length === 0) {
    stdout.write(`no crash reports in ${dir} match\n`);
    return;
  }

  const rows = reports.map(({ report }) => [
    readableTime(report.time),
    appsOf(report).join(','),
    report.kind === 'crash' ? String(report.category) : 'summary',
    report.kind === 'crash' ? describeExit(report) : '-',
    report.id,
  ]);
  stdout.write(table([['TIME (UTC)', 'APP', 'CATEGORY', 'EXIT', 'ID'], ...rows]));

  const crashes = reports.filter(({ report }) => report.kind === 'crash').length;
  stdout.write(
    `${reports.length} reports: ${crashes} crashes, ${reports.length - crashes} summaries\n`,
  );
}

function printStats(reports: LoadedReport[], json: boolean, stdout: NodeJS.WritableStream): void {
  const crashes = reports
    .filter(({ report }) => report.kind === 'crash')
    .map(({ report }) => report);
  const byCategory = countBy(crashes.map((report) => String(report.category)));
  const byDay = countBy(crashes.map((report) => report.time.slice(0, 10))).sort(([a], [b]) =>
    a.localeCompare(b),
  );
  const byApp = countBy(crashes.map((report) => String(report.app)));

  if (json) {
    const stats = {
      crashes: crashes.length,
      byCategory: Object.fromEntries(byCategory),
      byDay: Object.fromEntries(byDay),
      byApp: Object.fromEntries(byApp),
    };
    stdout.write(`${safeJson(stats)}\n`);
    return;
  }
  if (crashes.length === 0) {
    stdout.write('no crashes\n');
    return;
  }

  stdout.write(`${crashes.length} crashes\n\nper category:\n`);
  stdout.write(table(byCategory.map(([category, count]) => [`  ${category}`, String(count)])));
  stdout.write('\nper day (UTC):\n');
  stdout.write(table(byDay.map(([day, count]) => [`  ${day}`, String(count)])));
  stdout.write('\nper app:\n');
  stdout.write(table(byApp.map(([app, count]) => [`  ${app}`, String(count)])));
}

function show(dir: string, reports: LoadedReport[], args: ReportsArgs, out: ReportsOutput): number {
  const wanted = args.id?.replace(/\.json$/, '');
  if (wanted === undefined || wanted === '') {
    out.stderr.write(
      'crashproof: reports show needs a report id; list them with `crashproof reports`\n',
    );
    return EXIT_USAGE;
  }

  const exact = reports.filter(
    ({ report }) => report.id === wanted || path.basename(report.id) === wanted,
  );
  const found =
    exact.length > 0 ? exact : reports.filter(({ report }) => report.id.startsWith(wanted));
  if (found.length !== 1) {
    const why = found.length === 0 ? 'no report' : `${found.length} reports`;
    out.stderr.write(
      `crashproof: ${why} in ${dir} match "${printable(wanted)}"; list them with \`crashproof reports\`\n`,
    );
    return EXIT_FATAL;
  }

  const { file, report } = found[0]!;
  if (args.json === true) out.stdout.write(`${safeJson(report, 2)}\n`);
  else
    out.stdout.write(
      report.kind === 'crash' ? formatCrash(report, file) : formatSummary(report, file),
    );
  return EXIT_OK;
}

/**
 * Serialize to JSON that contains no raw control character: JSON.stringify escapes C0
 * controls and lone surrogates but writes DEL and C1 controls as they are.
 */
export function safeJson(value: unknown, indent?: number): string {
  return JSON.stringify(value, null, indent).replace(
    /[\u007f-\u009f]/g,
    (char) => `\\u${char.charCodeAt(0).toString(16).padStart(4, '0')}`,
  );
}

/** Print a crash report for people: the decision first, then the context. */
export function formatCrash(report: StoredReport, file: string): string {
  const field = <T>(name: string) => report[name] as T | undefined;
  const next = field<number | null>('nextDelayMs');
  const lines: Array<[string, string]> = [
    ['app', String(report.app)],
    ['time', report.time],
    ['category', `${report.category} (rule ${field<string>('ruleId') ?? '?'})`],
    ['hint', field<string>('hint') ?? ''],
    ['evidence', field<string | null>('evidence') ?? '-'],
    [
      'exit',
      `${describeExit(report)} after ${humanDuration(field<number>('uptimeMs') ?? 0)}${field<boolean>('duringStart') ? ', before it was ready' : ''}`,
    ],
    [
      'attempt',
      `${field<number>('attempt') ?? '?'}, ${next === null || next === undefined ? 'no further restart' : `next start in ${humanDuration(next)}`}`,
    ],
    ['command', (field<string[]>('command') ?? []).join(' ')],
    ['cwd', field<string>('cwd') ?? ''],
    ['state before', field<string>('stateBefore') ?? ''],
    ['health', describeHealth(field('health'))],
    ['memory', describeMemory(field('memory'))],
    ['survivors', (field<number[]>('survivors') ?? []).join(', ') || 'none'],
    ['host', describeHost(field('host'))],
    ['file', file],
  ];

  const cameras = field<Array<Record<string, unknown>>>('cameras') ?? [];
  const cameraRows = cameras.map((camera) => [
    `  ${camera.name}`,
    String(camera.status),
    typeof camera.latencyMs === 'number' ? `${Math.round(camera.latencyMs)} ms` : '-',
    typeof camera.since === 'string' ? `since ${camera.since}` : '',
    typeof camera.detail === 'string' ? camera.detail : '',
  ]);
  const tail = field<string[]>('outputTail') ?? [];

  return [
    `Crash report ${report.id}`,
    table(lines.map(([name, value]) => [`  ${name}:`, value])).trimEnd(),
    cameras.length === 0 ? 'cameras: none' : `cameras:\n${table(cameraRows).trimEnd()}`,
    `output tail (${tail.length} lines):`,
    ...tail.map((line) => `  | ${line}`),
    '',
  ].join('\n');
}

function formatSummary(report: StoredReport, file: string): string {
  const apps = (Array.isArray(report.apps) ? report.apps : []) as Array<Record<string, unknown>>;
  const crashes = (Array.isArray(report.lastCrashes) ? report.lastCrashes : []) as Array<
    Record<string, unknown>
  >;

  return [
    `Summary report ${report.id}`,
    `  time:   ${report.time}`,
    `  reason: ${String(report.reason ?? '')}`,
    `  file:   ${file}`,
    'apps:',
    table(
      apps.map((app) => [
        `  ${app.name}`,
        String(app.state),
        `${app.restartsTotal ?? '?'} restarts`,
      ]),
    ).trimEnd(),
    'last crashes:',
    table(
      crashes.map((crash) => [
        `  ${crash.time}`,
        String(crash.app),
        String(crash.category),
        String(crash.id),
      ]),
    ).trimEnd(),
    '',
  ].join('\n');
}

function describeExit(report: StoredReport): string {
  if (typeof report.signal === 'string') return `signal ${report.signal}`;
  return typeof report.exitCode === 'number' ? `exit ${report.exitCode}` : '-';
}

function describeHealth(health: unknown): string {
  if (health === null || typeof health !== 'object') return 'no health check';
  const { state, lastCheck } = health as {
    state?: string;
    lastCheck?: Record<string, unknown> | null;
  };
  if (!lastCheck) return String(state);

  const result =
    lastCheck.ok === true ? 'ok' : `failed${lastCheck.error ? `: ${lastCheck.error}` : ''}`;
  const status = typeof lastCheck.httpStatus === 'number' ? ` HTTP ${lastCheck.httpStatus}` : '';
  const duration =
    typeof lastCheck.durationMs === 'number' ? ` in ${Math.round(lastCheck.durationMs)} ms` : '';
  return `${state}; last check ${result}${status}${duration} at ${lastCheck.at}`;
}

function describeMemory(memory: unknown): string {
  if (memory === null || typeof memory !== 'object') return 'not sampled';
  const { rssBytes, peakRssBytes, limitBytes } = memory as Record<
    string,
    number | null | undefined
  >;
  const limit = typeof limitBytes === 'number' ? `, limit ${formatBytes(limitBytes)}` : '';
  return `RSS ${formatBytes(rssBytes ?? 0)}, peak ${formatBytes(peakRssBytes ?? 0)}${limit}`;
}

function describeHost(host: unknown): string {
  if (host === null || typeof host !== 'object') return '-';
  const { hostname, platform, release, node, runnerPid } = host as Record<string, unknown>;
  return `${hostname} (${platform} ${release}), Node ${node}, runner pid ${runnerPid}`;
}

/** "2026-12-04 21:30:00" from an ISO time. */
function readableTime(time: string): string {
  return time.replace('T', ' ').replace(/\.\d+Z$|Z$/, '');
}

/** "1h 30m 12s", "4.2s", "350ms". */
function humanDuration(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)}ms`;
  if (ms < 60_000) return `${Number((ms / 1000).toFixed(1))}s`;

  const totalSeconds = Math.round(ms / 1000);
  const parts: Array<[number, string]> = [
    [Math.floor(totalSeconds / 86_400), 'd'],
    [Math.floor((totalSeconds % 86_400) / 3600), 'h'],
    [Math.floor((totalSeconds % 3600) / 60), 'm'],
    [totalSeconds % 60, 's'],
  ];
  return parts
    .filter(([value]) => value > 0)
    .map(([value, unit]) => `${value}${unit}`)
    .join(' ');
}

function countBy(values: string[]): Array<[string, number]> {
  const counts = new Map<string, number>();
  for (const value of values) counts.set(value, (counts.get(value) ?? 0) + 1);
  return [...counts.entries()].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]));
}

/** Left-aligned columns separated by two spaces; the last column is not padded. */
function table(rows: string[][]): string {
  const widths: number[] = [];
  for (const row of rows) {
    row.forEach((cell, index) => {
      widths[index] = Math.max(widths[index] ?? 0, cell.length);
    });
  }
  return rows
    .map((row) =>
      row
        .map((cell, index) => (index === row.length - 1 ? cell : cell.padEnd(widths[index]!)))
        .join('  '),
    )
    .map((line) => `${line}\n`)
    .join('');
}
