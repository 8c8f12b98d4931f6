import { spawnSync } from 'node:child_process';
import { chmod, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ConfigError } from '../../src/config/errors.js';
import { loadConfig, MAX_CONFIG_FILE_BYTES } from '../../src/config/load.js';
import { CLI, runCli } from '../helpers/cli.js';
import { TempDirs } from '../helpers/temp.js';

const temp = new TempDirs();
afterEach(() => temp.removeAll());

async function configFile(text: string | Buffer): Promise<string> {
  const dir = await temp.make();
  const file = path.join(dir, 'crashproof.yaml');
  await writeFile(file, text);
  return file;
}

async function loadError(file: string): Promise<ConfigError> {
  const error = await loadConfig({ configPath: file, cwd: '/', env: {} }).catch(
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(ConfigError);
  return error as ConfigError;
}

/** Ten levels of nine aliases each: 9^10 strings once expanded. */
function aliasBomb(): string {
  const lines = ['a0: &a0 [x, x, x, x, x, x, x, x, x]'];
  for (let level = 1; level <= 10; level++) {
    const previous = `*a${level - 1}`;
    lines.push(`a${level}: &a${level} [${Array(9).fill(previous).join(', ')}]`);
  }
  lines.push('apps: [{ name: web, command: [python3] }]');
  return `${lines.join('\n')}\n`;
}

describe('hostile or broken files', () => {
  it('reports alias bomb as problem', async () => {
    const error = await loadError(await configFile(aliasBomb()));
    expect(error.problems).toEqual([
      {
        source: expect.stringMatching(/crashproof\.yaml$/),
        message: expect.stringMatching(/^YAML aliases expand too far \(.*\): write the values out/),
      },
    ]);
  });

  it('expands ordinary aliases', async () => {
    const file = await configFile(
      'defaults: &restart { delay: 50ms }\napps: [{ name: web, command: [python3], restart: *restart }]\n',
    );
    const error = await loadError(file);
    // The alias worked: only the unknown top-level key is left.
    expect(error.problems.map((problem) => problem.source)).toEqual([`${file}: defaults`]);
  });

  it('CLI exits 78 on alias bomb', async () => {
    const file = await configFile(aliasBomb());
    const result = await runCli(['config', '--check', '--config', file], {
      cwd: path.dirname(file),
    });
    expect(result.code).toBe(78);
    expect(result.stderr).toContain('YAML aliases expand too far');
    expect(result.stderr).not.toMatch(/\n\s+at /);
  });

  it('rejects files over 1 MiB', async () => {
    const body = 'apps: [{ name: web, command: [python3] }]\n';
    const padding = (bytes: number) => `#${'x'.repeat(bytes - 2)}\n`;
    const exact = await configFile(body + padding(MAX_CONFIG_FILE_BYTES - body.length));
    const { config } = await loadConfig({ configPath: exact, cwd: '/', env: {} });
    expect(config.apps[0]!.name).toBe('web');

    const over = await configFile(body + padding(MAX_CONFIG_FILE_BYTES - body.length + 1));
    const error = await loadError(over);
    expect(error.problems[0]!.message).toMatch(/^the file is larger than 1 MiB \(1048576 bytes\)/);
  });

  it('rejects a 64 MiB file by size', async () => {
    const file = await configFile(Buffer.alloc(64 * 2 ** 20, 0x23));
    const error = await loadError(file);
    expect(error.problems).toHaveLength(1);
    expect(error.problems[0]!.message).toMatch(/larger than 1 MiB/);
  });

  it('names line and column of syntax error', async () => {
    const file = await configFile('apps:\n  - name: web\n    command: [a\n  foo: 1\n');
    const error = await loadError(file);
    for (const problem of error.problems) {
      expect(problem.message).toMatch(
        /^YAML syntax error at line 4, column 3: [^\n]*[^:] \(the line reads " {2}foo: 1"\)$/,
      );
    }
  });

  it('redacts password in syntax error', async () => {
    const file = await configFile(
      'cameras:\n  - url: rtsp://admin:hunter2@127.0.0.1:554/a/very/long/path/to/the/stream: x\n',
    );
    const error = await loadError(file);
    expect(error.message).toContain('YAML syntax error at line 2');
    expect(error.message).not.toContain('hunter2');
  });

  it('names user lacking read permission', async () => {
    const file = await configFile('apps: [{ name: web, command: [python3] }]\n');
    const message = await checkUnreadable(file, file);
    expect(message).toContain(`permission denied: user `);
    expect(message).toContain(`"chmod o+r ${file}"`);
  });

  it('names user for unreadable envFile', async () => {
    const file = await configFile('envFile: app.env\napps: [{ name: web, command: [python3] }]\n');
    const envFile = path.join(path.dirname(file), 'app.env');
    await writeFile(envFile, 'A=1\n');
    const message = await checkUnreadable(file, envFile);
    expect(message).toContain(`envFile ${envFile}: permission denied: user `);
  });
});

/**
 * Make `unreadable` unreadable and load `file`: in process for an ordinary
 * user, or through the real CLI as "nobody" when the tests run as root
 * (root reads every file). Returns the error text.
 */
async function checkUnreadable(file: string, unreadable: string): Promise<string> {
  if (process.getuid?.() !== 0) {
    await chmod(unreadable, 0o000);
    const message = (await loadError(file)).message;
    expect(message).toContain(`(uid ${process.getuid?.()}) cannot read ${unreadable}`);
    return message;
  }
  await chmod(path.dirname(file), 0o755);
  await chmod(file, 0o644);
  await chmod(unreadable, 0o600);
  const result = spawnSync(process.execPath, [CLI, 'config', '--check', '--config', file], {
    uid: 65534,
    gid: 65534,
    cwd: '/',
    encoding: 'utf8',
    timeout: 20_000,
  });
  expect(result.status).toBe(78);
  expect(result.stderr).toContain(`user "nobody" (uid 65534) cannot read ${unreadable}`);
  return result.stderr;
}
