import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type CrashFacts, classifyCrash } from '../../src/crash/classify.js';

// Real programs that fail the real way; their real output goes to the classifier.

const PYTHON = '/usr/bin/python3';
const FIXTURES = resolve(import.meta.dirname, '../fixtures');
const RUN_TIMEOUT_MS = 20_000;

interface RunResult {
  facts: CrashFacts;
  pid: number;
}

/** Run a program to its end and collect what a supervisor would know about the exit. */
function runToExit(
  command: string,
  args: string[],
  options: { cwd?: string; duringStart?: boolean; onSpawn?: (pid: number) => void } = {},
): Promise<RunResult> {
  return new Promise((resolvePromise, reject) => {
    const started = performance.now();
    const child = spawn(command, args, {
      cwd: options.cwd ?? FIXTURES,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, PYTHONUNBUFFERED: '1' },
    });
    // Split each stream into whole lines: a write may arrive in several chunks.
    const lines: string[] = [];
    const collect = (stream: NodeJS.ReadableStream) => {
      let partial = '';
      stream.setEncoding('utf8');
      stream.on('data', (chunk: string) => {
        const parts = (partial + chunk).split('\n');
        partial = parts.pop() ?? '';
        lines.push(...parts);
      });
      stream.on('end', () => {
        if (partial !== '') lines.push(partial);
      });
    };
    collect(child.stdout);
    collect(child.stderr);

    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`${command} ${args.join(' ')} did not exit within ${RUN_TIMEOUT_MS} ms`));
    }, RUN_TIMEOUT_MS);

    child.on('error', reject);
    child.on('spawn', () => options.onSpawn?.(child.pid!));
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolvePromise({
        pid: child.pid!,
        facts: {
          exitCode: code,
          signal,
          uptimeMs: performance.now() - started,
          duringStart: options.duringStart ?? false,
          outputTail: lines.filter((line) => line !== ''),
        },
      });
    });
  });
}

function listen(port = 0): Promise<Server> {
  return new Promise((resolvePromise, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolvePromise(server));
  });
}

function portOf(server: Server): number {
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('server has no TCP address');
  return address.port;
}

function close(server: Server): Promise<void> {
  return new Promise((resolvePromise) => server.close(() => resolvePromise()));
}

let workDir: string;
let heldPort: Server;

beforeAll(async () => {
  workDir = await mkdtemp(join(tmpdir(), 'crashproof-classify-'));
  heldPort = await listen();
});

afterAll(async () => {
  await close(heldPort);
  await rm(workDir, { recursive: true, force: true });
});

