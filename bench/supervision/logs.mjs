#!/usr/bin/env node
/**
 * Log throughput: a Python child writes MB megabytes (10^6 bytes) of
 * 100-byte numbered lines to stdout as fast as it can. The time runs from
 * the child's first statement until every byte is in the runner's log file,
 * which means in the page cache, because nothing is fsynced. Then the file is scanned
 * for lost, reordered, duplicated and malformed lines. "self" is the child
 * with its stdout opened on the file directly, with no runner in between.
 *
 * Runs: node bench/supervision/logs.mjs [--mb 200] [--rounds 3] [--runners LIST]
 */
import { spawn } from 'node:child_process';
import { closeSync, openSync, statSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { isMain, parseBenchArgs, stopRunnersOnInterrupt } from '../lib/cli.mjs';
import { checkNumberedLines, LINE_BYTES } from '../lib/lines.mjs';
import { identify, killIfAlive, waitFor } from '../lib/proc.mjs';
import { checkPrerequisites, PYTHON, startRunner } from '../lib/runners.mjs';
import { fixed, ratio, spread, summarize, table } from '../lib/stats.mjs';

const WRITER = fileURLToPath(new URL('children/writer.py', import.meta.url));

export const LOGS_DEFAULTS = {
  mb: 200,
  rounds: 3,
  runners: ['self', 'bare', 'python-loop', 'crashproof', 'pm2', 'supervisord'],
};

/** Stamps of the writer's record: when it started and when it had written every line. */
async function readStamps(record) {
  const text = await readFile(record, 'utf8').catch(() => '');
  const start = /^start (\d+) (\d+)$/m.exec(text);
  const written = /^written \d+ (\d+)$/m.exec(text);
  return {
    pid: start ? Number(start[1]) : undefined,
    startNs: start ? BigInt(start[2]) : undefined,
    writtenNs: written ? BigInt(written[1]) : undefined,
  };
}

function fileSize(file) {
  try {
    return statSync(file).size;
  } catch {
    return 0;
  }
}

/**
 * Poll the log file until it contains expectedBytes. Resolves with the
 * monotonic time it first did, or undefined when the file stopped growing
 * for 10 s after the child had written everything (lines were lost).
 */
async function waitForBytes(file, expectedBytes, record) {
  let lastSize = -1;
  let lastGrowth = performance.now();
  const deadline = performance.now() + 600_000;
  while (performance.now() < deadline) {
    const size = fileSize(file);
    if (size >= expectedBytes) return process.hrtime.bigint();
    if (size !== lastSize) {
      lastSize = size;
      lastGrowth = performance.now();
    } else if (performance.now() - lastGrowth > 10_000) {
      const stamps = await readStamps(record);
      if (stamps.writtenNs !== undefined) return undefined;
    }
    await sleep(2);
  }
  return undefined;
}

/** Start the reference run, in which the writer's stdout is the file itself. */
async function startSelf(makeCommand) {
  const dir = await mkdtemp(path.join(tmpdir(), 'crashproof-supervision-self-'));
  const outFile = path.join(dir, 'app.out.log');
  const [file, ...args] = makeCommand(dir);
  const out = openSync(outFile, 'a');
  const child = spawn(file, args, { stdio: ['ignore', out, out] });
  closeSync(out);
  const identity = identify(child.pid);
  return {
    outFile,
    stop: async () => {
      if (identity !== undefined) killIfAlive(identity);
    },
    cleanup: () => rm(dir, { recursive: true, force: true }),
  };
}

async function measureOnce(kind, options) {
  const lines = Math.round((options.mb * 1e6) / LINE_BYTES);
  const expectedBytes = lines * LINE_BYTES;
  let record;
  const makeCommand = (dir) => {
    record = path.join(dir, 'writer.txt');
    return [PYTHON, WRITER, record, String(lines)];
  };
  const runner =
    kind === 'self'
      ? await startSelf(makeCommand)
      : await startRunner(kind, { makeCommand, keep: options.keep });

  let doneNs;
  let stamps;
  let check;
  try {
    await waitFor(`the writer under ${kind}`, async () => (await readStamps(record)).startNs, {
      timeoutMs: 20_000,
      intervalMs: 2,
    });
    doneNs = await waitForBytes(runner.outFile, expectedBytes, record);
    stamps = await readStamps(record);
  } finally {
    await runner.stop();
  }
  try {
    check = await checkNumberedLines(runner.outFile, lines);
  } finally {
    await runner.cleanup();
  }

  const seconds = doneNs === undefined ? undefined : Number(doneNs - stamps.startNs) / 1e9;
  return {
    rate: seconds === undefined ? undefined : options.mb / seconds,
    writeSeconds:
      stamps.writtenNs === undefined ? undefined : Number(stamps.writtenNs - stamps.startNs) / 1e9,
    complete: doneNs !== undefined,
    ...check,
  };
}

export async function runLogs(options = LOGS_DEFAULTS) {
  checkPrerequisites(options.runners.filter((kind) => kind !== 'self'));
  const runs = {};
  for (let round = 1; round <= options.rounds; round++) {
    for (const kind of options.runners) {
      process.stderr.write(`logs: round ${round}/${options.rounds}, ${kind}\n`);
      runs[kind] = [...(runs[kind] ?? []), await measureOnce(kind, options)];
    }
  }

  const results = {};
  for (const [kind, list] of Object.entries(runs)) {
    const total = (field) => list.reduce((sum, run) => sum + run[field], 0);
    results[kind] = {
      rate: summarize(list.map((run) => run.rate).filter((rate) => rate !== undefined)),
      writeSeconds: summarize(list.map((run) => run.writeSeconds).filter((s) => s !== undefined)),
      incomplete: list.filter((run) => !run.complete).length,
      lost: total('lost'),
      reordered: total('reordered'),
      duplicated: total('duplicated'),
      malformed: total('malformed'),
      runs: list.length,
    };
  }
  return { options, results, markdown: logsMarkdown(options, results) };
}

function logsMarkdown(options, results) {
  const supervisord = results.supervisord?.rate?.median;
  const self = results.self?.rate?.median;
  const rows = options.runners.map((kind) => {
    const result = results[kind];
    return [
      kind,
      spread(result.rate, 0),
      ratio(result.rate?.median, supervisord),
      ratio(result.rate?.median, self),
      spread(result.writeSeconds, 2),
      `${result.lost} / ${result.reordered} / ${result.duplicated} / ${result.malformed}`,
      `${result.runs - result.incomplete}/${result.runs}`,
    ];
  });
  const header = [
    'runner',
    'MB/s median (min–max)',
    'vs supervisord',
    'vs self',
    "child's write time s",
    'lost / reordered / duplicated / malformed lines',
    'complete runs',
  ];

  const crashproof = results.crashproof;
  let verdict = '- crashproof or supervisord was not measured.';
  if (crashproof !== undefined && supervisord !== undefined) {
    const rateMet = (crashproof.rate?.median ?? 0) >= supervisord;
    const intact =
      crashproof.lost + crashproof.reordered + crashproof.duplicated + crashproof.malformed === 0 &&
      crashproof.incomplete === 0;
    verdict = `- crashproof ${fixed(crashproof.rate?.median, 0)} MB/s is ${ratio(crashproof.rate?.median, supervisord)} of supervisord's ${fixed(supervisord, 0)} MB/s (target ≥ 1x: ${rateMet ? 'met' : 'missed'}), with ${crashproof.lost} lost lines (target 0: ${intact ? 'met' : 'missed'}).`;
  }
  return `${options.mb} MB of 100-byte lines per run, ${options.rounds} run(s) per runner, interleaved. MB/s is 10^6 bytes per second from the child's first statement until the whole file is in the runner's log file; the child's write time shows how long the runner's pipe held it back. Line counts are totals over all runs.\n\n${table(header, rows)}\n\nTargets:\n\n${verdict}\n`;
}

if (isMain(import.meta.url)) {
  stopRunnersOnInterrupt();
  const options = parseBenchArgs(
    {
      mb: 'megabytes (10^6 bytes) the child writes per run (default 200)',
      rounds: 'interleaved runs per runner (default 3)',
    },
    { ...LOGS_DEFAULTS },
  );
  const { markdown } = await runLogs(options);
  process.stdout.write(markdown);
}
