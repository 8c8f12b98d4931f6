/**
 * Start and stop the runners that the supervision benchmarks compare: the
 * bare Node loop, the Python loop, crashproof, PM2 and supervisord. Each
 * runs in its own temporary directory. PM2 gets its own PM2_HOME there, so a
 * user's PM2 is never touched, and supervisord its own config and pid file,
 * never the system service. Every runner restarts its app at once, with no
 * backoff.
 */
import { execFile, spawn } from 'node:child_process';
import { closeSync, existsSync, openSync, readFileSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { identify, isAlive, killIfAlive, killProcessesNaming, waitFor } from './proc.mjs';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
/** The crashproof CLI under test; CRASHPROOF_BENCH_CLI points at another build (to compare a change). */
export const CRASHPROOF = path.resolve(
  process.env.CRASHPROOF_BENCH_CLI ?? path.join(ROOT, 'dist/cli/main.js'),
);
const PM2 = path.join(ROOT, 'node_modules/pm2/bin/pm2');
const SUPERVISORD = '/usr/bin/supervisord';
export const PYTHON = '/usr/bin/python3';

/** Runner kinds, in the order the reports list them, with the label each report prints. */
export const RUNNERS = {
  bare: 'bare Node loop',
  'python-loop': 'Python loop',
  crashproof: 'crashproof',
  'crashproof-status': 'crashproof + status server',
  pm2: 'PM2',
  supervisord: 'supervisord',
  'supervisord-group': 'supervisord, killasgroup',
};

/** Versions of the runners, for the report header. */
export function runnerVersions() {
  const require = createRequire(import.meta.url);
  const pm2 = require(path.join(ROOT, 'node_modules/pm2/package.json')).version;
  const crashproof = require(path.join(ROOT, 'package.json')).version;
  return { node: process.version, pm2, crashproof };
}

/** supervisord's version, from `supervisord --version`. */
export function supervisordVersion() {
  return new Promise((resolve) => {
    execFile(SUPERVISORD, ['--version'], (error, stdout) =>
      resolve(error ? 'not installed' : stdout.trim()),
    );
  });
}

/** Throw with the fix when a runner the benchmarks need is missing. */
export function checkPrerequisites(kinds) {
  const missing = [];
  if (kinds.some((kind) => kind.startsWith('crashproof')) && !existsSync(CRASHPROOF))
    missing.push(`${CRASHPROOF} not found: run \`npm run build\` first`);
  if (kinds.includes('pm2') && !existsSync(PM2))
    missing.push(`${PM2} not found: run \`npm ci\` (PM2 is a devDependency)`);
  if (kinds.some((kind) => kind.startsWith('supervisord')) && !existsSync(SUPERVISORD))
    missing.push(`${SUPERVISORD} not found: run \`bash scripts/install-test-deps.sh\``);
  if (!existsSync(PYTHON)) missing.push(`${PYTHON} not found: install Debian's python3`);
  if (missing.length > 0) throw new Error(missing.join('\n'));
}

/** Build the environment of every runner: the bench's own, minus crashproof's and PM2's configuration variables. */
function runnerEnv() {
  const env = { ...process.env, PYTHONUNBUFFERED: '1' };
  for (const name of Object.keys(env))
    if (/^(TAPO_|WATCHFILES_|CRASHPROOF_|PM2_)/.test(name)) delete env[name];
  return env;
}

/** Processes this module started and has not stopped yet, for cleanup on an interrupt. */
const active = new Set();

/**
 * Start a runner of `kind` that supervises the app that makeCommand(dir)
 * returns as [file, ...args], where dir is the runner's temporary directory.
 * Resolves once the runner process exists; the app may still be starting.
 */
export async function startRunner(kind, { makeCommand, stopTimeoutMs = 1000, keep = false }) {
  if (!(kind in RUNNERS))
    throw new Error(`unknown runner "${kind}"; use one of ${Object.keys(RUNNERS).join(', ')}`);
  const dir = await mkdtemp(path.join(tmpdir(), `crashproof-supervision-${kind}-`));
  const logDir = path.join(dir, 'logs');
  await mkdir(logDir);
  const outFile = path.join(logDir, 'app.out.log');
  const command = makeCommand(dir);
  const context = { dir, logDir, outFile, command, stopTimeoutMs };

  const starters = {
    bare: startBare,
    'python-loop': startPythonLoop,
    crashproof: (c) => startCrashproof(c, false),
    'crashproof-status': (c) => startCrashproof(c, true),
    pm2: startPm2,
    supervisord: (c) => startSupervisord(c, false),
    'supervisord-group': (c) => startSupervisord(c, true),
  };
  let started;
  try {
    started = await starters[kind](context);
  } catch (error) {
    // A runner that failed half-way may have left a daemon or an app behind.
    killProcessesNaming(`${dir}/`);
    throw error;
  }
  const runner = {
    kind,
    label: RUNNERS[kind],
    dir,
    outFile,
    ...started,
    /** True while the runner process (for PM2 its daemon) is alive. */
    alive: () => isAlive(started.identity),
    /** Send SIGTERM to the runner process, as systemd or a user's kill would. */
    terminate: () => process.kill(started.identity.pid, 'SIGTERM'),
    /**
     * Stop the runner the way its own tooling does (or with SIGKILL when
     * force is set), and wait until it is gone.
     */
    async stop({ force = false } = {}) {
      if (force) killIfAlive(started.identity);
      else if (isAlive(started.identity)) await started.gracefulStop();
      try {
        await waitFor(
          `${kind} (pid ${started.identity.pid}) to exit`,
          () => !isAlive(started.identity),
          {
            timeoutMs: stopTimeoutMs + 10_000,
            intervalMs: 20,
          },
        );
      } catch {
        killIfAlive(started.identity);
      }
      active.delete(runner);
    },
    /** Kill what is left of the app (any process whose command line names this directory) and remove the directory. */
    async cleanup() {
      killProcessesNaming(`${dir}/`);
      if (!keep) await rm(dir, { recursive: true, force: true });
    },
  };
  active.add(runner);
  return runner;
}

/** Spawn a runner process with its console output in DIR/runner.log. */
function spawnRunner(dir, file, args) {
  const log = openSync(path.join(dir, 'runner.log'), 'a');
  const child = spawn(file, args, { cwd: dir, env: runnerEnv(), stdio: ['ignore', log, log] });
  closeSync(log);
  const identity = identify(child.pid);
  if (identity === undefined) throw new Error(`${file} exited at once; see ${dir}/runner.log`);
  const exited = new Promise((resolve) => child.once('exit', resolve));
  return { child, identity, exited };
}

function signalStop({ child, identity }) {
  return async () => {
    if (isAlive(identity)) child.kill('SIGTERM');
  };
}

async function startBare({ dir, outFile, command, stopTimeoutMs }) {
  const script = path.join(ROOT, 'bench/lib/respawn-loop.mjs');
  const args = [
    script,
    '--log',
    outFile,
    '--stop-timeout',
    String(stopTimeoutMs),
    '--',
    ...command,
  ];
  const spawned = spawnRunner(dir, process.execPath, args);
  return { identity: spawned.identity, gracefulStop: signalStop(spawned) };
}

async function startPythonLoop({ dir, outFile, command, stopTimeoutMs }) {
  const script = path.join(ROOT, 'bench/lib/respawn-loop.py');
  const args = [
    script,
    '--log',
    outFile,
    '--stop-timeout',
    String(stopTimeoutMs / 1000),
    '--',
    ...command,
  ];
  const spawned = spawnRunner(dir, PYTHON, args);
  return { identity: spawned.identity, gracefulStop: signalStop(spawned) };
}

async function startCrashproof({ dir, logDir, command, stopTimeoutMs }, status) {
  const args = [
    CRASHPROOF,
    'run',
    '--name',
    'app',
    '--restart-delay',
    '0s',
    '--max-restarts',
    '1000000',
    '--keep-retrying',
    '--start-seconds',
    '50ms',
    '--stop-timeout',
    `${stopTimeoutMs}ms`,
    '--log-dir',
    logDir,
    ...(status ? ['--status-port', '0'] : ['--no-status']),
    '--',
    ...command,
  ];
  const spawned = spawnRunner(dir, process.execPath, args);
  return { identity: spawned.identity, gracefulStop: signalStop(spawned) };
}

/** Run the PM2 client with this runner's PM2_HOME; resolves with its exit code. */
function pm2Client(home, args) {
  return new Promise((resolve, reject) => {
    execFile(
      process.execPath,
      [PM2, ...args],
      { env: { ...runnerEnv(), PM2_HOME: home }, timeout: 60_000 },
      (error, stdout, stderr) => {
        if (error) {
          const tail = `${stdout}${stderr}`.trim().split('\n').slice(-10).join('\n');
          reject(new Error(`pm2 ${args.join(' ')} failed (PM2_HOME ${home}): ${tail}`));
        } else resolve();
      },
    );
  });
}

async function startPm2({ dir, logDir, outFile, command, stopTimeoutMs }) {
  const home = path.join(dir, 'pm2-home');
  const [file, ...args] = command;
  const ecosystem = {
    apps: [
      {
        name: 'app',
        script: file,
        args,
        interpreter: 'none',
        exec_mode: 'fork',
        cwd: dir,
        autorestart: true,
        restart_delay: 0,
        // PM2's minimum; the respawn children live longer, so PM2 counts them as stable.
        min_uptime: 100,
        max_restarts: 1_000_000,
        kill_timeout: stopTimeoutMs,
        out_file: outFile,
        error_file: path.join(logDir, 'app.err.log'),
        pid_file: path.join(dir, 'app.pid'),
        merge_logs: true,
      },
    ],
  };
  const ecosystemFile = path.join(dir, 'ecosystem.config.json');
  await writeFile(ecosystemFile, JSON.stringify(ecosystem, null, 2));
  const pidFile = path.join(home, 'pm2.pid');
  try {
    await pm2Client(home, ['start', ecosystemFile]);
  } catch (error) {
    // The client may have started the daemon before it failed: stop it by its pid file.
    const pid = readPid(pidFile);
    const daemon = pid === undefined ? undefined : identify(pid);
    if (daemon !== undefined) killIfAlive(daemon);
    throw error;
  }

  const pid = await waitFor('the PM2 daemon pid file', () => readPid(pidFile), {
    timeoutMs: 10_000,
  });
  const identity = identify(pid);
  if (identity === undefined)
    throw new Error(`the PM2 daemon (pid ${pid}) exited; see ${home}/pm2.log`);
  return {
    identity,
    gracefulStop: async () => {
      try {
        await pm2Client(home, ['kill']);
      } catch {
        killIfAlive(identity);
      }
    },
  };
}

function readPid(file) {
  try {
    const pid = Number(readFileSync(file, 'utf8').trim());
    return Number.isInteger(pid) && pid > 0 ? pid : undefined;
  } catch {
    return undefined;
  }
}

/** Quote a word for supervisord's shell-like command line. */
function quote(word) {
  return `'${word.replaceAll("'", `'"'"'`)}'`;
}

async function startSupervisord({ dir, logDir, outFile, command, stopTimeoutMs }, group) {
  const config = [
    '[supervisord]',
    'nodaemon=true',
    `logfile=${path.join(dir, 'supervisord.log')}`,
    `pidfile=${path.join(dir, 'supervisord.pid')}`,
    `childlogdir=${dir}`,
    '',
    '[program:app]',
    `command=${command.map(quote).join(' ')}`,
    `directory=${dir}`,
    'autostart=true',
    'autorestart=true',
    // With startsecs=0 every spawn counts as a successful start, so the crash loop never goes FATAL.
    'startsecs=0',
    'startretries=1000000',
    // supervisord takes whole seconds here.
    `stopwaitsecs=${Math.max(1, Math.ceil(stopTimeoutMs / 1000))}`,
    `stopasgroup=${group}`,
    `killasgroup=${group}`,
    `stdout_logfile=${outFile}`,
    'stdout_logfile_maxbytes=0',
    `stderr_logfile=${path.join(logDir, 'app.err.log')}`,
    'stderr_logfile_maxbytes=0',
    '',
  ].join('\n');
  const configFile = path.join(dir, 'supervisord.conf');
  await writeFile(configFile, config);
  const spawned = spawnRunner(dir, SUPERVISORD, ['-n', '-c', configFile]);
  return { identity: spawned.identity, gracefulStop: signalStop(spawned) };
}

/** Stop every runner still running (on an interrupt of the bench). */
export async function stopAllRunners() {
  await Promise.all([...active].map((runner) => runner.stop()));
}
