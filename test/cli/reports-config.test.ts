import { chmod, readdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { runReports } from '../../src/cli/reports.js';
import { collectOutput } from '../status-server/helpers.js';
import { CliHarness, exitOf } from './harness.js';

const harness = new CliHarness();
afterEach(async () => {
  expect(await harness.cleanUp(), 'processes a test left running').toEqual([]);
});

const SECRET = 'hunter2-not-shown';
const ENV = { TAPO_PASSWORD: SECRET };

/**
 * An app that gets its password as an argument, echoes its arguments,
 * prints a coloured line, then binary data with escape sequences (a terminal
 * title, a terminal reset), and exits 1 once it was ready.
 */
const LEAKY_SCRIPT = `#!/bin/sh
echo "started with $*"
printf '\\033[31mERROR\\033[0m camera stream failed\\n'
sleep 0.3
printf '\\211PNG\\r\\n\\032\\n\\000\\000\\000\\rIHDR\\000\\000\\001\\000\\033]0;owned\\007\\033c\\233\\n'
exit 1
`;

/** True when the text contains a character a terminal acts on instead of showing (newline and tab aside). */
function hasRawControl(text: string): boolean {
  return [...text].some((char) => {
    const code = char.charCodeAt(0);
    return (code < 0x20 && code !== 0x0a && code !== 0x09) || (code >= 0x7f && code <= 0x9f);
  });
}

async function leakyApp(): Promise<string> {
  const dir = await harness.temp.make();
  await writeFile(path.join(dir, 'leaky.sh'), LEAKY_SCRIPT);
  await chmod(path.join(dir, 'leaky.sh'), 0o755);
  await writeFile(
    path.join(dir, 'crashproof.yaml'),
    `apps:
  - name: leaky
    command: [./leaky.sh, "--password", "\${TAPO_PASSWORD}", "--api-key=\${TAPO_PASSWORD}"]
    startSeconds: 100ms
    stopTimeout: 500ms
    restart: { delay: 50ms, maxRestarts: 0 }
status: { enabled: false }
`,
  );
  return dir;
}

async function cli(args: string[], dir: string) {
  const run = harness.start(args, dir, ENV);
  const { code } = await exitOf(run);
  return { code, stdout: run.stdout(), stderr: run.stderr() };
}

describe('crashproof config', () => {
  it('redacts secrets in command arguments', async () => {
    const dir = await leakyApp();

    for (const args of [['config'], ['config', '--json']]) {
      const printed = await cli(args, dir);
      expect(printed.code, printed.stderr).toBe(0);
      expect(printed.stdout).not.toContain(SECRET);
      expect(printed.stdout).toContain('--password');
      expect(printed.stdout).toContain('--api-key=***');
    }
  });

  it('--check rejects a missing program or cwd with 78', async () => {
    const dir = await harness.temp.make();
    const config = path.join(dir, 'crashproof.yaml');
    const app = (lines: string[]) =>
      `apps:\n  - name: cam\n${lines.map((line) => `    ${line}\n`).join('')}`;

    await writeFile(config, app(['command: [./no-such-program-x1]']));
    const missingProgram = await cli(['config', '--check'], dir);
    expect(missingProgram.code).toBe(78);
    expect(missingProgram.stdout).not.toContain('configuration is valid');
    expect(missingProgram.stderr).toContain(
      'apps[0] (cam): command "./no-such-program-x1" not found',
    );

    await writeFile(config, app(['command: [/bin/sh, -c, "sleep 1"]', 'cwd: no-such-dir']));
    const missingCwd = await cli(['config', '--check'], dir);
    expect(missingCwd.code).toBe(78);
    expect(missingCwd.stderr).toContain(
      `working directory ${path.join(dir, 'no-such-dir')} does not exist`,
    );

    await writeFile(config, app(['command: [/bin/sh, -c, "sleep 1"]']));
    const valid = await cli(['config', '--check'], dir);
    expect(valid.code, valid.stderr).toBe(0);
    expect(valid.stdout).toContain('configuration is valid');
  });
});

describe('crash reports of a leaky app', () => {
  it('hide argument secrets and print no raw control characters', async () => {
    const dir = await leakyApp();
    const run = await cli(['run', '--no-status'], dir);
    expect(run.code, run.stderr).toBe(1);

    const reportDir = path.join(dir, 'logs', 'crash-reports');
    const name = (await readdir(reportDir)).find((file) => file.startsWith('leaky-'));
    expect(name).toBeDefined();
    const text = await readFile(path.join(reportDir, name!), 'utf8');
    expect(text).not.toContain(SECRET);
    const report = JSON.parse(text) as Record<string, unknown>;
    expect(report.command).toEqual(['./leaky.sh', '--password', '***', '--api-key=***']);
    expect(report.evidence).toBe('ERROR camera stream failed');
    expect(report.outputTail).toContain('started with --password *** --api-key=***');

    const list = await cli(['reports'], dir);
    const show = await cli(['reports', 'show', path.basename(name!, '.json')], dir);
    const json = await cli(['reports', 'show', path.basename(name!, '.json'), '--json'], dir);
    for (const output of [list, show, json]) {
      expect(output.code, output.stderr).toBe(0);
      expect(output.stdout).not.toContain(SECRET);
      expect(hasRawControl(output.stdout), output.stdout).toBe(false);
    }
    expect(show.stdout).toContain('./leaky.sh --password *** --api-key=***');
    expect(show.stdout).toMatch(/evidence:\s+ERROR camera stream failed\n/);
    // The title sequence is dropped and the terminal reset (ESC c) escaped.
    expect(show.stdout).toContain('IHDR\\x00\\x00\\x01\\x00\\x1bc');
    expect(show.stdout).not.toContain('owned');
  });
});

describe('reports of an older writer', () => {
  it('print safely in every format', async () => {
    const dir = await harness.temp.make();
    const raw = '\u001b]0;owned\u0007\u001b[2J\u009b\u007f';
    const report = {
      version: 1,
      id: 'cam-2026-12-04T21-30-00.000Z',
      kind: 'crash',
      app: `cam${raw}`,
      time: '2026-12-04T21:30:00.000Z',
      category: 'unknown',
      evidence: `bad ${raw}`,
      command: ['./cam.sh', '--token', SECRET],
      outputTail: [`line ${raw}`],
    };
    await writeFile(path.join(dir, `${report.id}.json`), JSON.stringify(report));

    for (const args of [
      { action: 'list' as const },
      { action: 'stats' as const },
      { action: 'show' as const, id: report.id },
      { action: 'list' as const, json: true },
      { action: 'show' as const, id: report.id, json: true },
    ]) {
      const stdout = collectOutput();
      const stderr = collectOutput();
      expect(await runReports(dir, args, { stdout, stderr }), stderr.text()).toBe(0);
      expect(stdout.text()).not.toContain(SECRET);
      expect(hasRawControl(stdout.text()), JSON.stringify(args)).toBe(false);
    }
  });
});
