/**
 * Cost of direct camera probes in the runner: 1, 10 and 100 cameras probed
 * once a second by CameraMonitor, against loopback TCP listeners and the
 * scripted RTSP responder (OPTIONS + DESCRIBE). The servers run in a child
 * process, so the CPU time measured is the runner's alone.
 *
 * Run: npx rolldown bench/camera-probes.ts -p node -f esm -o bench/results/camera-probes.mjs
 *      && node bench/results/camera-probes.mjs [seconds per row, default 10]
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { createServer, type Server } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { CameraMonitor } from '../src/cameras/monitor.js';
import { probeCamera } from '../src/cameras/probe.js';
import type { CameraLogger } from '../src/cameras/types.js';
import type { CameraConfig } from '../src/config/schema/cameras.js';
import { EventBus } from '../src/events.js';
import { startRtspResponder } from '../test/fixtures/rtsp_responder.js';

type Protocol = 'tcp' | 'rtsp';

const SIZES = [1, 10, 100];
const PROTOCOLS: Protocol[] = ['tcp', 'rtsp'];
const INTERVAL_MS = 1000;
const WARM_UP_MS = 2000;

interface Row {
  cameras: number;
  protocol: Protocol;
  probes: number;
  online: number;
  cpuMsPerProbe: number;
  /** Share of the CPU time spent in the kernel (sockets). */
  systemShare: number;
  cpuPercent: number;
  rssMiB: number;
}

const silent: CameraLogger = { debug() {}, info() {}, warn() {}, error() {} };

/** Child mode: start `count` servers of one protocol on loopback and print their ports. */
async function serve(protocol: Protocol, count: number): Promise<void> {
  const ports: number[] = [];
  for (let i = 0; i < count; i++) {
    if (protocol === 'rtsp') {
      ports.push((await startRtspResponder()).port);
      continue;
    }
    const server: Server = createServer((socket) => socket.on('error', () => socket.destroy()));
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    const address = server.address();
    if (address === null || typeof address === 'string')
      throw new Error('listener without a TCP address');
    ports.push(address.port);
  }
  process.stdout.write(`${JSON.stringify(ports)}\n`);
  // Run until the parent ends this process.
  setInterval(() => {}, 60_000);
}

async function startServers(
  protocol: Protocol,
  count: number,
): Promise<{ child: ChildProcess; ports: number[] }> {
  const child = spawn(process.execPath, [process.argv[1]!, '--serve', protocol, String(count)], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let output = '';
  child.stdout!.on('data', (chunk: Buffer) => {
    output += chunk.toString();
  });
  const deadline = Date.now() + 30_000;
  while (!output.includes('\n')) {
    if (Date.now() > deadline || child.exitCode !== null)
      throw new Error(`the ${protocol} servers did not start`);
    await sleep(20);
  }
  return { child, ports: JSON.parse(output) as number[] };
}

async function measure(protocol: Protocol, count: number, seconds: number): Promise<Row> {
  const { child, ports } = await startServers(protocol, count);
  const cameras: CameraConfig[] = ports.map((port, index) => ({
    name: `${protocol}-${index}`,
    kind: 'camera',
    url: protocol === 'tcp' ? `tcp://127.0.0.1:${port}` : `rtsp://127.0.0.1:${port}/stream`,
    interval: INTERVAL_MS,
    timeout: 2000,
  }));

  let probes = 0;
  let online = 0;
  let counting = false;
  const monitor = new CameraMonitor({
    cameras,
    bus: new EventBus(),
    logger: silent,
    probe: async (camera) => {
      const result = await probeCamera(camera);
      if (counting) {
        probes++;
        if (result.status === 'online') online++;
      }
      return result;
    },
  });

  try {
    monitor.start();
    await sleep(WARM_UP_MS);

    counting = true;
    let rssMax = 0;
    const cpuStart = process.cpuUsage();
    const wallStart = performance.now();
    for (let second = 0; second < seconds; second++) {
      await sleep(1000);
      rssMax = Math.max(rssMax, process.memoryUsage.rss());
    }
    const cpu = process.cpuUsage(cpuStart);
    const wallMs = performance.now() - wallStart;
    counting = false;

    const cpuMs = (cpu.user + cpu.system) / 1000;
    return {
      cameras: count,
      protocol,
      probes,
      online,
      cpuMsPerProbe: probes === 0 ? Number.NaN : cpuMs / probes,
      systemShare: cpuMs === 0 ? 0 : cpu.system / 1000 / cpuMs,
      cpuPercent: (cpuMs / wallMs) * 100,
      rssMiB: rssMax / 2 ** 20,
    };
  } finally {
    await monitor.stop();
    child.kill('SIGTERM');
    if (child.exitCode === null) await once(child, 'exit');
  }
}

async function main(): Promise<void> {
  if (process.argv[2] === '--serve') {
    await serve(process.argv[3] as Protocol, Number(process.argv[4]));
    return;
  }

  const seconds = Number(process.argv[2] ?? 10);
  if (!Number.isInteger(seconds) || seconds < 1) {
    throw new Error(
      `invalid duration "${process.argv[2]}": give whole seconds per row, such as 10`,
    );
  }

  const rows: Row[] = [];
  for (const protocol of PROTOCOLS) {
    for (const size of SIZES) {
      rows.push(await measure(protocol, size, seconds));
      process.stderr.write(`measured ${size} ${protocol} camera(s)\n`);
    }
  }

  const lines = [
    `Camera probes, interval ${INTERVAL_MS / 1000} s, ${seconds} s measured per row after ${WARM_UP_MS / 1000} s warm-up; Node ${process.version}.`,
    '',
    '| cameras | protocol | probes | online | CPU per probe | of which kernel | runner CPU (% of one core) | runner RSS |',
    '| ---: | --- | ---: | ---: | ---: | ---: | ---: | ---: |',
    ...rows.map(
      (row) =>
        `| ${row.cameras} | ${row.protocol} | ${row.probes} | ${row.online} | ${row.cpuMsPerProbe.toFixed(3)} ms | ${(row.systemShare * 100).toFixed(0)} % | ${row.cpuPercent.toFixed(2)} % | ${row.rssMiB.toFixed(1)} MiB |`,
    ),
  ];
  process.stdout.write(`${lines.join('\n')}\n`);
}

await main();
