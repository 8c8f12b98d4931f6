import type { IncomingMessage, ServerResponse } from 'node:http';

/** Largest request body the status server reads. */
export const MAX_BODY_BYTES = 64 * 1024;

/** A rejected request: status code, short error and a detail that tells the client what to do. */
export class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly error: string,
    readonly detail: string,
    readonly headers: Record<string, string> = {},
  ) {
    super(`${status} ${error}: ${detail}`);
    this.name = 'HttpError';
  }
}

/** Headers every response carries: no caching, no MIME sniffing, no framing by other pages. */
export const COMMON_HEADERS: Readonly<Record<string, string>> = {
  'Cache-Control': 'no-store',
  'X-Content-Type-Options': 'nosniff',
  'X-Frame-Options': 'DENY',
  'Referrer-Policy': 'no-referrer',
};

export function sendJson(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  const text = `${JSON.stringify(body)}\n`;
  res.writeHead(status, {
    ...COMMON_HEADERS,
    ...headers,
    'Content-Type': 'application/json; charset=utf-8',
    'Content-Length': String(Buffer.byteLength(text)),
  });
  res.end(text);
}

export function sendError(res: ServerResponse, error: HttpError): void {
  sendJson(res, error.status, { error: error.error, detail: error.detail }, error.headers);
}

/**
 * Read the request body up to `limit` bytes. A larger declared or received
 * body is rejected with 413 and the rest of it is not read.
 */
export async function readBody(req: IncomingMessage, limit = MAX_BODY_BYTES): Promise<Buffer> {
  const tooLarge = (size: string): HttpError =>
    new HttpError(
      413,
      'request body too large',
      `the body has ${size} bytes; the limit is ${limit} bytes`,
    );
  const declared = Number(req.headers['content-length']);
  if (Number.isFinite(declared) && declared > limit) throw tooLarge(String(declared));

  const chunks: Buffer[] = [];
  let received = 0;
  for await (const chunk of req) {
    const buffer = chunk as Buffer;
    received += buffer.length;
    if (received > limit) throw tooLarge(`more than ${limit}`);
    chunks.push(buffer);
  }
  return Buffer.concat(chunks);
}

/**
 * Parse an optional JSON object body. An empty body is an empty object;
 * anything but a JSON object is rejected with 400 (or 415 for another
 * content type).
 */
export function parseJsonObject(req: IncomingMessage, body: Buffer): Record<string, unknown> {
  if (body.length === 0) return {};
  const type = (req.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
  if (type !== 'application/json') {
    throw new HttpError(
      415,
      'unsupported content type',
      `send the body as application/json, got ${type === '' ? 'no Content-Type' : `"${type}"`}`,
    );
  }
  let value: unknown;
  try {
    value = JSON.parse(body.toString('utf8'));
  } catch (error) {
    throw new HttpError(400, 'malformed JSON body', (error as Error).message);
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw new HttpError(
      400,
      'invalid body',
      `expected a JSON object such as {"reason": "..."}, got ${Array.isArray(value) ? 'an array' : JSON.stringify(value)}`,
    );
  }
  return value as Record<string, unknown>;
}
