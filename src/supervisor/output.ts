import type { Readable } from 'node:stream';
import { mayContainSecret, redactText } from '../crash/redact.js';
import type { LogFile } from '../logging/log-file.js';

const MAX_TAIL_LINE = 2000;

/**
 * The last bytes a stream produced, kept as raw chunks and split into lines
 * only when a crash report requests them, so the hot path costs one array push.
 */
export class OutputTail {
  private chunks: Buffer[] = [];
  private bytes = 0;

  constructor(private readonly maxBytes: number) {}

  push(chunk: Buffer): void {
    if (this.maxBytes === 0) return;
    this.chunks.push(chunk);
    this.bytes += chunk.length;
    while (this.bytes - (this.chunks[0]?.length ?? 0) >= this.maxBytes && this.chunks.length > 1) {
      this.bytes -= this.chunks.shift()!.length;
    }
  }

  /** Return the last `count` lines, decoded as UTF-8 (invalid bytes replaced), each cut to 2000 characters. */
  lines(count: number): string[] {
    if (count === 0 || this.chunks.length === 0) return [];
    let buffer = Buffer.concat(this.chunks);
    if (buffer.length > this.maxBytes) buffer = buffer.subarray(buffer.length - this.maxBytes);
    const text = buffer.toString('utf8').replace(/\r\n?/g, '\n');
    const lines = text.split('\n');
    if (lines[lines.length - 1] === '') lines.pop();
    return lines
      .slice(-count)
      .map((line) =>
        line.length > MAX_TAIL_LINE ? `${line.slice(0, MAX_TAIL_LINE)}... (cut)` : line,
      );
  }

  clear(): void {
    this.chunks = [];
    this.bytes = 0;
  }
}

/** Options of one output stream of a child. */
export interface OutputPipeOptions {
  file: LogFile | undefined;
  tail: OutputTail;
  /** Also write lines to this stream (the runner's console), prefixed. */
  echo?: NodeJS.WritableStream;
  prefix?: string;
  timestamps: boolean;
  /** Called with each redacted line, for JSON records in the runner's log (logs.json). */
  onLine?: (line: string) => void;
}

/** A partial line longer than this is written without waiting for its newline. */
const MAX_PARTIAL_LINE = 64 * 1024;

/**
 * Read a child's stdout or stderr continuously, so the child never blocks on
 * a full pipe, and write it to the log file with secrets redacted (camera
 * URLs carry passwords). When the file falls behind, the pipe is paused until
 * the file drains: output is never dropped for speed, and memory stays bounded.
 */
export function pipeOutput(source: Readable, options: OutputPipeOptions): void {
  const lines = new CompleteLines(MAX_PARTIAL_LINE);

  source.on('data', (chunk: Buffer) => {
    options.tail.push(chunk);
    const block = lines.push(chunk);
    if (block !== undefined) writeBlock(block, options, source);
  });

  source.on('end', () => {
    const rest = lines.rest();
    if (rest !== undefined) writeBlock(rest, options, source);
  });
}

/**
 * Line splitter for a byte stream: each block ends at a newline, so redaction
 * gets whole lines even when a secret is split across two reads. A partial
 * line past maxPartial is passed on as it is, which bounds memory for a child
 * that never prints a newline.
 */
export class CompleteLines {
  private partial: Buffer[] = [];
  private partialBytes = 0;

  constructor(private readonly maxPartial: number) {}

  /** Return the complete lines this chunk finishes, or undefined while a line is still open. */
  push(chunk: Buffer): Buffer | undefined {
    const newline = chunk.lastIndexOf(0x0a);
    if (newline < 0) {
      this.partial.push(chunk);
      this.partialBytes += chunk.length;
      return this.partialBytes > this.maxPartial ? this.rest() : undefined;
    }
    const head = chunk.subarray(0, newline + 1);
    const block = this.partial.length === 0 ? head : Buffer.concat([...this.partial, head]);
    const tail = chunk.subarray(newline + 1);
    this.partial = tail.length > 0 ? [tail] : [];
    this.partialBytes = tail.length;
    return block;
  }

  /** Return what is buffered, at the end of the stream. */
  rest(): Buffer | undefined {
    if (this.partialBytes === 0) return undefined;
    const block = Buffer.concat(this.partial);
    this.partial = [];
    this.partialBytes = 0;
    return block;
  }
}

/**
 * Redact secrets in a block of output. A block without secrets is returned
 * unchanged, so binary output reaches the file byte for byte. A block with
 * secrets is re-encoded as UTF-8, and its invalid bytes become U+FFFD.
 */
export function redactOutput(block: Buffer): Buffer {
  const text = block.toString('utf8');
  // Most output contains no secret, and mayContainSecret rules that out fast.
  if (!mayContainSecret(text)) return block;
  const redacted = redactText(text);
  return redacted === text ? block : Buffer.from(redacted, 'utf8');
}

function writeBlock(block: Buffer, options: OutputPipeOptions, source: Readable): void {
  const clean = redactOutput(block);
  if (options.echo === undefined && !options.timestamps && options.onLine === undefined) {
    if (options.file !== undefined && !options.file.write(clean))
      pauseUntilDrained(source, options.file);
    return;
  }

  const lines = clean.toString('utf8').split('\n');
  if (lines[lines.length - 1] === '') lines.pop();
  if (options.echo !== undefined) {
    const prefix = options.prefix ?? '';
    options.echo.write(`${lines.map((line) => prefix + line).join('\n')}\n`);
  }
  if (options.onLine !== undefined) for (const line of lines) options.onLine(line);
  if (options.file === undefined) return;
  const time = options.timestamps ? `${new Date().toISOString()} ` : '';
  const text = `${lines.map((line) => time + line).join('\n')}\n`;
  if (!options.file.write(text)) pauseUntilDrained(source, options.file);
}

function pauseUntilDrained(source: Readable, file: LogFile): void {
  source.pause();
  void file.waitForDrain().then(() => source.resume());
}
