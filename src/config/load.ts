import { existsSync } from 'node:fs';
import { open } from 'node:fs/promises';
import path from 'node:path';
import { parseDocument, type YAMLError } from 'yaml';
import { redactText } from '../crash/redact.js';
import {
  buildEnvAppConfig,
  readSeedVariables,
  restartInput,
  SEED_VARIABLES,
  TAPO_VARIABLES,
} from './env-vars.js';
import {
  ConfigError,
  type ConfigProblem,
  configErrorMap,
  describeReadError,
  problemsFromZod,
} from './errors.js';
import { expandVariables, readEnvFile } from './expand.js';
import { type FlagOverrides, type RunFlags, readRunFlags } from './flags.js';
import { type Config, configSchema } from './schema/index.js';
import { parseCommandLine } from './values.js';

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
    const result = configSchema.safeParse(input, { error: configErrorMap });
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

const SHELLS = new Set(['sh', 'bash', 'dash', 'zsh', 'ksh', 'ash']);
const INTERPRETERS = new Set(['node', 'python', 'python3', 'deno', 'bun', 'ruby', 'perl', 'php']);
/** Interpreter options whose value is the next word ("node -r dotenv/config app.js"). */
const OPTIONS_WITH_VALUE = new Set([
  '-r',
  '--require',
  '--import',
  '--loader',
  '--experimental-loader',
  '-C',
  '--conditions',
  '--env-file',
  '--title',
  '-W',
  '-X',
  '-o',
  '-O',
]);

/**
 * Name an ad hoc app after what it runs: "python3 -m app.web" → "app.web",
 * "node --inspect server.js" → "server", "sh -c 'exec uvicorn main:app'" →
 * "uvicorn", "./run.sh" → "run". The result always passes the schema's rule.
 */
export function defaultAppName(command: string[]): string {
  return sanitizeAppName(nameOf(command, 0));
}

function nameOf(command: string[], depth: number): string {
  // A single word with spaces is a shell command line (run --shell).
  if (command.length === 1 && /\s/.test(command[0]!.trim()) && depth < 2) {
    return nameOf(scriptWords(command[0]!), depth + 1);
  }
  const program = path.basename(command[0] ?? 'app');
  const isShell = SHELLS.has(program);
  if (program === 'env' || isShell || INTERPRETERS.has(program) || /^python3\.\d+$/.test(program)) {
    for (let i = 1; i < command.length; i++) {
      const word = command[i]!;
      if (word === '--') return command[i + 1] ?? program;
      if (word === '-m' && command[i + 1] !== undefined) return command[i + 1]!;
      if (isShell && /^-[a-z]*c[a-z]*$/.test(word) && command[i + 1] !== undefined) {
        return depth < 2 ? nameOf(scriptWords(command[i + 1]!), depth + 1) : program;
      }
      // python -c CODE and node -e CODE run inline code: the program is the best name.
      if (['-c', '-e', '--eval', '-p', '--print'].includes(word)) return program;
      if (OPTIONS_WITH_VALUE.has(word)) {
        i++;
        continue;
      }
      if (word.startsWith('-')) continue;
      if (program === 'env') {
        if (/^[A-Za-z_][A-Za-z0-9_]*=/.test(word)) continue;
        return nameOf(command.slice(i), depth);
      }
      return word;
    }
  }
  return program;
}

/** Return the words of a shell script's first command, without "exec" and VAR=value prefixes. */
function scriptWords(script: string): string[] {
  const parsed = parseCommandLine(script);
  const words = parsed.ok ? parsed.value : script.trim().split(/\s+/);
  let start = 0;
  while (
    start < words.length - 1 &&
    (words[start] === 'exec' || /^[A-Za-z_][A-Za-z0-9_]*=/.test(words[start]!))
  )
    start++;
  return words.slice(start);
}

