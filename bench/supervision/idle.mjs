#!/usr/bin/env node
/**
 * Idle overhead: RSS and CPU time of each runner (for PM2 its daemon) while
 * it supervises one idle Python child. All runners run side by side through
 * the same window, so they see the same machine load. Helper processes a
 * runner starts besides the app are measured and reported too.
 *
 * Runs: node bench/supervision/idle.mjs [--seconds 60] [--settle 30] [--runners LIST]
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { isMain, parseBenchArgs, stopRunnersOnInterrupt } from '../lib/cli.mjs';
import { descendantsOf, readRss, readStat, readThreadCpuMs, waitFor } from '../lib/proc.mjs';
import { checkPrerequisites, PYTHON, startRunner } from '../lib/runners.mjs';
import { fixed, mebibytes, ratio, table } from '../lib/stats.mjs';

const IDLE_CHILD = fileURLToPath(new URL('children/idle.py', import.meta.url));

export const IDLE_DEFAULTS = {
  seconds: 60,
  // Start-up work is not idle overhead: module loading, the first state
  // writes, and the GC that V8's memory reducer runs some seconds after a
  // Node process starts. For crashproof 0.1.0 on a 2-core EPYC that GC came
  // 8 to 10 s after start on a quiet machine and later than 30 s after start
  // in a busier run. It took RSS from 73 to 61 MiB and cost about 60 ms of
  // CPU. The max RSS column shows when it still fell inside the window.
  settle: 30,
  runners: ['bare', 'python-loop', 'crashproof', 'crashproof-status', 'pm2', 'supervisord'],
};

/** Read the idle app's PID from its "start PID NS" line. */
async function appPid(record) {
  const text = await readFile(record, 'utf8').catch(() => '');
  const match = /^start (\d+) /m.exec(text);
  return match ? Number(match[1]) : undefined;
}

/** The runner's own helper processes: its descendants other than the app and the app's descendants. */
function helpersOf(runnerPid, app) {
  const appTree = new Set([app, ...descendantsOf(app)]);
  return descendantsOf(runnerPid).filter((pid) => !appTree.has(pid));
}

function cpuOf(pids) {
  let ticksMs = 0;
  let threadsMs = 0;
  for (const pid of pids) {
    ticksMs += readStat(pid)?.cpuMs ?? 0;
    threadsMs += readThreadCpuMs(pid) ?? 0;
  }
  return { ticksMs, threadsMs };
}

function rssOf(pids) {
  return pids.reduce((sum, pid) => sum + (readRss(pid) ?? 0), 0);
}

export async function runIdle(options = IDLE_DEFAULTS) {
  checkPrerequisites(options.runners);
  const entries = [];
  try {
    for (const kind of options.runners) {
      let record;
      const runner = await startRunner(kind, {
        keep: options.keep,
        makeCommand: (dir) => {
          record = path.join(dir, 'idle.txt');
          return [PYTHON, IDLE_CHILD, record];
        },
      });
      entries.push({ kind, runner, record });
    }
    for (const entry of entries) {
      entry.app = await waitFor(`the idle app under ${entry.kind}`, () => appPid(entry.record), {
        timeoutMs: 20_000,
        intervalMs: 50,
      });
    }
    process.stderr.write(`idle: ${entries.length} runners up; settling for ${options.settle} s\n`);
    await sleep(options.settle * 1000);

    for (const entry of entries) {
      entry.helpers = helpersOf(entry.runner.identity.pid, entry.app);
      entry.cpuBefore = cpuOf([entry.runner.identity.pid]);
      entry.helperCpuBefore = cpuOf(entry.helpers);
      entry.maxRss = 0;
    }
    process.stderr.write(`idle: measuring for ${options.seconds} s\n`);
    const end = performance.now() + options.seconds * 1000;
    while (performance.now() < end) {
      for (const entry of entries)
        entry.maxRss = Math.max(entry.maxRss, readRss(entry.runner.identity.pid) ?? 0);
      await sleep(Math.min(1000, Math.max(0, end - performance.now())));
    }

    for (const entry of entries) {
      const pid = entry.runner.identity.pid;
      const after = cpuOf([pid]);
      const helpersAfter = cpuOf(entry.helpers);
      entry.result = {
        rss: readRss(pid),
        maxRss: entry.maxRss,
        cpuMs: after.ticksMs - entry.cpuBefore.ticksMs,
        threadCpuMs: after.threadsMs - entry.cpuBefore.threadsMs,
        helpers: entry.helpers.length,
        helperRss: rssOf(entry.helpers),
        helperCpuMs: helpersAfter.ticksMs - entry.helperCpuBefore.ticksMs,
        appAlive: readStat(entry.app) !== undefined,
      };
    }
  } finally {
    for (const entry of entries) {
      await entry.runner.stop();
      await entry.runner.cleanup();
    }
  }

  const results = Object.fromEntries(entries.map((entry) => [entry.kind, entry.result]));
  return { options, results, markdown: idleMarkdown(options, results) };
}

function idleMarkdown(options, results) {
  const pm2 = results.pm2;
  const rows = options.runners.map((kind) => {
    const result = results[kind];
    const helpers =
      result.helpers === 0
        ? 'none'
        : `${result.helpers}: ${fixed(mebibytes(result.helperRss))} MiB, ${fixed(result.helperCpuMs, 0)} ms`;
    return [
      kind,
      fixed(mebibytes(result.rss)),
      fixed(mebibytes(result.maxRss)),
      ratio(result.rss, pm2?.rss),
      fixed(result.cpuMs, 0),
      fixed(result.threadCpuMs, 1),
      ratio(result.threadCpuMs, pm2?.threadCpuMs),
      helpers,
    ];
  });
  const header = [
    'runner',
    'RSS at end MiB',
    'max RSS MiB',
    'RSS vs PM2',
    'CPU ms (utime+stime)',
    'CPU ms (schedstat)',
    'CPU vs PM2',
    'helper processes (RSS, CPU)',
  ];

  const verdicts = ['crashproof', 'crashproof-status']
    .filter((kind) => results[kind] !== undefined)
    .map((kind) => {
      const result = results[kind];
      const rssMiB = mebibytes(result.rss);
      const rssMet = rssMiB <= 50;
      if (pm2 === undefined)
        return `- ${kind}: ${fixed(rssMiB)} MiB RSS (target ≤ 50 MiB: ${rssMet ? 'met' : 'missed'}); PM2 not measured.`;
      const cpuMet = result.threadCpuMs < pm2.threadCpuMs + pm2.helperCpuMs;
      return `- ${kind}: ${fixed(rssMiB)} MiB RSS (target ≤ 50 MiB: ${rssMet ? 'met' : 'missed'}); ${fixed(result.threadCpuMs)} ms CPU against PM2's ${fixed(pm2.threadCpuMs)} ms (target: less than PM2: ${cpuMet ? 'met' : 'missed'}).`;
    });
  return `One idle Python child per runner, all runners side by side through one ${options.seconds} s window after ${options.settle} s of settling. CPU is what the runner process used in the window; the schedstat column sums its threads' run time in nanoseconds, the utime+stime column counts 10 ms ticks.\n\n${table(header, rows)}\n\nTargets:\n\n${verdicts.join('\n')}\n`;
}

if (isMain(import.meta.url)) {
  stopRunnersOnInterrupt();
  const options = parseBenchArgs(
    {
      seconds: 'measurement window in seconds (default 60)',
      settle: 'seconds to wait after start-up before measuring (default 30)',
    },
    IDLE_DEFAULTS,
  );
  const { markdown } = await runIdle(options);
  process.stdout.write(markdown);
}
