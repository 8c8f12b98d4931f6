#!/usr/bin/env node
import path from 'node:path';
import { Command, CommanderError, Option } from 'commander';
import { ConfigError } from '../config/errors.js';
import { loadConfig } from '../config/load.js';
import { parseSecondsOrDuration } from '../config/values.js';
import { configCommand } from './config-command.js';
import { locate } from './context.js';
import { appControlCommand, reloadCommand } from './control.js';
import { EXIT_FATAL, EXIT_USAGE, printConfigError } from './exit-codes.js';
import { exportSystemdCommand } from './export-systemd.js';
import { logsCommand } from './logs.js';
import { runReports } from './reports.js';
import { type RunCommandOptions, runCommand } from './run.js';
import { statusCommand } from './status.js';
import { statusWatchCommand } from './status-watch.js';
import { runTestCameras } from './test-cameras.js';

const program = new Command();
program
  .name('crashproof')
  .description(
    'Keep camera web apps up: supervise, restart with backoff, probe health and cameras, report crashes.',
  )
  .version('0.1.0')
  .exitOverride()
  .showHelpAfterError();

program
  .command('run')
  .description(
    'supervise the apps of a config file, the app of the TAPO_WEBAPP_*/WATCHFILES_* variables, or COMMAND',
  )
  .argument('[command...]', 'ad hoc app: everything after -- is the command and its arguments')
  .option(
    '-c, --config <file>',
    'YAML config file (default: crashproof.yaml in the working directory, if present)',
  )
  .option('--name <name>', 'app name for an ad hoc command (default: derived from the command)')
  .option('--restart <policy>', 'always | on-failure | never (default: always)')
  .option('--restart-delay <duration>', 'first backoff delay, seconds or with a unit (default: 1s)')
  .option('--backoff-multiplier <number>', 'backoff growth per restart (default: 1.5)')
  .option('--max-delay <duration>', 'cap of the backoff delay (default: 5m)')
  .option(
    '--max-restarts <n>',
    'consecutive restarts before fatal; 0 makes the first crash fatal (default: 10)',
  )
  .option('--reset-after <duration>', 'healthy time that resets the restart budget (default: 60s)')
  .option(
    '--keep-retrying',
    'when the budget is spent, retry every max-delay instead of going fatal',
  )
  .option(
    '--start-seconds <duration>',
    'uptime that counts as ready without a health check (default: 1s)',
  )
  .option('--start-timeout <duration>', 'time to become ready before a failed start (default: 2m)')
  .option('--stop-signal <signal>', 'signal that asks the app to stop (default: SIGTERM)')
  .option('--stop-timeout <duration>', 'wait after the stop signal before SIGKILL (default: 10s)')
  .option(
    '--port <port>',
    'port the app listens on; the runner waits for it to be free before each start',
  )
  .option('--health-url <url>', 'HTTP health check URL')
  .option('--health-interval <duration>', 'health check interval (default: 30s)')
  .option('--health-timeout <duration>', 'health check timeout (default: 10s)')
  .option('--cwd <dir>', 'working directory of the app')
  .option('--shell', 'run the command through /bin/sh -c')
  .option('--watch [paths...]', 'restart when files under these paths change (default: .)')
  .option('--log-dir <dir>', 'directory for logs, crash reports and state (default: logs)')
  .addOption(
    new Option('--log-level <level>', 'runner log level').choices([
      'trace',
      'debug',
      'info',
      'warn',
      'error',
    ]),
  )
  .option('--json', 'JSON log lines on the console instead of readable ones')
  .option(
    '--status-port <port>',
    'status server port on 127.0.0.1 (default: 7778; 0 picks a free one)',
  )
  .option('--no-status', 'do not start the status server')
  .action(async (command: string[], options: RunCommandOptions) => {
    // Exit explicitly: handles that outlive the apps (a pipe held by a stray
    // descendant, a keep-alive socket) must not keep a stopped runner alive.
    process.exit(await runCommand(options, command));
  });

program
  .command('status')
  .description('show every app and camera, also while the runner is down')
  .option('-c, --config <file>', 'config file that names the log directory')
  .option('--log-dir <dir>', 'log directory of the runner')
  .option('--json', 'machine-readable output')
  .option('-w, --watch', 'redraw every second until Ctrl+C')
  .action(
    async (options: { config?: string; logDir?: string; json?: boolean; watch?: boolean }) => {
      const { logDir } = await locate(options);
      process.exitCode = options.watch
        ? await statusWatchCommand(logDir)
        : await statusCommand(logDir, { json: options.json });
    },
  );

for (const action of ['restart', 'stop', 'start'] as const) {
  program
    .command(`${action}`)
    .argument('<name>', 'app name')
    .description(`${action} one app of the running runner (needs the token file)`)
    .option('-c, --config <file>', 'config file that names the log directory')
    .option('--log-dir <dir>', 'log directory of the runner')
    .option('--token-file <file>', 'token file (default: status.tokenFile in the log directory)')
    .option('--reason <text>', 'reason written into the runner log')
    .action(
      async (
        name: string,
        options: { config?: string; logDir?: string; tokenFile?: string; reason?: string },
      ) => {
        const { logDir, config } = await locate(options);
        process.exitCode = await appControlCommand(logDir, action, name, {
          tokenFile:
            options.tokenFile !== undefined
              ? path.resolve(options.tokenFile)
              : config?.status.tokenFile,
          reason: options.reason,
        });
      },
    );
}

program
  .command('reload')
  .description('re-read the config file: start new apps, stop removed ones, restart changed ones')
  .option('-c, --config <file>', 'config file that names the log directory')
  .option('--log-dir <dir>', 'log directory of the runner')
  .option('--token-file <file>', 'token file (default: status.tokenFile in the log directory)')
  .action(async (options: { config?: string; logDir?: string; tokenFile?: string }) => {
    const { logDir, config } = await locate(options);
    process.exitCode = await reloadCommand(logDir, {
      tokenFile:
        options.tokenFile !== undefined
          ? path.resolve(options.tokenFile)
          : config?.status.tokenFile,
    });
  });

