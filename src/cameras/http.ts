import { STATUS_CODES } from 'node:http';
import { parseCameraUrl, redactUrl } from './address.js';
import {
  ChallengeResponder,
  type Credentials,
  parseChallenges,
  pickChallenge,
} from './http-auth.js';
import { type HttpAnswer, httpRequest } from './http-request.js';
import { ProbeFailure } from './network-errors.js';
import { type ProbeVerdict, runProbe } from './probe-runner.js';
import type { ProbeOptions, ProbeResult } from './types.js';

/**
 * Probe http(s)://[user:password@]host[:port]/path with a GET and judge the
 * status: 2xx online, 3xx online (the device responded with a redirect, as
 * camera web interfaces do to their login page), 401/403 auth-required or
 * auth-failed, anything else offline. Credentials answer a Basic or Digest
 * challenge and are only sent over verified TLS. Never rejects.
 */
export function probeHttp(target: string, options: ProbeOptions): Promise<ProbeResult> {
  return runProbe(options.timeoutMs, async (signal) => {
    const address = parseCameraUrl(target);
    if (address.scheme !== 'http' && address.scheme !== 'https') {
      throw new ProbeFailure(
        'not-a-camera',
        `not an http:// or https:// URL: ${redactUrl(target)}`,
      );
    }

    const credentials: Credentials | undefined =
      address.username === undefined
        ? undefined
        : { username: address.username, password: address.password ?? '' };
    const get = (headers: Record<string, string>) =>
      httpRequest({
        tls: address.scheme === 'https',
        host: address.host,
        port: address.port,
        path: address.path,
        method: 'GET',
        headers,
        signal,
        maxBodyBytes: 0,
        // Without credentials there is nothing to protect, and cameras mostly serve self-signed certificates.
        verifyTls: credentials !== undefined,
      });

    let answer = await get({});
    let sentCredentials = false;
    if (answer.status === 401 && credentials) {
      const challenge = pickChallenge(parseChallenges(headerValues(answer, 'www-authenticate')));
      if (!challenge)
        return { status: 'auth-failed', detail: 'HTTP 401: no supported authentication scheme' };
      const responder = new ChallengeResponder(challenge, credentials);
      answer = await get({ Authorization: responder.authorization('GET', address.path) });
      sentCredentials = true;
      if (answer.status === 401)
        return { status: 'auth-failed', detail: 'HTTP 401: credentials rejected' };
    }
    return httpVerdict(answer, sentCredentials);
  });
}

function httpVerdict(answer: HttpAnswer, sentCredentials: boolean): ProbeVerdict {
  const { status } = answer;
  const label = `HTTP ${status}`;

  if (status >= 200 && status < 300) return { status: 'online', detail: label };
  if (status >= 300 && status < 400) {
    const location = headerValues(answer, 'location')[0];
    return {
      status: 'online',
      detail: location === undefined ? label : `${label}: redirects to ${redactUrl(location)}`,
    };
  }
  if (status === 401) return { status: 'auth-required', detail: `${label}: credentials required` };
  if (status === 403) {
    return sentCredentials
      ? { status: 'auth-failed', detail: `${label}: access forbidden for these credentials` }
      : { status: 'auth-required', detail: `${label}: access forbidden without credentials` };
  }
  const reason = STATUS_CODES[status];
  return { status: 'offline', detail: reason === undefined ? label : `${label} ${reason}` };
}

function headerValues(answer: HttpAnswer, name: string): string[] {
  const value = answer.headers[name];
  if (value === undefined) return [];
  return Array.isArray(value) ? value : [value];
}
