/**
 * Runs the container health-check command (a node one-liner that requests the
 * runner's GET /healthz) against a real HTTP server of ours, with the port
 * rewritten so it does not need 7778.
 */
import { execFile } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export const STATUS_URL = 'http://127.0.0.1:7778/healthz';

/** Start a loopback server that responds to every request with `status`, or never responds when status is undefined. */
export async function startStatusServer(
  status: number | undefined,
): Promise<{ server: Server; port: number }> {
  const server = createServer((_request, response) => {
    if (status === undefined) return;
    response.writeHead(status, { 'content-type': 'application/json' });
    response.end('{}');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, port: (server.address() as AddressInfo).port };
}

export async function stopServer(server: Server): Promise<void> {
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
}

/**
 * Run a `node -e SCRIPT` health command with the status port replaced and
 * the request timeout shortened to `timeoutMs`; return its exit code.
 */
export function runHealthCommand(
  command: readonly string[],
  port: number,
  timeoutMs: number,
): Promise<number> {
  const [program, flag, script] = command;
  if (program !== 'node' || flag !== '-e' || script === undefined) {
    throw new Error(
      `invalid health command ${JSON.stringify(command)}: expected ["node", "-e", SCRIPT]`,
    );
  }
  const rewritten = script
    .replace(STATUS_URL, `http://127.0.0.1:${port}/healthz`)
    .replace(/AbortSignal\.timeout\(\d+\)/, `AbortSignal.timeout(${timeoutMs})`);

  return new Promise((resolve, reject) => {
    execFile(process.execPath, ['-e', rewritten], { timeout: 15_000 }, (error) => {
      if (error === null) resolve(0);
      else if (typeof error.code === 'number') resolve(error.code);
      else reject(error);
    });
  });
}
