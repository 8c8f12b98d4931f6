import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { parseDocument } from 'yaml';
import {
  buildEnvAppConfig,
  readSeedVariables,
  restartInput,
  SEED_VARIABLES,
  TAPO_VARIABLES,
} from './env-vars.js';
import { ConfigError, type ConfigProblem, problemsFromZod } from './errors.js';
import { expandVariables, readEnvFile } from './expand.js';
import { type FlagOverrides, type RunFlags, readRunFlags } from './flags.js';
import { type Config, configSchema } from './schema/index.js';

export const DEFAULT_CONFIG_FILE = 'crashproof.yaml';

export interface LoadOptions {
  /** --config FILE; without it, crashproof.yaml in cwd is used when present. */
  configPath?: string;
  cwd: string;
  env: Record<string, string | undefined>;
  flags?: RunFlags;
  /** Ad hoc run: `crashproof run -- COMMAND ARGS...`. */
  command?: string[];
}

export interface LoadedConfig {
  config: Config;
  /** Things worth one warning line each, such as seed variables ignored beside a config file. */
  warnings: string[];
  /** Where the configuration came from: "file", "environment" or "command line". */
  origin: 'file' | 'environment' | 'command line';
}

/**
 * Build the validated configuration from a YAML file, the original
 * environment variables or an ad hoc command, with flags on top. Throws a
 * ConfigError that lists every invalid value at once.
 */
export async function loadConfig(options: LoadOptions): Promise<LoadedConfig> {
  const problems: ConfigProblem[] = [];
  const warnings: string[] = [];
  const { overrides, problems: flagProblems } = readRunFlags(options.flags ?? {});
  problems.push(...flagProblems);

  const filePath = resolveConfigPath(options);
  if (options.command !== undefined && options.command.length > 0) {
    if (filePath !== undefined && options.configPath !== undefined) {
      throw new ConfigError([
        {
          source: 'flag --config',
          message: 'use either --config FILE or a command after --, not both',
        },
      ]);
    }
    return finish(adHocInput(options, overrides, problems), options.cwd, undefined, 'command line');
  }

  if (filePath === undefined) {
    return finish(envInput(options, overrides, problems), options.cwd, undefined, 'environment');
  }

  for (const name of SEED_VARIABLES) {
    if (options.env[name] !== undefined) {
      warnings.push(
        `environment variable ${name} is ignored because ${filePath} configures the apps; set the value in the file instead`,
      );
    }
  }
  const input = await fileInput(filePath, options.env, problems);
  applyOverrides(input, overrides);
  return finish(input, path.dirname(filePath), filePath, 'file');

  function finish(
    input: Record<string, unknown>,
    baseDir: string,
    source: string | undefined,
    origin: LoadedConfig['origin'],
  ): LoadedConfig {
    const prefix = source === undefined ? '' : `${source}: `;
    const result = configSchema.safeParse(input);
    if (!result.success) problems.push(...problemsFromZod(result.error, input, prefix));
    if (problems.length > 0 || !result.success) throw new ConfigError(problems);
    return { config: { ...result.data, baseDir, source }, warnings, origin };
  }
}

function resolveConfigPath(options: LoadOptions): string | undefined {
  if (options.configPath !== undefined) return path.resolve(options.cwd, options.configPath);
  if (options.command !== undefined && options.command.length > 0) return undefined;
  const candidate = path.join(options.cwd, DEFAULT_CONFIG_FILE);
  return existsSync(candidate) ? candidate : undefined;
}

function envInput(
  options: LoadOptions,
  overrides: FlagOverrides,
  problems: ConfigProblem[],
): Record<string, unknown> {
  const { values, problems: envProblems } = readSeedVariables(options.env);
  problems.push(...envProblems);
  const input = buildEnvAppConfig(values);
  applyOverrides(input, overrides);
  return input;
}

