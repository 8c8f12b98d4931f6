import path from 'node:path';
import { formatBytes, formatDuration } from '../config/units.js';
import { readStateFile, STATE_FILE, type StateDocument } from '../status/state-file.js';
import { isSameProcess } from '../supervisor/proc.js';

export interface StatusOptions {
  json?: boolean;
}

/** Return whether the runner that wrote the state file is still alive. */
export async function runnerAlive(state: StateDocument): Promise<boolean> {
  if (state.runner.stopped) return false;
  return isSameProcess(state.runner.pid, state.runner.procStartTime);
}

/** `crashproof status`: a table like `pm2 ls` from the state file, also when the runner is down. */
export async function statusCommand(
  logDir: string,
  options: StatusOptions,
  out: NodeJS.WritableStream = process.stdout,
): Promise<number> {
  const file = path.join(logDir, STATE_FILE);
  const state = await readStateFile(file);
  if (state === undefined) {
    out.write(`no runner state at ${file}: crashproof has not run with this log directory\n`);
    return 1;
  }
  const alive = await runnerAlive(state);
  if (options.json) {
    out.write(`${JSON.stringify({ runnerAlive: alive, ...state }, null, 2)}\n`);
    return alive ? 0 : 1;
  }
  out.write(renderStatus(state, alive, Date.now()));
  return alive ? 0 : 1;
}

/** Render the status table; narrow enough for 80 columns and readable without colour. */
export function renderStatus(state: StateDocument, alive: boolean, nowMs: number): string {
  const lines: string[] = [];
  const updated = Date.parse(state.runner.updatedAt);
  const age = Number.isFinite(updated)
    ? formatDuration(Math.max(0, Math.round((nowMs - updated) / 1000)) * 1000)
    : 'unknown';
  lines.push(
    alive
      ? `runner pid ${state.runner.pid}, up since ${state.runner.startedAt}`
      : `runner is NOT running (last seen pid ${state.runner.pid}, state written ${age} ago${state.runner.stopped ? ', stopped cleanly' : ''}); values below are from then`,
  );

  const header = [
    'NAME',
    'STATE',
    'PID',
    'UPTIME',
    'RESTARTS',
    'CRASHES',
    'MEMORY',
    'HEALTH',
    'CAMERAS',
  ];
  const rows = Object.values(state.apps).map((app) => {
    const extra = app as Record<string, unknown>;
    const health =
      typeof extra.health === 'object' && extra.health !== null
        ? String((extra.health as { state?: unknown }).state ?? '-')
        : '-';
    const rss =
      typeof extra.memory === 'object' && extra.memory !== null
        ? (extra.memory as { rssBytes?: unknown }).rssBytes
        : undefined;
    const cameras = camerasOf(state, app.name);
    return [
      app.name,
      app.state,
      app.pid === undefined || app.pid === null ? '-' : String(app.pid),
      app.state === 'running' || app.state === 'starting'
        ? formatDuration(Math.round(liveUptimeMs(app, alive, nowMs) / 1000) * 1000)
        : '-',
      String(app.restartsTotal),
      String(app.crashes),
      typeof rss === 'number' ? formatBytes(rss) : '-',
      health,
      cameras,
    ];
  });
  lines.push(...table([header, ...rows]));

  for (const app of Object.values(state.apps)) {
    if (app.state === 'fatal' || app.state === 'backoff') lines.push(`${app.name}: ${app.reason}`);
  }
  if (state.cameras.length > 0) {
    lines.push('');
    const cameraRows = state.cameras.map((camera) => [
      String(camera.name ?? '?'),
      String(camera.status ?? '?'),
      camera.latencyMs === undefined ? '-' : `${camera.latencyMs} ms`,
      String(camera.since ?? '-'),
      String(camera.detail ?? ''),
    ]);
    lines.push(...table([['CAMERA', 'STATUS', 'LATENCY', 'SINCE', 'DETAIL'], ...cameraRows]));
  }
  return `${lines.join('\n')}\n`;
}

/**
 * The state file is written on events, not on a clock, so while the runner
 * is alive the uptime is computed from the child's start time instead.
 */
function liveUptimeMs(
  app: { uptimeMs: number; startedAt?: string },
  alive: boolean,
  nowMs: number,
): number {
  const started = app.startedAt === undefined ? Number.NaN : Date.parse(app.startedAt);
  return alive && Number.isFinite(started) ? Math.max(0, nowMs - started) : app.uptimeMs;
}

function camerasOf(state: StateDocument, app: string): string {
  const cameras = state.cameras.filter((camera) => camera.app === undefined || camera.app === app);
  if (cameras.length === 0) return '-';
  const online = cameras.filter((camera) => camera.status === 'online').length;
  return `${online}/${cameras.length} online`;
}

function table(rows: string[][]): string[] {
  const widths = rows[0]!.map((_, column) =>
    Math.max(...rows.map((row) => (row[column] ?? '').length)),
  );
  return rows.map((row) =>
    row
      .map((cell, column) => cell.padEnd(widths[column]!))
      .join('  ')
      .trimEnd(),
  );
}
