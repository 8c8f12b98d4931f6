import { type ChildProcess, spawn } from 'node:child_process';
import { accessSync, constants, statSync } from 'node:fs';
import path from 'node:path';

export interface SpawnOptions {
  command: string[];
  shell: boolean;
  cwd: string;
  env: Record<string, string | undefined>;
  platform?: NodeJS.Platform;
}

/**
 * Spawn the app in its own process group (Unix: detached makes it a group
 * leader), so a stop reaches everything it starts. stdin is closed because a
 * supervised app has no terminal to read from.
 */
export function spawnChild(options: SpawnOptions): ChildProcess {
  const platform = options.platform ?? process.platform;
  const [file, args] = shellArgv(options.command, options.shell, platform);
  return spawn(file, args, {
    cwd: options.cwd,
    env: options.env,
    detached: platform !== 'win32',
    stdio: ['ignore', 'pipe', 'pipe'],
    windowsHide: true,
  });
}

export function shellArgv(
  command: string[],
  shell: boolean,
  platform: NodeJS.Platform,
): [string, string[]] {
  if (!shell) return [command[0]!, command.slice(1)];
  const line = command.join(' ');
  return platform === 'win32' ? ['cmd.exe', ['/d', '/s', '/c', line]] : ['/bin/sh', ['-c', line]];
}

/**
 * Check before the first start that the command can run at all: the working
 * directory exists and the program is found and executable. A failure here
 * is a configuration error (exit 78), not a crash that spends the budget.
 */
export function checkCommand(options: SpawnOptions): string | undefined {
  const platform = options.platform ?? process.platform;
  try {
    if (!statSync(options.cwd).isDirectory())
      return `working directory ${options.cwd} is not a directory`;
  } catch {
    return `working directory ${options.cwd} does not exist`;
  }

  const [file] = shellArgv(options.command, options.shell, platform);
  const pathVariable = options.env.PATH ?? options.env.Path ?? '';
  if (findExecutable(file, options.cwd, pathVariable, platform) !== undefined) return undefined;

  // Both places are named: a relative path resolves against cwd, a bare name through PATH.
  return `command "${file}" not found or not executable (cwd ${options.cwd}, PATH=${pathVariable}); check apps[].command, cwd and PATH`;
}

export function findExecutable(
  file: string,
  cwd: string,
  pathVariable: string,
  platform: NodeJS.Platform,
): string | undefined {
  const candidates =
    file.includes('/') || (platform === 'win32' && file.includes('\\'))
      ? [path.resolve(cwd, file)]
      : pathVariable
          .split(platform === 'win32' ? ';' : ':')
          .filter((dir) => dir !== '')
          .map((dir) => path.join(dir, file));
  const extensions = platform === 'win32' ? ['', '.exe', '.cmd', '.bat', '.com'] : [''];
  for (const candidate of candidates) {
    for (const extension of extensions) {
      const full = candidate + extension;
      try {
        if (!statSync(full).isFile()) continue;
        if (platform !== 'win32') accessSync(full, constants.X_OK);
        return full;
      } catch {
        // Not here; try the next directory.
      }
    }
  }
  return undefined;
}
