import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { CrashCategory } from '../../src/crash/categories.js';
import type { EventBus } from '../../src/events.js';

export interface ReceivedRequest {
  path: string;
  headers: IncomingHttpHeaders;
  body: string;
}

export interface Receiver {
  url: string;
  requests: ReceivedRequest[];
  /** HTTP status of every response from now on. */
  status: number;
  /** Hold responses until release() when true. */
  hold: boolean;
  release(): void;
  close(): Promise<void>;
}

/** Start a real HTTP server on 127.0.0.1 that records every request it gets. */
export async function startReceiver(): Promise<Receiver> {
  const held: Array<() => void> = [];
  const receiver: Receiver = {
    url: '',
    requests: [],
    status: 200,
    hold: false,
    release: () => {
      receiver.hold = false;
      for (const respond of held.splice(0)) respond();
    },
    close: () =>
      new Promise((resolve) => {
        receiver.release();
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };

  const server: Server = createServer((request, response) => {
    let body = '';
    request.setEncoding('utf8');
    request.on('data', (chunk: string) => (body += chunk));
    request.on('end', () => {
      receiver.requests.push({ path: request.url ?? '', headers: request.headers, body });
      const respond = () =>
        response.writeHead(receiver.status).end(receiver.status < 400 ? 'ok' : 'nope');
      if (receiver.hold) held.push(respond);
      else respond();
    });
  });

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (address === null || typeof address === 'string')
    throw new Error('receiver has no TCP address');
  receiver.url = `http://127.0.0.1:${address.port}`;
  return receiver;
}

/** A camera URL with a password, to check that no message carries it. */
export const CAMERA_URL = 'rtsp://admin:hunter2@127.0.0.1:8554/stream1';

/** Emit a crash:report as the crash reporter does. */
export function emitCrash(bus: EventBus, app: string, category: CrashCategory, attempt = 1): void {
  bus.emit('crash:report', {
    app,
    category,
    hint: 'check the camera',
    evidence: `ConnectionRefusedError while opening ${CAMERA_URL}`,
    reportId: `${app}-2026-12-04T21-30-00.000Z`,
    reportPath: `/var/log/crashproof/crash-reports/${app}-2026-12-04T21-30-00.000Z.json`,
    attempt,
    nextDelayMs: 1500,
  });
}
