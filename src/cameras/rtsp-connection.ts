import { connect, type Socket } from 'node:net';
import { describeNetworkError, ProbeFailure } from './network-errors.js';
import { parseRtspResponse, type RtspResponse } from './rtsp-response.js';

const USER_AGENT = 'crashproof-probe';

interface Waiter {
  resolve(response: RtspResponse): void;
  reject(error: ProbeFailure): void;
}

/**
 * One RTSP client connection, one request at a time. A server that closes
 * the connection after a response (as some do after a 401) gets a new
 * connection on the next request. Aborting `signal` destroys the socket.
 */
export class RtspConnection {
  private socket: Socket | undefined;
  private connecting: Promise<Socket> | undefined;
  private buffer = Buffer.alloc(0);
  private waiter: Waiter | undefined;
  private cseq = 0;
  private answeredOnSocket = 0;

  constructor(
    private readonly host: string,
    private readonly port: number,
    private readonly signal: AbortSignal,
  ) {
    signal.addEventListener('abort', () => this.close(), { once: true });
  }

  async request(
    method: string,
    uri: string,
    headers: Record<string, string> = {},
  ): Promise<RtspResponse> {
    // A server may close right after a response (after a 401, say). A request that races
    // that close on a reused connection fails before any response and goes once more on a new one.
    const reused = this.socket !== undefined && this.answeredOnSocket > 0;
    try {
      return await this.send(method, uri, headers);
    } catch (error) {
      if (!reused || this.buffer.length > 0 || this.signal.aborted) throw error;
      this.close();
      return this.send(method, uri, headers);
    }
  }

  close(): void {
    this.socket?.destroy();
    this.socket = undefined;
  }

  private async send(
    method: string,
    uri: string,
    headers: Record<string, string>,
  ): Promise<RtspResponse> {
    const socket = await this.open();
    this.cseq++;

    const lines = [`${method} ${uri} RTSP/1.0`, `CSeq: ${this.cseq}`, `User-Agent: ${USER_AGENT}`];
    for (const [name, value] of Object.entries(headers)) lines.push(`${name}: ${value}`);

    const answer = new Promise<RtspResponse>((resolve, reject) => {
      this.waiter = { resolve, reject };
    });
    socket.write(`${lines.join('\r\n')}\r\n\r\n`);
    return answer;
  }

  private open(): Promise<Socket> {
    if (this.socket && !this.socket.destroyed) return Promise.resolve(this.socket);
    if (this.connecting) return this.connecting;
    if (this.signal.aborted) return Promise.reject(new ProbeFailure('offline', 'probe cancelled'));

    this.buffer = Buffer.alloc(0);
    this.answeredOnSocket = 0;
    this.connecting = new Promise<Socket>((resolve, reject) => {
      const socket = connect({ host: this.host, port: this.port });
      socket.setNoDelay(true);
      this.socket = socket;

      const onConnectError = (error: Error) => reject(describeNetworkError(error));
      socket.once('error', onConnectError);
      socket.once('connect', () => {
        socket.off('error', onConnectError);
        socket.on('error', (error) => this.fail(describeNetworkError(error)));
        resolve(socket);
      });
      socket.on('data', (chunk: Buffer) => this.onData(chunk));
      // After the server's FIN the socket cannot carry another request.
      socket.on('end', () => {
        if (this.socket === socket) this.socket = undefined;
      });
      socket.on('close', () => this.onClose(socket));
    }).finally(() => {
      this.connecting = undefined;
    });
    return this.connecting;
  }

  private onData(chunk: Buffer): void {
    this.buffer = Buffer.concat([this.buffer, chunk]);
    try {
      const parsed = parseRtspResponse(this.buffer);
      if (!parsed) return;
      this.buffer = this.buffer.subarray(parsed.length);
      this.answeredOnSocket++;
      const waiter = this.waiter;
      this.waiter = undefined;
      waiter?.resolve(parsed.response);
    } catch (error) {
      this.fail(describeNetworkError(error));
      this.close();
    }
  }

  private onClose(socket: Socket): void {
    if (this.socket === socket) this.socket = undefined;
    const detail =
      this.buffer.length === 0
        ? 'connection closed without an RTSP answer'
        : 'connection closed in the middle of an RTSP answer';
    this.fail(new ProbeFailure('offline', detail));
  }

  private fail(error: ProbeFailure): void {
    const waiter = this.waiter;
    this.waiter = undefined;
    waiter?.reject(error);
  }
}
