/**
 * Cost of one process-tree sample, for trees of 1, 10 and 100 processes,
 * sampled once a second as the memory guard does.
 *
 * Run: npx rolldown bench/guards-sampling.ts -p node -f esm -o bench/results/guards-sampling.mjs
 *      && node bench/results/guards-sampling.mjs [samples per size, default 10]
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { readdir } from 'node:fs/promises';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { ProcessTreeSampler } from '../src/guards/proc-tree.js';

const SIZES = [1, 10, 100];
const INTERVAL_MS = 1000;
const samplesPerSize = Number(process.argv[2] ?? 10);

/** Start a tree of `size` processes: size - 1 sleeping children under a shell that then becomes a sleep too. */
function startTree(size: number): ChildProcess {
  const script = `i=1; while [ $i -lt ${size} ]; do sleep 120 & i=$((i+1)); done; exec sleep 120`;
  return spawn('/bin/sh', ['-c', script], { stdio: 'ignore' });
}

async function waitForTree(sampler: ProcessTreeSampler, pid: number, size: number): Promise<void> {
  const deadline = Date.now() + 30_000;
  while (Date.now() < deadline) {
    const sample = await sampler.sample(pid);
    if (sample && sample.pids.length >= size) return;
    await sleep(50);
  }
  throw new Error(`the tree of ${pid} did not reach ${size} processes within 30 s`);
}

async function measure(size: number): Promise<void> {
  const root = startTree(size);
  const sampler = new ProcessTreeSampler();
  try {
    await waitForTree(sampler, root.pid!, size);
    const systemProcesses = (await readdir('/proc')).filter((entry) => /^\d+$/.test(entry)).length;

    let cpuMicros = 0;
    let wallMs = 0;
    let worstWallMs = 0;
    for (let index = 0; index < samplesPerSize; index++) {
      await sleep(INTERVAL_MS);
      const cpuBefore = process.cpuUsage();
      const wallBefore = performance.now();
      const sample = await sampler.sample(root.pid!);
      const wall = performance.now() - wallBefore;
      const cpu = process.cpuUsage(cpuBefore);
      if (!sample || sample.pids.length < size)
        throw new Error(`sample lost processes: ${sample?.pids.length}`);
      cpuMicros += cpu.user + cpu.system;
      wallMs += wall;
      worstWallMs = Math.max(worstWallMs, wall);
    }

    const cpuPerSampleMs = cpuMicros / samplesPerSize / 1000;
    console.log(
      [
        `tree ${String(size).padStart(3)} processes`,
        `${systemProcesses} on the system`,
        `CPU ${cpuPerSampleMs.toFixed(2)} ms/sample (${((cpuPerSampleMs / INTERVAL_MS) * 100).toFixed(3)} % of a core at 1 s)`,
        `wall ${(wallMs / samplesPerSize).toFixed(2)} ms mean, ${worstWallMs.toFixed(2)} ms max`,
      ].join(' | '),
    );
  } finally {
    // Kill the shell's children by PID, then the shell.
    const last = await sampler.sample(root.pid!);
    for (const pid of [...(last?.pids ?? [])].reverse()) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // Already gone.
      }
    }
  }
}

console.log(
  `process-tree sampling, ${samplesPerSize} samples per size, ${process.platform}, node ${process.version}`,
);
for (const size of SIZES) await measure(size);