describe('classifyCrash on real failures', () => {
  it('python ConnectionRefusedError is network', async () => {
    // Bind and release a port so that nothing listens on it.
    const probe = await listen();
    const closedPort = portOf(probe);
    await close(probe);

    const { facts } = await runToExit(PYTHON, ['crash_conn_refused.py', String(closedPort)]);
    expect(facts.exitCode).toBe(1);
    const result = classifyCrash(facts);
    expect(result.category).toBe('network');
    expect(result.ruleId).toBe('connection-refused');
    expect(result.evidence).toMatch(/^ConnectionRefusedError: \[Errno 111\]/);
  });

  it('corrupted sqlite file is database', async () => {
    const { facts } = await runToExit(PYTHON, [
      'crash_sqlite_corrupt.py',
      join(workDir, 'recordings.sqlite'),
    ]);
    expect(facts.exitCode).toBe(1);
    const result = classifyCrash(facts);
    expect(result.category).toBe('database');
    expect(result.ruleId).toBe('sqlite-corrupt');
    expect(result.evidence).toBe('sqlite3.DatabaseError: database disk image is malformed');
  });

  it('node heap exhaustion is memory', async () => {
    const { facts } = await runToExit(process.execPath, [
      '--max-old-space-size=16',
      'crash_heap.mjs',
    ]);
    // V8 aborts the process after printing its fatal error.
    expect(facts.signal).toBe('SIGABRT');
    const result = classifyCrash(facts);
    expect(result.category).toBe('memory');
    expect(result.ruleId).toBe('v8-heap');
  });

  it('python bind on a held port is port-conflict', async () => {
    const { facts } = await runToExit(PYTHON, ['crash_port_conflict.py', String(portOf(heldPort))]);
    expect(facts.exitCode).toBe(1);
    const result = classifyCrash(facts);
    expect(result.category).toBe('port-conflict');
    expect(result.evidence).toBe('OSError: [Errno 98] Address already in use');
  });

  it('node listen on a held port is port-conflict', async () => {
    const { facts } = await runToExit(process.execPath, [
      'crash_port_conflict.mjs',
      String(portOf(heldPort)),
    ]);
    expect(facts.exitCode).toBe(1);
    const result = classifyCrash(facts);
    expect(result.category).toBe('port-conflict');
    expect(result.ruleId).toBe('port-in-use');
  });

  it('uvicorn on a held port is port-conflict', async () => {
    const { facts } = await runToExit(
      PYTHON,
      [
        '-m',
        'uvicorn',
        '--host',
        '127.0.0.1',
        '--port',
        String(portOf(heldPort)),
        'crash_asgi_app:app',
      ],
      { duringStart: true },
    );
    expect(facts.exitCode).toBe(1);
    const result = classifyCrash(facts);
    expect(result.category).toBe('port-conflict');
    expect(result.evidence).toMatch(/address already in use/);
  });

  it('uvicorn with a missing module is startup', async () => {
    const { facts } = await runToExit(PYTHON, ['-m', 'uvicorn', 'missing_module:app'], {
      cwd: workDir,
      duringStart: true,
    });
    expect(facts.exitCode).toBe(1);
    const result = classifyCrash(facts);
    expect(result.category).toBe('startup');
    expect(result.ruleId).toBe('asgi-load');
  });

  for (const signal of ['SIGSEGV', 'SIGABRT'] as const) {
    it(`${signal} is native-crash`, async () => {
      const { facts } = await runToExit(PYTHON, ['crash_signal.py', signal]);
      expect(facts.signal).toBe(signal);
      const result = classifyCrash(facts);
      expect(result.category).toBe('native-crash');
      expect(result.ruleId).toBe('signal:native');
      expect(result.evidence).toBe(`signal ${signal}`);
    });
  }

  it('SIGSEGV through a shell is native-crash', async () => {
    // The shell waits for python and exits 128 + 11, as a wrapper script would.
    const { facts } = await runToExit('/bin/sh', [
      '-c',
      `${PYTHON} crash_signal.py SIGSEGV; exit $?`,
    ]);
    expect(facts.exitCode).toBe(139);
    expect(facts.signal).toBeNull();
    const result = classifyCrash(facts);
    expect(result.category).toBe('native-crash');
    // The shell reports the signal on stderr before it exits 139.
    expect(result.ruleId).toBe('native-abort');
    expect(result.evidence).toMatch(/Segmentation fault/);
  });

  it('SIGKILL from outside is killed', async () => {
    const run = runToExit(
      PYTHON,
      ['-c', 'import time\nprint("ready", flush=True)\ntime.sleep(30)'],
      {
        onSpawn: (pid) => {
          // The delay only lets python start; the outcome does not depend on it.
          setTimeout(() => process.kill(pid, 'SIGKILL'), 200);
        },
      },
    );
    const { facts } = await run;
    expect(facts.signal).toBe('SIGKILL');
    const result = classifyCrash(facts);
    expect(result.category).toBe('killed');
    expect(result.ruleId).toBe('signal:external');
  });

  it('an old warning does not outrank the final exception', async () => {
    const { facts } = await runToExit(PYTHON, ['crash_stale_warning.py']);
    expect(facts.exitCode).toBe(1);
    expect(facts.outputTail.some((line) => line.includes('Connection refused'))).toBe(true);
    const result = classifyCrash(facts);
    expect(result.category).toBe('unknown');
    expect(result.evidence).toBe("ValueError: invalid literal for int() with base 10: 'fifteen'");
  });
});
