import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { readFile, unlink } from 'node:fs/promises';
import path from 'node:path';
import { writeFileAtomic } from '../util/atomic-write.js';

const TOKEN_BYTES = 32;

/** Resolve the token file of a status configuration against the runner's log directory. */
export function tokenFilePath(logDir: string, tokenFile: string): string {
  return path.resolve(logDir, tokenFile);
}

/**
 * Create a fresh random token and store it in `file` with mode 0600, so only
 * the user that runs crashproof (and root) can call the control routes.
 * A new token is made at every start: a token read from an old runner stops
 * working when that runner ends.
 */
export async function createTokenFile(file: string): Promise<string> {
  const token = randomBytes(TOKEN_BYTES).toString('base64url');
  await writeFileAtomic(file, `${token}\n`, { mode: 0o600 });
  return token;
}

/** Read the token a runner stored; throws the fs error (ENOENT, EACCES) for the caller to explain. */
export async function readTokenFile(file: string): Promise<string> {
  return (await readFile(file, 'utf8')).trim();
}

export async function removeTokenFile(file: string): Promise<void> {
  await unlink(file).catch(() => {});
}

/**
 * Compare a presented token with the expected one in constant time. Both are
 * hashed first, so the buffers given to timingSafeEqual have equal length and
 * the comparison does not reveal the token's length either.
 */
export function tokensMatch(presented: string, expected: string): boolean {
  const a = createHash('sha256').update(presented).digest();
  const b = createHash('sha256').update(expected).digest();
  return timingSafeEqual(a, b);
}

/** Return the token of an `Authorization: Bearer TOKEN` header, or undefined when there is none. */
export function bearerToken(header: string | undefined): string | undefined {
  if (header === undefined) return undefined;
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
  return match?.[1];
}
