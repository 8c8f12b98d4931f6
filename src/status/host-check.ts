import type { IncomingHttpHeaders } from 'node:http';
import os from 'node:os';
import { HttpError } from './http.js';

const LOOPBACK_NAMES = ['localhost', '127.0.0.1', '[::1]'];
const WILDCARD_ADDRESSES = new Set(['0.0.0.0', '::', '']);

/** Return whether an address reaches this machine only (127.0.0.0/8, ::1, localhost). */
export function isLoopbackHost(host: string): boolean {
  const bare = host.replace(/^\[|\]$/g, '').toLowerCase();
  return bare === 'localhost' || bare === '::1' || /^127(\.\d{1,3}){3}$/.test(bare);
}

/**
 * The Host header values that name this server. A page loaded from another
 * name (a DNS rebinding attack makes evil.example resolve to 127.0.0.1) sends
 * that name and is rejected.
 */
export class HostPolicy {
  private readonly exact = new Set<string>();
  private readonly anyPort = new Set<string>();

  constructor(bindHost: string, port: number, extraHosts: readonly string[] = []) {
    const names = new Set(LOOPBACK_NAMES);
    names.add(bracket(bindHost));
    if (WILDCARD_ADDRESSES.has(bindHost)) {
      // Bound to every interface: any of this machine's own addresses is its own.
      names.add(os.hostname().toLowerCase());
      for (const list of Object.values(os.networkInterfaces()))
        for (const entry of list ?? []) names.add(bracket(entry.address));
    }
    for (const name of names) this.exact.add(`${name}:${port}`.toLowerCase());
    // A configured name (a reverse proxy's) is accepted with any port or none.
    for (const name of extraHosts) this.anyPort.add(stripPort(name.toLowerCase()));
  }

  allows(hostHeader: string): boolean {
    const host = hostHeader.trim().toLowerCase();
    if (this.exact.has(host)) return true;
    return this.anyPort.has(stripPort(host));
  }

  /** Reject a request whose Host or Origin names another site; returns undefined when it may go on. */
  check(headers: IncomingHttpHeaders): HttpError | undefined {
    const host = headers.host;
    if (host === undefined || host === '') {
      return new HttpError(
        400,
        'missing Host header',
        'send a Host header naming this server, such as 127.0.0.1:7778',
      );
    }
    if (!this.allows(host)) {
      return new HttpError(
        403,
        'foreign Host header',
        `Host "${host}" does not name this status server; use its own address, or add the name to status.allowedHosts`,
      );
    }

    const origin = headers.origin;
    if (origin === undefined) return undefined;
    let originHost: string | undefined;
    try {
      const url = new URL(origin);
      if (url.protocol === 'http:' || url.protocol === 'https:') originHost = url.host;
    } catch {
      originHost = undefined;
    }
    if (originHost === undefined || !this.allows(originHost)) {
      return new HttpError(
        403,
        'foreign Origin',
        `requests from the page at "${origin}" are not accepted; only this server's own pages may call it`,
      );
    }
    return undefined;
  }
}

function bracket(address: string): string {
  return address.includes(':') && !address.startsWith('[') ? `[${address}]` : address;
}

function stripPort(host: string): string {
  if (host.startsWith('[')) return host.slice(0, host.indexOf(']') + 1);
  const colon = host.lastIndexOf(':');
  return colon === -1 ? host : host.slice(0, colon);
}
