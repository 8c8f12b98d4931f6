/**
 * Watch mode side by side: crashproof, nodemon and PM2 on generated trees
 * of 20,000 and 200,000 files. For each tool: time until a change deep in
 * the tree restarts the app (ready), RSS of the tool's process, latency
 * from a save to the new app process (median of 20 saves), and CPU while
 * idle. Restart delays are 0 for nodemon (--delay 0) and PM2
 * (--watch-delay 0); crashproof runs with debounce 0 and with its default
 * 20 ms quiet period.
 *
 * A tool is skipped on a tree when it would need more than half of the
 * machine-wide inotify watch limit: nodemon and PM2 add one watch per file,
 * and at 200,000 files PM2 took every watch of the machine, so that other
 * programs failed with ENOSPC until it was stopped.
 *
 * crashproof is measured through bench/watch/harness.ts: the AppWatcher of
 * the runner driving a minimal respawn loop (the runner's --watch wiring is
 * not in place yet). The app is bench/watch/child.sh, which reports its PID
 * over loopback TCP as soon as bash runs it.
 *
 * Run:
 *   npx rolldown bench/watch-tools.ts -p node -f esm --no-codeSplitting -e rolldown \
 *     -o bench/results/watch-tools.mjs && node bench/results/watch-tools.mjs \
 *     [--sizes 20000,200000] [--saves 20] [--idle 20] [--tools crashproof,crashproof-0,nodemon,pm2]
 * Results: a table on stdout and bench/results/watch-tools.json.
 */
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { promisify } from 'node:util';
import { bundle, ROOT } from './watch/build.js';
import { cpuTimeMs, median, rssBytes, StartCollector } from './watch/measure.js';
import { type GeneratedTree, generateTree } from './watch/tree.js';

const execFileAsync = promisify(execFile);
const CHILD = path.join(ROOT, 'bench', 'watch', 'child.sh');
const NODEMON = path.join(ROOT, 'node_modules', 'nodemon', 'bin', 'nodemon.js');
const PM2 = path.join(ROOT, 'node_modules', 'pm2', 'bin', 'pm2');
const READY_TIMEOUT_MS = 240_000;
const PROBE_INTERVAL_MS = 50;

interface Options {
  sizes: number[];
  saves: number;
  idleSeconds: number;
  tools: string[];
}

function parseOptions(argv: string[]): Options {
  const options: Options = {
    sizes: [20_000, 200_000],
    saves: 20,
    idleSeconds: 20,
    tools: ['crashproof', 'crashproof-0', 'nodemon', 'pm2'],
  };
  for (let index = 0; index < argv.length; index += 2) {
    const value = argv[index + 1] ?? '';
    if (argv[index] === '--sizes') options.sizes = value.split(',').map(Number);
    else if (argv[index] === '--saves') options.saves = Number(value);
    else if (argv[index] === '--idle') options.idleSeconds = Number(value);
    else if (argv[index] === '--tools') options.tools = value.split(',');
    else throw new Error(`unknown option ${argv[index]}: use --sizes, --saves, --idle or --tools`);
  }
  return options;
}

/** A running tool: the PID whose RSS and CPU count, and how to stop it with its apps. */
interface RunningTool {
  pid: number;
  stop(): Promise<void>;
}

interface ToolContext {
  tree: GeneratedTree;
  port: number;
  workDir: string;
  harness: string;
}

function waitForExit(child: ChildProcess, timeoutMs: number): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(() => {
      if (child.pid !== undefined) process.kill(-child.pid, 'SIGKILL');
      resolve();
    }, timeoutMs);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve();
    });
  });
}

/** Start a tool in a process group of its own, so that stopping it also ends its apps. */
function startGroup(command: string, args: string[], context: ToolContext): RunningTool {
  const child = spawn(command, args, {
    cwd: context.tree.root,
    env: { ...process.env, BENCH_PORT: String(context.port) },
    stdio: ['ignore', 'ignore', 'inherit'],
    detached: true,
  });
  if (child.pid === undefined) throw new Error(`could not start ${command}`);
  const pid = child.pid;
  return {
    pid,
    stop: async () => {
      try {
        process.kill(-pid, 'SIGTERM');
      } catch {
        return;
      }
      await waitForExit(child, 10_000);
      try {
        // Apps the tool left behind in its group.
        process.kill(-pid, 'SIGKILL');
      } catch {}
    },
  };
}