function sanitizeAppName(candidate: string): string {
  const name = path
    .basename(candidate)
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
  const raw = await readYamlMapping(filePath);
  let variables: Record<string, string | undefined> = env;
  const envFile = raw.envFile;
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

/** Maximum config file size, checked before parsing; a real config is a few KiB. */
export const MAX_CONFIG_FILE_BYTES = 2 ** 20;

/**
 * Read a config file and parse it as YAML into a plain mapping, without
 * validation or variable expansion. Every failure is a ConfigError naming
 * the file: unreadable, too large, invalid YAML, aliases that expand too far,
 * or a top level that is not a mapping.
 */
export async function readYamlMapping(filePath: string): Promise<Record<string, unknown>> {
  const text = await readLimited(filePath);
  const document = parseDocument(text, { prettyErrors: true, uniqueKeys: true });
  if (document.errors.length > 0) {
    throw new ConfigError(
      document.errors.map((error) => ({
        source: filePath,
        message: yamlErrorMessage(error, text),
      })),
    );
  }

  let raw: unknown;
  try {
    // The yaml package throws when aliases expand past its limit (a billion-laughs document).
    raw = document.toJS();
  } catch (error) {
    throw new ConfigError([
      {
        source: filePath,
        message: `YAML aliases expand too far (${(error as Error).message}): write the values out instead of nesting aliases (*name)`,
      },
    ]);
  }
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) {
    throw new ConfigError([
      {
        source: filePath,
        message: 'expected a mapping with an "apps" list at the top level',
        value: raw,
      },
    ]);
  }
  return raw as Record<string, unknown>;
}

/** Read at most MAX_CONFIG_FILE_BYTES, so a huge file or an endless pipe cannot exhaust memory. */
async function readLimited(filePath: string): Promise<string> {
  let handle: Awaited<ReturnType<typeof open>>;
  try {
    handle = await open(filePath, 'r');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const message =
      code === 'ENOENT'
        ? 'file not found: check the path given to --config'
        : describeReadError(error, filePath);
    throw new ConfigError([{ source: filePath, message }]);
  }

  try {
    const buffer = Buffer.alloc(MAX_CONFIG_FILE_BYTES + 1);
    let length = 0;
    while (length < buffer.length) {
      const { bytesRead } = await handle.read(buffer, length, buffer.length - length, null);
      if (bytesRead === 0) break;
      length += bytesRead;
    }
    if (length > MAX_CONFIG_FILE_BYTES) {
      throw new ConfigError([
        {
          source: filePath,
          message: `the file is larger than ${MAX_CONFIG_FILE_BYTES / 2 ** 20} MiB (${MAX_CONFIG_FILE_BYTES} bytes), the limit for a config file: check that --config names the YAML config and not a log or data file`,
        },
      ]);
    }
    return buffer.subarray(0, length).toString('utf8');
  } catch (error) {
    if (error instanceof ConfigError) throw error;
    throw new ConfigError([{ source: filePath, message: describeReadError(error, filePath) }]);
  } finally {
    await handle.close();
  }
}

/**
 * Format a YAML error as "YAML syntax error at line 4, column 3: REASON (the
 * line reads "  foo: 1")". The yaml package's own message ends in a dangling
 * colon before a multi-line excerpt.
 */
function yamlErrorMessage(error: YAMLError, text: string): string {
  const reason = (error.message.split('\n')[0] ?? '').replace(/ at line \d+, column \d+:?$/, '');
  const position = error.linePos?.[0];
  if (position === undefined) return `YAML syntax error: ${reason}`;
  // Redact before shortening: a cut URL no longer looks like one and would keep its password.
  const line = redactText(text.split(/\r?\n/)[position.line - 1] ?? '').trimEnd();
  const shown = line.length > 60 ? `${line.slice(0, 57)}...` : line;
  const excerpt = shown.trim() === '' ? '' : ` (the line reads ${JSON.stringify(shown)})`;
  return `YAML syntax error at line ${position.line}, column ${position.col}: ${reason}${excerpt}`;
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
