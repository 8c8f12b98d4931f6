import { readdir, stat, unlink } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { Logger } from 'pino';
import type { CameraStatus, EventBus, HealthState } from '../events.js';
import type { CrashFacts } from '../supervisor/app-supervisor.js';
import { fileSafeTime, writeFileAtomic } from '../util/atomic-write.js';
import type { CrashCategory } from './categories.js';
import type { Classification } from './classify.js';
import { printable, truncateText } from './printable.js';
import { redactArgv, redactDeep, redactText } from './redact.js';

export const REPORT_VERSION = 1;

// The schema's limit on evidence (report-schema.ts).
const EVIDENCE_MAX_CHARS = 500;

/** Runner-level context at a crash: health, cameras and memory of the app. */
export interface CrashContext {
  health: {
    state: HealthState;
    lastCheck:
      | { ok: boolean; httpStatus?: number; error?: string; durationMs: number; at: string }
      | undefined;
  } | null;
  healthTimedOut: boolean;
  cameras: Array<{
    name: string;
    status: CameraStatus;
    latencyMs?: number;
    since?: string;
    detail?: string;
  }>;
  memory: { rssBytes: number; peakRssBytes: number; limitBytes?: number } | null;
}

export type { Classification };

/** One crash report file (kind "crash"); the schema is in report-schema.ts and docs/crash-reports.md. */
export interface CrashReport {
  version: number;
  id: string;
  kind: 'crash';
  app: string;
  time: string;
  pid: number | null;
  exitCode: number | null;
  signal: string | null;
  uptimeMs: number;
  duringStart: boolean;
  cause: string;
  reason: string;
  attempt: number;
  nextDelayMs: number | null;
  fatal: boolean;
  command: string[];
  cwd: string;
  stateBefore: string;
  category: CrashCategory;
  hint: string;
  evidence: string | null;
  ruleId: string;
  outputTail: string[];
  health: CrashContext['health'];
  cameras: CrashContext['cameras'];
  memory: CrashContext['memory'];
  survivors: number[];
  host: { hostname: string; platform: string; release: string; node: string; runnerPid: number };
}

export interface CrashReporterOptions {
  dir: string;
  keep: number;
  bus: EventBus;
  logger: Logger;
  classify: (facts: CrashFacts, context: CrashContext) => Classification;
  context: (app: string) => CrashContext;
}

/**
 * Writes one JSON report per crash, atomically, and keeps the newest `keep`.
 * It runs off the supervisor's path: record() returns at once and the write
 * happens in the background; flush() waits for pending writes at shutdown.
 */
export class CrashReporter {
  private pending = new Set<Promise<void>>();
  /** The last reports, newest last, for summaries and status. */
  readonly recent: CrashReport[] = [];

  constructor(private readonly options: CrashReporterOptions) {}

  /** Classify and build the report now, write it in the background, and return its category. */
  record(facts: CrashFacts): CrashCategory {
    const report = this.build(facts);
    const task = this.write(report).catch((error: unknown) => {
      this.options.logger.error({ app: facts.app, err: error }, 'writing the crash report failed');
    });
    this.pending.add(task);
    void task.finally(() => this.pending.delete(task));
    return report.category;
  }

  async flush(): Promise<void> {
    await Promise.all([...this.pending]);
  }

  build(facts: CrashFacts, now = new Date()): CrashReport {
    const context = this.options.context(facts.app);
    const classification = this.options.classify(facts, context);
    const id = `${facts.app}-${fileSafeTime(now)}`;
    const report: CrashReport = {
      version: REPORT_VERSION,
      id,
      kind: 'crash',
      app: facts.app,
      time: now.toISOString(),
      pid: facts.pid ?? null,
      exitCode: facts.exitCode,
      signal: facts.signal,
      uptimeMs: facts.uptimeMs,
      duringStart: facts.duringStart,
      cause: facts.cause,
      reason: printable(facts.reason),
      attempt: facts.attempt,
      nextDelayMs: facts.nextDelayMs,
      fatal: facts.fatal,
      command: redactArgv(facts.command),
      cwd: facts.cwd,
      stateBefore: facts.stateBefore,
      category: classification.category,
      hint: classification.hint,
      evidence:
        classification.evidence === undefined
          ? null
          : truncateText(printable(redactText(classification.evidence)), EVIDENCE_MAX_CHARS),
      ruleId: classification.ruleId,
      // App output may be binary or carry escape sequences that would act on a reader's terminal.
      outputTail: facts.outputTail.map(printable),
      health: context.health,
      cameras: context.cameras,
      memory: context.memory,
      survivors: facts.survivors,
      host: {
        hostname: os.hostname(),
        platform: process.platform,
        release: os.release(),
        node: process.version,
        runnerPid: process.pid,
      },
    };
    return redactDeep(report);
  }

  private async write(report: CrashReport): Promise<void> {
    let file = path.join(this.options.dir, `${report.id}.json`);
    // Two crashes of one app within a millisecond would share a name.
    for (let suffix = 1; await exists(file); suffix++)
      file = path.join(this.options.dir, `${report.id}-${suffix}.json`);
    await writeFileAtomic(file, `${JSON.stringify(report, null, 2)}\n`);

    this.recent.push(report);
    if (this.recent.length > 50) this.recent.shift();
    this.options.logger.warn(
      {
        app: report.app,
        category: report.category,
        evidence: report.evidence ?? undefined,
        report: file,
        attempt: report.attempt,
      },
      `crash (${report.category}): ${report.reason}; ${report.hint}`,
    );
    this.options.bus.emit('crash:report', {
      app: report.app,
      category: report.category,
      hint: report.hint,
      evidence: report.evidence ?? undefined,
      reportPath: file,
      reportId: report.id,
      attempt: report.attempt,
      nextDelayMs: report.nextDelayMs,
    });
    await pruneReports(this.options.dir, this.options.keep);
  }
}

async function exists(file: string): Promise<boolean> {
  return stat(file).then(
    () => true,
    () => false,
  );
}

/** Delete the oldest report files beyond `keep` (by name, which sorts by time within an app). */
export async function pruneReports(dir: string, keep: number): Promise<number> {
  const names = (await readdir(dir).catch(() => [] as string[])).filter(
    (name) => name.endsWith('.json') && !name.startsWith('.'),
  );
  if (names.length <= keep) return 0;
  const withTimes = await Promise.all(
    names.map(async (name) => ({
      name,
      mtime: (await stat(path.join(dir, name)).catch(() => undefined))?.mtimeMs ?? 0,
    })),
  );
  withTimes.sort((a, b) => a.mtime - b.mtime || a.name.localeCompare(b.name));
  const excess = withTimes.slice(0, withTimes.length - keep);
  await Promise.all(excess.map((entry) => unlink(path.join(dir, entry.name)).catch(() => {})));
  return excess.length;
}
