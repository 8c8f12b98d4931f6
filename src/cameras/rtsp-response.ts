import { ProbeFailure } from './network-errors.js';

/** One parsed RTSP response. Header names are lower case; repeated headers keep every value. */
export interface RtspResponse {
  version: string;
  status: number;
  reason: string;
  headers: Map<string, string[]>;
  body: string;
}

/** Bounds on what a probe reads: a camera's DESCRIBE response is a few KiB. */
export const MAX_HEADER_BYTES = 16 * 1024;
export const MAX_BODY_BYTES = 64 * 1024;

const PREFIX = Buffer.from('RTSP/');

/**
 * Reject bytes that cannot start an RTSP response as soon as they arrive,
 * so a service that is not RTSP is named without waiting for the timeout.
 */
export function checkRtspPrefix(buffer: Buffer): void {
  const length = Math.min(buffer.length, PREFIX.length);
  if (buffer.subarray(0, length).equals(PREFIX.subarray(0, length))) return;

  const start = buffer.subarray(0, 5).toString('latin1');
  if (start.startsWith('HTTP/'))
    throw new ProbeFailure('not-a-camera', 'answered with HTTP, not RTSP');
  if (buffer[0] === 0x16)
    throw new ProbeFailure('not-a-camera', 'answered with TLS, not plain RTSP');
  throw new ProbeFailure('not-a-camera', 'answered with something that is not RTSP');
}

/**
 * Parse one response from the start of `buffer`. Returns undefined while it
 * is incomplete; throws a not-a-camera verdict when it is malformed or too large.
 */
export function parseRtspResponse(
  buffer: Buffer,
): { response: RtspResponse; length: number } | undefined {
  checkRtspPrefix(buffer);

  let headerEnd = buffer.indexOf('\r\n\r\n');
  let separatorLength = 4;
  if (headerEnd < 0) {
    headerEnd = buffer.indexOf('\n\n');
    separatorLength = 2;
  }
  if (headerEnd < 0) {
    if (buffer.length > MAX_HEADER_BYTES) {
      throw new ProbeFailure(
        'not-a-camera',
        `RTSP answer headers longer than ${MAX_HEADER_BYTES} bytes`,
      );
    }
    return undefined;
  }

  const lines = buffer.subarray(0, headerEnd).toString('latin1').split(/\r?\n/);
  const statusLine = /^(RTSP\/\d\.\d) (\d{3})(?: (.*))?$/.exec(lines[0] ?? '');
  if (!statusLine) throw new ProbeFailure('not-a-camera', 'malformed RTSP status line');

  const headers = new Map<string, string[]>();
  for (const line of lines.slice(1)) {
    const colon = line.indexOf(':');
    if (colon <= 0) throw new ProbeFailure('not-a-camera', 'malformed RTSP header line');
    const name = line.slice(0, colon).trim().toLowerCase();
    const values = headers.get(name) ?? [];
    values.push(line.slice(colon + 1).trim());
    headers.set(name, values);
  }

  const lengthHeader = headers.get('content-length')?.[0] ?? '0';
  const contentLength = Number(lengthHeader);
  if (!Number.isInteger(contentLength) || contentLength < 0) {
    throw new ProbeFailure('not-a-camera', 'malformed RTSP Content-Length');
  }
  if (contentLength > MAX_BODY_BYTES) {
    throw new ProbeFailure(
      'not-a-camera',
      `RTSP answer body of ${contentLength} bytes exceeds ${MAX_BODY_BYTES}`,
    );
  }

  const bodyStart = headerEnd + separatorLength;
  if (buffer.length < bodyStart + contentLength) return undefined;

  return {
    response: {
      version: statusLine[1]!,
      status: Number(statusLine[2]),
      reason: statusLine[3] ?? '',
      headers,
      body: buffer.subarray(bodyStart, bodyStart + contentLength).toString('utf8'),
    },
    length: bodyStart + contentLength,
  };
}
