import { type WatchConfig, watchSchema } from '../config/schema/watch.js';

/**
 * The watch settings of an ad hoc run, `crashproof run --watch [PATH...]`:
 * the given paths (the working directory when none), with the defaults of
 * the config file for everything else.
 */
export function watchConfigFromFlags(paths: string[]): WatchConfig {
  return watchSchema.parse({ paths: paths.length > 0 ? paths : ['.'] });
}
