// The dashboard: loads status, history and crash reports from the JSON API,
// then stays current through the event stream (/api/events). Read-only: the
// control routes need the token, which the page never receives.

import { renderApps, renderCameras, renderCrashes, uptimeOf } from './render.js';
import { renderLegend, renderTimeline } from './timeline.js';

const STATUS_REFRESH_MS = 5000;
const HISTORY_REFRESH_MS = 60_000;
const EVENT_DEBOUNCE_MS = 150;

const RANGES_MS = [15 * 60_000, 3_600_000, 6 * 3_600_000, 24 * 3_600_000];

const view = {
  status: undefined,
  statusFetchedAt: 0,
  history: undefined,
  crashes: [],
  /** Timeline range chosen with the buttons, or undefined to follow the runner's age. */
  rangeMs: undefined,
};

const byId = (id) => document.getElementById(id);

async function getJson(path) {
  const response = await fetch(path, { headers: { Accept: 'application/json' } });
  if (!response.ok) throw new Error(`${path}: HTTP ${response.status}`);
  return response.json();
}

async function loadStatus() {
  view.status = await getJson('/api/status');
  view.statusFetchedAt = Date.now();
  const runner = view.status.runner;
  byId('runner').textContent =
    `runner pid ${runner.pid}, up since ${new Date(runner.startedAt).toLocaleString()}${runner.configSource ? `, config ${runner.configSource}` : ''}`;
  renderApps(byId('apps'), view.status, view.statusFetchedAt, Date.now());
  renderCameras(byId('cameras'), view.status.cameras, Date.now());
}

async function loadHistory() {
  view.history = await getJson('/api/history');
  drawTimeline();
}

async function loadCrashes() {
  view.crashes = await getJson('/api/crashes');
  renderCrashes(byId('crashes'), view.crashes);
}

/** Return the chosen range, or the smallest one that covers the runner's life so far. */
function timelineRange() {
  if (view.rangeMs !== undefined) return view.rangeMs;
  const started = view.status === undefined ? Number.NaN : Date.parse(view.status.runner.startedAt);
  const age = Number.isFinite(started) ? Date.now() - started : Number.POSITIVE_INFINITY;
  return RANGES_MS.find((range) => range >= age) ?? RANGES_MS.at(-1);
}

function drawTimeline() {
  if (view.history === undefined) return;
  const range = timelineRange();
  for (const button of document.querySelectorAll('#ranges button'))
    button.setAttribute('aria-pressed', String(Number(button.dataset.range) === range));
  renderTimeline(byId('timeline'), view.history, range);
  renderLegend(byId('timeline-legend'), view.history);
}

/** Run `task` at most once per EVENT_DEBOUNCE_MS however many events arrive. */
function debounced(task) {
  let timer;
  return () => {
    if (timer !== undefined) return;
    timer = setTimeout(() => {
      timer = undefined;
      task().catch(reportError);
    }, EVENT_DEBOUNCE_MS);
  };
}

function reportError(error) {
  console.error(error);
  setConnection('reconnecting', `error: ${error.message}`);
}

function setConnection(state, text) {
  const node = byId('connection');
  node.dataset.state = state;
  node.textContent = text;
}

const refreshStatus = debounced(loadStatus);
const refreshHistory = debounced(loadHistory);
const refreshCrashes = debounced(loadCrashes);

/** Append an app:state event to the timeline at once, before the next history fetch. */
function addStateChange(event) {
  const history = view.history;
  if (history === undefined) return;
  const at = Date.parse(event.at);
  history.to = Math.max(history.to, at);
  const list = history.apps[event.app] ?? [];
  list.push({ at, state: event.to });
  history.apps[event.app] = list;
  drawTimeline();
}

function connect() {
  const source = new EventSource('/api/events');
  source.onopen = () => {
    setConnection('live', 'live');
    refreshStatus();
  };
  source.onerror = () => setConnection('reconnecting', 'reconnecting…');
  source.addEventListener('app:state', (message) => {
    addStateChange(JSON.parse(message.data));
    refreshStatus();
  });
  for (const name of ['health:state', 'camera:state']) source.addEventListener(name, refreshStatus);
  source.addEventListener('app:restart-scheduled', () => {
    refreshStatus();
    refreshHistory();
  });
  source.addEventListener('crash:report', () => {
    refreshCrashes();
    refreshHistory();
    refreshStatus();
  });
  source.addEventListener('resync', () => {
    refreshStatus();
    refreshHistory();
    refreshCrashes();
  });
}

function tickUptimes() {
  if (view.status === undefined) return;
  const now = Date.now();
  for (const node of document.querySelectorAll('[data-uptime]')) {
    const app = view.status.apps[node.dataset.uptime];
    if (app !== undefined) node.textContent = uptimeOf(app, view.statusFetchedAt, now);
  }
}

async function main() {
  await Promise.all([loadStatus(), loadHistory(), loadCrashes()]);
  connect();
  setInterval(tickUptimes, 1000);
  setInterval(() => loadStatus().catch(reportError), STATUS_REFRESH_MS);
  setInterval(() => loadHistory().catch(reportError), HISTORY_REFRESH_MS);
  for (const button of document.querySelectorAll('#ranges button')) {
    button.addEventListener('click', () => {
      view.rangeMs = Number(button.dataset.range);
      drawTimeline();
    });
  }
  let resizeTimer;
  window.addEventListener('resize', () => {
    clearTimeout(resizeTimer);
    resizeTimer = setTimeout(drawTimeline, 100);
  });
}

main().catch(reportError);
