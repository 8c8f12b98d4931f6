import http from 'node:http';
import { pollFor } from './helpers.js';

export interface ServerSentEvent {
  id: string | undefined;
  event: string;
  data: Record<string, unknown>;
}

/** A minimal text/event-stream reader over node:http, enough to check what the server sends. */
export class SseClient {
  readonly events: ServerSentEvent[] = [];
  readonly comments: string[] = [];
  status = 0;
  closed = false;
  private request: http.ClientRequest | undefined;
  private buffer = '';

  static async connect(url: string, headers: Record<string, string> = {}): Promise<SseClient> {
    const client = new SseClient();
    await new Promise<void>((resolve, reject) => {
      client.request = http.get(`${url}/api/events`, { headers }, (res) => {
        client.status = res.statusCode ?? 0;
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => client.feed(chunk));
        res.on('close', () => {
          client.closed = true;
        });
        resolve();
      });
      client.request.on('error', reject);
    });
    return client;
  }

  /** Wait for an event of that name matching `match`, and return it. */
  waitFor(
    event: string,
    match: (data: Record<string, unknown>) => boolean = () => true,
    timeoutMs = 10_000,
  ): Promise<ServerSentEvent> {
    return pollFor(
      () => this.events.find((item) => item.event === event && match(item.data)),
      `event ${event} on the stream`,
      timeoutMs,
    );
  }

  close(): void {
    this.request?.destroy();
  }

  private feed(chunk: string): void {
    this.buffer += chunk;
    for (;;) {
      const end = this.buffer.indexOf('\n\n');
      if (end === -1) return;
      const block = this.buffer.slice(0, end);
      this.buffer = this.buffer.slice(end + 2);
      this.parse(block);
    }
  }

  private parse(block: string): void {
    let id: string | undefined;
    let event = 'message';
    const data: string[] = [];
    for (const line of block.split('\n')) {
      if (line.startsWith(':')) this.comments.push(line.slice(1).trim());
      else if (line.startsWith('id: ')) id = line.slice(4);
      else if (line.startsWith('event: ')) event = line.slice(7);
      else if (line.startsWith('data: ')) data.push(line.slice(6));
    }
    if (data.length > 0)
      this.events.push({ id, event, data: JSON.parse(data.join('\n')) as Record<string, unknown> });
  }
}
