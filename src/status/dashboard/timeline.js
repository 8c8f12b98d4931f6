// Hand-drawn SVG timeline: one lane per app with its supervision states,
// crash reports as dots coloured by category, scheduled restarts as ticks.

const SVG = 'http://www.w3.org/2000/svg';

export const STATE_COLORS = {
  running: 'var(--running)',
  starting: 'var(--starting)',
  backoff: 'var(--backoff)',
  stopping: 'var(--stopping)',
  stopped: 'var(--stopped)',
  fatal: 'var(--fatal)',
};

export const CATEGORY_COLORS = {
  network: '#3b7dd8',
  'usb-device': '#8e5bd0',
  'camera-auth': '#d0479a',
  'camera-firmware': '#b0569e',
  database: '#1f9aa8',
  memory: '#e06a1b',
  'port-conflict': '#a67c00',
  startup: '#6d8f1f',
  'native-crash': '#8b1e1e',
  hang: '#5a6f8c',
  killed: '#444c57',
  'clean-exit': '#7a8594',
  unknown: '#9b6a4a',
};

const LABEL_WIDTH = 130;
const AXIS_HEIGHT = 20;
const LANE_HEIGHT = 22;
const LANE_GAP = 8;
const RIGHT_PAD = 12;
const TICK_STEPS_MS = [
  5 * 60_000,
  15 * 60_000,
  3_600_000,
  3 * 3_600_000,
  6 * 3_600_000,
  12 * 3_600_000,
  86_400_000,
];

function svg(tag, attributes, text) {
  const node = document.createElementNS(SVG, tag);
  for (const [name, value] of Object.entries(attributes)) node.setAttribute(name, String(value));
  if (text !== undefined) node.textContent = text;
  return node;
}

function withTitle(node, text) {
  node.appendChild(svg('title', {}, text));
  return node;
}

function clock(ms) {
  return new Date(ms).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' });
}

/**
 * Draw the last `windowMs` of `timeline` (GET /api/history) into `container`,
 * sized to its width.
 */
export function renderTimeline(container, timeline, windowMs) {
  const apps = Object.keys(timeline.apps).sort();
  const width = Math.max(480, container.clientWidth - 16);
  const height = AXIS_HEIGHT + Math.max(1, apps.length) * (LANE_HEIGHT + LANE_GAP);
  const plotWidth = width - LABEL_WIDTH - RIGHT_PAD;
  const to = timeline.to;
  const from = Math.max(timeline.from, to - windowMs);
  const span = Math.max(1, to - from);
  const x = (at) => LABEL_WIDTH + ((Math.min(Math.max(at, from), to) - from) / span) * plotWidth;
  const visible = (mark) => mark.at >= from;
  const laneTop = (index) => AXIS_HEIGHT + index * (LANE_HEIGHT + LANE_GAP);

  const root = svg('svg', {
    viewBox: `0 0 ${width} ${height}`,
    height,
    role: 'img',
    'aria-label': `timeline of ${apps.length} app(s) from ${clock(from)} to ${clock(to)}`,
  });

  const step = TICK_STEPS_MS.find((candidate) => span / candidate <= 8) ?? TICK_STEPS_MS.at(-1);
  for (let tick = Math.ceil(from / step) * step; tick <= to; tick += step) {
    root.appendChild(
      svg('line', {
        class: 'grid-line',
        x1: x(tick),
        x2: x(tick),
        y1: AXIS_HEIGHT - 4,
        y2: height,
      }),
    );
    root.appendChild(svg('text', { x: x(tick), y: 12, 'text-anchor': 'middle' }, clock(tick)));
  }

  if (apps.length === 0) {
    root.appendChild(svg('text', { x: LABEL_WIDTH, y: AXIS_HEIGHT + 14 }, 'no apps'));
  }

  apps.forEach((app, index) => {
    const top = laneTop(index);
    root.appendChild(svg('text', { class: 'lane-label', x: 0, y: top + LANE_HEIGHT / 2 + 4 }, app));
    const changes = timeline.apps[app];
    changes.forEach((change, position) => {
      const end = changes[position + 1]?.at ?? to;
      if (end <= from) return;
      const left = x(change.at);
      const segment = svg('rect', {
        x: left,
        y: top,
        width: Math.max(1, x(end) - left),
        height: LANE_HEIGHT,
        fill: STATE_COLORS[change.state] ?? 'var(--unknown)',
        'data-state': change.state,
      });
      root.appendChild(
        withTitle(segment, `${app}: ${change.state} from ${clock(change.at)} to ${clock(end)}`),
      );
    });

    for (const restart of timeline.restarts.filter((mark) => mark.app === app && visible(mark))) {
      const tick = svg('line', {
        class: 'restart',
        x1: x(restart.at),
        x2: x(restart.at),
        y1: top - 4,
        y2: top + 6,
      });
      root.appendChild(
        withTitle(
          tick,
          `${clock(restart.at)} restart scheduled (${restart.cause}) in ${restart.delayMs} ms`,
        ),
      );
    }
    for (const crash of timeline.crashes.filter((mark) => mark.app === app && visible(mark))) {
      const dot = svg('circle', {
        cx: x(crash.at),
        cy: top + LANE_HEIGHT / 2,
        r: 5,
        fill: CATEGORY_COLORS[crash.category] ?? CATEGORY_COLORS.unknown,
        stroke: 'var(--card)',
        'stroke-width': 1.5,
        'data-category': crash.category,
      });
      root.appendChild(
        withTitle(dot, `${clock(crash.at)} crash (${crash.category}): ${crash.hint}`),
      );
    }
  });

  container.replaceChildren(root);
}

/** Legend of state colours and of the crash categories present in `timeline`. */
export function renderLegend(container, timeline) {
  const items = Object.entries(STATE_COLORS).map(([state, color]) => [state, color]);
  const categories = [...new Set(timeline.crashes.map((crash) => crash.category))].sort();
  for (const category of categories)
    items.push([`crash: ${category}`, CATEGORY_COLORS[category] ?? CATEGORY_COLORS.unknown]);
  items.push(['| restart', 'transparent']);
  container.replaceChildren(
    ...items.map(([label, color]) => {
      const span = document.createElement('span');
      span.textContent = label;
      span.style.setProperty('--swatch', color);
      return span;
    }),
  );
}
