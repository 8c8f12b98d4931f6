import { SEED_VARIABLES } from '../../src/config/env-vars.js';

/** One invalid value for each seed variable the original runner read. */
export const INVALID_SEED_ENV: Readonly<Record<string, string>> = {
  TAPO_WEBAPP_PORT: 'abc',
  WATCHFILES_MAX_RESTARTS: '-1',
  WATCHFILES_RESTART_DELAY: 'soon',
  WATCHFILES_BACKOFF_MULTIPLIER: '0.5',
  WATCHFILES_HEALTH_CHECK_INTERVAL: '0',
  WATCHFILES_NOTIFY_ON_CRASH: 'maybe',
  TAPO_WEBAPP_DEBUG: 'perhaps',
  TAPO_WEBAPP_HOST: '',
};

/** Unsets every seed variable, so the test machine's own environment changes nothing. */
export const CLEAN_SEED_ENV: Readonly<Record<string, undefined>> = Object.fromEntries(
  SEED_VARIABLES.map((name) => [name, undefined]),
);