program
  .command('logs')
  .description('show app output (stdout and stderr files), like pm2 logs')
  .argument('[name]', 'app name (default: every app)')
  .option('-c, --config <file>', 'config file that names the log directory')
  .option('--log-dir <dir>', 'log directory of the runner')
  .option('-f, --follow', 'keep printing new lines')
  .option('-n, --lines <n>', 'lines to show from each file', '20')
  .action(
    async (
      name: string | undefined,
      options: { config?: string; logDir?: string; follow?: boolean; lines: string },
    ) => {
      const lines = Number(options.lines);
      if (!Number.isInteger(lines) || lines < 0)
        throw new CommanderError(
          EXIT_USAGE,
          'crashproof.usage',
          `--lines must be a whole number, got "${options.lines}"`,
        );
      const { logDir } = await locate(options);
      process.exitCode = await logsCommand(logDir, name, { follow: options.follow, lines });
    },
  );

program
  .command('config')
  .description('print the effective configuration with secrets redacted')
  .option(
    '-c, --config <file>',
    'config file (default: crashproof.yaml, else the environment variables)',
  )
  .option('--check', 'only validate; exit 78 when invalid')
  .option('--schema', 'print the JSON Schema of the config file')
  .option('--json', 'print JSON instead of YAML')
  .action(
    async (options: { config?: string; check?: boolean; schema?: boolean; json?: boolean }) => {
      process.exitCode = await configCommand(options);
    },
  );

program
  .command('test-cameras')
  .description('probe every configured camera once and print a table; exit 0 when all are online')
  .option('-c, --config <file>', 'config file (default: crashproof.yaml)')
  .option('--json', 'machine-readable output')
  .option(
    '--timeout <duration>',
    "probe timeout for every camera, seconds or with a unit (default: each camera's timeout)",
  )
  .action(async (options: { config?: string; json?: boolean; timeout?: string }) => {
    let timeoutMs: number | undefined;
    if (options.timeout !== undefined) {
      const parsed = parseSecondsOrDuration(options.timeout, 1);
      if (!parsed.ok)
        throw new CommanderError(
          EXIT_USAGE,
          'crashproof.usage',
          `--timeout: expected ${parsed.expected}, got "${options.timeout}"`,
        );
      timeoutMs = parsed.value;
    }
    const { config } = await loadConfig({
      configPath: options.config,
      cwd: process.cwd(),
      env: process.env,
    });
    if (config.cameras.length === 0) {
      process.stderr.write(
        `crashproof: no cameras configured in ${config.source ?? 'the environment configuration'}: add a cameras: section\n`,
      );
      process.exitCode = 1;
      return;
    }
    process.exitCode = await runTestCameras(
      config.cameras,
      { json: options.json === true, timeoutMs },
      process.stdout,
    );
  });

program
  .command('reports')
  .description('list crash reports, show one, or count crashes per category and day')
  .argument('[action]', 'list | show | stats', 'list')
  .argument('[id]', 'report id (or a unique prefix) for show')
  .option('-c, --config <file>', 'config file that names the log directory')
  .option('--log-dir <dir>', 'log directory of the runner')
  .option('--app <name>', 'only reports of this app')
  .option('--category <category>', 'only reports of this category')
  .option('--since <time>', 'only reports since an ISO date or a duration back from now (24h, 7d)')
  .option('--json', 'machine-readable output')
  .action(
    async (
      action: string,
      id: string | undefined,
      options: {
        config?: string;
        logDir?: string;
        app?: string;
        category?: string;
        since?: string;
        json?: boolean;
      },
    ) => {
      if (action !== 'list' && action !== 'show' && action !== 'stats') {
        throw new CommanderError(
          EXIT_USAGE,
          'crashproof.usage',
          `unknown reports action "${action}": use list, show ID or stats`,
        );
      }
      const { logDir, config } = await locate(options);
      const dir = path.resolve(logDir, config?.reports.dir ?? 'crash-reports');
      process.exitCode = await runReports(dir, {
        action,
        id,
        app: options.app,
        category: options.category,
        since: options.since,
        json: options.json,
      });
    },
  );

program
  .command('export')
  .description('write deployment files for the current configuration')
  .argument('<target>', 'systemd')
  .option(
    '-c, --config <file>',
    'config file (default: crashproof.yaml, else the environment variables)',
  )
  .option('--user', 'a unit for the user service manager (systemctl --user)')
  .option('--name <name>', 'service name for LogsDirectory= and StateDirectory=', 'tapo-camera-mcp')
  .option('--run-as <user>', 'dedicated system user (default: the service name)')
  .action(
    async (
      target: string,
      options: { config?: string; user?: boolean; name?: string; runAs?: string },
    ) => {
      if (target !== 'systemd')
        throw new CommanderError(
          EXIT_USAGE,
          'crashproof.usage',
          `unknown export target "${target}": use systemd`,
        );
      process.exitCode = await exportSystemdCommand(options);
    },
  );

export { program };

try {
  await program.parseAsync(process.argv);
} catch (error) {
  if (error instanceof CommanderError) {
    process.exitCode = error.exitCode === 0 ? 0 : EXIT_USAGE;
    if (error.code === 'crashproof.usage') process.stderr.write(`crashproof: ${error.message}\n`);
  } else if (error instanceof ConfigError) {
    process.exitCode = printConfigError(error);
  } else {
    process.stderr.write(
      `crashproof: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
    );
    process.exitCode = EXIT_FATAL;
  }
}
