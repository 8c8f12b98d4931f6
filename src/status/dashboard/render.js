// DOM rendering of app cards, camera tiles and crash reports. Every value
// from the server goes in through textContent, never as HTML.

import { CATEGORY_COLORS } from './timeline.js';

export function el(tag, attributes = {}, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (value !== undefined && value !== null) node.setAttribute(name, String(value));
  }
  for (const child of children) {
    if (child === undefined || child === null) continue;
    node.append(typeof child === 'string' ? document.createTextNode(child) : child);
  }
  return node;
}

/** Format a duration for people: "3d 4h", "2h 5m", "4m 10s", "12s". */
export function formatDuration(ms) {
  const seconds = Math.max(0, Math.floor(ms / 1000));
  const days = Math.floor(seconds / 86_400);
  const hours = Math.floor((seconds % 86_400) / 3600);
  const minutes = Math.floor((seconds % 3600) / 60);
  if (days > 0) return `${days}d ${hours}h`;
  if (hours > 0) return `${hours}h ${minutes}m`;
  if (minutes > 0) return `${minutes}m ${seconds % 60}s`;
  return `${seconds}s`;
}

/** Format bytes like formatBytes in src/config/units.ts, which the browser cannot import. */
export function formatBytes(bytes) {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${unit === 0 ? value : value.toFixed(1)} ${units[unit]}`;
}

function field(label, value) {
  return [el('dt', {}, label), el('dd', {}, value)];
}

function memoryOf(app) {
  const memory = app.memory;
  if (memory === null || typeof memory !== 'object' || typeof memory.rssBytes !== 'number')
    return '-';
  const cpu =
    typeof memory.cpuPercent === 'number' ? `, CPU ${memory.cpuPercent.toFixed(0)} %` : '';
  return `${formatBytes(memory.rssBytes)}${cpu}`;
}

function healthOf(app) {
  const health = app.health;
  if (health === null || typeof health !== 'object') return '-';
  return String(health.state ?? '-');
}

function crashesOf(app) {
  const entries = Object.entries(app.crashesByCategory ?? {});
  if (entries.length === 0) return String(app.crashes ?? 0);
  return `${app.crashes ?? 0} (${entries.map(([category, count]) => `${category} ${count}`).join(', ')})`;
}

/** Uptime of a running app at `nowMs`, counted on from when the status was fetched. */
export function uptimeOf(app, fetchedAtMs, nowMs) {
  if (app.state !== 'running' && app.state !== 'starting') return '-';
  return formatDuration(app.uptimeMs + (nowMs - fetchedAtMs));
}

export function renderApps(container, status, fetchedAtMs, nowMs) {
  const apps = Object.values(status.apps).sort((a, b) => a.name.localeCompare(b.name));
  if (apps.length === 0) {
    container.replaceChildren(el('p', { class: 'empty' }, 'no apps configured'));
    return;
  }
  container.replaceChildren(
    ...apps.map((app) => {
      const showReason =
        app.state === 'backoff' || app.state === 'fatal' || app.state === 'stopped';
      return el(
        'article',
        { class: 'card app', 'data-app': app.name, 'data-state': app.state },
        el('h3', {}, el('span', {}, app.name), el('span', { class: 'badge' }, app.state)),
        el(
          'dl',
          {},
          ...field('PID', app.pid === undefined || app.pid === null ? '-' : String(app.pid)),
          ...field(
            'Uptime',
            el('span', { 'data-uptime': app.name }, uptimeOf(app, fetchedAtMs, nowMs)),
          ),
          ...field('Restarts', `${app.restartsTotal} (${app.restartsLastHour} in the last hour)`),
          ...field('Crashes', crashesOf(app)),
          ...field('Memory', memoryOf(app)),
          ...field('Health', healthOf(app)),
        ),
        showReason && app.reason ? el('p', { class: 'reason' }, app.reason) : undefined,
      );
    }),
  );
}

export function renderCameras(container, cameras, nowMs) {
  if (cameras.length === 0) {
    container.replaceChildren(el('p', { class: 'empty' }, 'no cameras configured'));
    return;
  }
  container.replaceChildren(
    ...cameras.map((camera) => {
      const status = String(camera.status ?? 'unknown');
      const since = typeof camera.since === 'string' ? Date.parse(camera.since) : Number.NaN;
      const latency =
        typeof camera.latencyMs === 'number' ? `${Math.round(camera.latencyMs)} ms` : '-';
      return el(
        'article',
        { class: 'card camera', 'data-camera': camera.name, 'data-status': status },
        el('h3', {}, el('span', {}, String(camera.name)), el('span', { class: 'badge' }, status)),
        el(
          'dl',
          {},
          ...field('Latency', latency),
          ...field('Since', Number.isFinite(since) ? `${formatDuration(nowMs - since)} ago` : '-'),
        ),
        camera.detail ? el('p', { class: 'reason' }, String(camera.detail)) : undefined,
      );
    }),
  );
}

export function renderCrashes(container, crashes) {
  if (crashes.length === 0) {
    container.replaceChildren(el('li', { class: 'empty' }, 'no crashes since the runner started'));
    return;
  }
  container.replaceChildren(
    ...crashes.map((crash) => {
      const category = el('span', { class: 'category' }, crash.category);
      category.style.color = CATEGORY_COLORS[crash.category] ?? CATEGORY_COLORS.unknown;
      const exit =
        crash.signal !== null
          ? `signal ${crash.signal}`
          : crash.exitCode !== null
            ? `exit code ${crash.exitCode}`
            : '';
      return el(
        'li',
        { 'data-report-id': crash.id, 'data-app': crash.app },
        el(
          'div',
          { class: 'head' },
          el('strong', {}, crash.app),
          category,
          el(
            'time',
            { datetime: crash.time, class: 'muted' },
            new Date(crash.time).toLocaleString(),
          ),
          el(
            'span',
            { class: 'muted' },
            [exit, `after ${formatDuration(crash.uptimeMs)}`].filter(Boolean).join(', '),
          ),
          crash.fatal ? el('span', { class: 'badge' }, 'fatal') : undefined,
        ),
        el('p', { class: 'hint' }, crash.hint),
        el('p', { class: 'muted' }, crash.reason),
        crash.evidence ? el('p', { class: 'muted' }, `evidence: ${crash.evidence}`) : undefined,
        crash.outputTail.length > 0
          ? el(
              'details',
              {},
              el('summary', {}, `last ${crash.outputTail.length} output lines`),
              el('pre', {}, crash.outputTail.join('\n')),
            )
          : undefined,
      );
    }),
  );
}
