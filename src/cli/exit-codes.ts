import type { ConfigError } from '../config/errors.js';

/** Stopped on request. */
export const EXIT_OK = 0;
/** An app reached fatal (restart budget spent), or the runner could not run. */
export const EXIT_FATAL = 1;
/** Usage error: unknown command or flag. */
export const EXIT_USAGE = 2;
/** Invalid configuration (EX_CONFIG from sysexits.h); systemd units set RestartPreventExitStatus=78. */
export const EXIT_CONFIG = 78;

export function printConfigError(
  error: ConfigError,
  stderr: NodeJS.WritableStream = process.stderr,
): number {
  stderr.write(`crashproof: ${error.message}\n`);
  return EXIT_CONFIG;
}
