import { readdir, readFile, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { fixture } from '../helpers/fixtures.js';
import { CliHarness, exitOf } from './harness.js';

const harness = new CliHarness();
afterEach(async () => {
  expect(await harness.cleanUp(), 'processes a test left running').toEqual([]);
});

/** List every file under dir, recursively. */
async function filesUnder(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  return entries
    .filter((entry) => entry.isFile())
    .map((entry) => path.join(entry.parentPath, entry.name));
}

describe('crash reports', () => {
  it('are complete, atomic, pruned and redacted', async () => {
    const dir = await harness.temp.make();
    const reportDir = path.join(dir, 'logs', 'crash-reports');
    await writeFile(
      path.join(dir, 'crashproof.yaml'),
      `apps:
  - name: cam
    command: ${JSON.stringify([process.execPath, fixture('secrets.mjs')])}
    startSeconds: 50ms
    stopTimeout: 500ms
    restart: { delay: 50ms, maxRestarts: 4 }
    env:
      CAMERA_PASSWORD: hunter2
      CAMERA_URL: rtsp://admin:secret@127.0.0.1/stream
reports: { keep: 3 }
status: { enabled: false }
`,
    );
    const run = harness.start(['run'], dir);

    // Read every report file as soon as it appears: none may ever be partial.
    const invalid: string[] = [];
    const seen = new Set<string>();
    let done = false;
    const exited = exitOf(run).finally(() => (done = true));
    while (!done) {
      for (const name of await readdir(reportDir).catch(() => [] as string[])) {
        if (!name.endsWith('.json') || name.startsWith('.')) continue;
        const text = await readFile(path.join(reportDir, name), 'utf8').catch(() => undefined);
        if (text === undefined) continue; // pruned meanwhile
        seen.add(name);
        try {
          JSON.parse(text);
        } catch {
          invalid.push(`${name}: ${text.slice(0, 80)}`);
        }
      }
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
    expect((await exited).code).toBe(1);
    expect(invalid).toEqual([]);

    // Five crashes and one summary were written; three files are kept.
    const names = (await readdir(reportDir)).sort();
    expect(names.filter((name) => name.startsWith('.') || name.endsWith('.tmp'))).toEqual([]);
    expect(names).toHaveLength(3);
    for (const name of [...seen, ...names]) expect(name).not.toContain(':');
    expect([...seen].filter((name) => name.startsWith('cam-')).length).toBeGreaterThanOrEqual(3);

    const reports = await Promise.all(
      names.map(async (name) => JSON.parse(await readFile(path.join(reportDir, name), 'utf8'))),
    );
    const summary = reports.find((report) => report.kind === 'summary');
    expect(summary).toMatchObject({ version: 1, reason: 'runner stopped: cam is fatal' });
    expect(summary.apps).toEqual([
      expect.objectContaining({ name: 'cam', state: 'fatal', crashes: 5, restartsTotal: 4 }),
    ]);
    const fatal = reports.find((report) => report.kind === 'crash' && report.fatal === true);
    expect(fatal).toEqual({
      version: 1,
      id: expect.stringMatching(/^cam-\d{4}-\d\d-\d\dT\d\d-\d\d-\d\d\.\d{3}Z$/),
      kind: 'crash',
      app: 'cam',
      time: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/),
      pid: expect.any(Number),
      exitCode: 1,
      signal: null,
      uptimeMs: expect.any(Number),
      duringStart: expect.any(Boolean),
      cause: expect.stringMatching(/^(crash|start-failure)$/),
      reason: expect.stringContaining('exit code 1'),
      attempt: 4,
      nextDelayMs: null,
      fatal: true,
      command: [process.execPath, fixture('secrets.mjs')],
      cwd: dir,
      stateBefore: expect.stringMatching(/^(starting|running)$/),
      category: expect.any(String),
      hint: expect.any(String),
      evidence: expect.toSatisfy((value: unknown) => value === null || typeof value === 'string'),
      ruleId: expect.any(String),
      outputTail: expect.arrayContaining([
        'connecting to rtsp://admin:***@127.0.0.1/stream',
        'login with password=*** for the doorbell',
      ]),
      health: null,
      cameras: [],
      memory: expect.toSatisfy((value: unknown) => value === null || typeof value === 'object'),
      survivors: [],
      host: {
        hostname: os.hostname(),
        platform: 'linux',
        release: os.release(),
        node: process.version,
        runnerPid: run.pid,
      },
    });
    expect(fatal.id).toBe(path.basename(names.find((name) => name.startsWith(fatal.id))!, '.json'));

    // No secret in any file the runner wrote.
    for (const file of await filesUnder(path.join(dir, 'logs'))) {
      const text = await readFile(file, 'utf8');
      expect(text, file).not.toContain('hunter2');
      expect(text, file).not.toContain(':secret@');
    }
  });
});
