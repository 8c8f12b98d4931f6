import { createHash, randomBytes } from 'node:crypto';

/**
 * Responses to Basic and Digest challenges (RFC 7617, RFC 7616 and the
 * RFC 2069 form without qop that many cameras still send), shared by the
 * RTSP and HTTP probes.
 */

export interface Credentials {
  username: string;
  password: string;
}

export interface Challenge {
  /** Lower case: "basic", "digest", or another scheme this module cannot respond to. */
  scheme: string;
  params: Record<string, string>;
}

const DIGEST_ALGORITHMS = {
  md5: 'md5',
  'md5-sess': 'md5',
  'sha-256': 'sha256',
  'sha-256-sess': 'sha256',
} as const;

type DigestAlgorithm = keyof typeof DIGEST_ALGORITHMS;

/**
 * Parse WWW-Authenticate header values into challenges. One value may hold
 * several challenges ("Basic realm=x, Digest realm=y, nonce=z").
 */
export function parseChallenges(values: readonly string[]): Challenge[] {
  const challenges: Challenge[] = [];
  for (const value of values) {
    let current: Challenge | undefined;
    for (const item of splitAuthItems(value)) {
      // "Digest realm=..." starts a challenge; "nonce=..." adds to the current one.
      const start = /^([!#$%&'*+.^_`|~0-9A-Za-z-]+)(?:\s+(.*))?$/s.exec(item);
      if (start && !/^[^=\s]+\s*=/.test(item)) {
        current = { scheme: start[1]!.toLowerCase(), params: {} };
        challenges.push(current);
        if (start[2] !== undefined) addParam(current, start[2]);
      } else if (current) {
        addParam(current, item);
      }
    }
  }
  return challenges;
}

/** Split on commas outside quoted strings. */
function splitAuthItems(value: string): string[] {
  const items: string[] = [];
  let item = '';
  let quoted = false;
  for (let i = 0; i < value.length; i++) {
    const char = value[i]!;
    if (quoted && char === '\\' && i + 1 < value.length) {
      item += char + value[i + 1];
      i++;
      continue;
    }
    if (char === '"') quoted = !quoted;
    if (char === ',' && !quoted) {
      if (item.trim() !== '') items.push(item.trim());
      item = '';
      continue;
    }
    item += char;
  }
  if (item.trim() !== '') items.push(item.trim());
  return items;
}

function addParam(challenge: Challenge, text: string): void {
  const match = /^([^=\s]+)\s*=\s*(.*)$/s.exec(text.trim());
  if (!match) return;
  let value = match[2]!.trim();
  if (value.startsWith('"') && value.endsWith('"') && value.length >= 2) {
    value = value.slice(1, -1).replace(/\\(.)/g, '$1');
  }
  challenge.params[match[1]!.toLowerCase()] = value;
}

/** Pick the challenge to respond to: Digest with a supported algorithm first, then Basic. */
export function pickChallenge(challenges: readonly Challenge[]): Challenge | undefined {
  const digest = challenges.find(
    (challenge) =>
      challenge.scheme === 'digest' &&
      challenge.params.nonce !== undefined &&
      digestAlgorithm(challenge) !== undefined &&
      digestQop(challenge) !== null,
  );
  return digest ?? challenges.find((challenge) => challenge.scheme === 'basic');
}

function digestAlgorithm(challenge: Challenge): DigestAlgorithm | undefined {
  const name = (challenge.params.algorithm ?? 'MD5').toLowerCase();
  return name in DIGEST_ALGORITHMS ? (name as DigestAlgorithm) : undefined;
}

/** Pick the qop: undefined when the server offers none (RFC 2069), null when none is supported. */
function digestQop(challenge: Challenge): 'auth' | 'auth-int' | undefined | null {
  const offered = challenge.params.qop;
  if (offered === undefined) return undefined;
  const options = offered.split(',').map((option) => option.trim().toLowerCase());
  if (options.includes('auth')) return 'auth';
  if (options.includes('auth-int')) return 'auth-int';
  return null;
}

export interface DigestInput {
  username: string;
  password: string;
  realm: string;
  nonce: string;
  method: string;
  uri: string;
  algorithm?: string;
  qop?: 'auth' | 'auth-int';
  /** Eight hex digits, required with qop. */
  nc?: string;
  /** Required with qop and with the -sess algorithms. */
  cnonce?: string;
  /** Entity body for qop=auth-int. */
  body?: string;
}

/** Compute the Digest "response" value (the request digest) in lower-case hex. */
export function digestResponse(input: DigestInput): string {
  const name = (input.algorithm ?? 'MD5').toLowerCase();
  if (!(name in DIGEST_ALGORITHMS)) {
    throw new Error(
      `unsupported Digest algorithm "${input.algorithm}": MD5, MD5-sess, SHA-256 and SHA-256-sess are supported`,
    );
  }
  const algorithm = name as DigestAlgorithm;
  const hash = (text: string) =>
    createHash(DIGEST_ALGORITHMS[algorithm]).update(text, 'utf8').digest('hex');

  let ha1 = hash(`${input.username}:${input.realm}:${input.password}`);
  if (algorithm.endsWith('-sess')) ha1 = hash(`${ha1}:${input.nonce}:${input.cnonce ?? ''}`);

  const ha2 =
    input.qop === 'auth-int'
      ? hash(`${input.method}:${input.uri}:${hash(input.body ?? '')}`)
      : hash(`${input.method}:${input.uri}`);

  if (input.qop === undefined) return hash(`${ha1}:${input.nonce}:${ha2}`);
  return hash(
    `${ha1}:${input.nonce}:${input.nc ?? '00000001'}:${input.cnonce ?? ''}:${input.qop}:${ha2}`,
  );
}

function quote(value: string): string {
  return `"${value.replace(/(["\\])/g, '\\$1')}"`;
}

/**
 * Builds Authorization header values for one challenge. Digest requests
 * count up the nonce count, as a server expects when the nonce is reused.
 */
export class ChallengeResponder {
  private nonceCount = 0;

  constructor(
    readonly challenge: Challenge,
    private readonly credentials: Credentials,
  ) {}

  authorization(method: string, uri: string): string {
    const { username, password } = this.credentials;
    if (this.challenge.scheme === 'basic') {
      return `Basic ${Buffer.from(`${username}:${password}`, 'utf8').toString('base64')}`;
    }

    const params = this.challenge.params;
    const qop = digestQop(this.challenge) ?? undefined;
    const algorithm = params.algorithm;
    this.nonceCount++;
    const nc = this.nonceCount.toString(16).padStart(8, '0');
    const cnonce = randomBytes(8).toString('hex');
    const response = digestResponse({
      username,
      password,
      realm: params.realm ?? '',
      nonce: params.nonce ?? '',
      method,
      uri,
      algorithm,
      qop,
      nc,
      cnonce,
    });

    const fields = [
      `username=${quote(username)}`,
      `realm=${quote(params.realm ?? '')}`,
      `nonce=${quote(params.nonce ?? '')}`,
      `uri=${quote(uri)}`,
      `response=${quote(response)}`,
    ];
    if (algorithm !== undefined) fields.push(`algorithm=${algorithm}`);
    if (params.opaque !== undefined) fields.push(`opaque=${quote(params.opaque)}`);
    if (qop !== undefined) fields.push(`qop=${qop}`, `nc=${nc}`);
    if (qop !== undefined || algorithm?.toLowerCase().endsWith('-sess'))
      fields.push(`cnonce=${quote(cnonce)}`);
    return `Digest ${fields.join(', ')}`;
  }
}
