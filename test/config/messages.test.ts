import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ConfigError, describeValue, formatProblems } from '../../src/config/errors.js';
import { loadConfig } from '../../src/config/load.js';
import { TempDirs } from '../helpers/temp.js';

const temp = new TempDirs();
afterEach(() => temp.removeAll());

/** Load a file and return its problems by key, with the file name left out. */
async function problemsByKey(text: string) {
  const dir = await temp.make();
  const file = path.join(dir, 'crashproof.yaml');
  await writeFile(file, text);
  const error = await loadConfig({ configPath: file, cwd: '/', env: {} }).catch(
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(ConfigError);
  const problems = (error as ConfigError).problems.map((problem) => ({
    ...problem,
    source: problem.source.replace(`${file}: `, ''),
  }));
  return { problems, text: (error as ConfigError).message, byKey: keyed(problems) };
}

function keyed<T extends { source: string }>(problems: T[]): Record<string, T> {
  return Object.fromEntries(problems.map((problem) => [problem.source, problem]));
}

describe('messages for the schema built-in checks', () => {
  it('phrase built-in checks as accepted values', async () => {
    const { byKey, text } = await problemsByKey(`
apps:
  - command: [python3]
    port: abc
    env: { A: 1 }
    restart: { maxRestarts: 1.5, multiplier: 20 }
    logs: { stdout: 3, console: sometimes }
    autostart: "yes"
    startConditions: {}
logging: { level: loud }
crashRules: [{ pattern: "", category: unknown, hint: x }]
`);
    expect(byKey['apps[0].name']).toEqual({
      source: 'apps[0].name',
      message: 'missing: this key is required',
    });
    expect(byKey['apps[0].port']).toEqual({
      source: 'apps[0].port',
      message: 'expected a number',
      value: 'abc',
    });
    expect(byKey['apps[0].env.A']!.message).toBe('expected a string');
    expect(byKey['apps[0].restart.maxRestarts']!.message).toBe('expected a whole number');
    expect(byKey['apps[0].restart.multiplier']!.message).toBe('must be at most 10');
    expect(byKey['apps[0].logs.stdout']!.message).toBe('expected a string or false');
    expect(byKey['apps[0].logs.console']!.message).toBe(
      'expected one of "auto", "always", "never"',
    );
    expect(byKey['apps[0].autostart']!.message).toBe('expected true or false');
    expect(byKey['apps[0].startConditions']!.message).toBe('expected a list');
    expect(byKey['logging.level']!.message).toMatch(/^expected one of "trace", "debug", /);
    expect(byKey['crashRules[0].pattern']!.message).toBe('must not be empty');

    expect(text).toContain('apps[0].port: expected a number, got "abc" (string)');
    expect(text).toContain('apps[0].name: missing: this key is required\n');
    expect(text).not.toMatch(/Invalid input|received/);
  });

  it('keeps messages the schema sets', async () => {
    const { byKey } = await problemsByKey('apps: []\n');
    expect(byKey.apps!.message).toBe('list at least one app under "apps"');
  });
});

describe('redaction in problem messages', () => {
  it('redacts invalid camera URL password', async () => {
    const { byKey, text } = await problemsByKey(`
apps: [{ name: web, command: [python3] }]
cameras:
  - name: door
    url: "ftp://admin:hunter2-and-a-long-tail-past-eighty-characters@127.0.0.1:21/stream/one"
`);
    expect(byKey['cameras[0].url']!.value).toMatch(/hunter2/);
    expect(text).toContain('cameras[0].url: unsupported camera URL scheme');
    expect(text).toContain('got "ftp://admin:***@127.0.0.1:21/');
    expect(text).not.toContain('hunter2');
  });

  it('redacts values before shortening', () => {
    const url = `rtsp://admin:hunter2@127.0.0.1:554/${'x'.repeat(100)}`;
    expect(describeValue(url)).toMatch(
      /^"rtsp:\/\/admin:\*\*\*@127\.0\.0\.1:554\/x+\.\.\. \(string\)$/,
    );
    // Cut at 80 characters first, this one would lose its "@" and keep its password.
    const longPassword = `rtsp://admin:${'p'.repeat(90)}@127.0.0.1/stream`;
    expect(describeValue(longPassword)).toBe('"rtsp://admin:***@127.0.0.1/stream" (string)');
    expect(describeValue({ password: 'hunter2', port: 'x' })).toBe(
      '{"password":"***","port":"x"} (object)',
    );
  });

  it('redacts secrets in messages too', () => {
    const text = formatProblems([
      { source: 'flag --health-url', message: 'bad URL http://u:hunter2@127.0.0.1/health' },
    ]);
    expect(text).toContain('http://u:***@127.0.0.1/health');
    expect(text).not.toContain('hunter2');
  });
});
