import path from 'node:path';
import { ConfigError } from '../config/errors.js';
import { loadConfig } from '../config/load.js';
import type { Config } from '../config/schema/index.js';

/** Options shared by the commands that read a runner's files. */
export interface LocateOptions {
  config?: string;
  logDir?: string;
}

/**
 * Find the log directory a running (or stopped) runner uses: --log-dir, or
 * the one the configuration names. Loading the configuration may throw
 * ConfigError, which the caller reports with exit 78.
 */
export async function locate(
  options: LocateOptions,
): Promise<{ logDir: string; config: Config | undefined }> {
  if (options.logDir !== undefined)
    return { logDir: path.resolve(options.logDir), config: undefined };
  const { config } = await loadConfig({
    configPath: options.config,
    cwd: process.cwd(),
    env: process.env,
  });
  return { logDir: path.resolve(config.baseDir, config.logging.dir), config };
}

export { ConfigError };
