/**
 * Cost of event-stream clients to supervision: respawn latency (app exit to
 * next spawn, measured on the runner's bus), runner CPU and RSS and event
 * loop delay, first with no clients, then with 1,000 concurrent /api/events
 * clients on loopback. The clients run in a child process, so the CPU time
 * measured is the runner's alone. The app exits 150 ms after each start and
 * restarts after a 0 ms backoff, so every cycle sends its state changes,
 * restart and crash report to every client.
 *
 * Run: npx rolldown bench/status-sse.ts -p node -f esm -e pino -e prom-client -o bench/results/status-sse.mjs
 *      && node bench/results/status-sse.mjs [clients, default 1000] [respawns per phase, default 40]
 */
import { type ChildProcess, fork } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import pino from 'pino';
import { loadConfig } from '../src/config/load.js';
import { Runner } from '../src/runner.js';
import { startStatusServer } from '../src/status/server.js';
import { createClassifier } from '../src/wiring.js';

interface Phase {
  clients: number;
  respawns: number;
  latencyMs: { p50: number; p95: number; max: number };
  cpuPercent: number;
  /** Runner CPU time per respawn cycle, event fan-out included. */
  cpuMsPerRespawn: number;
  /** Share of the CPU time spent in the kernel (loopback TCP). */
  systemShare: number;
  rssMiB: number;
  loopDelayP99Ms: number;
  eventsPerClient: { min: number; max: number } | undefined;
  droppedClients: number;
}

const CHILD_LIFE_MS = 150;

if (process.argv[2] === '--clients') await runClients(process.argv[3]!, Number(process.argv[4]));
else await main();

async function main(): Promise<void> {
  const clientCount = Number(process.argv[2] ?? 1000);
  const respawns = Number(process.argv[3] ?? 40);
  const dir = await mkdtemp(path.join(os.tmpdir(), 'crashproof-bench-sse-'));
  const configFile = path.join(dir, 'crashproof.yaml');
  await writeFile(
    configFile,
    [
      'apps:',
      '  - name: flappy',
      `    command: [${JSON.stringify(process.execPath)}, "-e", "setTimeout(() => process.exit(1), ${CHILD_LIFE_MS})"]`,
      '    startSeconds: 50ms',
      '    restart: { delay: 0ms, multiplier: 1, maxRestarts: 1000000 }',
      '    logs: { console: never }',
      'logging: { dir: logs }',
      'exitOnFatal: never',
      `status: { port: 0, events: { maxClients: ${clientCount + 10} } }`,
      '',
    ].join('\n'),
  );
  const { config } = await loadConfig({ configPath: configFile, cwd: dir, env: process.env });
  const logger = pino(
    { level: 'info' },
    pino.destination({ dest: path.join(dir, 'runner.log'), sync: false }),
  );
  const runner = new Runner({
    config,
    logger,
    env: process.env,
    classify: createClassifier(config),
  });
  await runner.start();
  const server = await startStatusServer(runner, config.status, logger);

  let clients: ChildProcess | undefined;
  try {
    await measure(runner, server.url, 5, 0); // warm-up
    const baseline = await measure(runner, server.url, respawns, 0);
    clients = fork(fileURLToPath(import.meta.url), ['--clients', server.url, String(clientCount)]);
    const [ready] = (await once(clients, 'message')) as [{ connected: number }];
    const loaded = await measure(runner, server.url, respawns, ready.connected);
    clients.send('report');
    const [counts] = (await once(clients, 'message')) as [{ min: number; max: number }];
    loaded.eventsPerClient = counts;
    const fanOut = fanOutCost(runner);
    print([baseline, loaded], fanOut, clientCount);
  } finally {
    clients?.kill('SIGTERM');
    await runner.shutdown('benchmark finished');
    await rm(dir, { recursive: true, force: true });
  }
}

