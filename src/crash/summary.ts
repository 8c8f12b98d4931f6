import os from 'node:os';
import path from 'node:path';
import type { Runner } from '../runner.js';
import { fileSafeTime, writeFileAtomic } from '../util/atomic-write.js';
import { redactDeep } from './redact.js';
import { pruneReports } from './report.js';

/**
 * Write a summary report (kind "summary"): totals per app, the last ten
 * crashes and system information, like the original runner's final report.
 * Written when an app goes fatal and when the runner stops.
 */
export async function writeSummaryReport(runner: Runner, reason: string): Promise<string> {
  const now = new Date();
  const dir = runner.reportDir();
  const state = runner.stateDocument();
  const summary = {
    version: 1,
    id: `summary-${fileSafeTime(now)}`,
    kind: 'summary',
    time: now.toISOString(),
    reason,
    apps: Object.values(state.apps).map((app) => ({
      name: app.name,
      state: app.state,
      totalUptimeMs: app.totalUptimeMs,
      restartsTotal: app.restartsTotal,
      restarts: app.restarts,
      crashes: app.crashes,
      lastExit: app.lastExit ?? null,
    })),
    lastCrashes: runner.reporter.recent.slice(-10).map((report) => ({
      id: report.id,
      app: report.app,
      time: report.time,
      category: report.category,
      reason: report.reason,
      exitCode: report.exitCode,
      signal: report.signal,
    })),
    cameras: state.cameras,
    system: {
      hostname: os.hostname(),
      platform: process.platform,
      release: os.release(),
      arch: process.arch,
      node: process.version,
      cpus: os.cpus().length,
      totalMemoryBytes: os.totalmem(),
      freeMemoryBytes: os.freemem(),
      loadAverage: os.loadavg(),
      runnerPid: process.pid,
      runnerUptimeMs: Math.round(process.uptime() * 1000),
    },
  };
  const file = path.join(dir, `${summary.id}.json`);
  await writeFileAtomic(file, `${JSON.stringify(redactDeep(summary), null, 2)}\n`);
  await pruneReports(dir, runner.reporterKeep());
  return file;
}
