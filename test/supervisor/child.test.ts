import { chmod, mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { checkCommand, findExecutable, shellArgv } from '../../src/supervisor/child.js';
import { TempDirs } from '../helpers/temp.js';

const temp = new TempDirs();
afterEach(() => temp.removeAll());

describe('checkCommand', () => {
  it('accepts a program found on PATH', async () => {
    const cwd = await temp.make();
    expect(checkCommand({ command: ['sleep', '1'], shell: false, cwd, env: process.env })).toBe(
      undefined,
    );
  });

  it('names command, cwd and PATH', async () => {
    const cwd = await temp.make();
    const message = checkCommand({
      command: ['no-such-program-x1', '--flag'],
      shell: false,
      cwd,
      env: { PATH: '/usr/bin:/bin' },
    });
    expect(message).toBe(
      `command "no-such-program-x1" not found or not executable (cwd ${cwd}, PATH=/usr/bin:/bin); check apps[].command, cwd and PATH`,
    );
  });

  it('resolves a relative program against cwd', async () => {
    const cwd = await temp.make();
    await mkdir(path.join(cwd, 'bin'));
    const script = path.join(cwd, 'bin', 'run.sh');
    await writeFile(script, '#!/bin/sh\nexit 0\n');
    const options = { command: ['./bin/run.sh'], shell: false, cwd, env: { PATH: '' } };

    expect(checkCommand(options)).toMatch(/"\.\/bin\/run\.sh" not found or not executable/);
    await chmod(script, 0o755);
    expect(checkCommand(options)).toBe(undefined);
  });

  it('rejects a missing working directory', async () => {
    const cwd = path.join(await temp.make(), 'gone');
    expect(checkCommand({ command: ['sleep'], shell: false, cwd, env: process.env })).toBe(
      `working directory ${cwd} does not exist`,
    );
  });

  it('checks the shell with shell: true', async () => {
    const cwd = await temp.make();
    const options = { command: ['no-such-program-x1 | cat'], shell: true, cwd, env: { PATH: '' } };
    expect(checkCommand(options)).toBe(undefined);
  });
});

describe('shellArgv', () => {
  it.each([
    [['python3', '-m', 'app'], false, 'linux', ['python3', ['-m', 'app']]],
    [['echo', 'a', '&&', 'b'], true, 'linux', ['/bin/sh', ['-c', 'echo a && b']]],
    [['echo', 'a'], true, 'win32', ['cmd.exe', ['/d', '/s', '/c', 'echo a']]],
  ] as const)('%j shell %s on %s', (command, shell, platform, expected) => {
    expect(shellArgv([...command], shell, platform)).toEqual(expected);
  });
});

describe('findExecutable', () => {
  it('walks PATH in order and skips empty entries', async () => {
    const first = await temp.make();
    const second = await temp.make();
    const program = path.join(second, 'tool');
    await writeFile(program, '#!/bin/sh\n', { mode: 0o755 });
    expect(findExecutable('tool', first, `${first}::${second}`, 'linux')).toBe(program);
    expect(findExecutable('tool', first, first, 'linux')).toBe(undefined);
  });
});
