import { redactText } from '../crash/redact.js';
import { formatSeconds } from './format.js';
import type { ProbeResult } from './types.js';

/** A probe verdict reached early: thrown inside a probe and turned into its ProbeResult. */
export class ProbeFailure extends Error {
  constructor(
    readonly status: ProbeResult['status'],
    readonly detail: string,
  ) {
    super(detail);
    this.name = 'ProbeFailure';
  }
}

/** Build the verdict for a probe that ran out of time. */
export function timeoutFailure(timeoutMs: number): ProbeFailure {
  return new ProbeFailure('offline', `timed out after ${formatSeconds(timeoutMs)}`);
}

const PLAIN_WORDS: Record<string, string> = {
  ECONNREFUSED: 'connection refused',
  EHOSTUNREACH: 'host unreachable',
  EHOSTDOWN: 'host unreachable',
  ENETUNREACH: 'network unreachable',
  ENETDOWN: 'network unreachable',
  ECONNRESET: 'connection reset',
  EPIPE: 'connection closed',
  ETIMEDOUT: 'connection timed out',
  EADDRNOTAVAIL: 'address not available on this host',
  ENOTFOUND: 'host name not found',
  EAI_AGAIN: 'host name lookup failed (DNS unavailable)',
  EAI_NONAME: 'host name not found',
};

const TLS_CERTIFICATE_CODES = new Set([
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'CERT_HAS_EXPIRED',
  'CERT_NOT_YET_VALID',
  'ERR_TLS_CERT_ALTNAME_INVALID',
]);

/** Return the code of a Node.js system error, or of its cause (as fetch reports them). */
export function errorCode(error: unknown): string | undefined {
  if (error === null || typeof error !== 'object') return undefined;
  const code = (error as { code?: unknown }).code;
  if (typeof code === 'string') return code;
  return errorCode((error as { cause?: unknown }).cause);
}

/** Turn a socket, DNS or TLS error into a verdict in plain words, never with credentials. */
export function describeNetworkError(error: unknown): ProbeFailure {
  if (error instanceof ProbeFailure) return error;

  const code = errorCode(error);
  if (code !== undefined) {
    const words = PLAIN_WORDS[code];
    if (words !== undefined) return new ProbeFailure('offline', words);
    if (TLS_CERTIFICATE_CODES.has(code)) {
      return new ProbeFailure(
        'offline',
        `TLS certificate not trusted (${code}): credentials are only sent over verified TLS; install the camera's CA with NODE_EXTRA_CA_CERTS, or remove the credentials from the URL to probe reachability only`,
      );
    }
  }

  const message = error instanceof Error ? error.message : String(error);
  return new ProbeFailure('offline', `failed: ${redactText(message)}`);
}
