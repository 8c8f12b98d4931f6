#!/usr/bin/env node
/**
 * Crash-to-respawn latency: the time from a child's exit to the next child's
 * first statement, with a restart delay of 0, for a Python and a Node child.
 * Each child stamps CLOCK_MONOTONIC at its first statement and just before it
 * exits, so the latency includes the runner's reaction and the new child's
 * interpreter start-up, the same for every runner.
 *
 * Runs: node bench/supervision/respawn.mjs [--samples 30] [--rounds 3] [--runners LIST]
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { isMain, parseBenchArgs, stopRunnersOnInterrupt } from '../lib/cli.mjs';
import { waitFor } from '../lib/proc.mjs';
import { checkPrerequisites, PYTHON, startRunner } from '../lib/runners.mjs';
import { fixed, ratio, spread, summarize, table } from '../lib/stats.mjs';

const CHILDREN_DIR = fileURLToPath(new URL('children/', import.meta.url));

/** The two crash-loop apps: the same stamps from a Python and a Node interpreter. */
const CHILDREN = {
  python: (record, lifetimeMs) => [
    PYTHON,
    path.join(CHILDREN_DIR, 'stamp.py'),
    record,
    String(lifetimeMs),
  ],
  node: (record, lifetimeMs) => [
    process.execPath,
    path.join(CHILDREN_DIR, 'stamp.cjs'),
    record,
    String(lifetimeMs),
  ],
};

export const RESPAWN_DEFAULTS = {
  samples: 30,
  rounds: 3,
  // Long enough for every runner to count the child as started (crashproof: --start-seconds 50ms, PM2: min_uptime 100 ms).
  lifetimeMs: 150,
  runners: ['bare', 'python-loop', 'crashproof', 'pm2', 'supervisord'],
};

/** Parse "start|exit PID NS" lines into records sorted by time. */
export function parseStamps(text) {
  const records = [];
  for (const line of text.split('\n')) {
    const [event, pid, ns] = line.split(' ');
    if ((event === 'start' || event === 'exit') && ns !== undefined)
      records.push({ event, pid: Number(pid), ns: BigInt(ns) });
  }
  return records.sort((a, b) => {
    if (a.ns === b.ns) return 0;
    return a.ns < b.ns ? -1 : 1;
  });
}

/** Compute the latency in ms from each exit to the start that follows it. */
export function latencies(records) {
  const result = [];
  for (let index = 1; index < records.length; index++) {
    const previous = records[index - 1];
    const current = records[index];
    if (previous.event === 'exit' && current.event === 'start' && previous.pid !== current.pid)
      result.push(Number(current.ns - previous.ns) / 1e6);
  }
  return result;
}

/** Let one runner crash-loop until `count` latencies are recorded, then stop it. */
async function sampleRunner(kind, child, count, options) {
  let record;
  const runner = await startRunner(kind, {
    keep: options.keep,
    makeCommand: (dir) => {
      record = path.join(dir, 'stamps.txt');
      return CHILDREN[child](record, options.lifetimeMs);
    },
  });
  try {
    // supervisord needs about a second per restart; give every runner 3 s per sample.
    const timeoutMs = 15_000 + count * (options.lifetimeMs + 3000);
    await waitFor(
      `${count} restarts under ${kind}`,
      async () => {
        const text = await readFile(record, 'utf8').catch(() => '');
        return latencies(parseStamps(text)).length >= count;
      },
      { timeoutMs, intervalMs: 50 },
    );
  } finally {
    await runner.stop();
  }
  const text = await readFile(record, 'utf8');
  await runner.cleanup();
  return latencies(parseStamps(text)).slice(0, count);
}

/**
 * Measure every runner with both children. Rounds interleave the runners,
 * so that a burst of load from other work on the machine hits them alike.
 */
export async function runRespawn(options = RESPAWN_DEFAULTS) {
  checkPrerequisites(options.runners);
  const perRound = Math.ceil(options.samples / options.rounds);
  const samples = {};
  for (let round = 1; round <= options.rounds; round++) {
    for (const child of Object.keys(CHILDREN)) {
      for (const kind of options.runners) {
        process.stderr.write(
          `respawn: round ${round}/${options.rounds}, ${child} child, ${kind}\n`,
        );
        const key = `${child}/${kind}`;
        samples[key] = [
          ...(samples[key] ?? []),
          ...(await sampleRunner(kind, child, perRound, options)),
        ];
      }
    }
  }

  const results = {};
  for (const [key, values] of Object.entries(samples)) results[key] = summarize(values);
  return { options, results, markdown: respawnMarkdown(options, results) };
}

function respawnMarkdown(options, results) {
  const sections = [];
  for (const child of Object.keys(CHILDREN)) {
    const bare = results[`${child}/bare`]?.median;
    const pm2 = results[`${child}/pm2`]?.median;
    const rows = options.runners.map((kind) => {
      const summary = results[`${child}/${kind}`];
      return [
        kind,
        spread(summary),
        String(summary?.count ?? 0),
        ratio(summary?.median, bare),
        ratio(summary?.median, pm2),
      ];
    });
    sections.push(
      `${child === 'python' ? 'Python' : 'Node'} child (exit to the next child's first statement, ms):\n\n${table(
        ['runner', 'median (min–max) ms', 'samples', 'vs bare loop', 'vs PM2'],
        rows,
      )}`,
    );
  }

  const verdicts = Object.keys(CHILDREN).map((child) => {
    const crashproof = results[`${child}/crashproof`]?.median;
    const bare = results[`${child}/bare`]?.median;
    const pm2 = results[`${child}/pm2`]?.median;
    if (crashproof === undefined || bare === undefined || pm2 === undefined)
      return `- ${child} child: not all of crashproof, the bare loop and PM2 were measured.`;
    const withinBare = crashproof <= bare * 1.1;
    const belowPm2 = crashproof < pm2;
    return `- ${child} child: crashproof ${fixed(crashproof)} ms is ${ratio(crashproof, bare)} of the bare loop (target ≤ 1.10x: ${withinBare ? 'met' : 'missed'}) and ${ratio(crashproof, pm2)} of PM2 (target < 1x: ${belowPm2 ? 'met' : 'missed'}).`;
  });
  return `${sections.join('\n\n')}\n\nTargets:\n\n${verdicts.join('\n')}\n`;
}

if (isMain(import.meta.url)) {
  stopRunnersOnInterrupt();
  const options = parseBenchArgs(
    {
      samples: 'latencies per runner and child (default 30)',
      rounds: 'interleaved rounds (default 3)',
    },
    RESPAWN_DEFAULTS,
  );
  const { markdown } = await runRespawn(options);
  process.stdout.write(markdown);
}
