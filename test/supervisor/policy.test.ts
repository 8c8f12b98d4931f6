import { describe, expect, it } from 'vitest';
import { restartSchema } from '../../src/config/schema/app.js';
import { BUDGET_CAUSES, type RestartCause } from '../../src/events.js';
import {
  backoffDelay,
  decideRestart,
  describeExit,
  shouldResetBudget,
} from '../../src/supervisor/policy.js';

const defaults = restartSchema.parse({});
const scaled = restartSchema.parse({ delay: '50ms', multiplier: 1.5, maxDelay: '200ms' });

describe('backoffDelay', () => {
  it('grows 1.5× from 1s by default', () => {
    expect([1, 2, 3, 4, 5].map((attempt) => backoffDelay(defaults, attempt))).toEqual([
      1000, 1500, 2250, 3375, 5063,
    ]);
  });

  it.each([
    [0, 0],
    [-1, 0],
    [1, 50],
    [2, 75],
    [3, 113],
    [4, 169],
    [5, 200],
    [50, 200],
  ])('scaled down to 50ms and capped at 200ms: attempt %i waits %i ms', (attempt, expected) => {
    expect(backoffDelay(scaled, attempt)).toBe(expected);
  });

  it('stays capped far past the cap', () => {
    expect(backoffDelay({ ...defaults, multiplier: 10 }, 10_000)).toBe(defaults.maxDelay);
  });

  it('stays flat with multiplier 1', () => {
    const flat = { ...scaled, multiplier: 1 };
    expect([1, 2, 9].map((attempt) => backoffDelay(flat, attempt))).toEqual([50, 50, 50]);
  });
});

const crash = (attempts: number, exitCode: number | null = 1, signal: string | null = null) => ({
  cause: 'crash' as RestartCause,
  exitCode,
  signal,
  attempts,
});

describe('decideRestart', () => {
  it('goes fatal past maxRestarts', () => {
    const restart = { ...scaled, maxRestarts: 3 };
    expect(decideRestart(restart, crash(0))).toEqual({
      action: 'restart',
      delayMs: 50,
      attempt: 1,
      spendsBudget: true,
    });
    expect(decideRestart(restart, crash(2))).toMatchObject({ action: 'restart', attempt: 3 });
    expect(decideRestart(restart, crash(3, null, 'SIGSEGV'))).toEqual({
      action: 'fatal',
      reason: 'restart budget of 3 spent; last exit: killed by SIGSEGV',
    });
  });

  it('makes the first crash fatal with maxRestarts 0', () => {
    expect(decideRestart({ ...scaled, maxRestarts: 0 }, crash(0, 4))).toEqual({
      action: 'fatal',
      reason: 'automatic restarts are off (maxRestarts 0); last exit: exit code 4',
    });
  });

  it('names the cause of requested restarts', () => {
    const facts = {
      cause: 'start-timeout' as RestartCause,
      exitCode: 0,
      signal: null,
      attempts: 2,
    };
    expect(decideRestart({ ...scaled, maxRestarts: 2 }, facts)).toEqual({
      action: 'fatal',
      reason: 'restart budget of 2 spent; last failure: start-timeout',
    });
  });

  it('keeps retrying every maxDelay when told to', () => {
    const restart = { ...scaled, maxRestarts: 2, onBudgetSpent: 'keep-retrying' as const };
    for (const attempts of [2, 3, 100]) {
      expect(decideRestart(restart, crash(attempts))).toEqual({
        action: 'restart',
        delayMs: 200,
        attempt: attempts + 1,
        spendsBudget: true,
      });
    }
  });

  // policy × exit × cause: what happens after one exit with an unspent budget.
  const table: Array<
    [RestartConfigPolicy, RestartCause, number | null, string | null, 'restart' | 'stop' | 'fatal']
  > = [
    ['always', 'crash', 0, null, 'restart'],
    ['always', 'crash', 1, null, 'restart'],
    ['always', 'crash', null, 'SIGKILL', 'restart'],
    ['always', 'start-failure', 0, null, 'restart'],
    ['on-failure', 'crash', 0, null, 'stop'],
    ['on-failure', 'start-failure', 0, null, 'stop'],
    ['on-failure', 'crash', 1, null, 'restart'],
    ['on-failure', 'crash', null, 'SIGTERM', 'restart'],
    ['on-failure', 'health', 0, null, 'restart'],
    ['never', 'crash', 0, null, 'stop'],
    ['never', 'crash', 2, null, 'fatal'],
    ['never', 'crash', null, 'SIGSEGV', 'fatal'],
    ['never', 'start-failure', 1, null, 'fatal'],
    // Restarts that the runner requests are not exits of the app, so the policy does not apply.
    ['never', 'health', null, null, 'restart'],
    ['never', 'start-timeout', null, null, 'restart'],
    ['never', 'memory', null, null, 'restart'],
    ['never', 'watch', null, null, 'restart'],
  ];
  it.each(table)(
    'policy %s, cause %s, code %s, signal %s → %s',
    (policy, cause, exitCode, signal, action) => {
      const decision = decideRestart(
        { ...scaled, policy },
        { cause, exitCode, signal, attempts: 0 },
      );
      expect(decision.action).toBe(action);
    },
  );

  it.each(['watch', 'manual', 'schedule', 'camera', 'reload', 'database'] as RestartCause[])(
    'restarts at once without spending the budget for cause %s, even with the budget spent',
    (cause) => {
      expect(BUDGET_CAUSES.has(cause)).toBe(false);
      const spent = { ...scaled, maxRestarts: 0 };
      expect(decideRestart(spent, { cause, exitCode: null, signal: null, attempts: 5 })).toEqual({
        action: 'restart',
        delayMs: 0,
        attempt: 5,
        spendsBudget: false,
      });
    },
  );

  it.each(['crash', 'start-failure', 'start-timeout', 'health', 'memory'] as RestartCause[])(
    'spends the budget for cause %s',
    (cause) => {
      expect(BUDGET_CAUSES.has(cause)).toBe(true);
      const decision = decideRestart(scaled, { cause, exitCode: 1, signal: null, attempts: 1 });
      expect(decision).toEqual({ action: 'restart', delayMs: 75, attempt: 2, spendsBudget: true });
    },
  );
});

type RestartConfigPolicy = 'always' | 'on-failure' | 'never';

describe('shouldResetBudget', () => {
  it.each([
    [1000, 1000, 1, true],
    [999, 1000, 1, false],
    [5000, 1000, 0, false],
    [0, 0, 3, true],
  ])(
    'healthy %i ms, resetAfter %i ms, attempts %i → %s',
    (healthy, resetAfter, attempts, reset) => {
      expect(shouldResetBudget(healthy, resetAfter, attempts)).toBe(reset);
    },
  );
});

describe('describeExit', () => {
  it.each([
    [{ exitCode: 3, signal: null }, 'exit code 3'],
    [{ exitCode: null, signal: 'SIGKILL' }, 'killed by SIGKILL'],
    [{ exitCode: 0, signal: 'SIGTERM' }, 'killed by SIGTERM'],
    [{ exitCode: null, signal: null, cause: 'start-timeout' as RestartCause }, 'start-timeout'],
    [{ exitCode: null, signal: null }, 'unknown'],
  ])('%o → %s', (facts, text) => {
    expect(describeExit(facts)).toBe(text);
  });
});
