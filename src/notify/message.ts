import type { CrashCategory } from '../crash/categories.js';
import { redactDeep } from '../crash/redact.js';
import type { CameraStatus, EventMap } from '../events.js';

/** The subject of a notification; CRASHPROOF_EVENT carries this value. */
export type NotifyKind =
  | 'crash'
  | 'crash-summary'
  | 'fatal'
  | 'recovered'
  | 'camera'
  | 'camera-summary';

export type Severity = 'info' | 'warning' | 'error' | 'critical';

/** The config's event names, which select kinds for webhooks and commands. */
export type NotifyEventName = 'crash' | 'fatal' | 'recovered' | 'camera';

export const EVENT_OF_KIND: Readonly<Record<NotifyKind, NotifyEventName>> = {
  crash: 'crash',
  'crash-summary': 'crash',
  fatal: 'fatal',
  recovered: 'recovered',
  camera: 'camera',
  'camera-summary': 'camera',
};

/** One notification, already redacted, the same for every channel. */
export interface NotifyMessage {
  kind: NotifyKind;
  severity: Severity;
  /** One short line: "tapo-webapp crashed: database". */
  title: string;
  /** The body: what happened, the evidence and the hint. */
  text: string;
  /** ISO time when the message was made. */
  time: string;
  app?: string;
  camera?: string;
  category?: CrashCategory;
  /** The crash report file, for crash messages. */
  reportPath?: string;
  /** Structured details for the generic JSON format. */
  details: Record<string, string | number | boolean | null>;
}

/** Redact every string of a message before it leaves the process. */
function finish(message: NotifyMessage): NotifyMessage {
  return redactDeep(message);
}

export function crashMessage(
  event: EventMap['crash:report'],
  reportPath: string | undefined,
  now: Date,
): NotifyMessage {
  // `attempt` is already the number of the restart that follows, as in the log's "restart 1/10".
  const next =
    event.nextDelayMs === null
      ? 'No further restart.'
      : `Restart attempt ${event.attempt} in ${describeDuration(event.nextDelayMs)}.`;
  const lines = [
    event.evidence === undefined ? undefined : `Evidence: ${event.evidence}`,
    `Hint: ${event.hint}`,
    next,
  ];

  return finish({
    kind: 'crash',
    severity: 'error',
    title: `${event.app} crashed: ${event.category}`,
    text: lines.filter((line) => line !== undefined).join('\n'),
    time: now.toISOString(),
    app: event.app,
    category: event.category,
    reportPath,
    details: {
      reportId: event.reportId,
      attempt: event.attempt,
      nextDelayMs: event.nextDelayMs,
      evidence: event.evidence ?? null,
      hint: event.hint,
    },
  });
}

/** "7 more crashes in the last 5 minutes, all database" or "..., 5 database, 2 network". */
export function crashSummaryMessage(
  app: string,
  categories: readonly CrashCategory[],
  windowMs: number,
  now: Date,
): NotifyMessage {
  const counts = countBy(categories);
  const breakdown =
    counts.length === 1
      ? `all ${counts[0]![0]}`
      : counts.map(([category, count]) => `${count} ${category}`).join(', ');
  const total = categories.length;
  const noun = total === 1 ? 'crash' : 'crashes';

  return finish({
    kind: 'crash-summary',
    severity: 'error',
    title: `${app} is crash-looping`,
    text: `${total} more ${noun} in the last ${describeDuration(windowMs)}, ${breakdown}`,
    time: now.toISOString(),
    app,
    // The most frequent category, so a hook can act on one value.
    category: counts[0]![0],
    details: { crashes: total, windowMs, ...Object.fromEntries(counts) },
  });
}

export function fatalMessage(event: EventMap['app:fatal'], now: Date): NotifyMessage {
  return finish({
    kind: 'fatal',
    severity: 'critical',
    title: `${event.app} gave up after ${event.restarts} restarts`,
    text: `${event.reason}\nThe runner no longer restarts it; fix the cause and restart the runner or the app.`,
    time: now.toISOString(),
    app: event.app,
    details: { restarts: event.restarts, reason: event.reason },
  });
}

export function recoveredMessage(event: EventMap['app:recovered'], now: Date): NotifyMessage {
  const noun = event.afterCrashes === 1 ? 'crash' : 'crashes';
  return finish({
    kind: 'recovered',
    severity: 'info',
    title: `${event.app} recovered`,
    text: `${event.app} has been healthy again after ${event.afterCrashes} ${noun}.`,
    time: now.toISOString(),
    app: event.app,
    details: { afterCrashes: event.afterCrashes },
  });
}

export function cameraMessage(event: EventMap['camera:state'], now: Date): NotifyMessage {
  const details: NotifyMessage['details'] = {
    from: event.from,
    to: event.to,
    detail: event.detail,
  };
  if (event.latencyMs !== undefined) details.latencyMs = event.latencyMs;

  return finish({
    kind: 'camera',
    severity: cameraSeverity(event.to),
    title: `camera ${event.camera} is ${event.to}`,
    text: `${event.camera}: ${event.from} -> ${event.to}. ${event.detail}`,
    time: now.toISOString(),
    camera: event.camera,
    details,
  });
}

/** Build one message for a camera that changed state several times within the window. */
export function cameraSummaryMessage(
  camera: string,
  transitions: ReadonlyArray<{ to: CameraStatus; detail: string }>,
  windowMs: number,
  now: Date,
): NotifyMessage {
  const counts = countBy(transitions.map((transition) => transition.to));
  const last = transitions[transitions.length - 1]!;
  const breakdown = counts.map(([status, count]) => `${status} ${count}`).join(', ');

  return finish({
    kind: 'camera-summary',
    severity: cameraSeverity(last.to),
    title: `camera ${camera} is flapping`,
    text:
      `${camera} changed state ${transitions.length} more times in the last ${describeDuration(windowMs)} ` +
      `(${breakdown}); now ${last.to}. ${last.detail}`,
    time: now.toISOString(),
    camera,
    details: { changes: transitions.length, windowMs, now: last.to, detail: last.detail },
  });
}

function cameraSeverity(status: CameraStatus): Severity {
  if (status === 'online') return 'info';
  if (status === 'unknown') return 'warning';
  return 'error';
}

/** Count values, most frequent first; ties keep the order of first appearance. */
function countBy<T extends string>(values: readonly T[]): Array<[T, number]> {
  const counts = new Map<T, number>();
  for (const value of values) counts.set(value, (counts.get(value) ?? 0) + 1);
  return [...counts.entries()].sort((a, b) => b[1] - a[1]);
}

/** "300 ms", "1.5 seconds", "5 minutes", "2 hours": durations for people. */
export function describeDuration(ms: number): string {
  const units: Array<[number, string]> = [
    [3_600_000, 'hour'],
    [60_000, 'minute'],
    [1000, 'second'],
  ];
  for (const [size, name] of units) {
    if (ms >= size) {
      const value = Number((ms / size).toFixed(1));
      return `${value} ${name}${value === 1 ? '' : 's'}`;
    }
  }
  return `${Math.round(ms)} ms`;
}
