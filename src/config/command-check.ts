import path from 'node:path';
import { checkCommand } from '../supervisor/child.js';
import type { ConfigProblem } from './errors.js';
import type { Config } from './schema/index.js';

/**
 * Check that each app's working directory exists and its program is found
 * and executable, as the runner does before it starts anything. `env` is
 * the environment the apps inherit; each app's own env is laid over it, so
 * its PATH counts. Returns one problem per app that cannot start (exit 78
 * territory), none when every command can run.
 */
export function checkAppCommands(
  config: Config,
  env: Record<string, string | undefined>,
  apps: ReadonlyArray<Config['apps'][number]> = config.apps,
): ConfigProblem[] {
  return apps.flatMap((app) => {
    const index = config.apps.indexOf(app);
    const message = checkCommand({
      command: app.command,
      shell: app.shell,
      cwd: path.resolve(config.baseDir, app.cwd ?? '.'),
      env: { ...env, ...app.env },
    });
    return message === undefined
      ? []
      : [{ source: `${config.source ?? 'configuration'}: apps[${index}] (${app.name})`, message }];
  });
}
