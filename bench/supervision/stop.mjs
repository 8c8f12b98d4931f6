#!/usr/bin/env node
/**
 * Stop: SIGTERM to the runner (for PM2 its daemon) while the app ignores
 * SIGTERM and has a grandchild that ignores it too. Measures the time until
 * the app and the grandchild are gone and until the runner itself exits, and
 * names what survives. Liveness is checked by PID and start time, and a
 * zombie counts as gone. Every survivor is killed afterwards, by PID.
 *
 * Runs: node bench/supervision/stop.mjs [--runs 5] [--timeout 1000] [--runners LIST]
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { isMain, parseBenchArgs, stopRunnersOnInterrupt } from '../lib/cli.mjs';
import { identify, isAlive, killIfAlive, waitFor } from '../lib/proc.mjs';
import { checkPrerequisites, PYTHON, startRunner } from '../lib/runners.mjs';
import { fixed, spread, summarize, table } from '../lib/stats.mjs';

const STUBBORN = fileURLToPath(new URL('children/stubborn.py', import.meta.url));
/** How long after the stop timeout the tree may take to be gone and still meet the target. */
const TARGET_SLACK_MS = 100;
/** How long after the stop timeout to keep watching before calling a process a survivor. */
const SURVIVOR_WAIT_MS = 4000;

export const STOP_DEFAULTS = {
  runs: 5,
  timeout: 1000,
  runners: ['bare', 'python-loop', 'crashproof', 'pm2', 'supervisord', 'supervisord-group'],
};

async function readReady(record) {
  const text = await readFile(record, 'utf8').catch(() => '');
  const match = /^ready (\d+) (\d+)$/m.exec(text);
  if (!match) return undefined;
  const app = identify(Number(match[1]));
  const grandchild = identify(Number(match[2]));
  return app && grandchild ? { app, grandchild } : undefined;
}

async function stopOnce(kind, options) {
  let record;
  const runner = await startRunner(kind, {
    keep: options.keep,
    stopTimeoutMs: options.timeout,
    makeCommand: (dir) => {
      record = path.join(dir, 'stubborn.txt');
      return [PYTHON, STUBBORN, record, path.join(dir, 'grandchild')];
    },
  });

  const watched = {};
  const goneAt = {};
  let survivors = [];
  try {
    const ready = await waitFor(
      `the app and its grandchild under ${kind}`,
      () => readReady(record),
      {
        timeoutMs: 20_000,
        intervalMs: 10,
      },
    );
    watched.app = ready.app;
    watched.grandchild = ready.grandchild;
    watched.runner = runner.identity;
    // Let the runner count the app as started (crashproof: 50 ms of uptime).
    await sleep(300);

    const start = performance.now();
    runner.terminate();
    const deadline = start + options.timeout + SURVIVOR_WAIT_MS;
    while (performance.now() < deadline && Object.keys(goneAt).length < 3) {
      for (const [name, identity] of Object.entries(watched))
        if (goneAt[name] === undefined && !isAlive(identity))
          goneAt[name] = performance.now() - start;
      await sleep(2);
    }

    // Whatever is still alive now survived the stop.
    survivors = Object.entries(watched)
      .filter(([name, identity]) => goneAt[name] === undefined && isAlive(identity))
      .map(([name]) => name);
  } finally {
    for (const identity of Object.values(watched)) killIfAlive(identity);
    await runner.stop({ force: survivors.length > 0 });
    await runner.cleanup();
  }

  const treeGone =
    goneAt.app !== undefined && goneAt.grandchild !== undefined
      ? Math.max(goneAt.app, goneAt.grandchild)
      : undefined;
  return { treeGoneMs: treeGone, runnerExitMs: goneAt.runner, survivors };
}

export async function runStop(options = STOP_DEFAULTS) {
  checkPrerequisites(options.runners);
  const runs = {};
  for (let round = 1; round <= options.runs; round++) {
    for (const kind of options.runners) {
      process.stderr.write(`stop: run ${round}/${options.runs}, ${kind}\n`);
      runs[kind] = [...(runs[kind] ?? []), await stopOnce(kind, options)];
    }
  }

  const results = {};
  for (const [kind, list] of Object.entries(runs)) {
    const gone = list.map((run) => run.treeGoneMs).filter((ms) => ms !== undefined);
    const count = (name) => list.filter((run) => run.survivors.includes(name)).length;
    results[kind] = {
      treeGone: summarize(gone),
      runnerExit: summarize(list.map((run) => run.runnerExitMs).filter((ms) => ms !== undefined)),
      withinTarget: gone.filter((ms) => ms <= options.timeout + TARGET_SLACK_MS).length,
      appSurvived: count('app'),
      grandchildSurvived: count('grandchild'),
      runnerSurvived: count('runner'),
      runs: list.length,
    };
  }
  return { options, results, markdown: stopMarkdown(options, results) };
}

function stopMarkdown(options, results) {
  const rows = options.runners.map((kind) => {
    const result = results[kind];
    const of = (count) => `${count}/${result.runs}`;
    return [
      kind,
      spread(result.treeGone, 0),
      spread(result.runnerExit, 0),
      of(result.appSurvived),
      of(result.grandchildSurvived),
      of(result.runnerSurvived),
      of(result.withinTarget),
    ];
  });
  const header = [
    'runner',
    'tree gone ms median (min–max)',
    'runner exited ms',
    'app survived',
    'grandchild survived',
    'runner still running',
    `tree gone within ${options.timeout + TARGET_SLACK_MS} ms`,
  ];

  const crashproof = results.crashproof;
  const verdict =
    crashproof === undefined
      ? '- crashproof was not measured.'
      : `- crashproof: whole tree gone within ${options.timeout} + ${TARGET_SLACK_MS} ms in ${crashproof.withinTarget} of ${crashproof.runs} runs (median ${fixed(crashproof.treeGone?.median, 0)} ms; target: every run: ${crashproof.withinTarget === crashproof.runs ? 'met' : 'missed'}).`;
  return `Stop timeout ${options.timeout} ms for every runner (supervisord's stopwaitsecs takes whole seconds), ${options.runs} runs each, interleaved. Times run from the SIGTERM; a survivor is a process still alive ${SURVIVOR_WAIT_MS} ms after the stop timeout.\n\n${table(header, rows)}\n\nTargets:\n\n${verdict}\n`;
}

if (isMain(import.meta.url)) {
  stopRunnersOnInterrupt();
  const options = parseBenchArgs(
    {
      runs: 'stops per runner (default 5)',
      timeout: 'stop timeout in ms before SIGKILL (default 1000)',
    },
    STOP_DEFAULTS,
  );
  const { markdown } = await runStop(options);
  process.stdout.write(markdown);
}
