import type { ConfigProblem } from './errors.js';
import { formatDuration } from './units.js';
import {
  type Parsed,
  parseBoolean,
  parseCommandLine,
  parseInteger,
  parseNumber,
  parseSecondsOrDuration,
} from './values.js';

/**
 * The original runner's environment variables. Only these names are
 * validated; every other variable passes through to the app untouched.
 */
export const TAPO_VARIABLES = [
  'TAPO_WEBAPP_HOST',
  'TAPO_WEBAPP_PORT',
  'TAPO_WEBAPP_DEBUG',
  'CRASHPROOF_APP_COMMAND',
] as const;
export const WATCHFILES_VARIABLES = [
  'WATCHFILES_MAX_RESTARTS',
  'WATCHFILES_RESTART_DELAY',
  'WATCHFILES_BACKOFF_MULTIPLIER',
  'WATCHFILES_HEALTH_CHECK_INTERVAL',
  'WATCHFILES_NOTIFY_ON_CRASH',
] as const;
export const SEED_VARIABLES = [...TAPO_VARIABLES, ...WATCHFILES_VARIABLES] as const;

/** Typed values of the variables that are set; unset ones are absent. */
export interface SeedValues {
  host?: string;
  port?: number;
  debug?: boolean;
  command?: string[];
  maxRestarts?: number;
  restartDelayMs?: number;
  backoffMultiplier?: number;
  healthIntervalMs?: number;
  notifyOnCrash?: boolean;
}

type Env = Record<string, string | undefined>;

/** Read and validate the seed variables; every invalid one becomes a problem naming it. */
export function readSeedVariables(env: Env): { values: SeedValues; problems: ConfigProblem[] } {
  const values: SeedValues = {};
  const problems: ConfigProblem[] = [];

  function take<T>(
    name: string,
    parse: (text: string) => Parsed<T>,
    assign: (value: T) => void,
  ): void {
    const raw = env[name];
    if (raw === undefined) return;
    const parsed = parse(raw);
    if (parsed.ok) assign(parsed.value);
    else
      problems.push({
        source: `environment: ${name}`,
        message: `expected ${parsed.expected}`,
        value: raw,
      });
  }

  take('TAPO_WEBAPP_HOST', parseHost, (value) => (values.host = value));
  take(
    'TAPO_WEBAPP_PORT',
    (text) => parseInteger(text, 1, 65535),
    (value) => (values.port = value),
  );
  take('TAPO_WEBAPP_DEBUG', parseBoolean, (value) => (values.debug = value));
  take('CRASHPROOF_APP_COMMAND', parseCommandLine, (value) => (values.command = value));
  take(
    'WATCHFILES_MAX_RESTARTS',
    (text) => parseInteger(text, 0, 1_000_000),
    (value) => (values.maxRestarts = value),
  );
  take(
    'WATCHFILES_RESTART_DELAY',
    (text) => parseSecondsOrDuration(text, 0),
    (value) => (values.restartDelayMs = value),
  );
  take(
    'WATCHFILES_BACKOFF_MULTIPLIER',
    (text) => parseNumber(text, 1, 10),
    (value) => (values.backoffMultiplier = value),
  );
  take(
    'WATCHFILES_HEALTH_CHECK_INTERVAL',
    (text) => parseSecondsOrDuration(text, 100),
    (value) => (values.healthIntervalMs = value),
  );
  take('WATCHFILES_NOTIFY_ON_CRASH', parseBoolean, (value) => (values.notifyOnCrash = value));

  return { values, problems };
}

function parseHost(text: string): Parsed<string> {
  const host = text.trim();
  if (host === '' || /[\s/]/.test(host)) {
    return { ok: false, expected: 'a host name or IP address such as 0.0.0.0, 127.0.0.1 or ::' };
  }
  return { ok: true, value: host };
}

export const ENV_APP_NAME = 'tapo-camera-mcp';

/**
 * Build the single app of the original runner from its variables, as raw
 * config input: python3 -m tapo_camera_mcp.web --host H --port P [--debug].
 */
export function buildEnvAppConfig(values: SeedValues): Record<string, unknown> {
  const host = values.host ?? '0.0.0.0';
  const port = values.port ?? 7777;
  const command = values.command ?? [
    'python3',
    '-m',
    'tapo_camera_mcp.web',
    '--host',
    host,
    '--port',
    String(port),
  ];
  if (values.debug === true && values.command === undefined) command.push('--debug');

  return {
    apps: [
      {
        name: ENV_APP_NAME,
        command,
        host,
        port,
        restart: restartInput(values),
        health: {
          interval: formatDuration(values.healthIntervalMs ?? 30_000),
        },
        // Below the production unit's MemoryMax=2G for the whole service, so the
        // runner restarts the app gracefully before the kernel's OOM killer acts.
        memory: { maxMemory: '1.8GiB' },
      },
    ],
    notify: { enabled: values.notifyOnCrash ?? true },
  };
}

/** The WATCHFILES_* restart settings as raw restart-section input. */
export function restartInput(values: SeedValues): Record<string, unknown> {
  const restart: Record<string, unknown> = {};
  if (values.maxRestarts !== undefined) restart.maxRestarts = values.maxRestarts;
  if (values.restartDelayMs !== undefined) restart.delay = formatDuration(values.restartDelayMs);
  if (values.backoffMultiplier !== undefined) restart.multiplier = values.backoffMultiplier;
  return restart;
}
