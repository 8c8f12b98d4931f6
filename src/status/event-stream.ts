import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Logger } from 'pino';
import { redactDeep } from '../crash/redact.js';
import type { EventBus, EventMap, EventName } from '../events.js';
import { COMMON_HEADERS, HttpError } from './http.js';

/** Events the stream forwards; the dashboard and `status --watch` redraw on them. */
export const STREAMED_EVENTS = [
  'app:state',
  'health:state',
  'crash:report',
  'camera:state',
  'app:restart-scheduled',
] as const satisfies readonly EventName[];

export interface EventStreamOptions {
  maxClients: number;
  /** Bytes queued for one client before it is dropped as too slow. */
  bufferBytes: number;
  heartbeatMs: number;
  logger: Logger;
}

interface Client {
  res: ServerResponse;
  remote: string;
}

/** Events kept for clients that reconnect with Last-Event-ID. */
const REPLAY_EVENTS = 256;
const DROP_WARNING_INTERVAL_MS = 10_000;

/**
 * Server-sent events from the runner's bus. Each event is serialised once
 * and written to every client. A client whose unsent bytes pass
 * `bufferBytes` (it stopped reading) is disconnected, so one stuck browser
 * tab cannot make the runner's memory grow.
 */
export class EventStream {
  private readonly clients = new Set<Client>();
  private readonly replay: Array<{ id: number; chunk: Buffer }> = [];
  private readonly unsubscribe: Array<() => void> = [];
  private readonly heartbeat: NodeJS.Timeout;
  private nextId = 1;
  private lastDropWarning = Number.NEGATIVE_INFINITY;
  private closed = false;
  /** Clients disconnected because their buffer filled up. */
  droppedClients = 0;
  eventsSent = 0;

  constructor(
    bus: EventBus,
    private readonly options: EventStreamOptions,
  ) {
    for (const name of STREAMED_EVENTS) {
      this.unsubscribe.push(bus.on(name, (payload) => this.publish(name, payload)));
    }
    this.heartbeat = setInterval(() => this.sendHeartbeat(), options.heartbeatMs);
    this.heartbeat.unref();
  }

  get clientCount(): number {
    return this.clients.size;
  }

  /** Take over a GET /api/events request: send the headers and keep the response open. */
  accept(req: IncomingMessage, res: ServerResponse): void {
    if (this.closed) throw new HttpError(503, 'shutting down', 'the runner is stopping');
    if (this.clients.size >= this.options.maxClients) {
      throw new HttpError(
        503,
        'too many event-stream clients',
        `${this.clients.size} clients are connected, the limit is status.events.maxClients = ${this.options.maxClients}`,
        { 'Retry-After': '10' },
      );
    }
    res.writeHead(200, {
      ...COMMON_HEADERS,
      'Content-Type': 'text/event-stream; charset=utf-8',
      Connection: 'keep-alive',
      // Reverse proxies (nginx) would otherwise buffer the stream.
      'X-Accel-Buffering': 'no',
    });
    req.socket.setNoDelay(true);
    req.socket.setKeepAlive(true, this.options.heartbeatMs);
    const client: Client = { res, remote: `${req.socket.remoteAddress}:${req.socket.remotePort}` };
    this.clients.add(client);
    res.on('close', () => this.clients.delete(client));

    this.write(client, Buffer.from(`retry: 2000\n: connected\n\n`));
    this.replaySince(client, req.headers['last-event-id']);
  }

  /** Forward one bus event to every client. */
  publish<K extends EventName>(name: K, payload: EventMap[K]): void {
    if (this.closed) return;
    const id = this.nextId++;
    const data = JSON.stringify({ ...redactDeep(payload), at: new Date().toISOString() });
    const chunk = Buffer.from(`id: ${id}\nevent: ${name}\ndata: ${data}\n\n`);
    this.replay.push({ id, chunk });
    if (this.replay.length > REPLAY_EVENTS) this.replay.shift();
    for (const client of this.clients) {
      if (this.write(client, chunk)) this.eventsSent++;
    }
  }

  /** End every stream; clients see the connection close. */
  close(): void {
    this.closed = true;
    clearInterval(this.heartbeat);
    for (const off of this.unsubscribe) off();
    for (const client of this.clients) client.res.end();
    this.clients.clear();
  }

  private replaySince(client: Client, header: string | string[] | undefined): void {
    const lastId = Number(Array.isArray(header) ? header[0] : header);
    if (!Number.isInteger(lastId) || lastId <= 0) return;
    const oldest = this.replay[0]?.id ?? this.nextId;
    if (lastId + 1 < oldest) {
      // Events were missed beyond the replay buffer: tell the client to fetch the whole status.
      this.write(client, Buffer.from(`event: resync\ndata: {}\n\n`));
      return;
    }
    for (const entry of this.replay) if (entry.id > lastId) this.write(client, entry.chunk);
  }

  private sendHeartbeat(): void {
    const chunk = Buffer.from(`: heartbeat ${new Date().toISOString()}\n\n`);
    for (const client of this.clients) this.write(client, chunk);
  }

  /** Queue a chunk for a client, or drop the client when its buffer would pass the limit. */
  private write(client: Client, chunk: Buffer): boolean {
    const { res } = client;
    if (res.destroyed || res.writableEnded) return false;
    if (res.writableLength + chunk.length > this.options.bufferBytes) {
      this.droppedClients++;
      this.clients.delete(client);
      res.destroy();
      // Many clients can stall at once (a suspended laptop); one line per 10 s is enough.
      const now = performance.now();
      if (now - this.lastDropWarning < DROP_WARNING_INTERVAL_MS) return false;
      this.lastDropWarning = now;
      this.options.logger.warn(
        {
          client: client.remote,
          queuedBytes: res.writableLength,
          limitBytes: this.options.bufferBytes,
          dropped: this.droppedClients,
        },
        'dropped a slow event-stream client: it stopped reading and its buffer is full',
      );
      return false;
    }
    res.write(chunk);
    return true;
  }
}
