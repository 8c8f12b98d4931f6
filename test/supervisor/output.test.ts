import { readdir, readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { configSchema } from '../../src/config/schema/index.js';
import { CrashReporter } from '../../src/crash/report.js';
import { EventBus } from '../../src/events.js';
import { createClassifier } from '../../src/wiring.js';
import { nodeCommand } from '../helpers/fixtures.js';
import { memoryLogger } from '../helpers/logger.js';
import { useSupervisors } from '../helpers/supervisor.js';
import { waitFor } from '../helpers/wait.js';

const suite = useSupervisors();

/** Create a supervisor whose crashes are written as real report files under logs/crash-reports. */
async function setup(
  input: Parameters<typeof suite.setup>[0],
  extra: Parameters<typeof suite.setup>[1] = {},
) {
  const reporterLog = memoryLogger();
  let reporter: CrashReporter | undefined;
  const harness = await suite.setup(
    { restart: { maxRestarts: 0 }, ...input },
    { ...extra, onCrash: (facts) => reporter?.record(facts) },
  );
  const { dir, logDir } = harness;
  const reportDir = path.join(logDir, 'crash-reports');
  const active = new CrashReporter({
    dir: reportDir,
    keep: 10,
    bus: new EventBus(),
    logger: reporterLog.logger,
    classify: createClassifier({
      ...configSchema.parse({ apps: [{ name: input.name, command: ['true'] }] }),
      baseDir: dir,
      source: undefined,
    }),
    context: () => ({ health: null, healthTimedOut: false, cameras: [], memory: null }),
  });
  reporter = active;
  suite.onCleanUp(() => active.flush());
  const out = path.join(logDir, `${input.name}.out.log`);
  const err = path.join(logDir, `${input.name}.err.log`);
  const reports = async () => {
    await active.flush();
    const failed = reporterLog.records.find((record) => record.level >= 50);
    if (failed) throw new Error(`the crash reporter failed: ${JSON.stringify(failed)}`);
    const names = (await readdir(reportDir)).filter((name) => name.endsWith('.json'));
    return Promise.all(
      names.map(async (name) => JSON.parse(await readFile(path.join(reportDir, name), 'utf8'))),
    ) as Promise<Array<{ outputTail: string[] }>>;
  };
  return { ...harness, out, err, reports };
}

async function sizeOf(file: string): Promise<number> {
  return (await stat(file).catch(() => undefined))?.size ?? -1;
}

describe('app output', () => {
  it('writes 100 MB without losing lines', async () => {
    const harness = await setup({
      name: 'flood',
      command: nodeCommand('flood.mjs', '100'),
      restart: { policy: 'on-failure' },
    });
    harness.supervisor.start();
    await harness.recorder.waitFor('app:state', (event) => event.to === 'stopped', 1, 40_000);
    const expected = 100 * 1024 * 1024;
    await waitFor(
      async () => (await sizeOf(harness.out)) === expected,
      '100 MB in the file',
      10_000,
    );

    // Every line is "NNNNNNNNN xxx...\n", 100 bytes, numbered from 0 without a gap.
    const data = await readFile(harness.out);
    let wrong = -1;
    for (let line = 0; line < expected / 100; line++) {
      const offset = line * 100;
      if (
        Number(data.toString('latin1', offset, offset + 9)) !== line ||
        data[offset + 99] !== 0x0a
      ) {
        wrong = line;
        break;
      }
    }
    expect(wrong, 'first line out of order or damaged').toBe(-1);
  }, 60_000);

  it('keeps flowing while logs reopen', async () => {
    const harness = await setup({
      name: 'reopened',
      command: nodeCommand('flood.mjs', '50'),
      restart: { policy: 'on-failure' },
    });
    harness.supervisor.start();
    // A reopen while the pipe waits for the file to drain must not stall it.
    const timer = setInterval(() => harness.supervisor.reopenLogs(), 5);
    try {
      await harness.recorder.waitFor('app:state', (event) => event.to === 'stopped', 1, 30_000);
    } finally {
      clearInterval(timer);
    }
    await harness.supervisor.closeLogs();
    expect(await sizeOf(harness.out)).toBe(50 * 1024 * 1024);
  }, 60_000);

  it('keeps flowing through size rotation', async () => {
    const harness = await setup(
      {
        name: 'rotated',
        command: nodeCommand('flood.mjs', '40'),
        restart: { policy: 'on-failure' },
      },
      { rotation: { maxBytes: 4 * 1024 * 1024, maxFiles: 30 } },
    );
    harness.supervisor.start();
    await harness.recorder.waitFor('app:state', (event) => event.to === 'stopped', 1, 30_000);
    await harness.supervisor.closeLogs();
    const names = (await readdir(harness.logDir)).filter((name) =>
      name.startsWith('rotated.out.log'),
    );
    expect(names.length).toBeGreaterThan(5);
    const sizes = await Promise.all(names.map((name) => sizeOf(path.join(harness.logDir, name))));
    // flood.mjs writes whole 100-byte lines: 419,430 of them for 40 MiB.
    expect(sizes.reduce((sum, size) => sum + size, 0)).toBe(419_430 * 100);
  }, 60_000);

  it('writes redacted JSON records with logs.json', async () => {
    const harness = await setup({
      name: 'recorded',
      command: nodeCommand('secrets.mjs'),
      logs: { json: true },
    });
    harness.supervisor.start();
    await harness.recorder.waitFor('app:fatal');
    const lines = harness.log.records.filter((record) => record.stream !== undefined);
    const streams = new Set(lines.map((record) => record.stream));
    expect(streams).toEqual(new Set(['stdout', 'stderr']));
    expect(lines.every((record) => record.app === 'recorded')).toBe(true);
    expect(lines.some((record) => record.msg.includes('rtsp://admin:***@127.0.0.1/stream'))).toBe(
      true,
    );
    expect(JSON.stringify(lines)).not.toContain('secret@');
    expect(JSON.stringify(lines)).not.toContain('hunter2');
  });

  it('handles output without newlines', async () => {
    const size = 10 * 1024 * 1024;
    const harness = await setup({
      name: 'endless',
      command: nodeCommand('no-newline.mjs', String(size)),
    });
    harness.supervisor.start();
    await harness.recorder.waitFor('app:fatal');
    await waitFor(async () => (await sizeOf(harness.out)) === size, 'every byte in the file');

    const [report] = await harness.reports();
    expect(report!.outputTail).toHaveLength(1);
    expect(report!.outputTail[0]).toBe(`${'x'.repeat(2000)}... (cut)`);
  });

  it('keeps huge lines whole', async () => {
    const harness = await setup({ name: 'huge', command: nodeCommand('huge-line.mjs', '8') });
    harness.supervisor.start();
    await harness.recorder.waitFor('app:fatal');
    const size = 8 * 1024 * 1024 + '\nafter the huge line\n'.length;
    await waitFor(async () => (await sizeOf(harness.out)) === size, 'the huge line in the file');

    const lines = (await readFile(harness.out, 'utf8')).split('\n');
    expect(lines[0]!.startsWith('start yyy')).toBe(true);
    expect(lines[0]!.endsWith('yyy end')).toBe(true);
    expect(lines[1]).toBe('after the huge line');
    const [report] = await harness.reports();
    expect(report!.outputTail.at(-1)).toBe('after the huge line');
    expect(report!.outputTail.every((line) => line.length <= 2000 + '... (cut)'.length)).toBe(true);
  });

  it('writes valid JSON reports for binary junk', async () => {
    const harness = await setup({ name: 'junk', command: nodeCommand('binary-junk.mjs') });
    harness.supervisor.start();
    await harness.recorder.waitFor('app:fatal');
    const [report] = await harness.reports();
    expect(report!.outputTail.length).toBeGreaterThan(0);
    expect(report!.outputTail.join('\n')).toContain('\ufffd');
    // The raw bytes reach the output file unchanged.
    const raw = await readFile(harness.out);
    expect(raw.subarray(0, 4)).toEqual(Buffer.from([0x00, 0xff, 0xfe, 0x1b]));
  });

  it('keeps the last lines before exit', async () => {
    const harness = await setup({
      name: 'last-words',
      command: nodeCommand('last-words.mjs'),
    });
    harness.supervisor.start();
    await harness.recorder.waitFor('app:fatal');
    expect(harness.crashes[0]!.outputTail.at(-1)).toBe('traceback line 299');
  });

  it('redacts camera passwords', async () => {
    const harness = await setup({ name: 'leaky', command: nodeCommand('secrets.mjs') });
    harness.supervisor.start();
    await harness.recorder.waitFor('app:fatal');
    const reports = await harness.reports();
    await harness.supervisor.closeLogs();

    const out = await readFile(harness.out, 'utf8');
    const err = await readFile(harness.err, 'utf8');
    expect(out).toContain('rtsp://admin:***@127.0.0.1/stream');
    for (const text of [out, err, JSON.stringify(reports)]) {
      expect(text).not.toContain('secret@');
      expect(text).not.toContain('hunter2');
    }
  });
});
