/**
 * One watcher library in a process of its own: start-up time, RSS, event
 * latency and idle CPU on a given tree. Prints one JSON line.
 *
 * Arguments: <crashproof|parcel|chokidar> <root> <file to save, relative> <idle seconds>
 */
import { execFile } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { promisify } from 'node:util';

const execFileAsync = promisify(execFile);

type Stop = () => Promise<void>;
type OnChange = (absolutePath: string) => void;

async function startParcel(root: string, onChange: OnChange): Promise<Stop> {
  const { default: watcher } = await import('@parcel/watcher');
  const subscription = await watcher.subscribe(root, (error, events) => {
    if (error) throw error;
    for (const event of events) onChange(event.path);
  });
  return () => subscription.unsubscribe();
}

async function startChokidar(root: string, onChange: OnChange): Promise<Stop> {
  const { watch } = await import('chokidar');
  const watcher = watch(root, { ignoreInitial: true });
  watcher.on('all', (_event, changed) => onChange(changed));
  await new Promise<void>((resolve, reject) => {
    watcher.once('ready', resolve);
    watcher.once('error', reject);
  });
  return () => watcher.close();
}

async function startCrashproof(root: string, onChange: OnChange): Promise<Stop> {
  const { subscribe } = await import('../../src/watch/backend.js');
  return subscribe(root, {
    ignore: () => false,
    onChanges: (changes) => {
      for (const change of changes) onChange(change.path);
    },
    onError: (error) => {
      throw error;
    },
  });
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

async function main(): Promise<void> {
  const [backend, root, probeFile, idleText] = process.argv.slice(2);
  const starters: Record<string, (root: string, onChange: OnChange) => Promise<Stop>> = {
    parcel: startParcel,
    chokidar: startChokidar,
    crashproof: startCrashproof,
  };
  const start = backend === undefined ? undefined : starters[backend];
  if (!start || !root || !probeFile) {
    throw new Error(
      `usage: backend-probe <${Object.keys(starters).join('|')}> <root> <file> <idle seconds>`,
    );
  }
  const idleMs = Number(idleText ?? 20) * 1000;
  const probePath = path.join(root, probeFile);

  let waiting: { resolve: () => void } | undefined;
  // Delivery times of changes under burst/, to see how a burst is split up.
  const burstDir = path.join(root, 'burst');
  const burstDeliveries: number[] = [];
  const onChange: OnChange = (changed) => {
    if (changed === probePath) waiting?.resolve();
    if (changed.startsWith(burstDir + path.sep)) burstDeliveries.push(performance.now());
  };

  const startedAt = performance.now();
  const stop = await start(root, onChange);
  const readyMs = performance.now() - startedAt;
  const rssAfterReady = process.memoryUsage().rss;

  // Save the probe file and time until its event arrives, 10 times.
  const latencies: number[] = [];
  for (let save = 0; save < 10; save++) {
    const seen = new Promise<void>((resolve) => {
      waiting = { resolve };
    });
    const savedAt = performance.now();
    await writeFile(probePath, `VALUE = ${save}\n`);
    await Promise.race([
      seen,
      sleep(5000).then(() => {
        throw new Error(`${backend}: no event for ${probeFile} within 5 s`);
      }),
    ]);
    latencies.push(performance.now() - savedAt);
    // People save seconds apart; parcel delays a change that follows another within about 500 ms by 50 ms.
    await sleep(1000);
  }

  // A burst like a git checkout: 1,000 files rewritten by another process,
  // so the watcher's own work cannot slow the writer down.
  const burstStart = performance.now();
  await execFileAsync('/bin/sh', [
    '-c',
    'i=0; while [ $i -lt 1000 ]; do echo "VALUE = $i" > "$0/f$i.py"; i=$((i+1)); done',
    burstDir,
  ]);
  const burstWriteMs = performance.now() - burstStart;
  await sleep(1500);
  let largestGapMs = 0;
  for (let index = 1; index < burstDeliveries.length; index++) {
    largestGapMs = Math.max(largestGapMs, burstDeliveries[index]! - burstDeliveries[index - 1]!);
  }

  // Let the garbage collector finish with the start-up walk before measuring idle CPU.
  await sleep(2000);
  const cpuBefore = process.cpuUsage();
  const idleStart = performance.now();
  await sleep(idleMs);
  const cpu = process.cpuUsage(cpuBefore);
  const idleElapsed = performance.now() - idleStart;

  const rssEnd = process.memoryUsage().rss;
  await stop();
  process.stdout.write(
    `${JSON.stringify({
      backend,
      readyMs: Math.round(readyMs),
      rssMiB: +(rssAfterReady / 2 ** 20).toFixed(1),
      rssEndMiB: +(rssEnd / 2 ** 20).toFixed(1),
      maxRssMiB: +(process.resourceUsage().maxRSS / 1024).toFixed(1),
      eventLatencyMedianMs: +median(latencies).toFixed(2),
      burstWriteMs: Math.round(burstWriteMs),
      burstChangesSeen: burstDeliveries.length,
      burstLargestGapMs: Math.round(largestGapMs),
      idleCpuPercent: +(((cpu.user + cpu.system) / 1000 / idleElapsed) * 100).toFixed(3),
      idleSeconds: idleElapsed / 1000,
    })}\n`,
  );
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? error.stack : String(error)}\n`);
  process.exit(1);
});
