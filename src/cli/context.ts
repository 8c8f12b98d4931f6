import { existsSync } from 'node:fs';
import path from 'node:path';
import { ConfigError, formatProblem } from '../config/errors.js';
import { expandVariables } from '../config/expand.js';
import { DEFAULT_CONFIG_FILE, loadConfig, readYamlMapping } from '../config/load.js';

/** Options shared by the commands that read a runner's files. */
export interface LocateOptions {
  config?: string;
  logDir?: string;
}

/** The parts of the configuration that the commands reading a runner's files use. */
export interface LocatedConfig {
  reports: { dir: string };
  status: { tokenFile: string };
}

/**
 * Find the log directory a running (or stopped) runner uses: --log-dir, or
 * the one the configuration names. These commands need only a few paths, so
 * an invalid configuration (or a ${VAR} unset in this shell) does not stop
 * them: the paths are read from the file as written, with one warning.
 */
export async function locate(
  options: LocateOptions,
  stderr: NodeJS.WritableStream = process.stderr,
): Promise<{ logDir: string; config: LocatedConfig | undefined }> {
  if (options.logDir !== undefined)
    return { logDir: path.resolve(options.logDir), config: undefined };
  try {
    const { config } = await loadConfig({
      configPath: options.config,
      cwd: process.cwd(),
      env: process.env,
    });
    return { logDir: path.resolve(config.baseDir, config.logging.dir), config };
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    return locateLeniently(options, error, stderr);
  }
}

async function locateLeniently(
  options: LocateOptions,
  loadError: ConfigError,
  stderr: NodeJS.WritableStream,
): Promise<{ logDir: string; config: LocatedConfig }> {
  const cwd = process.cwd();
  const filePath =
    options.config !== undefined
      ? path.resolve(cwd, options.config)
      : existsSync(path.join(cwd, DEFAULT_CONFIG_FILE))
        ? path.join(cwd, DEFAULT_CONFIG_FILE)
        : undefined;
  const baseDir = filePath === undefined ? cwd : path.dirname(filePath);

  let raw: Record<string, unknown> = {};
  if (filePath !== undefined) {
    try {
      raw = await readYamlMapping(filePath);
    } catch (error) {
      // The load error already names why the file cannot be read.
      if (!(error instanceof ConfigError)) throw error;
    }
  }
  const unresolved: string[] = [];
  const pick = (section: string, key: string, fallback: string): string => {
    const value = asObject(raw[section])[key];
    if (typeof value !== 'string' || value === '') return fallback;
    // Expand only this value. When it names an unset variable, use the default.
    const expanded = expandVariables(value, process.env, '');
    if (expanded.problems.length === 0) return expanded.value as string;
    unresolved.push(`${section}.${key}`);
    return fallback;
  };
  const logDir = path.resolve(baseDir, pick('logging', 'dir', 'logs'));
  const config: LocatedConfig = {
    reports: { dir: pick('reports', 'dir', 'crash-reports') },
    status: { tokenFile: pick('status', 'tokenFile', 'crashproof.token') },
  };

  const [first] = loadError.problems;
  const more = loadError.problems.length - 1;
  const problem = first === undefined ? loadError.message : formatProblem(first);
  const others = more > 0 ? ` (and ${more} more)` : '';
  const defaults = unresolved.length > 0 ? `; defaults used for ${unresolved.join(', ')}` : '';
  const check = `crashproof config --check${options.config === undefined ? '' : ` --config ${options.config}`}`;
  stderr.write(
    `crashproof: warning: the configuration is invalid: ${problem}${others}; run "${check}" to list every problem. Using the log directory ${logDir}${defaults}\n`,
  );
  return { logDir, config };
}

function asObject(value: unknown): Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : {};
}

export { ConfigError };
