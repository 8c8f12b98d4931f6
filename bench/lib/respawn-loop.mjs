#!/usr/bin/env node
/**
 * The floor for the supervision benchmarks: the least a Node runner can do.
 * It respawns COMMAND at once whenever it exits, pipes its output to a file,
 * and on SIGTERM sends SIGTERM to the child and SIGKILL after the timeout.
 * No process group, no backoff, no reports.
 *
 * Usage: node bench/lib/respawn-loop.mjs --log FILE [--stop-timeout MS] -- COMMAND ARGS
 */
import { spawn } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { parseArgs } from 'node:util';

const { values, positionals } = parseArgs({
  options: { log: { type: 'string' }, 'stop-timeout': { type: 'string', default: '10000' } },
  allowPositionals: true,
});
if (values.log === undefined || positionals.length === 0) {
  process.stderr.write('usage: respawn-loop.mjs --log FILE [--stop-timeout MS] -- COMMAND ARGS\n');
  process.exit(2);
}
const [file, ...args] = positionals;
const log = createWriteStream(values.log, { flags: 'a' });
let child;
let stopping = false;

function start() {
  child = spawn(file, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  child.stdout.pipe(log, { end: false });
  child.stderr.pipe(log, { end: false });
  child.on('exit', () => (stopping ? log.end(() => process.exit(0)) : start()));
}

process.on('SIGTERM', () => {
  stopping = true;
  child.kill('SIGTERM');
  setTimeout(() => child.kill('SIGKILL'), Number(values['stop-timeout'])).unref();
});
start();