async function startPm2(context: ToolContext): Promise<RunningTool> {
  const env = {
    ...process.env,
    PM2_HOME: path.join(context.workDir, 'pm2-home'),
    BENCH_PORT: String(context.port),
  };
  const args = [PM2, 'start', CHILD, '--name', 'bench', '--interpreter', 'bash'];
  args.push('--watch', context.tree.root, '--watch-delay', '0');
  await execFileAsync(process.execPath, args, { cwd: context.tree.root, env, timeout: 60_000 });
  const pid = Number((await readFile(path.join(env.PM2_HOME, 'pm2.pid'), 'utf8')).trim());
  return {
    pid,
    stop: async () => {
      await execFileAsync(process.execPath, [PM2, 'kill'], { env, timeout: 60_000 }).catch(
        () => {},
      );
    },
  };
}

/**
 * Tools that watch every file with an inotify watch of its own (chokidar 3,
 * which nodemon 3 and PM2 7 use), as opposed to one per directory.
 */
const WATCHES_PER_FILE = new Set(['nodemon', 'pm2']);

/** Largest share of the machine-wide inotify watch limit a run may take. */
const MAX_WATCH_SHARE = 0.5;

/**
 * The reason to skip a tool on a tree: the inotify watch limit is shared by
 * every program of the user, so a tool that would take most of it makes
 * other programs on the machine (editors, test suites) fail with ENOSPC.
 */
function watchBudgetProblem(name: string, tree: GeneratedTree): string | undefined {
  const needed = WATCHES_PER_FILE.has(name) ? tree.files + tree.directories : tree.directories;
  let limit: number;
  try {
    limit = Number(readFileSync('/proc/sys/fs/inotify/max_user_watches', 'utf8'));
  } catch {
    return undefined;
  }
  if (needed <= limit * MAX_WATCH_SHARE) return undefined;
  return (
    `skipped: it needs about ${needed} inotify watches and fs.inotify.max_user_watches is ${limit} ` +
    'for all programs of this user'
  );
}

const TOOLS: Record<string, (context: ToolContext) => Promise<RunningTool>> = {
  crashproof: async (context) =>
    startGroup(
      process.execPath,
      [context.harness, context.tree.root, '20ms', 'bash', CHILD],
      context,
    ),
  'crashproof-0': async (context) =>
    startGroup(
      process.execPath,
      [context.harness, context.tree.root, '0ms', 'bash', CHILD],
      context,
    ),
  nodemon: async (context) =>
    startGroup(
      process.execPath,
      [
        NODEMON,
        '--quiet',
        '--delay',
        '0',
        '--watch',
        context.tree.root,
        '--ext',
        'py',
        '--exec',
        `bash ${CHILD}`,
      ],
      context,
    ),
  pm2: startPm2,
};

