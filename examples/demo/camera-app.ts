/**
 * The demo camera web app that `npm start` runs under crashproof: a small
 * HTTP server in the shape of the Tapo Camera MCP web app, with
 * GET /api/health reporting the app and its cameras. It checks each camera
 * by opening a TCP connection to it every few seconds.
 *
 * Debug routes (POST /debug/crash, /debug/hang, /debug/leak, /debug/recover)
 * exist only when DEMO_DEBUG_ROUTES=1, so a user can watch crashproof act.
 */
import http from 'node:http';
import net from 'node:net';

interface DemoCamera {
  name: string;
  type: 'camera' | 'webcam' | 'doorbell';
  host: string;
  port: number;
  online: boolean;
  lastSeen: string | null;
  error: string | null;
}

const host = process.env.TAPO_WEBAPP_HOST ?? '127.0.0.1';
const port = Number(process.env.TAPO_WEBAPP_PORT ?? '7777');
const debugRoutes = process.env.DEMO_DEBUG_ROUTES === '1';
const cameras: DemoCamera[] = parseCameras(process.env.DEMO_CAMERAS ?? 'front-door=127.0.0.1:8554');
const leaked: Buffer[] = [];
let hangHealth = false;

function parseCameras(text: string): DemoCamera[] {
  return text
    .split(',')
    .filter((entry) => entry.includes('='))
    .map((entry) => {
      const [name = 'camera', address = ''] = entry.split('=');
      const [cameraHost = '127.0.0.1', cameraPort = '554'] = address.split(':');
      return {
        name,
        type: 'camera',
        host: cameraHost,
        port: Number(cameraPort),
        online: false,
        lastSeen: null,
        error: 'not checked yet',
      };
    });
}

function checkCamera(camera: DemoCamera): void {
  const socket = net.connect({ host: camera.host, port: camera.port });
  socket.setTimeout(2000);
  socket.once('connect', () => {
    camera.online = true;
    camera.lastSeen = new Date().toISOString();
    camera.error = null;
    socket.destroy();
  });
  const fail = (message: string): void => {
    camera.online = false;
    camera.error = message;
    socket.destroy();
  };
  socket.once('timeout', () => fail('timed out'));
  socket.once('error', (error: NodeJS.ErrnoException) => fail(error.code ?? error.message));
}

function checkCameras(): void {
  for (const camera of cameras) checkCamera(camera);
}

function healthBody(): Record<string, unknown> {
  const online = cameras.filter((camera) => camera.online).length;
  // Like the Tapo app: "warning" when cameras exist and none is online.
  const status = cameras.length > 0 && online === 0 ? 'warning' : 'healthy';
  return {
    status,
    uptime_seconds: Math.round(process.uptime()),
    memory_rss_bytes: process.memoryUsage().rss,
    cameras: cameras.map((camera) => ({
      name: camera.name,
      type: camera.type,
      status: camera.online ? 'online' : 'offline',
      last_seen: camera.lastSeen,
      error: camera.error,
    })),
  };
}

function send(response: http.ServerResponse, status: number, body: unknown): void {
  response.writeHead(status, { 'content-type': 'application/json' });
  response.end(JSON.stringify(body));
}

const server = http.createServer((request, response) => {
  const url = request.url ?? '/';
  if (request.method === 'GET' && url === '/api/health') {
    if (hangHealth) return; // never answers: crashproof sees timed-out checks
    send(response, 200, healthBody());
    return;
  }
  if (request.method === 'GET' && url === '/') {
    send(response, 200, { app: 'crashproof demo camera app', health: '/api/health', debugRoutes });
    return;
  }
  if (debugRoutes && request.method === 'POST' && url.startsWith('/debug/')) {
    handleDebug(url.slice('/debug/'.length), response);
    return;
  }
  send(response, 404, { error: 'not found', path: url });
});

function handleDebug(action: string, response: http.ServerResponse): void {
  switch (action) {
    case 'crash':
      send(response, 200, { ok: true, action });
      // Exit the way a Python camera app dies when a camera refuses it.
      setTimeout(() => {
        console.error('Traceback (most recent call last):');
        console.error(
          'ConnectionRefusedError: [Errno 111] Connection refused (demo crash on request)',
        );
        process.exit(1);
      }, 50);
      return;
    case 'hang':
      hangHealth = true;
      send(response, 200, { ok: true, action, note: 'the health endpoint stops answering' });
      return;
    case 'leak':
      leaked.push(Buffer.alloc(100 * 1024 * 1024, 1));
      send(response, 200, {
        ok: true,
        action,
        leakedMiB: leaked.length * 100,
        rssBytes: process.memoryUsage().rss,
      });
      return;
    case 'recover':
      hangHealth = false;
      leaked.length = 0;
      send(response, 200, { ok: true, action });
      return;
    default:
      send(response, 404, {
        error: 'unknown debug action',
        action,
        known: ['crash', 'hang', 'leak', 'recover'],
      });
  }
}

checkCameras();
setInterval(checkCameras, 5000).unref();
server.listen(port, host, () =>
  console.log(
    `demo camera app listening on http://${host}:${port} (debug routes ${debugRoutes ? 'on' : 'off'})`,
  ),
);
process.on('SIGTERM', () => {
  console.log('demo camera app: SIGTERM received, closing');
  server.close(() => process.exit(0));
  server.closeAllConnections();
});
