import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import type { ProcessRow } from './proc-tree.js';

const execFileAsync = promisify(execFile);

/**
 * Parse a ps TIME column into seconds: "[[DD-]HH:]MM:SS[.cc]". macOS prints
 * "MMM:SS.cc" with minutes past 59; procps prints "[DD-]HH:MM:SS".
 */
export function parsePsTime(text: string): number | undefined {
  const match = /^(?:(\d+)-)?([\d:.]+)$/.exec(text.trim());
  if (!match) return undefined;
  const days = Number(match[1] ?? 0);
  const parts = match[2]!.split(':').map(Number);
  if (parts.length > 3 || parts.some(Number.isNaN)) return undefined;
  let seconds = 0;
  for (const part of parts) seconds = seconds * 60 + part;
  return days * 86_400 + seconds;
}

/** Parse the output of `ps -A -o pid=,ppid=,rss=,time=` (rss in KiB). */
export function parsePsOutput(text: string): ProcessRow[] {
  const rows: ProcessRow[] = [];
  for (const line of text.split('\n')) {
    const fields = line.trim().split(/\s+/);
    if (fields.length < 4) continue;
    const pid = Number(fields[0]);
    const ppid = Number(fields[1]);
    const rssKiB = Number(fields[2]);
    const cpuSeconds = parsePsTime(fields[3]!);
    if (!Number.isInteger(pid) || !Number.isInteger(ppid) || Number.isNaN(rssKiB)) continue;
    if (cpuSeconds === undefined) continue;
    rows.push({ pid, ppid, rssBytes: rssKiB * 1024, cpuSeconds });
  }
  return rows;
}

/**
 * Read the process table with ps (macOS, the BSDs). Unlike the /proc reader,
 * the CPU time of exited children is not included.
 */
export async function readMacProcessTable(): Promise<ProcessRow[]> {
  const { stdout } = await execFileAsync('ps', ['-A', '-o', 'pid=,ppid=,rss=,time='], {
    timeout: 10_000,
    maxBuffer: 16 * 1024 * 1024,
  });
  return parsePsOutput(stdout);
}
