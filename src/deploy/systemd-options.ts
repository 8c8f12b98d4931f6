/**
 * Derive the systemd unit options from a validated configuration, for
 * `crashproof export systemd`. Pure: the caller passes the paths and the
 * environment it read.
 */
import path from 'node:path';
import type { Config } from '../config/schema/index.js';
import type { SystemdUnitOptions } from './systemd.js';

/** MemoryMax= and CPUQuota= for the whole service: runner and apps. */
export const SERVICE_MEMORY_MAX = '2G';
export const SERVICE_CPU_QUOTA = '200%';

/** systemd sizes are 1024-based: "2G" is 2 GiB. */
const SERVICE_MEMORY_MAX_BYTES = 2 * 2 ** 30;

export interface SystemdTarget {
  /** Absolute path of the node binary (process.execPath). */
  nodePath: string;
  /** Absolute path of dist/cli/main.js, resolved through symlinks. */
  mainScript: string;
  /** Names LogsDirectory= and StateDirectory=, such as "tapo-camera-mcp". */
  serviceName: string;
  userMode: boolean;
  /** Dedicated system user, ignored for --user units. */
  user?: string;
  /** The TAPO_* / WATCHFILES_* / CRASHPROOF_APP_COMMAND variables that are set, used only without a config file. */
  environment?: Record<string, string>;
}

export interface DerivedSystemdOptions {
  options: SystemdUnitOptions;
  /** One line each, for the person running the export. */
  warnings: string[];
}

export function systemdOptionsFromConfig(
  config: Config,
  target: SystemdTarget,
): DerivedSystemdOptions {
  const warnings: string[] = [];
  const source = config.source;
  const names = config.apps.map((app) => app.name);

  // A system unit without a config file sends the logs to LogsDirectory=,
  // since the working directory is usually read-only under ProtectSystem=strict.
  const logsToManaged = source === undefined && !target.userMode;
  const logsDir = logsToManaged
    ? path.join('/var/log', target.serviceName)
    : path.resolve(config.baseDir, config.logging.dir);

  const options: SystemdUnitOptions = {
    description: `crashproof: ${names.join(', ')}`,
    execStart: [
      target.nodePath,
      target.mainScript,
      'run',
      ...(source === undefined ? [] : ['--config', source]),
      ...(logsToManaged ? ['--log-dir', logsDir] : []),
    ],
    userMode: target.userMode,
    stopTimeoutSec: totalStopSeconds(config),
    memoryMax: SERVICE_MEMORY_MAX,
    cpuQuota: SERVICE_CPU_QUOTA,
    logsDirectory: target.serviceName,
    stateDirectory: target.serviceName,
    usbWebcams: usesVideoDevices(config),
  };
  if (!target.userMode && target.user !== undefined) options.user = target.user;

  if (source === undefined) {
    // The app built from the variables runs in the directory of the export,
    // since `python3 -m` imports the app's package from the working directory.
    options.workingDirectory = config.baseDir;
    if (target.environment !== undefined && Object.keys(target.environment).length > 0) {
      options.environment = target.environment;
    }
  }
  if (!target.userMode) {
    const writable = writablePaths(config, logsDir, target.serviceName);
    if (writable.length > 0) options.readWritePaths = writable;
  }

  const memory = config.apps.reduce((sum, app) => sum + (app.memory?.maxMemory ?? 0), 0);
  if (memory >= SERVICE_MEMORY_MAX_BYTES) {
    warnings.push(
      `the apps' memory.maxMemory values add up to ${memory} bytes, not below the service's MemoryMax=${SERVICE_MEMORY_MAX}: lower them so the runner restarts an app before the kernel's OOM killer acts`,
    );
  }
  return { options, warnings };
}

/** Sum the apps' stop timeouts, since the runner may stop them one after another. */
function totalStopSeconds(config: Config): number {
  const ms = config.apps.reduce((sum, app) => sum + app.stopTimeout, 0);
  return Math.max(1, Math.ceil(ms / 1000));
}

function usesVideoDevices(config: Config): boolean {
  const isVideo = (device: string | undefined) => device?.startsWith('/dev/video') === true;
  return (
    config.cameras.some((camera) => isVideo(camera.device)) ||
    config.apps.some((app) => app.startConditions.some((condition) => isVideo(condition.device)))
  );
}

/**
 * Paths the runner writes outside /var/log/NAME and /var/lib/NAME: the log
 * directory, and the directories of guarded SQLite files and their backups
 * (SQLite writes its journal beside the database).
 */
function writablePaths(config: Config, logsDir: string, serviceName: string): string[] {
  const resolve = (p: string) => path.resolve(config.baseDir, p);
  const candidates = [logsDir];
  for (const app of config.apps) {
    if (app.databases === undefined) continue;
    for (const file of app.databases.files) candidates.push(path.dirname(resolve(file)));
    candidates.push(resolve(app.databases.backupDir));
  }

  const managed = [path.join('/var/log', serviceName), path.join('/var/lib', serviceName)];
  const inside = (p: string, dir: string) => p === dir || p.startsWith(`${dir}/`);
  const unique = [...new Set(candidates)].filter((p) => !managed.some((dir) => inside(p, dir)));
  return unique.filter((p) => !unique.some((other) => other !== p && inside(p, other)));
}
