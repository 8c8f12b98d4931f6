import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { formatBytes } from '../config/units.js';
import { readStateFile, STATE_FILE, type StateDocument } from '../status/state-file.js';
import { runnerAlive } from './status.js';

export interface WatchOptions {
  intervalMs?: number;
  out?: NodeJS.WritableStream & { isTTY?: boolean; columns?: number };
  /** Ends the watch (Ctrl-C); the command installs a SIGINT handler when none is given. */
  signal?: AbortSignal;
  /** Redraws before returning; unlimited by default. */
  frames?: number;
}

/** Status of a runner: from its status server when reachable, else from the state file. */
export interface LiveStatus {
  state: StateDocument;
  alive: boolean;
  source: 'server' | 'state file';
}

const SERVER_TIMEOUT_MS = 800;
const CLEAR_SCREEN = '\x1b[H\x1b[2J';

/**
 * `crashproof status --watch`: redraw the status every second until Ctrl-C.
 * On a terminal the screen is cleared between frames, and no colours are used
 * so the view reads the same everywhere. On a pipe a frame is printed only
 * when it changed.
 */
export async function statusWatchCommand(
  logDir: string,
  options: WatchOptions = {},
): Promise<number> {
  const out = options.out ?? process.stdout;
  const intervalMs = options.intervalMs ?? 1000;
  let signal = options.signal;
  let removeHandler = (): void => {};
  if (signal === undefined) {
    const controller = new AbortController();
    const onInterrupt = (): void => controller.abort();
    process.once('SIGINT', onInterrupt);
    removeHandler = () => process.off('SIGINT', onInterrupt);
    signal = controller.signal;
  }

  let previous = '';
  try {
    for (let frame = 0; options.frames === undefined || frame < options.frames; frame++) {
      if (signal.aborted) break;
      const width = out.isTTY ? (out.columns ?? 80) : 100;
      const status = await readLiveStatus(logDir);
      const body =
        status === undefined
          ? `no runner state at ${path.join(logDir, STATE_FILE)}: crashproof has not run with this log directory\n`
          : renderWatchFrame(status, Date.now(), width);
      if (out.isTTY) {
        const footer = `${new Date().toLocaleTimeString()} · every ${intervalMs / 1000} s · Ctrl-C to quit`;
        out.write(`${CLEAR_SCREEN}${body}\n${truncate(footer, width)}\n`);
      } else if (body !== previous) {
        out.write(`${frame === 0 ? '' : '\n'}${body}`);
      }
      previous = body;
      await sleep(intervalMs, undefined, { signal }).catch(() => {});
    }
  } finally {
    removeHandler();
  }
  return 0;
}

/** Read the state file, then prefer the fresher /api/status of a live runner. */
export async function readLiveStatus(logDir: string): Promise<LiveStatus | undefined> {
  const state = await readStateFile(path.join(logDir, STATE_FILE));
  if (state === undefined) return undefined;
  const alive = await runnerAlive(state);
  if (!alive || state.runner.statusUrl === null) return { state, alive, source: 'state file' };
  try {
    const response = await fetch(`${state.runner.statusUrl}/api/status`, {
      signal: AbortSignal.timeout(SERVER_TIMEOUT_MS),
    });
    if (!response.ok) return { state, alive, source: 'state file' };
    return { state: (await response.json()) as StateDocument, alive, source: 'server' };
  } catch {
    return { state, alive, source: 'state file' };
  }
}

interface Column {
  title: string;
  /** Lower numbers stay longest when the terminal is narrow. */
  priority: number;
  value: (app: StateDocument['apps'][string], uptimeMs: number) => string;
}

const COLUMNS: Column[] = [
  { title: 'NAME', priority: 0, value: (app) => app.name },
  { title: 'STATE', priority: 0, value: (app) => app.state },
  {
    title: 'UPTIME',
    priority: 1,
    value: (app, uptimeMs) =>
      app.state === 'running' || app.state === 'starting' ? formatUptime(uptimeMs) : '-',
  },
  { title: 'RESTARTS', priority: 2, value: (app) => String(app.restartsTotal) },
  { title: 'CRASHES', priority: 3, value: (app) => crashesText(app) },
  { title: 'MEMORY', priority: 4, value: (app) => memoryText(app) },
  { title: 'HEALTH', priority: 5, value: (app) => healthText(app) },
  { title: 'PID', priority: 6, value: (app) => (app.pid == null ? '-' : String(app.pid)) },
];

/**
 * Render one frame of the watch view, at most `width` characters wide: columns
 * are dropped from the least important (PID, HEALTH, MEMORY, ...) until the
 * table fits, and longer lines are cut.
 */
