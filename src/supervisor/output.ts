import type { Readable } from 'node:stream';
import type { LogFile } from '../logging/log-file.js';

const MAX_TAIL_LINE = 2000;

/**
 * The last bytes a stream produced, kept as raw chunks and split into lines
 * only when a crash report asks, so the hot path costs one array push.
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

  /** The last `count` lines, decoded as UTF-8 (invalid bytes replaced), each cut to 2000 characters. */
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
}

/**
 * Read a child's stdout or stderr continuously, so the child never blocks on
 * a full pipe, and write it to the log file. When the file falls behind, the
 * pipe is paused until the file drains: output is never dropped for speed,
 * and memory stays bounded.
 */
export function pipeOutput(source: Readable, options: OutputPipeOptions): void {
  const lineMode = options.timestamps || options.echo !== undefined;
  let partial = '';

  source.on('data', (chunk: Buffer) => {
    options.tail.push(chunk);

    if (lineMode) {
      const text = partial + chunk.toString('utf8');
      const lines = text.split('\n');
      partial = lines.pop() ?? '';
      if (partial.length > 64 * 1024) {
        lines.push(partial);
        partial = '';
      }
      if (lines.length > 0) writeLines(lines, options, source);
    } else if (options.file !== undefined && !options.file.write(chunk)) {
      pauseUntilDrained(source, options.file);
    }
  });

  source.on('end', () => {
    if (lineMode && partial !== '') writeLines([partial], options, source);
    partial = '';
  });
}

function writeLines(lines: string[], options: OutputPipeOptions, source: Readable): void {
  if (options.echo !== undefined) {
    const prefix = options.prefix ?? '';
    options.echo.write(`${lines.map((line) => prefix + line).join('\n')}\n`);
  }
  if (options.file === undefined) return;
  const time = options.timestamps ? `${new Date().toISOString()} ` : '';
  const text = `${lines.map((line) => time + line).join('\n')}\n`;
  if (!options.file.write(text)) pauseUntilDrained(source, options.file);
}

function pauseUntilDrained(source: Readable, file: LogFile): void {
  source.pause();
  void file.waitForDrain().then(() => source.resume());
}
