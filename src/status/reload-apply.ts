import type { Logger } from 'pino';
import { checkAppCommands } from '../config/command-check.js';
import { ConfigError } from '../config/errors.js';
import type { Config } from '../config/schema/index.js';
import type { Runner } from '../runner.js';
import type { AppSupervisor } from '../supervisor/app-supervisor.js';
import { planReload } from './reload.js';

/** Attaches the monitors that an app's config requests (health, memory, watch) before its first start. */
export type AttachApp = (supervisor: AppSupervisor) => Promise<void> | void;

export interface ReloadOptions {
  runner: Runner;
  /** Reads and validates the config file again; throws ConfigError when it is invalid. */
  load: () => Promise<Config>;
  attach: AttachApp;
  /** Environment the apps inherit, to check that new commands can run. */
  env: Record<string, string | undefined>;
  logger: Logger;
}

export interface ReloadResult {
  added: string[];
  removed: string[];
  restarted: string[];
  unchanged: string[];
  /** Changed sections that take effect at the next runner start. */
  needsRunnerRestart: string[];
  /** Steps that failed after the new file was accepted. */
  failed: Array<{ app: string; error: string }>;
}

/**
 * Re-read the config file and apply it: new apps start, removed apps stop,
 * changed apps restart with their new settings, unchanged apps are left
 * alone. An invalid file, or one whose new commands cannot run, is rejected
 * whole with a ConfigError before anything changes.
 */
export async function reloadConfig(options: ReloadOptions): Promise<ReloadResult> {
  const { runner, logger } = options;
  const next = await options.load();
  const plan = planReload(runner.config, next);
  const problems = checkAppCommands(next, options.env, [...plan.add, ...plan.restart]);
  if (problems.length > 0) throw new ConfigError(problems);

  logger.info(
    {
      add: plan.add.map((app) => app.name),
      remove: plan.remove,
      restart: plan.restart.map((app) => app.name),
      unchanged: plan.unchanged,
    },
    'applying the reloaded configuration',
  );
  const failed: ReloadResult['failed'] = [];
  const attempt = async (app: string, step: () => Promise<unknown>): Promise<void> => {
    try {
      await step();
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      logger.error({ app, err: error }, `reload step for ${app} failed: ${message}`);
      failed.push({ app, error: message });
    }
  };

  // Stop removed and changed apps first, in parallel, so their ports are free for what starts next.
  const stopping = [...plan.remove, ...plan.restart.map((app) => app.name)];
  await Promise.all(stopping.map((name) => attempt(name, () => runner.removeApp(name))));
  runner.replaceConfig(next);
  for (const app of [...plan.restart, ...plan.add])
    await attempt(app.name, () => runner.addApp(app, options.attach));

  if (plan.needsRunnerRestart.length > 0) {
    logger.warn(
      { sections: plan.needsRunnerRestart },
      `changed sections take effect when the runner restarts: ${plan.needsRunnerRestart.join(', ')}`,
    );
  }
  return {
    added: plan.add.map((app) => app.name),
    removed: plan.remove,
    restarted: plan.restart.map((app) => app.name),
    unchanged: plan.unchanged,
    needsRunnerRestart: plan.needsRunnerRestart,
    failed,
  };
}
