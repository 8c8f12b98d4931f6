import path from 'node:path';
import { ConfigError } from '../config/errors.js';
import type { RunFlags } from '../config/flags.js';
import { loadConfig } from '../config/load.js';
import type { Config } from '../config/schema/index.js';
import { parseSize } from '../config/units.js';
import { createRunnerLogger } from '../logging/logger.js';
import { Runner } from '../runner.js';
import { LockHeldError } from '../status/lock.js';
import { startStatusServer } from '../status/server.js';
import { signalGroup } from '../supervisor/kill.js';
import { attachApp, createClassifier, type SharedParts, wireRunner } from '../wiring.js';
import { EXIT_CONFIG, EXIT_FATAL, printConfigError } from './exit-codes.js';
import { installSignalHandlers } from './signals.js';

function rotationOf(config: Config): { maxBytes: number; maxFiles: number } | undefined {
  const maxBytes =
    config.logging.maxFileSize === undefined ? undefined : parseSize(config.logging.maxFileSize);
  return maxBytes === undefined ? undefined : { maxBytes, maxFiles: config.logging.maxFiles };
}

export interface RunCommandOptions extends RunFlags {
  config?: string;
}

/** `crashproof run`: load the configuration, supervise until a signal or a fatal app, and return the exit code. */
export async function runCommand(options: RunCommandOptions, command: string[]): Promise<number> {
  let loaded: Awaited<ReturnType<typeof loadConfig>>;
  try {
    loaded = await loadConfig({
      configPath: options.config,
      cwd: process.cwd(),
      env: process.env,
      flags: options,
      command,
    });
  } catch (error) {
    if (error instanceof ConfigError) return printConfigError(error);
    throw error;
  }
  const { config } = loaded;
  const logDir = path.resolve(config.baseDir, config.logging.dir);
  const runnerLog = createRunnerLogger({
    file: path.resolve(logDir, config.logging.file),
    rotation: rotationOf(config),
    level: config.logging.level,
    console: config.logging.console,
  });
  const { logger } = runnerLog;
  for (const warning of loaded.warnings) logger.warn(warning);

  const runner = new Runner({
    config,
    logger,
    echo: process.stdout,
    env: process.env,
    classify: createClassifier(config),
  });
  const removeHandlers = installSignalHandlers({
    shutdown: (reason) => runner.shutdown(`received ${reason}`),
    reopenLogs: () => {
      logger.info('received SIGHUP: reopening log files');
      runnerLog.reopen();
      runner.reopenLogs();
    },
    force: () => {
      logger.warn('second interrupt: sending SIGKILL to every app and exiting');
      for (const supervisor of runner.supervisors.values())
        if (supervisor.pid !== undefined) signalGroup(supervisor.pid, 'SIGKILL');
      void runnerLog.flush().then(() => process.exit(130));
    },
  });

  let shared: SharedParts;
  try {
    shared = await wireRunner(runner);
    await runner.start();
  } catch (error) {
    removeHandlers();
    if (error instanceof ConfigError) {
      logger.error({ problems: error.problems }, error.message);
      // Apps started before the problem showed up (a watch path of a later app) are stopped.
      const started = [...runner.supervisors.values()].some(
        (supervisor) => supervisor.state !== 'stopped',
      );
      if (started) await runner.shutdown('invalid configuration', EXIT_CONFIG);
      await runnerLog.flush();
      return printConfigError(error);
    }
    if (error instanceof LockHeldError) {
      logger.error(error.message);
      await runnerLog.flush();
      return EXIT_FATAL;
    }
    throw error;
  }

  // Started after the lock is held, so a second runner never replaces the first one's token file.
  if (config.status.enabled && !runner.isStopping) {
    try {
      await startStatusServer(runner, config.status, logger, {
        attach: (supervisor) => attachApp(runner, supervisor, shared),
        loadConfig:
          config.source === undefined
            ? undefined
            : async () =>
                (
                  await loadConfig({
                    configPath: config.source,
                    cwd: process.cwd(),
                    env: process.env,
                    flags: options,
                  })
                ).config,
      });
    } catch (error) {
      logger.error({ err: error }, `status server not started: ${(error as Error).message}`);
    }
  }

  const code = await runner.done;
  removeHandlers();
  await runnerLog.flush();
  return code;
}
