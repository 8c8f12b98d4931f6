import { connect } from 'node:net';
import { parseCameraUrl, redactUrl } from './address.js';
import { describeNetworkError, ProbeFailure } from './network-errors.js';
import { runProbe } from './probe-runner.js';
import type { ProbeOptions, ProbeResult } from './types.js';

/** Probe tcp://host:port by connecting and closing again; nothing is sent. Never rejects. */
export function probeTcp(target: string, options: ProbeOptions): Promise<ProbeResult> {
  return runProbe(options.timeoutMs, async (signal) => {
    const address = parseCameraUrl(target);
    if (address.scheme !== 'tcp') {
      throw new ProbeFailure('not-a-camera', `not a tcp:// URL: ${redactUrl(target)}`);
    }
    await connectOnce(address.host, address.port, signal);
    return { status: 'online', detail: 'TCP connection accepted' };
  });
}

/** Open a TCP connection and close it again; rejects with a ProbeFailure in plain words. */
export function connectOnce(host: string, port: number, signal: AbortSignal): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    const socket = connect({ host, port, signal });
    socket.once('connect', () => {
      socket.destroy();
      resolve();
    });
    socket.once('error', (error) => reject(describeNetworkError(error)));
  });
}
