import { afterEach, describe, expect, it } from 'vitest';
import { buildEnvAppConfig, readSeedVariables } from '../../src/config/env-vars.js';
import { ConfigError } from '../../src/config/errors.js';
import { loadConfig } from '../../src/config/load.js';
import { INVALID_SEED_ENV } from '../helpers/seed-env.js';
import { TempDirs } from '../helpers/temp.js';

const temp = new TempDirs();
afterEach(() => temp.removeAll());

const INVALID = INVALID_SEED_ENV;

async function loadError(env: Record<string, string>, cwd: string): Promise<ConfigError> {
  const error = await loadConfig({ cwd, env }).catch((caught: unknown) => caught);
  expect(error).toBeInstanceOf(ConfigError);
  return error as ConfigError;
}

describe('seed environment variables', () => {
  it('reports every invalid variable at once', async () => {
    const error = await loadError(INVALID, await temp.make());
    expect(error.problems.map((problem) => problem.source).sort()).toEqual(
      Object.keys(INVALID)
        .map((name) => `environment: ${name}`)
        .sort(),
    );
    for (const [name, value] of Object.entries(INVALID)) {
      expect(error.message).toContain(`environment: ${name}: expected`);
      expect(error.message).toContain(`got ${JSON.stringify(value)} (string)`);
    }
    expect(error.message).toMatch(/^invalid configuration \(8 problems\):/);
  });

  it.each(Object.entries(INVALID))('rejects %s=%j alone', async (name, value) => {
    const error = await loadError({ [name]: value }, await temp.make());
    expect(error.problems).toHaveLength(1);
    expect(error.problems[0]!.source).toBe(`environment: ${name}`);
  });

  it('builds the Tapo app from valid variables', async () => {
    const { config, origin } = await loadConfig({
      cwd: await temp.make(),
      env: {
        TAPO_WEBAPP_HOST: '127.0.0.1',
        TAPO_WEBAPP_PORT: '7780',
        TAPO_WEBAPP_DEBUG: 'yes',
        WATCHFILES_MAX_RESTARTS: '4',
        WATCHFILES_RESTART_DELAY: '2.5',
        WATCHFILES_BACKOFF_MULTIPLIER: '2',
        WATCHFILES_HEALTH_CHECK_INTERVAL: '15',
        WATCHFILES_NOTIFY_ON_CRASH: 'off',
      },
    });
    expect(origin).toBe('environment');
    const [app] = config.apps;
    expect(app!.command).toEqual([
      'python3',
      '-m',
      'tapo_camera_mcp.web',
      '--host',
      '127.0.0.1',
      '--port',
      '7780',
      '--debug',
    ]);
    expect(app!.port).toBe(7780);
    expect(app!.restart).toMatchObject({ maxRestarts: 4, delay: 2500, multiplier: 2 });
    expect(app!.health?.interval).toBe(15_000);
    expect(config.notify.enabled).toBe(false);
  });

  it('accepts durations with units and boolean words', () => {
    const { values, problems } = readSeedVariables({
      WATCHFILES_RESTART_DELAY: '500ms',
      WATCHFILES_HEALTH_CHECK_INTERVAL: '1m',
      WATCHFILES_NOTIFY_ON_CRASH: 'YES',
    });
    expect(problems).toEqual([]);
    expect(values).toEqual({ restartDelayMs: 500, healthIntervalMs: 60_000, notifyOnCrash: true });
  });

  it('uses defaults with no variable set', () => {
    const input = buildEnvAppConfig({});
    expect(input).toMatchObject({
      apps: [{ name: 'tapo-camera-mcp', host: '0.0.0.0', port: 7777 }],
      notify: { enabled: true },
    });
  });
});
