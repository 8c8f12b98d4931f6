import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';

const SCRIPT = fileURLToPath(new URL('../fixtures/rtsp_server.py', import.meta.url));
// Debian's interpreter: the python3 first on PATH may lack the GStreamer bindings.
const PYTHON = '/usr/bin/python3';

/** A running test/fixtures/rtsp_server.py (GStreamer RTSP server) on 127.0.0.1. */
export interface GstRtspServer {
  readonly port: number;
  readonly pid: number;
  /** rtsp://[user:password@]127.0.0.1:port/stream */
  url(credentials?: { username: string; password: string }): string;
  /** SIGSTOP: the kernel still accepts connections, but nothing responds. */
  pause(): void;
  resume(): void;
  /** SIGCONT and SIGTERM, then SIGKILL if it has not exited within 5 s. */
  stop(): Promise<void>;
}

/** Start the GStreamer RTSP fixture; port 0 lets the kernel pick one. */
export async function startGstRtspServer(
  options: { port?: number; username?: string; password?: string } = {},
): Promise<GstRtspServer> {
  const args = [SCRIPT, String(options.port ?? 0)];
  if (options.username !== undefined) args.push(options.username, options.password ?? '');
  const child = spawn(PYTHON, args, { stdio: ['ignore', 'pipe', 'pipe'] });

  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  const port = await readyPort(child, () => stderr);

  return {
    port,
    pid: child.pid!,
    url(credentials) {
      const auth =
        credentials === undefined
          ? ''
          : `${encodeURIComponent(credentials.username)}:${encodeURIComponent(credentials.password)}@`;
      return `rtsp://${auth}127.0.0.1:${port}/stream`;
    },
    pause: () => child.kill('SIGSTOP'),
    resume: () => child.kill('SIGCONT'),
    stop: () => stopChild(child),
  };
}

function readyPort(child: ChildProcess, stderr: () => string): Promise<number> {
  return new Promise<number>((resolve, reject) => {
    let output = '';
    const timer = setTimeout(() => {
      void stopChild(child);
      reject(new Error(`rtsp_server.py printed no ready line within 15 s; stderr: ${stderr()}`));
    }, 15_000);
    child.stdout?.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      const match = /^ready (\d+)$/m.exec(output);
      if (match) {
        clearTimeout(timer);
        resolve(Number(match[1]));
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(
        new Error(
          `rtsp_server.py exited with code ${code} before it was ready; stderr: ${stderr()}`,
        ),
      );
    });
  });
}

async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = once(child, 'exit');
  child.kill('SIGCONT');
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
  await exited;
  clearTimeout(timer);
}
