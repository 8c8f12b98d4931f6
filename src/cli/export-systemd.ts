import { realpathSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { SEED_VARIABLES } from '../config/env-vars.js';
import { ConfigError } from '../config/errors.js';
import { loadConfig } from '../config/load.js';
import { renderSystemdUnit } from '../deploy/systemd.js';
import { systemdOptionsFromConfig } from '../deploy/systemd-options.js';
import { UnitOptionError } from '../deploy/systemd-syntax.js';
import { EXIT_USAGE, printConfigError } from './exit-codes.js';

export interface ExportSystemdOptions {
  config?: string;
  user?: boolean;
  name?: string;
  runAs?: string;
}

/**
 * `crashproof export systemd`: print a hardened unit for the current
 * configuration. The original environment variables go into the unit only
 * for the app built from them, never beside a config file.
 */
export async function exportSystemdCommand(
  options: ExportSystemdOptions,
  out: NodeJS.WritableStream = process.stdout,
  err: NodeJS.WritableStream = process.stderr,
): Promise<number> {
  try {
    const loaded = await loadConfig({
      configPath: options.config,
      cwd: process.cwd(),
      env: process.env,
    });
    const environment: Record<string, string> = {};
    if (loaded.origin === 'environment') {
      for (const name of SEED_VARIABLES) {
        const value = process.env[name];
        if (value !== undefined) environment[name] = value;
      }
    }
    const serviceName = options.name ?? 'tapo-camera-mcp';
    const mainScript = realpathSync(fileURLToPath(new URL('./main.js', import.meta.url)));
    const { options: unitOptions, warnings } = systemdOptionsFromConfig(loaded.config, {
      nodePath: process.execPath,
      mainScript,
      serviceName,
      userMode: options.user === true,
      user: options.user ? undefined : (options.runAs ?? serviceName),
      environment: Object.keys(environment).length > 0 ? environment : undefined,
    });
    for (const warning of [...loaded.warnings, ...warnings])
      err.write(`crashproof: warning: ${warning}\n`);
    out.write(renderSystemdUnit(unitOptions));
    return 0;
  } catch (error) {
    if (error instanceof ConfigError) return printConfigError(error, err);
    if (error instanceof UnitOptionError) {
      err.write(`crashproof: cannot write the unit: ${error.message}\n`);
      return EXIT_USAGE;
    }
    throw error;
  }
}
