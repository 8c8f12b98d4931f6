/**
 * The logging calls the guards make, in pino's argument order (fields, then
 * message). A pino Logger fits this type as it is.
 */
export interface GuardLogger {
  debug(fields: object, message: string): void;
  info(fields: object, message: string): void;
  warn(fields: object, message: string): void;
  error(fields: object, message: string): void;
}

/** A logger that drops everything, for guards built without one. */
export const silentLogger: GuardLogger = {
  debug: () => {},
  info: () => {},
  warn: () => {},
  error: () => {},
};
