/**
 * Redaction of secrets in text that leaves the process: logs, crash reports,
 * status output and notifications. Camera URLs carry passwords, so every
 * string from app output or configuration goes through here first.
 */

const REDACTED = '***';

// scheme://user:password@host → scheme://user:***@host (also user-only credentials).
const URL_CREDENTIALS = /\b([a-z][a-z0-9+.-]*:\/\/)([^\s:/?#@]+)(?::([^\s/?#@]*))?@/gi;

// password=..., token: ..., api_key="...", "secret": "..." and similar pairs.
const KEY_VALUE =
  /(["']?\b[\w.-]*(?:password|passwd|pwd|secret|token|api[_-]?key|apikey|access[_-]?key)[\w.-]*["']?\s*[:=]\s*)("[^"]*"|'[^']*'|[^\s,;&"'}]+)/gi;

// Authorization: Bearer xyz / Basic xyz / Digest ...
const AUTH_HEADER = /\b(authorization|proxy-authorization)(\s*[:=]\s*)([^\r\n]+)/gi;

const BEARER = /\b(Bearer|Basic)\s+[A-Za-z0-9._~+/=-]{8,}/g;

const SECRET_KEY_NAME =
  /(pass(word|wd)?|pwd|secret|token|api[_-]?key|apikey|access[_-]?key|private[_-]?key|credential|auth)/i;

// A key or flag whose last word is one of these names where a secret is kept
// (tokenFile, PASSWORD_FILE, --key-path), not the secret itself.
const REFERENCE_WORDS: ReadonlySet<string> = new Set([
  'file',
  'filename',
  'path',
  'dir',
  'directory',
  'url',
  'uri',
]);

// --password VALUE and --api-key=VALUE in free text, such as a shell command line.
const SECRET_FLAG = /(^|\s)(--[A-Za-z][\w.-]*)(=|\s+)("[^"]*"|'[^']*'|[^\s"']+)/g;

// A long flag alone in an argument: "--password", "--api-key=VALUE", "-password".
const LONG_FLAG = /^(--?[A-Za-z][\w.-]+)(=[\s\S]*)?$/;

// Keys whose value is an argument vector (apps[].command, app:spawn events).
const ARGV_KEYS: ReadonlySet<string> = new Set(['command', 'argv', 'args']);

/** Replace credentials in URLs, secret key=value pairs and auth headers with "***". */
export function redactText(text: string): string {
  return text
    .replace(
      URL_CREDENTIALS,
      (_match, scheme: string, user: string, password: string | undefined) =>
        password === undefined ? `${scheme}${REDACTED}@` : `${scheme}${user}:${REDACTED}@`,
    )
    .replace(
      AUTH_HEADER,
      (_match, name: string, separator: string) => `${name}${separator}${REDACTED}`,
    )
    .replace(BEARER, (_match, scheme: string) => `${scheme} ${REDACTED}`)
    .replace(SECRET_FLAG, (match, space: string, flag: string, separator: string, value: string) =>
      isSecretFlag(flag) && !value.startsWith('--')
        ? `${space}${flag}${separator}${quoted(value)}`
        : match,
    )
    .replace(KEY_VALUE, (match, key: string, value: string) =>
      namesSecretLocation(key.replace(/["'\s:=]/g, '')) ? match : `${key}${quoted(value)}`,
    );
}

/** "***", keeping the quotes of a quoted value. */
function quoted(value: string): string {
  const quote = value.startsWith('"') ? '"' : value.startsWith("'") ? "'" : '';
  return `${quote}${REDACTED}${quote}`;
}

/**
 * True for environment or config keys whose values are secrets
 * (CAMERA_PASSWORD, RING_TOKEN, ...). Keys that name where a secret is kept
 * (tokenFile, PASSWORD_FILE, keyPath, authUrl) are not secrets themselves.
 */
export function isSecretKey(key: string): boolean {
  return SECRET_KEY_NAME.test(key) && !namesSecretLocation(key);
}

/** True when the last word of a key or flag is file, path, dir, url and the like. */
function namesSecretLocation(key: string): boolean {
  const words = key
    .replace(/([a-z0-9])([A-Z])/g, '$1 $2')
    .toLowerCase()
    .split(/[^a-z0-9]+/)
    .filter((word) => word !== '');
  return REFERENCE_WORDS.has(words[words.length - 1] ?? '');
}

/** Tell whether a command-line flag takes a secret value: --password, --api-key, -token, but not --no-auth or --token-file. */
function isSecretFlag(flag: string): boolean {
  const name = flag.replace(/^--?/, '');
  return !/^no[-_]/i.test(name) && isSecretKey(name);
}

/**
 * Redact an argument vector for display: the value after a secret-looking
 * long flag (--password VALUE, --api-key VALUE, Go-style -token VALUE), the
 * value of --flag=VALUE forms, and credentials, key=value pairs and auth
 * headers inside any argument. Short flags such as -p are left alone: they
 * mean --port as often as --password. A value that starts with "--" is the
 * next flag, not a value, and stays.
 */
export function redactArgv(argv: readonly string[]): string[] {
  const result: string[] = [];
  let hideNext = false;

  for (const arg of argv) {
    if (hideNext && !arg.startsWith('--')) {
      hideNext = false;
      result.push(REDACTED);
      continue;
    }
    hideNext = false;

    const flag = LONG_FLAG.exec(arg);
    if (flag && isSecretFlag(flag[1]!)) {
      if (flag[2] === undefined) hideNext = true;
      else {
        result.push(`${flag[1]}=${REDACTED}`);
        continue;
      }
    }
    result.push(redactText(arg));
  }
  return result;
}

/** Copy an environment map with secret-looking values replaced and URL credentials removed. */
export function redactEnv(env: Record<string, string | undefined>): Record<string, string> {
  const result: Record<string, string> = {};
  for (const [key, value] of Object.entries(env)) {
    if (value === undefined) continue;
    result[key] = isSecretKey(key) ? REDACTED : redactText(value);
  }
  return result;
}

/**
 * Redact every string in a JSON-like value, every value under a
 * secret-looking key, and every argument vector under "command", "argv" or
 * "args" (see redactArgv). Used on whole crash reports, status documents,
 * events and the printed configuration.
 */
export function redactDeep<T>(value: T): T {
  return redactValue(value, undefined) as T;
}

function redactValue(value: unknown, key: string | undefined): unknown {
  if (typeof value === 'string') {
    return key !== undefined && isSecretKey(key) ? REDACTED : redactText(value);
  }
  if (Array.isArray(value)) {
    if (key !== undefined && ARGV_KEYS.has(key) && value.every((item) => typeof item === 'string'))
      return redactArgv(value);
    return value.map((item) => redactValue(item, undefined));
  }
  if (value !== null && typeof value === 'object') {
    const result: Record<string, unknown> = {};
    for (const [childKey, childValue] of Object.entries(value)) {
      result[childKey] = redactValue(childValue, childKey);
    }
    return result;
  }
  return value;
}

/**
 * Literals that every pattern above needs (URL credentials, secret keys and
 * flags, authorization headers, bearer and basic tokens). Most app output
 * holds none of them, and this one alternation rules that out far faster
 * than the patterns, which scan from every word. A test keeps it in step.
 */
const SECRET_HINT =
  /:\/\/|pass|pwd|secret|token|api[_-]?key|apikey|access[_-]?key|private[_-]?key|credential|auth|bearer|basic/i;

/** False when redactText would certainly leave the text unchanged. */
export function mayContainSecret(text: string): boolean {
  return SECRET_HINT.test(text);
}
