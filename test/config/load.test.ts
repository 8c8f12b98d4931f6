import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ConfigError } from '../../src/config/errors.js';
import { defaultAppName, loadConfig } from '../../src/config/load.js';
import { TempDirs } from '../helpers/temp.js';

const temp = new TempDirs();
afterEach(() => temp.removeAll());

async function configFile(text: string, name = 'crashproof.yaml'): Promise<string> {
  const dir = await temp.make();
  const file = path.join(dir, name);
  await writeFile(file, text);
  return file;
}

async function problemsOf(file: string, env: Record<string, string> = {}) {
  const error = await loadConfig({ configPath: file, cwd: '/', env }).catch(
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(ConfigError);
  return (error as ConfigError).problems.map((problem) => ({
    ...problem,
    source: problem.source.replace(`${file}: `, ''),
  }));
}

const BROKEN = `
version: 1
colour: blue
apps:
  - name: web
    command: [python3, -m, app]
    restart:
      delay: soon
      maxDelay: 5
      maxRestarts: ten
    stopTimout: 5s
    port: abc
  - name: web
    command: ["\${APP_BIN}"]
    startSeconds: 1 minute
`;

describe('config file problems', () => {
  it('lists every problem at once, naming the key', async () => {
    const problems = await problemsOf(await configFile(BROKEN));
    const bySource = Object.fromEntries(problems.map((problem) => [problem.source, problem]));
    expect(Object.keys(bySource).sort()).toEqual(
      [
        'apps[0].port',
        'apps[0].restart.delay',
        'apps[0].restart.maxDelay',
        'apps[0].restart.maxRestarts',
        'apps[0].stopTimout',
        'apps[1].command[0]',
        'apps[1].name',
        'apps[1].startSeconds',
        'colour',
      ].sort(),
    );
    expect(bySource.colour!.message).toMatch(/^unknown key/);
    expect(bySource['apps[0].stopTimout']!.message).toMatch(/^unknown key/);
    expect(bySource['apps[0].restart.delay']!.message).toMatch(/invalid duration "soon"/);
    // A bare number is not a duration: seconds or milliseconds would be a guess.
    expect(bySource['apps[0].restart.maxDelay']!.message).toMatch(/expected a duration/);
    expect(bySource['apps[0].restart.maxDelay']!.value).toBe(5);
    expect(bySource['apps[0].restart.maxRestarts']!.value).toBe('ten');
    expect(bySource['apps[0].port']!.value).toBe('abc');
    expect(bySource['apps[1].command[0]']!.message).toMatch(
      /environment variable APP_BIN is not set/,
    );
    expect(bySource['apps[1].startSeconds']!.message).toMatch(/invalid duration "1 minute"/);
  });

  it('names the file in every message', async () => {
    const file = await configFile(BROKEN);
    const error = (await loadConfig({ configPath: file, cwd: '/', env: {} }).catch(
      (caught: unknown) => caught,
    )) as ConfigError;
    expect(error.message).toMatch(/^invalid configuration \(9 problems\):/);
    for (const line of error.message.split('\n').slice(1)) expect(line).toContain(`- ${file}: `);
  });

  it('rejects duplicate app names', async () => {
    const file = await configFile(
      'apps: [{ name: web, command: [python3] }, { name: web, command: [node] }]\n',
    );
    expect(await problemsOf(file)).toEqual([
      {
        source: 'apps[1].name',
        message: 'duplicate app name "web": each app needs its own name',
        value: 'web',
      },
    ]);
  });

  it('reports duplicate names beside other problems', async () => {
    const problems = await problemsOf(await configFile(BROKEN));
    expect(problems.map((problem) => problem.source)).toContain('apps[1].name');
  });

  it('rejects a YAML syntax error and duplicate keys', async () => {
    expect((await problemsOf(await configFile('apps: [\n')))[0]!.message).toMatch(
      /^YAML syntax error/,
    );
    const duplicate = await configFile('apps: []\napps: []\n');
    expect((await problemsOf(duplicate))[0]!.message).toMatch(
      /^YAML syntax error at line 2, column 1: Map keys must be unique/,
    );
  });

  it('rejects a missing file and an empty file', async () => {
    const dir = await temp.make();
    expect((await problemsOf(path.join(dir, 'nope.yaml')))[0]!.message).toBe(
      'file not found: check the path given to --config',
    );
    expect((await problemsOf(await configFile('')))[0]!.message).toMatch(/expected a mapping/);
  });
});

describe('config file loading', () => {
  it('expands variables, defaults and $$', async () => {
    const file = await configFile(`
apps:
  - name: web
    command: ["\${APP_BIN}", "--price=$$5", "\${MODE:-prod}"]
    env: { CAMERA_URL: "rtsp://\${CAM_USER}:\${CAM_PASS}@127.0.0.1/stream" }
`);
    const { config, origin, warnings } = await loadConfig({
      configPath: file,
      cwd: '/',
      env: { APP_BIN: 'python3', CAM_USER: 'admin', CAM_PASS: 'secret' },
    });
    expect(origin).toBe('file');
    expect(warnings).toEqual([]);
    expect(config.apps[0]!.command).toEqual(['python3', '--price=$5', 'prod']);
    expect(config.apps[0]!.env.CAMERA_URL).toBe('rtsp://admin:secret@127.0.0.1/stream');
    expect(config.baseDir).toBe(path.dirname(file));
    expect(config.source).toBe(file);
  });

  it('reads envFile, with the environment winning', async () => {
    const file = await configFile(`
envFile: app.env
apps:
  - name: web
    command: ["\${BIN}", "\${PORT}"]
`);
    await writeFile(
      path.join(path.dirname(file), 'app.env'),
      '# comment\nexport BIN=python3\nPORT="7777"\n',
    );
    const { config } = await loadConfig({ configPath: file, cwd: '/', env: { PORT: '8080' } });
    expect(config.apps[0]!.command).toEqual(['python3', '8080']);
  });

  it('warns once per seed variable', async () => {
    const file = await configFile('apps: [{ name: web, command: [python3] }]\n');
    const { warnings } = await loadConfig({
      configPath: file,
      cwd: '/',
      env: { TAPO_WEBAPP_PORT: 'abc', WATCHFILES_MAX_RESTARTS: '3', UNRELATED: 'x' },
    });
    expect(warnings).toEqual([
      `environment variable TAPO_WEBAPP_PORT is ignored because ${file} configures the apps; set the value in the file instead`,
      `environment variable WATCHFILES_MAX_RESTARTS is ignored because ${file} configures the apps; set the value in the file instead`,
    ]);
  });

  it('finds crashproof.yaml in the working directory', async () => {
    const file = await configFile('apps: [{ name: web, command: [python3] }]\n');
    const { config } = await loadConfig({ cwd: path.dirname(file), env: {} });
    expect(config.source).toBe(file);
  });

  it('applies flags over the file', async () => {
    const file = await configFile(
      'apps: [{ name: web, command: [python3], restart: { maxRestarts: 3 } }]\n',
    );
    const { config } = await loadConfig({
      configPath: file,
      cwd: '/',
      env: {},
      flags: { restartDelay: '50ms', stopTimeout: '0.5', logDir: 'out', statusPort: '0' },
    });
    expect(config.apps[0]!.restart).toMatchObject({ maxRestarts: 3, delay: 50 });
    expect(config.apps[0]!.stopTimeout).toBe(500);
    expect(config.logging.dir).toBe('out');
    expect(config.status.port).toBe(0);
  });
});

describe('ad hoc command', () => {
  it('applies WATCHFILES_* and ignores TAPO_*', async () => {
    const { config, origin } = await loadConfig({
      cwd: '/',
      env: {
        WATCHFILES_RESTART_DELAY: '0.05',
        WATCHFILES_MAX_RESTARTS: '7',
        TAPO_WEBAPP_PORT: 'abc',
        TAPO_WEBAPP_HOST: '',
      },
      flags: { name: 'x', maxRestarts: '1' },
      command: ['node', 'server.js'],
    });
    expect(origin).toBe('command line');
    const [app] = config.apps;
    expect(app!.name).toBe('x');
    expect(app!.port).toBe(undefined);
    expect(app!.restart).toMatchObject({ delay: 50, maxRestarts: 1 });
  });

  it('still rejects invalid WATCHFILES_* values', async () => {
    const error = await loadConfig({
      cwd: '/',
      env: { WATCHFILES_RESTART_DELAY: 'soon' },
      command: ['node', 'server.js'],
    }).catch((caught: unknown) => caught);
    expect((error as ConfigError).problems.map((problem) => problem.source)).toEqual([
      'environment: WATCHFILES_RESTART_DELAY',
    ]);
  });

  it('rejects --config together with a command', async () => {
    const file = await configFile('apps: [{ name: web, command: [python3] }]\n');
    const error = await loadConfig({
      configPath: file,
      cwd: '/',
      env: {},
      command: ['node'],
    }).catch((caught: unknown) => caught);
    expect((error as ConfigError).problems[0]!.source).toBe('flag --config');
  });

  it.each([
    [['python3', '-m', 'tapo_camera_mcp.web'], 'tapo_camera_mcp.web'],
    [['node', 'server.js'], 'server'],
    [['./run.sh'], 'run'],
    [['/usr/bin/python3', 'app.py', '--port', '1'], 'app'],
    [['bash'], 'bash'],
    [['@@@'], 'app'],
    [['sh', '-c', 'python3 -m app.web --port 7777'], 'app.web'],
    [['bash', '-c', 'exec uvicorn main:app'], 'uvicorn'],
    [['/bin/sh', '-ec', 'FOO=1 /opt/app/bin/server --x'], 'server'],
    [['sh', '-c', 'cd /srv && ./start.sh'], 'cd'],
    [['bash', '-o', 'pipefail', '-c', 'node worker.js | tee x'], 'worker'],
    [['node', '--inspect', 'x.js'], 'x'],
    [['node', '--inspect=9229', '-r', 'dotenv/config', 'dist/server.mjs'], 'server'],
    [['python3.11', '-u', '-X', 'dev', 'main.py'], 'main'],
    [['python3', '-c', 'print(1)'], 'python3'],
    [['node', '-e', 'setInterval(() => {}, 1000)'], 'node'],
    [['env', 'PORT=1', 'node', 'api.js'], 'api'],
    [['python3 -m app.web'], 'app.web'],
    [['sh', '-c', '@@@ x'], 'app'],
    [['node', '--inspect'], 'node'],
    [['sh', '-c'], 'sh'],
  ])('names %j as %s', (command, name) => {
    expect(defaultAppName(command)).toBe(name);
  });

  it('gives names the schema accepts', async () => {
    const command = ['sh', '-c', `.${'x'.repeat(100)} --flag`];
    const { config } = await loadConfig({ cwd: '/', env: {}, command });
    expect(config.apps[0]!.name).toBe('x'.repeat(64));
  });
});

describe('flags', () => {
  it('lists every invalid flag', async () => {
    const error = await loadConfig({
      cwd: '/',
      env: {},
      command: ['node'],
      flags: {
        restartDelay: 'soon',
        maxRestarts: '-2',
        backoffMultiplier: '0.5',
        stopSignal: 'SIGFOO',
        restart: 'sometimes',
        port: '70000',
        statusPort: 'x',
      },
    }).catch((caught: unknown) => caught);
    expect((error as ConfigError).problems.map((problem) => problem.source).sort()).toEqual(
      [
        'flag --backoff-multiplier',
        'flag --max-restarts',
        'flag --port',
        'flag --restart',
        'flag --restart-delay',
        'flag --status-port',
        'flag --stop-signal',
      ].sort(),
    );
  });
});
