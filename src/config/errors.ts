import os from 'node:os';
import type { z } from 'zod';
import { redactDeep, redactText } from '../crash/redact.js';

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

/**
 * Show a received value with its type, redacted first (an invalid camera URL
 * carries its password) and then shortened to 80 characters.
 */
export function describeValue(value: unknown): string {
  if (value === undefined) return 'missing';

  let shown = JSON.stringify(redactDeep(value)) ?? String(value);
  if (shown.length > 80) shown = `${shown.slice(0, 77)}...`;

  let type: string = typeof value;
  if (Array.isArray(value)) type = 'array';
  else if (value === null) type = 'null';
  return `${shown} (${type})`;
}

/** Format one problem as one line, "SOURCE: MESSAGE, got VALUE", with secrets redacted. */
export function formatProblem(problem: ConfigProblem): string {
  const value = 'value' in problem ? `, got ${describeValue(problem.value)}` : '';
  return `${problem.source}: ${redactText(problem.message)}${value}`;
}

export function formatProblems(problems: ConfigProblem[]): string {
  const lines = problems.map((problem) => `  - ${formatProblem(problem)}`);
  const noun = problems.length === 1 ? 'problem' : 'problems';
  return `invalid configuration (${problems.length} ${noun}):\n${lines.join('\n')}`;
}

/** Describe why a file cannot be read as the fix: which user lacks access and what to change. */
export function describeReadError(error: unknown, filePath: string): string {
  const code = (error as NodeJS.ErrnoException).code;
  if (code === 'EACCES' || code === 'EPERM') {
    return `permission denied: user ${currentUser()} cannot read ${filePath}: give that user read access (such as "chmod o+r ${filePath}", or "chmod g+r" with a group it is in; each parent directory also needs x) or run crashproof as a user that can read it`;
  }
  if (code === 'EISDIR') return `${filePath} is a directory: give the path of the YAML file`;
  return `failed to read the file (${code ?? (error as Error).message}): check the path and the disk it is on`;
}

function currentUser(): string {
  const uid = process.getuid?.();
  try {
    const name = os.userInfo().username;
    return uid === undefined ? `"${name}"` : `"${name}" (uid ${uid})`;
  } catch {
    // No passwd entry, as in a container started with an arbitrary --user.
    return uid === undefined ? 'the current user' : `uid ${uid}`;
  }
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

const TYPE_NAMES: Record<string, string> = {
  string: 'a string',
  number: 'a number',
  int: 'a whole number',
  boolean: 'true or false',
  array: 'a list',
  object: 'a mapping (key: value lines)',
  null: 'null',
};

/**
 * Messages for zod's built-in checks in the words of the config file. A
 * message set on the schema itself takes precedence over this map. The
 * received value is not repeated here: formatProblems appends it.
 */
export const configErrorMap: z.core.$ZodErrorMap = (issue) => {
  switch (issue.code) {
    case 'invalid_type':
      if (issue.input === undefined) return 'missing: this key is required';
      return `expected ${TYPE_NAMES[issue.expected] ?? issue.expected}`;
    case 'invalid_value':
      return issue.values.length === 1
        ? `expected ${JSON.stringify(issue.values[0])}`
        : `expected one of ${issue.values.map((value) => JSON.stringify(value)).join(', ')}`;
    case 'invalid_union':
      return unionMessage(issue.errors);
    case 'too_small':
      return boundMessage(issue.origin, 'least', issue.minimum, issue.inclusive);
    case 'too_big':
      return boundMessage(issue.origin, 'most', issue.maximum, issue.inclusive);
    case 'invalid_format':
      return issue.format === 'regex' && issue.pattern !== undefined
        ? `must match the pattern ${issue.pattern}`
        : `expected a valid ${issue.format}`;
    default:
      return undefined;
  }
};

function boundMessage(
  origin: string,
  side: 'least' | 'most',
  bound: number | bigint,
  inclusive: boolean | undefined,
): string {
  const count = Number(bound);
  if (origin === 'array') return `list at ${side} ${count} item${count === 1 ? '' : 's'}`;
  if (origin === 'string') {
    if (side === 'least' && count === 1) return 'must not be empty';
    return `use at ${side} ${count} character${count === 1 ? '' : 's'}`;
  }
  if (inclusive === false) return `must be ${side === 'least' ? 'more' : 'less'} than ${count}`;
  return `must be at ${side} ${count}`;
}

/** Phrase a failed union as "expected a string or false", when each alternative is a plain type or value. */
function unionMessage(alternatives: ReadonlyArray<ReadonlyArray<z.core.$ZodIssue>>): string {
  const phrases: string[] = [];
  for (const issues of alternatives) {
    const first = issues[0];
    if (first?.code === 'invalid_type' && first.path.length === 0)
      phrases.push(TYPE_NAMES[first.expected] ?? first.expected);
    else if (first?.code === 'invalid_value' && first.path.length === 0)
      phrases.push(...first.values.map((value) => JSON.stringify(value)));
    else return 'matches none of the accepted forms: see docs/configuration.md';
  }
  return `expected ${phrases.join(' or ')}`;
}
