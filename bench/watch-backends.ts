/**
 * The watcher backends on one generated tree: crashproof's (one fs.watch
 * per directory), @parcel/watcher 2.6 and chokidar 5. Each runs in a
 * process of its own (bench/watch/backend-probe.ts), three rounds each,
 * and the table shows the median round: time until the whole tree is
 * watched, RSS, latency from a save to its event (median of 10 saves a
 * second apart), how a burst of 1,000 files written by another process
 * arrives (largest gap between two deliveries: a debouncer with a shorter
 * quiet period splits the burst there), and CPU while idle.
 *
 * Run:
 *   npx rolldown bench/watch-backends.ts -p node -f esm --no-codeSplitting -e rolldown \
 *     -o bench/results/watch-backends.mjs && node bench/results/watch-backends.mjs \
 *     [--files 20000] [--rounds 3] [--idle 20]
 * Results: a table on stdout and bench/results/watch-backends.json.
 */
import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { bundle, ROOT } from './watch/build.js';
import { median } from './watch/measure.js';
import { generateTree } from './watch/tree.js';

const execFileAsync = promisify(execFile);
const BACKENDS = ['crashproof', 'parcel', 'chokidar'];
const METRICS = [
  'readyMs',
  'rssMiB',
  'eventLatencyMedianMs',
  'burstWriteMs',
  'burstChangesSeen',
  'burstLargestGapMs',
  'idleCpuPercent',
] as const;

type Round = Record<(typeof METRICS)[number], number>;

function option(name: string, fallback: number): number {
  const index = process.argv.indexOf(name);
  return index === -1 ? fallback : Number(process.argv[index + 1]);
}

async function main(): Promise<void> {
  const files = option('--files', 20_000);
  const rounds = option('--rounds', 3);
  const idleSeconds = option('--idle', 20);
  const probe = await bundle('backend-probe.ts', ['@parcel/watcher', 'chokidar']);

  const root = await mkdtemp(path.join(tmpdir(), 'crashproof-bench-backends-'));
  const results: Array<{ backend: string; median: Partial<Round>; rounds: Round[] }> = [];
  try {
    const tree = await generateTree(root, { files });
    // The burst rewrites these files, so they exist before the watch starts.
    await mkdir(path.join(root, 'burst'));
    for (let file = 0; file < 1000; file++) {
      await writeFile(path.join(root, 'burst', `f${file}.py`), 'VALUE = 0\n');
    }

    for (const backend of BACKENDS) {
      const measured: Round[] = [];
      for (let round = 0; round < rounds; round++) {
        const { stdout } = await execFileAsync(
          process.execPath,
          [probe, backend, root, tree.lastFile, String(idleSeconds)],
          { timeout: 600_000, maxBuffer: 1 << 20 },
        );
        const line = JSON.parse(stdout.trim()) as Round;
        measured.push(line);
        process.stderr.write(`${backend} round ${round + 1}: ${JSON.stringify(line)}\n`);
      }
      const middle: Partial<Round> = {};
      for (const metric of METRICS) middle[metric] = median(measured.map((r) => r[metric]));
      results.push({ backend, median: middle, rounds: measured });
    }
  } finally {
    await rm(root, { recursive: true, force: true });
  }

  process.stdout.write(`${['backend', ...METRICS].join('\t')}\n`);
  for (const result of results) {
    process.stdout.write(
      `${[result.backend, ...METRICS.map((m) => String(result.median[m]))].join('\t')}\n`,
    );
  }
  const output = path.join(ROOT, 'bench', 'results', 'watch-backends.json');
  await writeFile(
    output,
    `${JSON.stringify({ node: process.version, files, rounds, idleSeconds, results }, null, 2)}\n`,
  );
  process.stdout.write(`results: ${output}\n`);
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? error.stack : String(error)}\n`);
  process.exit(1);
});