/** Collect `count` respawns and the runner's CPU, RSS and loop delay over them. */
async function measure(
  runner: Runner,
  url: string,
  count: number,
  clients: number,
): Promise<Phase> {
  const latencies: number[] = [];
  let exitedAt: number | undefined;
  const loop = monitorEventLoopDelay({ resolution: 10 });
  loop.enable();
  const cpuBefore = process.cpuUsage();
  const startedAt = performance.now();
  let peakRss = process.memoryUsage().rss;

  await new Promise<void>((resolve) => {
    const offExit = runner.bus.on('app:exit', () => {
      exitedAt = performance.now();
    });
    const offSpawn = runner.bus.on('app:spawn', () => {
      peakRss = Math.max(peakRss, process.memoryUsage().rss);
      if (exitedAt === undefined) return;
      latencies.push(performance.now() - exitedAt);
      exitedAt = undefined;
      if (latencies.length < count) return;
      offExit();
      offSpawn();
      resolve();
    });
  });

  const cpu = process.cpuUsage(cpuBefore);
  const wallMs = performance.now() - startedAt;
  loop.disable();
  latencies.sort((a, b) => a - b);
  const at = (share: number): number =>
    latencies[Math.min(latencies.length - 1, Math.floor(share * latencies.length))]!;
  return {
    clients,
    respawns: latencies.length,
    latencyMs: { p50: at(0.5), p95: at(0.95), max: latencies.at(-1)! },
    cpuPercent: ((cpu.user + cpu.system) / 1000 / wallMs) * 100,
    cpuMsPerRespawn: (cpu.user + cpu.system) / 1000 / latencies.length,
    systemShare: cpu.system / (cpu.user + cpu.system),
    rssMiB: peakRss / 2 ** 20,
    loopDelayP99Ms: loop.percentile(99) / 1e6,
    eventsPerClient: undefined,
    droppedClients: await droppedClients(url),
  };
}

/** Measure the time one bus event takes to reach every connected client (serialise once, write to each socket). */
function fanOutCost(runner: Runner): number {
  const rounds = 20;
  const startedAt = performance.now();
  for (let index = 0; index < rounds; index++)
    runner.bus.emit('camera:state', {
      camera: 'bench',
      from: 'online',
      to: 'offline',
      detail: 'fan-out timing',
    });
  return (performance.now() - startedAt) / rounds;
}

async function droppedClients(url: string): Promise<number> {
  const response = await fetch(`${url}/metrics`);
  const text = await response.text();
  const line = text
    .split('\n')
    .find((entry) => entry.startsWith('crashproof_event_stream_dropped_clients_total '));
  return line === undefined ? 0 : Number(line.split(' ')[1]);
}

function print(phases: Phase[], fanOutMs: number, clientCount: number): void {
  const cpuModel = os.cpus()[0]?.model ?? 'unknown CPU';
  console.log(
    `status server event stream, ${os.cpus().length} × ${cpuModel}, ${process.platform}, node ${process.version}, load average ${os.loadavg()[0]!.toFixed(1)} at the end`,
  );
  console.log(
    'clients  respawns  latency p50/p95/max ms  runner CPU %  CPU ms/respawn  kernel %  RSS MiB  loop p99 ms  events/client  dropped',
  );
  for (const phase of phases) {
    const latency = `${phase.latencyMs.p50.toFixed(1)}/${phase.latencyMs.p95.toFixed(1)}/${phase.latencyMs.max.toFixed(1)}`;
    const events =
      phase.eventsPerClient === undefined
        ? '-'
        : `${phase.eventsPerClient.min}-${phase.eventsPerClient.max}`;
    console.log(
      [
        String(phase.clients).padEnd(7),
        String(phase.respawns).padEnd(8),
        latency.padEnd(22),
        phase.cpuPercent.toFixed(1).padEnd(12),
        phase.cpuMsPerRespawn.toFixed(1).padEnd(14),
        (phase.systemShare * 100).toFixed(0).padEnd(8),
        phase.rssMiB.toFixed(0).padEnd(7),
        phase.loopDelayP99Ms.toFixed(1).padEnd(11),
        events.padEnd(13),
        String(phase.droppedClients),
      ].join('  '),
    );
  }
  console.log(
    `one event to ${clientCount} clients: ${fanOutMs.toFixed(2)} ms of runner event-loop time`,
  );
  console.log(JSON.stringify({ phases, fanOutMs }));
}

/** Client role: open `count` event streams (own sockets), report when all are open, count events. */
async function runClients(url: string, count: number): Promise<void> {
  const events: number[] = new Array(count).fill(0);
  const requests: http.ClientRequest[] = [];
  const BATCH = 100;
  for (let start = 0; start < count; start += BATCH) {
    const batch = [];
    for (let index = start; index < Math.min(count, start + BATCH); index++) {
      batch.push(
        new Promise<void>((resolve, reject) => {
          const request = http.get(`${url}/api/events`, { agent: false }, (res) => {
            if (res.statusCode !== 200)
              reject(new Error(`client ${index}: HTTP ${res.statusCode}`));
            res.setEncoding('utf8');
            res.on('data', (chunk: string) => {
              events[index]! += chunk.split('\nevent: ').length - 1;
            });
            resolve();
          });
          request.on('error', reject);
          requests.push(request);
        }),
      );
    }
    await Promise.all(batch);
  }
  process.send?.({ connected: count });
  process.on('message', () => {
    process.send?.({ min: Math.min(...events), max: Math.max(...events) });
  });
  process.on('SIGTERM', () => {
    for (const request of requests) request.destroy();
    process.exit(0);
  });
}
