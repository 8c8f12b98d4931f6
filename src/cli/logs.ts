import { open, readdir, stat } from 'node:fs/promises';
import path from 'node:path';

export interface LogsOptions {
  follow?: boolean;
  lines?: number;
  /** Stop following when this aborts (tests, Ctrl+C). */
  signal?: AbortSignal;
}

const READ_BACK_BYTES = 1024 * 1024;

/** `crashproof logs [NAME] [-f] [-n N]`: the last lines of app output, then new lines as they come. */
export async function logsCommand(
  logDir: string,
  app: string | undefined,
  options: LogsOptions,
  out: NodeJS.WritableStream = process.stdout,
): Promise<number> {
  const files = await outputFiles(logDir, app);
  if (files.length === 0) {
    out.write(
      app === undefined
        ? `no app output files in ${logDir}\n`
        : `no output files for app "${app}" in ${logDir} (expected ${app}.out.log or ${app}.err.log)\n`,
    );
    return 1;
  }
  const count = options.lines ?? 20;
  const offsets = new Map<string, number>();
  for (const file of files) {
    const { lines, size } = await lastLines(file, count);
    offsets.set(file, size);
    const label = path.basename(file, '.log');
    out.write(`==> ${file} <==\n`);
    for (const line of lines) out.write(`${label} | ${line}\n`);
  }
  if (!options.follow) return 0;

  const partial = new Map<string, string>();
  while (!options.signal?.aborted) {
    for (const file of files) {
      const size = (await stat(file).catch(() => undefined))?.size ?? 0;
      let offset = offsets.get(file) ?? 0;
      if (size < offset) offset = 0; // truncated or rotated: start over
      if (size > offset) {
        const text = (partial.get(file) ?? '') + (await readRange(file, offset, size));
        const lines = text.split('\n');
        partial.set(file, lines.pop() ?? '');
        const label = path.basename(file, '.log');
        for (const line of lines) out.write(`${label} | ${line}\n`);
      }
      offsets.set(file, size);
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  return 0;
}

async function outputFiles(logDir: string, app: string | undefined): Promise<string[]> {
  const names = await readdir(logDir).catch(() => [] as string[]);
  const wanted = names.filter((name) =>
    app === undefined
      ? /\.(out|err)\.log$/.test(name)
      : name === `${app}.out.log` || name === `${app}.err.log`,
  );
  return wanted.sort().map((name) => path.join(logDir, name));
}

async function lastLines(file: string, count: number): Promise<{ lines: string[]; size: number }> {
  const size = (await stat(file)).size;
  const start = Math.max(0, size - READ_BACK_BYTES);
  const text = await readRange(file, start, size);
  const lines = text.split('\n');
  if (lines[lines.length - 1] === '') lines.pop();
  if (start > 0) lines.shift(); // first line is probably cut
  // slice(-0) would return every line.
  return { lines: count === 0 ? [] : lines.slice(-count), size };
}

async function readRange(file: string, start: number, end: number): Promise<string> {
  const handle = await open(file, 'r');
  try {
    const buffer = Buffer.alloc(end - start);
    await handle.read(buffer, 0, buffer.length, start);
    return buffer.toString('utf8');
  } finally {
    await handle.close();
  }
}
