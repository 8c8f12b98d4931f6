import type { RestartConfig } from '../config/schema/app.js';
import { BUDGET_CAUSES, type RestartCause } from '../events.js';

/** What to do after a child exits or a restart is requested. */
export type RestartDecision =
  | { action: 'restart'; delayMs: number; attempt: number; spendsBudget: boolean }
  | { action: 'stop'; reason: string }
  | { action: 'fatal'; reason: string };

/** Backoff delay before restart number `attempt` (1-based): delay × multiplier^(attempt-1), capped by maxDelay. */
export function backoffDelay(
  restart: Pick<RestartConfig, 'delay' | 'multiplier' | 'maxDelay'>,
  attempt: number,
): number {
  if (attempt < 1) return 0;
  const delay = restart.delay * restart.multiplier ** (attempt - 1);
  return Math.round(Math.min(delay, restart.maxDelay));
}

export interface ExitFacts {
  cause: RestartCause;
  /** Exit code of the child, or null when a signal ended it. */
  exitCode: number | null;
  signal: string | null;
  /** Budget-spending restarts since the last reset. */
  attempts: number;
}

/**
 * Decide what follows an exit or a restart request. Causes outside the budget
 * (watch, manual, schedule, camera, reload, database) restart at once and do
 * not count; budget causes back off and count, and when the budget is spent
 * the app goes fatal, or with onBudgetSpent "keep-retrying" retries every maxDelay.
 */
export function decideRestart(restart: RestartConfig, facts: ExitFacts): RestartDecision {
  const spendsBudget = BUDGET_CAUSES.has(facts.cause);
  if (!spendsBudget)
    return { action: 'restart', delayMs: 0, attempt: facts.attempts, spendsBudget: false };

  const cleanExit = facts.exitCode === 0 && facts.signal === null;
  const appExited = facts.cause === 'crash' || facts.cause === 'start-failure';
  if (appExited) {
    if (restart.policy === 'never') {
      return cleanExit
        ? { action: 'stop', reason: 'exited with code 0 and restart policy is "never"' }
        : {
            action: 'fatal',
            reason: `exited (${describeExit(facts)}) and restart policy is "never"`,
          };
    }
    if (restart.policy === 'on-failure' && cleanExit) {
      return { action: 'stop', reason: 'exited with code 0 and restart policy is "on-failure"' };
    }
  }

  const attempt = facts.attempts + 1;
  if (attempt > restart.maxRestarts) {
    if (restart.onBudgetSpent === 'keep-retrying') {
      return { action: 'restart', delayMs: restart.maxDelay, attempt, spendsBudget: true };
    }
    const budget =
      restart.maxRestarts === 0
        ? 'automatic restarts are off (maxRestarts 0)'
        : `restart budget of ${restart.maxRestarts} spent`;
    // After a restart that the runner requested, the exit status is that of its own stop signal.
    const last = appExited ? `last exit: ${describeExit(facts)}` : `last failure: ${facts.cause}`;
    return { action: 'fatal', reason: `${budget}; ${last}` };
  }
  return {
    action: 'restart',
    delayMs: backoffDelay(restart, attempt),
    attempt,
    spendsBudget: true,
  };
}

/** Return whether the budget resets: the app has been healthy for resetAfter without a failure. */
export function shouldResetBudget(
  healthyForMs: number,
  resetAfterMs: number,
  attempts: number,
): boolean {
  return attempts > 0 && healthyForMs >= resetAfterMs;
}

export function describeExit(facts: {
  exitCode: number | null;
  signal: string | null;
  cause?: RestartCause;
}): string {
  if (facts.signal !== null) return `killed by ${facts.signal}`;
  if (facts.exitCode !== null) return `exit code ${facts.exitCode}`;
  return facts.cause ?? 'unknown';
}
