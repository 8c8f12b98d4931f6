import { readFile } from 'node:fs/promises';
import type { ConfigProblem } from './errors.js';
import { describeReadError, formatPath } from './errors.js';

const REFERENCE = /\$\$|\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}/g;

/**
 * Expand ${NAME} and ${NAME:-default} in every string of a parsed YAML
 * document; "$$" stands for a literal "$". A reference to an unset variable
 * without a default is a problem that names the variable and the key.
 */
export function expandVariables(
  document: unknown,
  variables: Record<string, string | undefined>,
  sourcePrefix: string,
): { value: unknown; problems: ConfigProblem[] } {
  const problems: ConfigProblem[] = [];

  function expandString(text: string, path: PropertyKey[]): string {
    return text.replace(
      REFERENCE,
      (match, name: string | undefined, fallback: string | undefined) => {
        if (match === '$$') return '$';
        const value = variables[name!];
        if (value !== undefined && value !== '') return value;
        if (fallback !== undefined) return fallback;
        if (value === '') return '';
        problems.push({
          source: `${sourcePrefix}${formatPath(path)}`,
          message: `environment variable ${name} is not set: set it, add it to the envFile, or give a default with \${${name}:-value}`,
        });
        return match;
      },
    );
  }

  function walk(value: unknown, path: PropertyKey[]): unknown {
    if (typeof value === 'string') return expandString(value, path);
    if (Array.isArray(value)) return value.map((item, index) => walk(item, [...path, index]));
    if (value !== null && typeof value === 'object') {
      const result: Record<string, unknown> = {};
      for (const [key, child] of Object.entries(value)) result[key] = walk(child, [...path, key]);
      return result;
    }
    return value;
  }

  return { value: walk(document, []), problems };
}

/**
 * Read a KEY=VALUE file: blank lines and # comments are skipped, "export "
 * prefixes are allowed, and single or double quotes around a value are removed.
 */
export async function readEnvFile(
  path: string,
): Promise<{ values: Record<string, string>; problems: ConfigProblem[] }> {
  const values: Record<string, string> = {};
  const problems: ConfigProblem[] = [];
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    problems.push({
      source: `envFile ${path}`,
      message:
        code === 'ENOENT'
          ? 'file not found: create it or remove envFile'
          : describeReadError(error, path),
    });
    return { values, problems };
  }

  text.split(/\r?\n/).forEach((rawLine, index) => {
    const line = rawLine.trim();
    if (line === '' || line.startsWith('#')) return;
    const match = /^(?:export\s+)?([A-Za-z_][A-Za-z0-9_]*)\s*=\s*(.*)$/.exec(line);
    if (!match) {
      problems.push({ source: `envFile ${path}:${index + 1}`, message: 'expected KEY=VALUE' });
      return;
    }
    let value = match[2]!;
    if (value.length >= 2 && (value[0] === '"' || value[0] === "'") && value.endsWith(value[0])) {
      value = value.slice(1, -1);
    }
    values[match[1]!] = value;
  });
  return { values, problems };
}
