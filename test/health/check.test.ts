import type http from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { checkHealth, createHealthAgent, MAX_REDIRECTS } from '../../src/health/check.js';
import { closedPort, sendJson, startServer, type TestServer } from './helpers.js';

const OPTIONS = { timeoutMs: 2000, maxBodyBytes: 64 * 1024 };

const servers: TestServer[] = [];
const agents: http.Agent[] = [];

async function serve(handler: http.RequestListener, host?: string): Promise<TestServer> {
  const server = await startServer(handler, host);
  servers.push(server);
  return server;
}

function agentFor(url: string): http.Agent {
  const agent = createHealthAgent(url);
  agents.push(agent);
  return agent;
}

afterEach(async () => {
  for (const agent of agents.splice(0)) agent.destroy();
  await Promise.all(servers.splice(0).map((server) => server.close()));
});

describe('checkHealth', () => {
  it('passes a healthy JSON body', async () => {
    const server = await serve((_request, response) => sendJson(response, 200, { status: 'ok' }));
    const result = await checkHealth(server.url(), OPTIONS);
    expect(result.ok).toBe(true);
    expect(result.httpStatus).toBe(200);
    expect(result.timedOut).toBe(false);
    expect(result.error).toBeUndefined();
    expect(result.verdict?.state).toBe('healthy');
    expect(result.durationMs).toBeGreaterThan(0);
  });

  it('passes a degraded body', async () => {
    const server = await serve((_request, response) =>
      sendJson(response, 200, { status: 'warning', cameras: { total: 2, online: 0 } }),
    );
    const result = await checkHealth(server.url(), OPTIONS);
    expect(result.ok).toBe(true);
    expect(result.verdict?.state).toBe('degraded');
    expect(result.verdict?.devices[0]?.online).toBe(false);
  });

  it('fails a body the parser calls unhealthy', async () => {
    const server = await serve((_request, response) =>
      sendJson(response, 200, { status: 'critical' }),
    );
    const result = await checkHealth(server.url(), OPTIONS);
    expect(result.ok).toBe(false);
    expect(result.error).toBe('status "critical"');
    expect(result.httpStatus).toBe(200);
  });

  it('fails on a refused connection', async () => {
    const port = await closedPort();
    const result = await checkHealth(`http://127.0.0.1:${port}/api/health`, OPTIONS);
    expect(result.ok).toBe(false);
    expect(result.error).toBe('connection refused');
    expect(result.timedOut).toBe(false);
    expect(result.httpStatus).toBeUndefined();
  });

  it('times out when the app never responds', async () => {
    const server = await serve(() => {
      // Accept the request and never respond, like an app stuck in a blocking call.
    });
    const result = await checkHealth(server.url(), { ...OPTIONS, timeoutMs: 200 });
    expect(result.ok).toBe(false);
    expect(result.timedOut).toBe(true);
    expect(result.error).toBe('timed out after 0.2 s');
    expect(result.durationMs).toBeGreaterThanOrEqual(190);
    expect(result.durationMs).toBeLessThan(2000);
    expect(server.requests).toBe(1);
  });

  it('times out when the body never ends', async () => {
    const server = await serve((_request, response) => {
      response.writeHead(200, { 'content-type': 'application/json' });
      response.write('{"status":');
    });
    const result = await checkHealth(server.url(), { ...OPTIONS, timeoutMs: 200 });
    expect(result.timedOut).toBe(true);
    expect(result.error).toBe('timed out after 0.2 s');
  });

  it('fails on HTTP 500', async () => {
    const server = await serve((_request, response) => {
      response.writeHead(500, { 'content-type': 'text/plain' });
      response.end('Internal Server Error');
    });
    const result = await checkHealth(server.url(), OPTIONS);
    expect(result.ok).toBe(false);
    expect(result.httpStatus).toBe(500);
    expect(result.error).toBe('HTTP 500');
    expect(result.verdict?.state).toBe('unhealthy');
  });

  it('fails on a body that claims JSON and is garbage', async () => {
    const server = await serve((_request, response) => {
      response.writeHead(200, { 'content-type': 'application/json' });
      response.end(Buffer.from([0xff, 0xfe, 0x7b, 0x22]));
    });
    const result = await checkHealth(server.url(), OPTIONS);
    expect(result.ok).toBe(false);
    expect(result.error).toBe('invalid JSON body (Content-Type application/json)');
  });

  it('rejects a redirect to another host', async () => {
    const other = await serve(
      (_request, response) => sendJson(response, 200, { status: 'ok' }),
      '127.0.0.2',
    );
    const server = await serve((_request, response) => {
      response.writeHead(302, { location: other.url() });
      response.end();
    });
    const result = await checkHealth(server.url(), OPTIONS);
    expect(result.ok).toBe(false);
    expect(result.error).toBe(`redirect to another host 127.0.0.2:${other.port} rejected`);
    expect(result.httpStatus).toBe(302);
    expect(other.requests).toBe(0);
  });

  it('rejects a redirect to another port', async () => {
    const other = await serve((_request, response) => sendJson(response, 200, { status: 'ok' }));
    const server = await serve((_request, response) => {
      response.writeHead(307, { location: other.url() });
      response.end();
    });
    const result = await checkHealth(server.url(), OPTIONS);
    expect(result.error).toBe(`redirect to another host 127.0.0.1:${other.port} rejected`);
    expect(other.requests).toBe(0);
  });

  it(`follows up to ${MAX_REDIRECTS} same-host redirects`, async () => {
    const server = await serve((request, response) => {
      const hop = Number(new URL(request.url ?? '/', 'http://x').searchParams.get('hop') ?? '0');
      if (request.url?.startsWith('/chain') && hop < MAX_REDIRECTS) {
        response.writeHead(301, { location: `/chain?hop=${hop + 1}` });
        response.end('moved');
        return;
      }
      sendJson(response, 200, { status: 'ok', hop });
    });
    const result = await checkHealth(server.url('/chain?hop=0'), OPTIONS);
    expect(result.ok).toBe(true);
    expect(result.httpStatus).toBe(200);
    expect(server.requests).toBe(MAX_REDIRECTS + 1);
  });

  it('fails after too many redirects', async () => {
    const server = await serve((_request, response) => {
      response.writeHead(302, { location: '/loop' });
      response.end();
    });
    const result = await checkHealth(server.url('/loop'), OPTIONS);
    expect(result.ok).toBe(false);
    expect(result.error).toBe(`more than ${MAX_REDIRECTS} redirects`);
    expect(server.requests).toBe(MAX_REDIRECTS + 1);
  });

  it('fails a declared body over the bound', async () => {
    const server = await serve((_request, response) => {
      const body = Buffer.alloc(100 * 1024, 0x20);
      response.writeHead(200, {
        'content-type': 'application/json',
        'content-length': body.length,
      });
      response.end(body);
    });
    const result = await checkHealth(server.url(), OPTIONS);
    expect(result.ok).toBe(false);
    expect(result.error).toBe('body larger than 64 KiB');
    expect(result.timedOut).toBe(false);
  });

  it('stops reading an endless chunked body at the bound', async () => {
    let written = 0;
    let closed = false;
    const server = await serve((_request, response) => {
      response.writeHead(200, { 'content-type': 'application/json' });
      const chunk = Buffer.alloc(16 * 1024, 0x20);
      const pump = (): void => {
        // Stop once the client went away, or after 64 MiB so a broken client cannot run forever.
        while (!response.destroyed && written < 64 * 2 ** 20) {
          written += chunk.length;
          if (!response.write(chunk)) {
            response.once('drain', pump);
            return;
          }
        }
      };
      response.on('close', () => {
        closed = true;
      });
      pump();
    });
    const result = await checkHealth(server.url(), { ...OPTIONS, timeoutMs: 5000 });
    expect(result.ok).toBe(false);
    expect(result.error).toBe('body larger than 64 KiB');
    expect(result.timedOut).toBe(false);
    await expect.poll(() => closed, { timeout: 5000 }).toBe(true);
    expect(written).toBeLessThan(64 * 2 ** 20);
  });

  it('reports HTTP 500 even when its body is over the bound', async () => {
    const server = await serve((_request, response) => {
      response.writeHead(500, { 'content-type': 'text/plain' });
      response.end(Buffer.alloc(100 * 1024, 0x41));
    });
    const result = await checkHealth(server.url(), OPTIONS);
    expect(result.error).toBe('HTTP 500');
  });

  it('reuses one keep-alive connection', async () => {
    const server = await serve((_request, response) => sendJson(response, 200, { status: 'ok' }));
    const agent = agentFor(server.url());
    for (let index = 0; index < 5; index++) {
      const result = await checkHealth(server.url(), { ...OPTIONS, agent });
      expect(result.ok).toBe(true);
    }
    expect(server.requests).toBe(5);
    expect(server.connections).toBe(1);
  });

  it('retries once when a reused connection is reset', async () => {
    const served = new WeakSet<object>();
    const server = await serve((request, response) => {
      // The app closes a kept-alive socket as the next request arrives.
      if (served.has(request.socket)) {
        request.socket.destroy();
        return;
      }
      served.add(request.socket);
      sendJson(response, 200, { status: 'ok' });
    });
    const agent = agentFor(server.url());
    expect((await checkHealth(server.url(), { ...OPTIONS, agent })).ok).toBe(true);
    const second = await checkHealth(server.url(), { ...OPTIONS, agent });
    expect(second.ok).toBe(true);
    expect(server.connections).toBe(2);
  });

  it('ignores an agent of the wrong scheme', async () => {
    const server = await serve((_request, response) => sendJson(response, 200, { status: 'ok' }));
    const httpsAgent = agentFor('https://127.0.0.1/');
    const result = await checkHealth(server.url(), { ...OPTIONS, agent: httpsAgent });
    expect(result.ok).toBe(true);
  });

  it('returns check cancelled on abort', async () => {
    const server = await serve(() => {});
    const controller = new AbortController();
    const pending = checkHealth(server.url(), { ...OPTIONS, signal: controller.signal });
    await expect.poll(() => server.requests).toBe(1);
    controller.abort();
    const result = await pending;
    expect(result.ok).toBe(false);
    expect(result.error).toBe('check cancelled');
    expect(result.timedOut).toBe(false);
  });

  it('fails invalid URLs without throwing', async () => {
    expect((await checkHealth('not a url', OPTIONS)).error).toBe('invalid health URL');
    expect((await checkHealth('ftp://127.0.0.1/', OPTIONS)).error).toBe(
      'unsupported scheme ftp: in the health URL',
    );
  });

  it('names a connection closed before a response', async () => {
    const server = await serve((request) => request.socket.destroy());
    const result = await checkHealth(server.url(), OPTIONS);
    expect(result.ok).toBe(false);
    expect(result.error).toBe('connection closed before a response');
  });
});
