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
    .replace(KEY_VALUE, (_match, key: string, value: string) => {
      const quote = value.startsWith('"') ? '"' : value.startsWith("'") ? "'" : '';
      return `${key}${quote}${REDACTED}${quote}`;
    });
}

/** True for environment or config keys whose values are secrets (CAMERA_PASSWORD, RING_TOKEN, ...). */
export function isSecretKey(key: string): boolean {
  return SECRET_KEY_NAME.test(key);
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
 * Redact every string in a JSON-like value, and every value under a
 * secret-looking key. Used on whole crash reports and status documents.
 */
export function redactDeep<T>(value: T): T {
  return redactValue(value, undefined) as T;
}

function redactValue(value: unknown, key: string | undefined): unknown {
  if (typeof value === 'string') {
    return key !== undefined && isSecretKey(key) ? REDACTED : redactText(value);
  }
  if (Array.isArray(value)) return value.map((item) => redactValue(item, undefined));
  if (value !== null && typeof value === 'object') {
    const result: Record<string, unknown> = {};
    for (const [childKey, childValue] of Object.entries(value)) {
      result[childKey] = redactValue(childValue, childKey);
    }
    return result;
  }
  return value;
}
