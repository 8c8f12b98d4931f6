import type { ConfigProblem } from './errors.js';
import { formatDuration, SIGNALS } from './units.js';
import { type Parsed, parseInteger, parseNumber, parseSecondsOrDuration } from './values.js';

/** Command-line flags of `crashproof run`, as commander delivers them (strings). */
export interface RunFlags {
  name?: string;
  restart?: string;
  restartDelay?: string;
  backoffMultiplier?: string;
  maxDelay?: string;
  maxRestarts?: string;
  resetAfter?: string;
  keepRetrying?: boolean;
  startSeconds?: string;
  startTimeout?: string;
  stopSignal?: string;
  stopTimeout?: string;
  port?: string;
  healthUrl?: string;
  healthInterval?: string;
  healthTimeout?: string;
  logDir?: string;
  logLevel?: string;
  json?: boolean;
  watch?: string[] | boolean;
  cwd?: string;
  shell?: boolean;
  statusPort?: string;
  status?: boolean;
}

/** Validated flag overrides: an app-level patch, a restart patch, a health patch and top-level patches. */
export interface FlagOverrides {
  app: Record<string, unknown>;
  restart: Record<string, unknown>;
  health: Record<string, unknown>;
  logging: Record<string, unknown>;
  status: Record<string, unknown>;
  watchPaths?: string[];
}

/** Validate run flags; each invalid flag becomes a problem naming it. */
export function readRunFlags(flags: RunFlags): {
  overrides: FlagOverrides;
  problems: ConfigProblem[];
} {
  const overrides: FlagOverrides = { app: {}, restart: {}, health: {}, logging: {}, status: {} };
  const problems: ConfigProblem[] = [];

  function take<T>(
    flag: string,
    raw: string | undefined,
    parse: (text: string) => Parsed<T>,
    assign: (value: T) => void,
  ): void {
    if (raw === undefined) return;
    const parsed = parse(raw);
    if (parsed.ok) assign(parsed.value);
    else
      problems.push({
        source: `flag --${flag}`,
        message: `expected ${parsed.expected}`,
        value: raw,
      });
  }

  const duration = (minMs: number) => (text: string) => parseSecondsOrDuration(text, minMs);

  take(
    'restart-delay',
    flags.restartDelay,
    duration(0),
    (ms) => (overrides.restart.delay = formatDuration(ms)),
  );
  take(
    'max-delay',
    flags.maxDelay,
    duration(0),
    (ms) => (overrides.restart.maxDelay = formatDuration(ms)),
  );
  take(
    'reset-after',
    flags.resetAfter,
    duration(0),
    (ms) => (overrides.restart.resetAfter = formatDuration(ms)),
  );
  take(
    'backoff-multiplier',
    flags.backoffMultiplier,
    (text) => parseNumber(text, 1, 10),
    (value) => (overrides.restart.multiplier = value),
  );
  take(
    'max-restarts',
    flags.maxRestarts,
    (text) => parseInteger(text, 0, 1_000_000),
    (value) => (overrides.restart.maxRestarts = value),
  );
  take('restart', flags.restart, parseRestartPolicy, (value) => (overrides.restart.policy = value));
  if (flags.keepRetrying) overrides.restart.onBudgetSpent = 'keep-retrying';

  take(
    'start-seconds',
    flags.startSeconds,
    duration(0),
    (ms) => (overrides.app.startSeconds = formatDuration(ms)),
  );
  take(
    'start-timeout',
    flags.startTimeout,
    duration(1),
    (ms) => (overrides.app.startTimeout = formatDuration(ms)),
  );
  take(
    'stop-timeout',
    flags.stopTimeout,
    duration(0),
    (ms) => (overrides.app.stopTimeout = formatDuration(ms)),
  );
  take('stop-signal', flags.stopSignal, parseSignal, (value) => (overrides.app.stopSignal = value));
  take(
    'port',
    flags.port,
    (text) => parseInteger(text, 1, 65535),
    (value) => (overrides.app.port = value),
  );
  if (flags.cwd !== undefined) overrides.app.cwd = flags.cwd;
  if (flags.shell) overrides.app.shell = true;

  if (flags.healthUrl !== undefined) overrides.health.url = flags.healthUrl;
  take(
    'health-interval',
    flags.healthInterval,
    duration(100),
    (ms) => (overrides.health.interval = formatDuration(ms)),
  );
  take(
    'health-timeout',
    flags.healthTimeout,
    duration(1),
    (ms) => (overrides.health.timeout = formatDuration(ms)),
  );

  if (flags.logDir !== undefined) overrides.logging.dir = flags.logDir;
  if (flags.logLevel !== undefined) overrides.logging.level = flags.logLevel;
  if (flags.json) overrides.logging.console = 'json';

  take(
    'status-port',
    flags.statusPort,
    (text) => parseInteger(text, 0, 65535),
    (value) => (overrides.status.port = value),
  );
  if (flags.status === false) overrides.status.enabled = false;

  if (flags.watch !== undefined && flags.watch !== false) {
    overrides.watchPaths =
      Array.isArray(flags.watch) && flags.watch.length > 0 ? flags.watch : ['.'];
  }
  return { overrides, problems };
}

function parseRestartPolicy(text: string): Parsed<string> {
  return ['always', 'on-failure', 'never'].includes(text)
    ? { ok: true, value: text }
    : { ok: false, expected: 'always, on-failure or never' };
}

function parseSignal(text: string): Parsed<string> {
  const name = text.toUpperCase().startsWith('SIG')
    ? text.toUpperCase()
    : `SIG${text.toUpperCase()}`;
  return (SIGNALS as readonly string[]).includes(name)
    ? { ok: true, value: name }
    : { ok: false, expected: `one of ${SIGNALS.join(', ')}` };
}
