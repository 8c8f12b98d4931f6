import { parseCameraUrl, redactUrl } from './address.js';
import {
  ChallengeResponder,
  type Credentials,
  parseChallenges,
  pickChallenge,
} from './http-auth.js';
import { ProbeFailure } from './network-errors.js';
import { type ProbeVerdict, runProbe } from './probe-runner.js';
import { RtspConnection } from './rtsp-connection.js';
import type { RtspResponse } from './rtsp-response.js';
import type { ProbeOptions, ProbeResult } from './types.js';

/**
 * Probe rtsp://[user:password@]host[:554]/path with OPTIONS, then DESCRIBE.
 * Many cameras accept OPTIONS without credentials and only challenge
 * DESCRIBE, so a probe that stopped at OPTIONS would call a camera with
 * wrong credentials online. Never rejects.
 */
export function probeRtsp(target: string, options: ProbeOptions): Promise<ProbeResult> {
  return runProbe(options.timeoutMs, async (signal) => {
    const address = parseCameraUrl(target);
    if (address.scheme !== 'rtsp') {
      throw new ProbeFailure('not-a-camera', `not an rtsp:// URL: ${redactUrl(target)}`);
    }

    const credentials =
      address.username === undefined
        ? undefined
        : { username: address.username, password: address.password ?? '' };
    const connection = new RtspConnection(address.host, address.port, signal);
    const client = new AuthenticatingClient(connection, credentials);

    try {
      const optionsResponse = await client.request('OPTIONS', address.uri);
      // OPTIONS errors other than authentication tell little: some cameras reject it for
      // a stream path and still serve DESCRIBE, so only a 401 (handled above) ends the probe here.
      if (optionsResponse.status === 403) return forbidden(credentials);

      const describe = await client.request('DESCRIBE', address.uri, { Accept: 'application/sdp' });
      return describeVerdict(describe, credentials);
    } finally {
      connection.close();
    }
  });
}

/** Sends requests and responds to Basic or Digest challenges with the configured credentials. */
class AuthenticatingClient {
  private responder: ChallengeResponder | undefined;

  constructor(
    private readonly connection: RtspConnection,
    private readonly credentials: Credentials | undefined,
  ) {}

  async request(
    method: string,
    uri: string,
    headers: Record<string, string> = {},
  ): Promise<RtspResponse> {
    // Up to three tries: without credentials, with them, and once more with a fresh nonce. A server
    // that marks the nonce stale, or issues a new one on a new connection, gets that third try.
    for (let attempt = 0; ; attempt++) {
      const sentCredentials = this.responder !== undefined;
      const requestHeaders = { ...headers };
      if (this.responder) requestHeaders.Authorization = this.responder.authorization(method, uri);

      const response = await this.connection.request(method, uri, requestHeaders);
      if (response.status !== 401) return response;

      if (!this.credentials)
        throw new ProbeFailure('auth-required', 'RTSP 401: credentials required');

      const challenges = parseChallenges(response.headers.get('www-authenticate') ?? []);
      const challenge = pickChallenge(challenges);
      if (!challenge) {
        const offered = challenges.map((item) => item.scheme).join(', ') || 'none';
        throw new ProbeFailure(
          'auth-failed',
          `RTSP 401: no supported authentication scheme (offered: ${offered})`,
        );
      }

      const usedNonce = this.responder?.challenge.params.nonce;
      const freshNonce =
        challenge.params.stale?.toLowerCase() === 'true' ||
        (challenge.scheme === 'digest' && challenge.params.nonce !== usedNonce);
      if (sentCredentials && (!freshNonce || attempt >= 2)) {
        throw new ProbeFailure('auth-failed', 'RTSP 401: credentials rejected');
      }
      this.responder = new ChallengeResponder(challenge, this.credentials);
    }
  }
}

function forbidden(credentials: Credentials | undefined): ProbeVerdict {
  return credentials
    ? { status: 'auth-failed', detail: 'RTSP 403: access forbidden for these credentials' }
    : { status: 'auth-required', detail: 'RTSP 403: access forbidden without credentials' };
}

function describeVerdict(
  response: RtspResponse,
  credentials: Credentials | undefined,
): ProbeVerdict {
  const { status } = response;
  const reason = printable(response.reason);

  if (status >= 200 && status < 300)
    return { status: 'online', detail: `RTSP ${status}: ${summarizeSdp(response)}` };
  if (status >= 300 && status < 400) {
    const location = response.headers.get('location')?.[0];
    const where = location === undefined ? '' : ` to ${redactUrl(location)}`;
    return { status: 'online', detail: `RTSP ${status}: redirects${where}` };
  }
  if (status === 403) return forbidden(credentials);
  if (status === 404)
    return {
      status: 'offline',
      detail: 'RTSP 404: stream path not found, check the path in the URL',
    };
  return { status: 'offline', detail: `RTSP ${status}${reason === '' ? '' : ` ${reason}`}` };
}

/** "SDP with 1 media stream (H264)": enough to tell a stream from an empty response. */
function summarizeSdp(response: RtspResponse): string {
  const type = response.headers.get('content-type')?.[0]?.toLowerCase() ?? '';
  if (!type.startsWith('application/sdp') || response.body === '') return 'answer without SDP';

  const lines = response.body.split(/\r?\n/);
  const media = lines.filter((line) => line.startsWith('m=')).length;
  const codecs = new Set<string>();
  for (const line of lines) {
    const match = /^a=rtpmap:\d+ ([^/\s]+)/.exec(line);
    if (match) codecs.add(printable(match[1]!));
  }
  const list = codecs.size === 0 ? '' : ` (${[...codecs].join(', ')})`;
  return `SDP with ${media} media stream${media === 1 ? '' : 's'}${list}`;
}

/** Make a server-supplied string safe for one log line. */
function printable(text: string): string {
  return text.replace(/[^\x20-\x7e]/g, '?').slice(0, 80);
}
