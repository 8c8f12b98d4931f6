import { redactDeep } from '../crash/redact.js';
import type { CrashReport } from '../crash/report.js';
import type { Runner } from '../runner.js';
import type { StatusHistory } from './history.js';
import type { StateDocument } from './state-file.js';

/** GET /api/status: the state document plus crash counts per category for every app. */
export interface StatusResponse extends StateDocument {
  runnerAlive: true;
}

export function buildStatus(runner: Runner, history: StatusHistory): StatusResponse {
  const document = runner.stateDocument();
  for (const [name, app] of Object.entries(document.apps))
    app.crashesByCategory = history.crashesByCategory(name);
  return redactDeep({ runnerAlive: true, ...document });
}

/** One crash report as the dashboard lists it: the verdict and the last output lines. */
export interface CrashSummary {
  id: string;
  app: string;
  time: string;
  category: CrashReport['category'];
  hint: string;
  reason: string;
  evidence: string | null;
  exitCode: number | null;
  signal: string | null;
  uptimeMs: number;
  fatal: boolean;
  outputTail: string[];
}

const TAIL_LINES = 20;

/** GET /api/crashes: the latest crash reports, newest first. Reports are redacted when written. */
export function buildCrashList(runner: Runner, limit: number): CrashSummary[] {
  return runner.reporter.recent
    .slice(-limit)
    .reverse()
    .map((report) => ({
      id: report.id,
      app: report.app,
      time: report.time,
      category: report.category,
      hint: report.hint,
      reason: report.reason,
      evidence: report.evidence,
      exitCode: report.exitCode,
      signal: report.signal,
      uptimeMs: report.uptimeMs,
      fatal: report.fatal,
      outputTail: report.outputTail.slice(-TAIL_LINES),
    }));
}

/** GET /healthz: liveness of the runner itself, for a service manager or a load balancer. */
export interface Liveness {
  status: 'ok' | 'fatal' | 'stopping';
  detail: string;
  apps: Record<string, string>;
}

/**
 * The runner is live while it supervises. An app in `fatal` (restart budget
 * spent, so the runner no longer restarts it) or a runner that is shutting down makes
 * it not live, so an outer supervisor can step in.
 */
export function buildLiveness(runner: Runner, closing: boolean): Liveness {
  const apps: Record<string, string> = {};
  for (const [name, supervisor] of runner.supervisors) apps[name] = supervisor.state;
  const fatal = Object.entries(apps)
    .filter(([, state]) => state === 'fatal')
    .map(([name]) => name);
  if (closing) return { status: 'stopping', detail: 'the runner is shutting down', apps };
  if (fatal.length > 0) {
    return {
      status: 'fatal',
      detail: `restart budget spent: ${fatal.join(', ')}; restart with \`crashproof start NAME\` or fix the cause`,
      apps,
    };
  }
  return { status: 'ok', detail: `supervising ${runner.supervisors.size} app(s)`, apps };
}
