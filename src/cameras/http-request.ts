import { request as httpRequestRaw, type IncomingHttpHeaders } from 'node:http';
import { request as httpsRequestRaw } from 'node:https';
import { describeNetworkError } from './network-errors.js';

export interface HttpRequestOptions {
  tls: boolean;
  host: string;
  port: number;
  path: string;
  method: string;
  headers?: Record<string, string>;
  body?: string;
  signal: AbortSignal;
  /** Body bytes kept; past them the connection is closed and the response marked truncated. */
  maxBodyBytes: number;
  /** Verify the server's certificate (HTTPS only). */
  verifyTls: boolean;
}

export interface HttpAnswer {
  status: number;
  headers: IncomingHttpHeaders;
  body: string;
  truncated: boolean;
}

/**
 * Send one HTTP(S) request and read a bounded body, without redirects or
 * keep-alive. Rejects with a ProbeFailure in plain words.
 */
export function httpRequest(options: HttpRequestOptions): Promise<HttpAnswer> {
  return new Promise<HttpAnswer>((resolve, reject) => {
    const send = options.tls ? httpsRequestRaw : httpRequestRaw;
    const request = send({
      host: options.host,
      port: options.port,
      path: options.path,
      method: options.method,
      headers: { Connection: 'close', 'User-Agent': 'crashproof-probe', ...options.headers },
      signal: options.signal,
      agent: false,
      rejectUnauthorized: options.verifyTls,
    });

    request.on('error', (error) => reject(describeNetworkError(error)));
    request.on('response', (response) => {
      const chunks: Buffer[] = [];
      let kept = 0;
      const finish = (truncated: boolean) => {
        resolve({
          status: response.statusCode ?? 0,
          headers: response.headers,
          body: Buffer.concat(chunks).toString('utf8'),
          truncated,
        });
        if (truncated) request.destroy();
      };

      // A status check needs no body, and an MJPEG stream would never end.
      if (options.maxBodyBytes === 0) {
        finish(true);
        return;
      }
      response.on('data', (chunk: Buffer) => {
        const room = options.maxBodyBytes - kept;
        chunks.push(chunk.subarray(0, room));
        kept += Math.min(chunk.length, room);
        if (chunk.length > room) finish(true);
      });
      response.on('error', (error) => reject(describeNetworkError(error)));
      response.on('end', () => finish(false));
    });

    request.end(options.body);
  });
}