interface Result {
  tool: string;
  files: number;
  readyMs: number | null;
  rssMiB: number | null;
  rssEndMiB: number | null;
  latencyMedianMs: number | null;
  latencyMaxMs: number | null;
  saves: number;
  extraStarts: number;
  idleCpuPercent: number | null;
  idleSeconds: number;
  error?: string;
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

const mib = (bytes: number | undefined) =>
  bytes === undefined ? null : +(bytes / 2 ** 20).toFixed(1);

async function measure(
  name: string,
  tree: GeneratedTree,
  options: Options,
  harness: string,
): Promise<Result> {
  const collector = new StartCollector();
  const port = await collector.listen();
  const workDir = await mkdtemp(path.join(tmpdir(), `crashproof-bench-${name}-`));
  const result: Result = {
    tool: name,
    files: tree.files,
    readyMs: null,
    rssMiB: null,
    rssEndMiB: null,
    latencyMedianMs: null,
    latencyMaxMs: null,
    saves: 0,
    extraStarts: 0,
    idleCpuPercent: null,
    idleSeconds: options.idleSeconds,
  };

  const skip = watchBudgetProblem(name, tree);
  if (skip) {
    await collector.close();
    await rm(workDir, { recursive: true, force: true });
    return { ...result, error: skip };
  }

  const launchedAt = performance.now();
  const tool = await TOOLS[name]!({ tree, port, workDir, harness });
  try {
    if (!(await collector.waitForStart(0, 60_000))) throw new Error('the app never started');

    // Ready: the first save deep in the tree that restarts the app.
    const probe = path.join(tree.root, tree.lastFile);
    const writes: number[] = [];
    const deadline = launchedAt + READY_TIMEOUT_MS;
    while (collector.starts.length < 2 && performance.now() < deadline) {
      if (!isAlive(tool.pid)) throw new Error(`${name} exited before it was ready`);
      writes.push(performance.now());
      await writeFile(probe, `VALUE = ${writes.length}\n`);
      await sleep(PROBE_INTERVAL_MS);
    }
    const restart = collector.starts[1];
    if (!restart) throw new Error(`not ready within ${READY_TIMEOUT_MS / 1000} s`);
    const cause = writes.filter((at) => at < restart.at).at(-1) ?? restart.at;
    result.readyMs = Math.round(cause - launchedAt);
    await collector.settle(500, 15_000);
    result.rssMiB = mib(rssBytes(tool.pid));

    // Latency: a save of app.py to the report of the new process.
    const latencies: number[] = [];
    const expectedStarts = collector.starts.length;
    for (let save = 0; save < options.saves; save++) {
      const before = collector.starts.length;
      const savedAt = performance.now();
      await writeFile(path.join(tree.root, tree.rootFile), `print(${save})\n`);
      const started = await collector.waitForStart(before, 10_000);
      if (started) latencies.push(started.at - savedAt);
      // People save seconds apart; let every tool finish its restart first.
      await sleep(1000);
      await collector.settle(300, 10_000);
    }
    result.saves = latencies.length;
    result.latencyMedianMs = latencies.length ? +median(latencies)!.toFixed(1) : null;
    result.latencyMaxMs = latencies.length ? +Math.max(...latencies).toFixed(1) : null;
    result.extraStarts = collector.starts.length - expectedStarts - latencies.length;

    // Idle: CPU time of the tool's process over the idle window, once the
    // garbage collector is done with the saves.
    await sleep(2000);
    const cpuBefore = cpuTimeMs(tool.pid);
    const idleStart = performance.now();
    await sleep(options.idleSeconds * 1000);
    const cpuAfter = cpuTimeMs(tool.pid);
    if (cpuBefore !== undefined && cpuAfter !== undefined) {
      result.idleCpuPercent = +(
        ((cpuAfter - cpuBefore) / (performance.now() - idleStart)) *
        100
      ).toFixed(3);
    }
    result.rssEndMiB = mib(rssBytes(tool.pid));
  } catch (error) {
    result.error = error instanceof Error ? error.message : String(error);
  } finally {
    await tool.stop();
    await collector.close();
    await rm(workDir, { recursive: true, force: true });
  }
  return result;
}

function printTable(results: Result[]): void {
  const header = [
    'tool',
    'files',
    'ready ms',
    'RSS MiB',
    'RSS end',
    'save→process ms (median)',
    'max',
    'extra starts',
    'idle CPU %',
  ];
  const rows = results.map((r) => [
    r.tool,
    String(r.files),
    String(r.readyMs ?? '-'),
    String(r.rssMiB ?? '-'),
    String(r.rssEndMiB ?? '-'),
    String(r.latencyMedianMs ?? '-'),
    String(r.latencyMaxMs ?? '-'),
    String(r.extraStarts),
    r.error ? `error: ${r.error}` : String(r.idleCpuPercent ?? '-'),
  ]);
  const widths = header.map((title, column) =>
    Math.max(title.length, ...rows.map((row) => row[column]!.length)),
  );
  for (const row of [header, ...rows]) {
    process.stdout.write(`${row.map((cell, column) => cell.padEnd(widths[column]!)).join('  ')}\n`);
  }
}

async function main(): Promise<void> {
  const options = parseOptions(process.argv.slice(2));
  if (!existsSync(NODEMON) || !existsSync(PM2))
    throw new Error('run npm install first: nodemon and pm2 are devDependencies');
  const harness = await bundle('harness.ts', ['pino']);

  const results: Result[] = [];
  for (const size of options.sizes) {
    const root = await mkdtemp(path.join(tmpdir(), `crashproof-bench-tree-${size}-`));
    try {
      const tree = await generateTree(root, { files: size });
      for (const tool of options.tools) {
        if (!TOOLS[tool])
          throw new Error(`unknown tool ${tool}: use ${Object.keys(TOOLS).join(', ')}`);
        process.stderr.write(`${tool} on ${tree.files} files...\n`);
        const result = await measure(tool, tree, options, harness);
        results.push(result);
        process.stderr.write(`${JSON.stringify(result)}\n`);
      }
    } finally {
      await rm(root, { recursive: true, force: true });
    }
  }

  printTable(results);
  const output = path.join(ROOT, 'bench', 'results', 'watch-tools.json');
  await writeFile(
    output,
    `${JSON.stringify({ node: process.version, cpus: (await import('node:os')).cpus().length, options, results }, null, 2)}\n`,
  );
  process.stdout.write(`results: ${output}\n`);
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? error.stack : String(error)}\n`);
  process.exit(1);
});
