import { spawn } from 'node:child_process';
import { createRequire } from 'node:module';

/**
 * SQLite work that must be bounded in time runs in a child Node process.
 * A quick_check or a backup is one long native call, and neither a timer
 * nor Worker.terminate() interrupts it: on Node 20, terminate() resolved
 * only when a 9 s query in the worker had finished. SIGKILL ends a child at
 * once and releases its file locks with it.
 */
export type SqliteChildRequest =
  | { op: 'check'; file: string; busyTimeoutMs: number; maxErrors: number }
  | { op: 'backup'; file: string; dest: string; busyTimeoutMs: number; maxErrors: number };

export type SqliteChildResult =
  | { ok: true; lines: string[]; journalMode: string; pages: number }
  | { ok: false; code: string; message: string };

export type SqliteChildOutcome =
  | SqliteChildResult
  | { ok: false; code: 'TIMEOUT'; message: string };

// The child opens each file read-write, as the app does, so SQLite rolls back
// a hot journal and replays a WAL (rebuilding a missing -shm) before the check:
// those are recoveries, not corruption. A backup copies every page in one step,
// so writes by the app cannot restart it.
const CHILD_SCRIPT = `
'use strict';
const request = JSON.parse(process.argv[1]);
const Database = require(request.modulePath);

function quickCheck(file) {
  const db = new Database(file, { fileMustExist: true, timeout: request.busyTimeoutMs });
  try {
    const journalMode = db.pragma('journal_mode', { simple: true });
    const pages = db.pragma('page_count', { simple: true });
    const lines = db.prepare('PRAGMA quick_check(' + request.maxErrors + ')').pluck().all();
    return { lines, journalMode, pages };
  } finally {
    db.close();
  }
}

async function run() {
  if (request.op === 'check') return quickCheck(request.file);
  const source = new Database(request.file, { fileMustExist: true, timeout: request.busyTimeoutMs });
  try {
    await source.backup(request.dest, { progress: () => 0x7fffffff });
  } finally {
    source.close();
  }
  return quickCheck(request.dest);
}

run().then(
  (result) => process.stdout.write(JSON.stringify({ ok: true, ...result }) + '\\n'),
  (error) => process.stdout.write(JSON.stringify({ ok: false, code: String(error.code || error.name), message: String(error.message) }) + '\\n'),
);
`;

let modulePath: string | undefined;

function betterSqlitePath(): string {
  modulePath ??= createRequire(import.meta.url).resolve('better-sqlite3');
  return modulePath;
}

/** Run one request in a child, killed with SIGKILL after timeoutMs. */
export function runSqliteChild(
  request: SqliteChildRequest,
  timeoutMs: number,
): Promise<SqliteChildOutcome> {
  const env = { ...process.env };
  // The runner's own loader flags (a test runner's, a profiler's) are not for the child.
  delete env.NODE_OPTIONS;

  const child = spawn(
    process.execPath,
    ['-e', CHILD_SCRIPT, JSON.stringify({ ...request, modulePath: betterSqlitePath() })],
    {
      stdio: ['ignore', 'pipe', 'pipe'],
      env,
      windowsHide: true,
    },
  );

  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
    stdout += chunk;
  });
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
    if (stderr.length < 4096) stderr += chunk;
  });

  return new Promise((resolve) => {
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, timeoutMs);

    child.on('error', (error) => {
      clearTimeout(timer);
      resolve({
        ok: false,
        code: 'SPAWN_FAILED',
        message: `could not start ${process.execPath}: ${error.message}`,
      });
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      if (timedOut) {
        resolve({ ok: false, code: 'TIMEOUT', message: `did not finish within ${timeoutMs} ms` });
        return;
      }
      const line = stdout.trim().split('\n').pop() ?? '';
      try {
        resolve(JSON.parse(line) as SqliteChildResult);
      } catch {
        const detail =
          stderr.trim().split('\n').slice(-3).join(' | ') || `exit code ${code}, signal ${signal}`;
        resolve({
          ok: false,
          code: 'CHILD_FAILED',
          message: `the SQLite child process failed: ${detail}`,
        });
      }
    });
  });
}