export function renderWatchFrame(status: LiveStatus, nowMs: number, width: number): string {
  const { state, alive } = status;
  const lines: string[] = [];
  lines.push(
    alive
      ? `runner pid ${state.runner.pid} (${status.source}), up since ${state.runner.startedAt}`
      : `runner is NOT running (last pid ${state.runner.pid}); values are from ${state.runner.updatedAt}`,
  );

  // Routine writes of the state file come at most once a second, so uptime counts on from the write.
  const writtenAt = Date.parse(state.runner.updatedAt);
  const sinceWrite = alive && Number.isFinite(writtenAt) ? Math.max(0, nowMs - writtenAt) : 0;
  const apps = Object.values(state.apps);
  const rows = apps.map((app) =>
    COLUMNS.map((column) => column.value(app, app.uptimeMs + sinceWrite)),
  );
  lines.push(
    ...fitTable(
      COLUMNS.map((column) => column.title),
      rows,
      COLUMNS,
      width,
    ),
  );

  for (const app of apps) {
    if (app.state === 'fatal' || app.state === 'backoff') lines.push(`${app.name}: ${app.reason}`);
  }
  if (state.cameras.length > 0) {
    const cameraRows = state.cameras.map((camera) => [
      String(camera.name ?? '?'),
      String(camera.status ?? '?'),
      typeof camera.latencyMs === 'number' ? `${Math.round(camera.latencyMs)} ms` : '-',
      String(camera.since ?? '-'),
    ]);
    const cameraColumns = [0, 0, 1, 2].map((priority) => ({ priority }));
    lines.push(
      '',
      ...fitTable(['CAMERA', 'STATUS', 'LATENCY', 'SINCE'], cameraRows, cameraColumns, width),
    );
  }
  return `${lines.map((line) => truncate(line, width)).join('\n')}\n`;
}

function fitTable(
  header: string[],
  rows: string[][],
  columns: Array<{ priority: number }>,
  width: number,
): string[] {
  let keep = header.map((_, index) => index);
  const widthOf = (indexes: number[]): number[] =>
    indexes.map((index) => Math.max(...[header, ...rows].map((row) => (row[index] ?? '').length)));
  const total = (indexes: number[]): number =>
    widthOf(indexes).reduce((sum, columnWidth) => sum + columnWidth, 0) + 2 * (indexes.length - 1);

  while (total(keep) > width && keep.length > 2) {
    const drop = keep.reduce((worst, index) =>
      columns[index]!.priority >= columns[worst]!.priority ? index : worst,
    );
    keep = keep.filter((index) => index !== drop);
  }
  const widths = widthOf(keep);
  return [header, ...rows].map((row) =>
    keep
      .map((index, position) => (row[index] ?? '').padEnd(widths[position]!))
      .join('  ')
      .trimEnd(),
  );
}

/** Compact uptime for the table: "3d4h", "1h2m", "4m10s", "12s". */
export function formatUptime(ms: number): string {
  const seconds = Math.max(0, Math.floor(ms / 1000));
  const days = Math.floor(seconds / 86_400);
  const hours = Math.floor((seconds % 86_400) / 3600);
  const minutes = Math.floor((seconds % 3600) / 60);
  if (days > 0) return `${days}d${hours}h`;
  if (hours > 0) return `${hours}h${minutes}m`;
  if (minutes > 0) return `${minutes}m${seconds % 60}s`;
  return `${seconds}s`;
}

function truncate(line: string, width: number): string {
  return line.length <= width ? line : `${line.slice(0, Math.max(0, width - 1))}…`;
}

function crashesText(app: Record<string, unknown>): string {
  const total = String(app.crashes ?? 0);
  const byCategory = app.crashesByCategory;
  if (byCategory === null || typeof byCategory !== 'object') return total;
  const parts = Object.entries(byCategory as Record<string, number>).map(
    ([category, count]) => `${category}:${count}`,
  );
  return parts.length === 0 ? total : `${total} (${parts.join(' ')})`;
}

function memoryText(app: Record<string, unknown>): string {
  const memory = app.memory;
  if (memory === null || typeof memory !== 'object') return '-';
  const rss = (memory as { rssBytes?: unknown }).rssBytes;
  return typeof rss === 'number' ? formatBytes(rss) : '-';
}

function healthText(app: Record<string, unknown>): string {
  const health = app.health;
  if (health === null || typeof health !== 'object') return '-';
  return String((health as { state?: unknown }).state ?? '-');
}
