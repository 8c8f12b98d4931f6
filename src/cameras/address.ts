import { redactText } from '../crash/redact.js';

export const CAMERA_SCHEMES = ['rtsp', 'onvif', 'http', 'https', 'tcp'] as const;
export type CameraScheme = (typeof CAMERA_SCHEMES)[number];

/** Ports used when a URL names none; Tapo cameras serve ONVIF on 2020. TCP has no default. */
const DEFAULT_PORTS: Record<Exclude<CameraScheme, 'tcp'>, number> = {
  rtsp: 554,
  onvif: 2020,
  http: 80,
  https: 443,
};

/** A camera URL taken apart, credentials percent-decoded. */
export interface CameraAddress {
  scheme: CameraScheme;
  /** Host name or IP address, IPv6 without brackets. */
  host: string;
  port: number;
  /** Path and query, "/" at least. */
  path: string;
  /** The URL as written, without credentials: what goes on an RTSP request line. */
  uri: string;
  username?: string;
  password?: string;
}

/**
 * Parse an rtsp://, onvif://, http(s):// or tcp:// camera URL. Throws an
 * Error that shows the URL with its password removed and how to fix it.
 */
export function parseCameraUrl(text: string): CameraAddress {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new Error(
      `invalid camera URL "${redactUrl(text)}": write it as scheme://[user:password@]host[:port]/path`,
    );
  }

  const scheme = url.protocol.slice(0, -1).toLowerCase();
  if (!isCameraScheme(scheme)) {
    throw new Error(
      `unsupported camera URL scheme "${scheme}:" in "${redactUrl(text)}": use one of ${CAMERA_SCHEMES.map((name) => `${name}://`).join(', ')}`,
    );
  }

  const host = url.hostname.replace(/^\[(.*)\]$/, '$1');
  if (host === '') {
    throw new Error(
      `camera URL "${redactUrl(text)}" has no host: write it as ${scheme}://host[:port]/...`,
    );
  }

  let port: number;
  if (url.port !== '') {
    port = Number(url.port);
  } else if (scheme === 'tcp') {
    throw new Error(`camera URL "${redactUrl(text)}" has no port: write it as tcp://host:port`);
  } else {
    port = DEFAULT_PORTS[scheme];
  }

  const username = url.username;
  const password = url.password;
  url.username = '';
  url.password = '';
  url.hash = '';

  const address: CameraAddress = {
    scheme,
    host,
    port,
    path: `${url.pathname || '/'}${url.search}`,
    uri: url.toString(),
  };
  if (username !== '') address.username = decodeURIComponent(username);
  if (password !== '') address.password = decodeURIComponent(password);
  return address;
}

function isCameraScheme(value: string): value is CameraScheme {
  return (CAMERA_SCHEMES as readonly string[]).includes(value);
}

/**
 * Remove the password from a URL for logs and reports:
 * rtsp://admin:secret@10.0.0.5/stream1 → rtsp://admin:***@10.0.0.5/stream1.
 * Query parameters such as ?password=... are redacted too. A string that does
 * not parse as a URL loses everything between "://" and its last "@".
 */
export function redactUrl(text: string): string {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return redactText(text.replace(/^([a-z][a-z0-9+.-]*:\/\/)[^/?#]*@/i, '$1***@'));
  }

  // Non-special schemes (rtsp:, onvif:, tcp:) have no origin, so the parts are joined by hand.
  const credentials =
    url.username === '' && url.password === ''
      ? ''
      : url.password === ''
        ? '***@'
        : `${url.username}:***@`;
  const authority = url.host === '' ? '' : `//${credentials}${url.host}`;
  return redactText(`${url.protocol}${authority}${url.pathname}${url.search}${url.hash}`);
}
