#!/usr/bin/env node
/**
 * All four supervision benchmarks in one run, printed as markdown: the
 * machine, then respawn latency, idle overhead, log throughput and stop.
 * Progress goes to stderr, the report to stdout (or --out FILE).
 *
 * Runs: npm run build && node bench/supervision/all.mjs [--quick] [--out FILE]
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import os from 'node:os';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { stopRunnersOnInterrupt } from '../lib/cli.mjs';
import { CRASHPROOF, PYTHON, runnerVersions, supervisordVersion } from '../lib/runners.mjs';
import { IDLE_DEFAULTS, runIdle } from './idle.mjs';
import { LOGS_DEFAULTS, runLogs } from './logs.mjs';
import { RESPAWN_DEFAULTS, runRespawn } from './respawn.mjs';
import { runStop, STOP_DEFAULTS } from './stop.mjs';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

/** Smaller settings for a smoke run of a minute or two; the numbers are then only indicative. */
const QUICK = {
  respawn: { samples: 10, rounds: 2 },
  idle: { seconds: 10, settle: 5 },
  logs: { mb: 50, rounds: 1 },
  stop: { runs: 2 },
};

async function machine() {
  const cpu =
    /^model name\s*:\s*(.*)$/m.exec(readFileSync('/proc/cpuinfo', 'utf8'))?.[1] ?? 'unknown';
  const versions = runnerVersions();
  const python = execFileSync(PYTHON, ['--version'], { encoding: 'utf8' }).trim();
  return [
    `- CPU: ${cpu}, ${os.availableParallelism()} cores (nproc), ${Math.round(os.totalmem() / 2 ** 30)} GiB memory`,
    `- Linux ${os.release()}`,
    `- Node ${versions.node}, PM2 ${versions.pm2}, supervisord ${await supervisordVersion()}, ${python} (${PYTHON})`,
    `- crashproof ${versions.crashproof}: ${CRASHPROOF}, repository at ${gitCommit()}`,
  ].join('\n');
}

/** Describe the repository's commit, with "+ changes" when tracked files differ from it. */
function gitCommit() {
  try {
    const git = (args) => execFileSync('git', args, { encoding: 'utf8', cwd: ROOT }).trim();
    const commit = git(['log', '-1', '--format=%h %s']);
    return git(['status', '--porcelain', '--untracked-files=no']) === ''
      ? commit
      : `${commit} + changes`;
  } catch {
    return 'unknown (not a git checkout)';
  }
}

function loadAverage() {
  return os
    .loadavg()
    .map((value) => value.toFixed(2))
    .join(', ');
}

const { values } = parseArgs({
  options: {
    quick: { type: 'boolean', default: false },
    out: { type: 'string' },
    keep: { type: 'boolean', default: false },
  },
});
stopRunnersOnInterrupt();

const settings = (name, defaults) => ({
  ...defaults,
  ...(values.quick ? QUICK[name] : {}),
  keep: values.keep,
});
const startedAt = new Date();
const loadBefore = loadAverage();
const header = await machine();

const respawn = await runRespawn(settings('respawn', RESPAWN_DEFAULTS));
const idle = await runIdle(settings('idle', IDLE_DEFAULTS));
const logs = await runLogs(settings('logs', LOGS_DEFAULTS));
const stop = await runStop(settings('stop', STOP_DEFAULTS));

const minutes = ((Date.now() - startedAt.getTime()) / 60_000).toFixed(1);
const report = `## Supervision run of ${startedAt.toISOString()}${values.quick ? ' (--quick)' : ''}

${header}
- Load average (1, 5, 15 min): ${loadBefore} at the start, ${loadAverage()} at the end; the run took ${minutes} min.

### Crash-to-respawn latency

${respawn.markdown}
### Idle overhead

${idle.markdown}
### Log throughput

${logs.markdown}
### Stop

${stop.markdown}`;

if (values.out !== undefined) await writeFile(values.out, report);
process.stdout.write(report);
