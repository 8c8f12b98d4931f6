import type { z } from 'zod';

/** One invalid value: where it came from, what it was, and what is accepted. */
export interface ConfigProblem {
  /** "crashproof.yaml: apps[0].restart.delay", "environment: WATCHFILES_MAX_RESTARTS" or "flag --stop-timeout". */
  source: string;
  message: string;
  value?: unknown;
}

/** Every problem found in a configuration at once; the CLI prints them all and exits 78. */
export class ConfigError extends Error {
  readonly problems: ConfigProblem[];

  constructor(problems: ConfigProblem[]) {
    super(formatProblems(problems));
    this.name = 'ConfigError';
    this.problems = problems;
  }
}

export function describeValue(value: unknown): string {
  if (value === undefined) return 'missing';
  const text = JSON.stringify(value);
  const shown =
    text === undefined ? String(value) : text.length > 80 ? `${text.slice(0, 77)}...` : text;
  const type = Array.isArray(value) ? 'array' : value === null ? 'null' : typeof value;
  return `${shown} (${type})`;
}

export function formatProblems(problems: ConfigProblem[]): string {
  const lines = problems.map((problem) => {
    const value = 'value' in problem ? `, got ${describeValue(problem.value)}` : '';
    return `  - ${problem.source}: ${problem.message}${value}`;
  });
  const noun = problems.length === 1 ? 'problem' : 'problems';
  return `invalid configuration (${problems.length} ${noun}):\n${lines.join('\n')}`;
}

/** Format a zod path as it appears in YAML: apps[0].restart.delay. */
export function formatPath(path: ReadonlyArray<PropertyKey>): string {
  let text = '';
  for (const part of path) {
    if (typeof part === 'number') text += `[${part}]`;
    else text += text === '' ? String(part) : `.${String(part)}`;
  }
  return text === '' ? '(top level)' : text;
}

function valueAt(root: unknown, path: ReadonlyArray<PropertyKey>): unknown {
  let current: unknown = root;
  for (const part of path) {
    if (current === null || typeof current !== 'object') return undefined;
    current = (current as Record<PropertyKey, unknown>)[part];
  }
  return current;
}

/** Turn zod issues into problems that name the file, the key and the received value. */
export function problemsFromZod(
  error: z.ZodError,
  input: unknown,
  sourcePrefix: string,
): ConfigProblem[] {
  const problems: ConfigProblem[] = [];
  for (const issue of error.issues) {
    if (issue.code === 'unrecognized_keys') {
      for (const key of issue.keys) {
        const path = formatPath([...issue.path, key]);
        problems.push({
          source: `${sourcePrefix}${path}`,
          message: 'unknown key: check the spelling against docs/configuration.md',
        });
      }
      continue;
    }
    const value = valueAt(input, issue.path);
    const problem: ConfigProblem = {
      source: `${sourcePrefix}${formatPath(issue.path)}`,
      message: issue.message,
    };
    if (value !== undefined || issue.code !== 'invalid_type') problem.value = value;
    problems.push(problem);
  }
  return problems;
}
