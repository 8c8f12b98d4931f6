import { isIP } from 'node:net';
import { redactText } from '../crash/redact.js';

/** Path of the health endpoint that the Tapo camera web app and its compose file use. */
export const DEFAULT_HEALTH_PATH = '/api/health';

const IPV4_WILDCARDS = new Set(['0.0.0.0', '0']);

function unbracket(host: string): string {
  return host.startsWith('[') && host.endsWith(']') ? host.slice(1, -1) : host;
}

function isIpv6Wildcard(host: string): boolean {
  if (isIP(host) !== 6) return false;
  // "::", "::0" and "0:0:0:0:0:0:0:0" all mean every address.
  return host.split(':').every((group) => group === '' || /^0+$/.test(group));
}

/**
 * Map an address an app binds to the address to check it on: a wildcard bind
 * (0.0.0.0, ::) is reached on loopback, because the wildcard itself is not a
 * destination. IPv6 literals come back bracketed, ready for a URL.
 */
export function checkableHost(host: string | undefined): string {
  const trimmed = host?.trim() ?? '';
  if (trimmed === '' || IPV4_WILDCARDS.has(trimmed)) return '127.0.0.1';

  const bare = unbracket(trimmed);
  if (isIpv6Wildcard(bare)) return '[::1]';
  if (isIP(bare) === 6) return `[${bare}]`;
  return bare;
}

/** Build the health URL of an app bound to host:port: http://<host>:<port>/api/health. */
export function defaultHealthUrl(host: string | undefined, port: number): string {
  return `http://${checkableHost(host)}:${port}${DEFAULT_HEALTH_PATH}`;
}

/**
 * Rewrite a configured health URL whose host is a wildcard (http://0.0.0.0:7777/...)
 * to loopback. Throws an error naming the value when the URL is invalid or not HTTP.
 */
export function resolveHealthUrl(url: string): string {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new Error(
      `invalid health URL "${redactText(url)}": use a full URL such as "http://127.0.0.1:7777/api/health"`,
    );
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
    throw new Error(`invalid health URL "${redactText(url)}": the scheme must be http or https`);
  }

  const host = unbracket(parsed.hostname);
  if (IPV4_WILDCARDS.has(host) || isIpv6Wildcard(host)) parsed.hostname = checkableHost(host);
  return parsed.toString();
}
