import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ConfigError } from '../../src/config/errors.js';
import { loadConfig } from '../../src/config/load.js';
import { duration, MAX_DURATION_MS } from '../../src/config/units.js';
import { parseSecondsOrDuration } from '../../src/config/values.js';
import { TempDirs } from '../helpers/temp.js';

const temp = new TempDirs();
afterEach(() => temp.removeAll());

/** Node's timers fire after 1 ms when asked to wait longer than this. */
const TIMER_LIMIT_MS = 2 ** 31 - 1;

async function problemsOf(options: Parameters<typeof loadConfig>[0]) {
  const error = await loadConfig(options).catch((caught: unknown) => caught);
  expect(error).toBeInstanceOf(ConfigError);
  return (error as ConfigError).problems;
}

describe('the duration limit', () => {
  it('stays below what a timer can hold', () => {
    expect(MAX_DURATION_MS).toBe(24 * 86_400_000);
    expect(MAX_DURATION_MS).toBeLessThan(TIMER_LIMIT_MS);
  });

  it('duration() accepts 24d, rejects more', () => {
    expect(duration().safeParse('24d')).toEqual({ success: true, data: MAX_DURATION_MS });
    for (const text of ['25d', '30d', '577h', `${MAX_DURATION_MS + 1}ms`]) {
      const result = duration().safeParse(text);
      expect(result.success, text).toBe(false);
      expect(result.error?.issues[0]?.message).toContain(`duration "${text}" is too long`);
      expect(result.error?.issues[0]?.message).toContain(`limit of 24 days (${MAX_DURATION_MS} ms`);
    }
  });

  it('parseSecondsOrDuration rejects past 24 days', () => {
    expect(parseSecondsOrDuration('2073600', 0)).toEqual({ ok: true, value: MAX_DURATION_MS });
    for (const text of ['2073600.5', '99999999', '30d', '9'.repeat(400)]) {
      const parsed = parseSecondsOrDuration(text, 0);
      expect(parsed.ok, text).toBe(false);
    }
    const parsed = parseSecondsOrDuration('99999999', 100);
    expect(parsed).toEqual({
      ok: false,
      expected: expect.stringMatching(/^a duration of at most 24 days: 1157\.4 days is longer/),
    });
  });

  it('rejects restart.delay 30d in file', async () => {
    const dir = await temp.make();
    const file = path.join(dir, 'crashproof.yaml');
    await writeFile(file, 'apps: [{ name: web, command: [python3], restart: { delay: 30d } }]\n');
    const problems = await problemsOf({ configPath: file, cwd: dir, env: {} });
    expect(problems).toEqual([
      {
        source: `${file}: apps[0].restart.delay`,
        message: expect.stringContaining('limit of 24 days'),
        value: '30d',
      },
    ]);
  });

  it('rejects duration flags past limit', async () => {
    const problems = await problemsOf({
      cwd: '/',
      env: {},
      command: ['node', 'server.js'],
      flags: { healthInterval: '30d', restartDelay: '25d', stopTimeout: '2073601' },
    });
    expect(problems.map((problem) => problem.source).sort()).toEqual([
      'flag --health-interval',
      'flag --restart-delay',
      'flag --stop-timeout',
    ]);
    for (const problem of problems) expect(problem.message).toContain(`${MAX_DURATION_MS} ms`);
  });

  it('rejects seed variables past limit', async () => {
    const problems = await problemsOf({
      cwd: '/',
      env: { WATCHFILES_HEALTH_CHECK_INTERVAL: '99999999', WATCHFILES_RESTART_DELAY: '30d' },
    });
    expect(problems.map((problem) => [problem.source, problem.value])).toEqual([
      ['environment: WATCHFILES_RESTART_DELAY', '30d'],
      ['environment: WATCHFILES_HEALTH_CHECK_INTERVAL', '99999999'],
    ]);
  });

  it('keeps accepting the longest valid flag', async () => {
    const { config } = await loadConfig({
      cwd: '/',
      env: {},
      command: ['node', 'server.js'],
      flags: { healthUrl: 'http://127.0.0.1:1/health', healthInterval: '24d' },
    });
    expect(config.apps[0]!.health!.interval).toBe(MAX_DURATION_MS);
  });
});
