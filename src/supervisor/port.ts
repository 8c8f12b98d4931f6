import net from 'node:net';

/** True when nothing listens on host:port, found by binding it briefly. */
export function isPortFree(port: number, host: string | undefined): Promise<boolean> {
  return new Promise((resolve) => {
    const server = net.createServer();
    server.unref();
    server.once('error', (error: NodeJS.ErrnoException) => {
      // EADDRNOTAVAIL (host not local) says nothing about the port; do not wait on it.
      resolve(error.code !== 'EADDRINUSE' && error.code !== 'EACCES');
    });
    server.listen({ port, host: host ?? '0.0.0.0', exclusive: true }, () => {
      server.close(() => resolve(true));
    });
  });
}

/**
 * Wait until the port is free, polling every 100 ms, so a restart does not
 * die on EADDRINUSE while the old socket lingers. Resolves with how long it
 * waited, or false when the timeout ran out or the signal aborted.
 */
export async function waitForFreePort(
  port: number,
  host: string | undefined,
  timeoutMs: number,
  signal: AbortSignal,
  onWaiting: (waitedMs: number) => void,
): Promise<number | false> {
  const started = performance.now();
  let lastReport = started;
  while (!signal.aborted) {
    if (await isPortFree(port, host)) return performance.now() - started;
    const now = performance.now();
    if (now - started >= timeoutMs) return false;
    if (now - lastReport >= 2000 || lastReport === started) {
      onWaiting(now - started);
      lastReport = now;
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return false;
}
