import { createServer, type Server, type Socket } from 'node:net';

/** A loopback TCP listener that does something scripted with each connection. */
export interface TestListener {
  readonly port: number;
  close(): Promise<void>;
}

export async function startListener(
  onConnection: (socket: Socket) => void = () => {},
): Promise<TestListener> {
  const sockets = new Set<Socket>();
  const server: Server = createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => socket.destroy());
    onConnection(socket);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const address = server.address();
  if (address === null || typeof address === 'string')
    throw new Error('the listener has no TCP address');
  return {
    port: address.port,
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}

/** Return a loopback port with nothing listening on it (bound, then released). */
export async function closedPort(): Promise<number> {
  const listener = await startListener();
  await listener.close();
  return listener.port;
}

/** Poll `condition` until it is true or `timeoutMs` passes, then throw naming `what`. */
export async function waitFor(
  condition: () => boolean | Promise<boolean>,
  what: string,
  timeoutMs = 5000,
): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  while (!(await condition())) {
    if (performance.now() > deadline)
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