function adHocInput(
  options: LoadOptions,
  overrides: FlagOverrides,
  problems: ConfigProblem[],
): Record<string, unknown> {
  // TAPO_WEBAPP_* describe the Tapo app only; WATCHFILES_* restart settings apply to ad hoc runs too.
  const env = { ...options.env };
  for (const name of TAPO_VARIABLES) delete env[name];
  const { values, problems: envProblems } = readSeedVariables(env);
  problems.push(...envProblems);

  const command = options.command!;
  const app: Record<string, unknown> = {
    name: options.flags?.name ?? defaultAppName(command),
    command,
    restart: restartInput(values),
  };
  const input: Record<string, unknown> = { apps: [app] };
  if (values.notifyOnCrash !== undefined) input.notify = { enabled: values.notifyOnCrash };
  if (values.healthIntervalMs !== undefined && options.flags?.healthUrl !== undefined) {
    app.health = { interval: `${values.healthIntervalMs}ms` };
  }
  applyOverrides(input, overrides);
  return input;
}

/** "python3 -m app.web" → "app.web"; "node server.js" → "server"; "./run.sh" → "run". */
export function defaultAppName(command: string[]): string {
  const program = path.basename(command[0] ?? 'app');
  const moduleIndex = command.indexOf('-m');
  const candidate =
    moduleIndex >= 0 && command[moduleIndex + 1] ? command[moduleIndex + 1]! : program;
  const script =
    ['node', 'python', 'python3', 'bash', 'sh'].includes(program) && moduleIndex < 0 && command[1]
      ? path.basename(command[1])
      : candidate;
  const name = script
    .replace(/\.(js|mjs|cjs|ts|py|sh)$/, '')
    .replace(/[^A-Za-z0-9._-]/g, '-')
    .replace(/^[^A-Za-z0-9]+/, '');
  return name === '' ? 'app' : name.slice(0, 64);
}

async function fileInput(
  filePath: string,
  env: Record<string, string | undefined>,
  problems: ConfigProblem[],
): Promise<Record<string, unknown>> {
  let text: string;
  try {
    text = await readFile(filePath, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const message =
      code === 'ENOENT'
        ? 'file not found: check the path given to --config'
        : `cannot read the file: ${(error as Error).message}`;
    throw new ConfigError([{ source: filePath, message }]);
  }

  const document = parseDocument(text, { prettyErrors: true, uniqueKeys: true });
  if (document.errors.length > 0) {
    throw new ConfigError(
      document.errors.map((error) => ({
        source: filePath,
        message: `YAML syntax error: ${error.message.split('\n')[0]}`,
      })),
    );
  }
  const raw: unknown = document.toJS();
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) {
    throw new ConfigError([
      {
        source: filePath,
        message: 'expected a mapping with an "apps" list at the top level',
        value: raw,
      },
    ]);
  }

  let variables: Record<string, string | undefined> = env;
  const envFile = (raw as Record<string, unknown>).envFile;
  if (typeof envFile === 'string') {
    const fromFile = await readEnvFile(path.resolve(path.dirname(filePath), envFile));
    problems.push(...fromFile.problems);
    // The process environment wins over the file, as in docker compose.
    variables = { ...fromFile.values, ...env };
  }
  const expanded = expandVariables(raw, variables, `${filePath}: `);
  problems.push(...expanded.problems);
  return expanded.value as Record<string, unknown>;
}

function applyOverrides(input: Record<string, unknown>, overrides: FlagOverrides): void {
  const apps = Array.isArray(input.apps) ? (input.apps as Array<Record<string, unknown>>) : [];
  for (const app of apps) {
    if (app === null || typeof app !== 'object') continue;
    Object.assign(app, overrides.app);
    if (Object.keys(overrides.restart).length > 0)
      app.restart = { ...asObject(app.restart), ...overrides.restart };
    if (Object.keys(overrides.health).length > 0)
      app.health = { ...asObject(app.health), ...overrides.health };
    if (overrides.watchPaths !== undefined)
      app.watch = { ...asObject(app.watch), enabled: true, paths: overrides.watchPaths };
  }
  if (Object.keys(overrides.logging).length > 0)
    input.logging = { ...asObject(input.logging), ...overrides.logging };
  if (Object.keys(overrides.status).length > 0)
    input.status = { ...asObject(input.status), ...overrides.status };
}

function asObject(value: unknown): Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : {};
}
