import { stringify } from 'yaml';
import { z } from 'zod';
import { checkAppCommands } from '../config/command-check.js';
import { ConfigError } from '../config/errors.js';
import { loadConfig } from '../config/load.js';
import { configSchema } from '../config/schema/index.js';
import { redactDeep } from '../crash/redact.js';
import { printConfigError } from './exit-codes.js';

export interface ConfigCommandOptions {
  config?: string;
  check?: boolean;
  schema?: boolean;
  json?: boolean;
}

/** Generate the JSON Schema of the config file from the zod schema, for editors. */
export function configJsonSchema(): Record<string, unknown> {
  const schema = z.toJSONSchema(configSchema, { io: 'input', unrepresentable: 'any' }) as Record<
    string,
    unknown
  >;
  return {
    ...schema,
    $id: 'https://crashproof.invalid/schema/crashproof.schema.json',
    title: 'crashproof configuration',
  };
}

/**
 * `crashproof config`: print the effective configuration (secrets redacted,
 * also in command arguments), validate it as `run` would (schema, then that
 * every app's program and cwd exist), or print the schema.
 */
export async function configCommand(
  options: ConfigCommandOptions,
  out: NodeJS.WritableStream = process.stdout,
): Promise<number> {
  if (options.schema) {
    out.write(`${JSON.stringify(configJsonSchema(), null, 2)}\n`);
    return 0;
  }
  try {
    const loaded = await loadConfig({
      configPath: options.config,
      cwd: process.cwd(),
      env: process.env,
    });
    for (const warning of loaded.warnings)
      process.stderr.write(`crashproof: warning: ${warning}\n`);
    const { config } = loaded;
    if (options.check) {
      // The same check as `run`: a missing program or cwd fails here with 78 too.
      const problems = checkAppCommands(config, process.env);
      if (problems.length > 0) throw new ConfigError(problems);
      out.write(
        `configuration is valid (${loaded.origin}${config.source ? `: ${config.source}` : ''}): ${config.apps.length} app(s), ${config.cameras.length} camera(s)\n`,
      );
      return 0;
    }
    const { baseDir: _baseDir, source: _source, ...rest } = config;
    const shown = redactDeep(rest);
    out.write(options.json ? `${JSON.stringify(shown, null, 2)}\n` : stringify(shown));
    return 0;
  } catch (error) {
    if (error instanceof ConfigError) return printConfigError(error);
    throw error;
  }
}
