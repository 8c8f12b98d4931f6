import type { AppConfig } from '../config/schema/app.js';
import type { Config } from '../config/schema/index.js';

/** Changes that a config reload makes to the running apps, like `supervisorctl update`. */
export interface ReloadPlan {
  /** Apps new in the file: started (when autostart is set). */
  add: AppConfig[];
  /** Apps gone from the file: stopped and forgotten. */
  remove: string[];
  /** Apps whose settings changed: stopped, then started with the new settings. */
  restart: AppConfig[];
  /** Apps with identical settings: left running as they are. */
  unchanged: string[];
  /** Runner-wide sections that changed but take effect only when the runner restarts. */
  needsRunnerRestart: string[];
}

/** Sections the runner reads at every use, so a reload applies them at once. */
const LIVE_SECTIONS = new Set(['apps', 'exitOnFatal']);
/** Sections that only feed other values: envFile is already expanded into the apps. */
const IGNORED_SECTIONS = new Set(['version', 'envFile', 'baseDir', 'source']);

/**
 * Compare two validated configurations app by app (by name, order does not
 * matter). An app counts as changed when any of its parsed settings differ,
 * or when the directory that its relative paths resolve against moved.
 */
export function planReload(old: Config, next: Config): ReloadPlan {
  const oldApps = new Map(old.apps.map((app) => [app.name, app]));
  const nextNames = new Set(next.apps.map((app) => app.name));
  const baseDirMoved = old.baseDir !== next.baseDir;
  const plan: ReloadPlan = {
    add: [],
    remove: old.apps.map((app) => app.name).filter((name) => !nextNames.has(name)),
    restart: [],
    unchanged: [],
    needsRunnerRestart: [],
  };

  for (const app of next.apps) {
    const before = oldApps.get(app.name);
    if (before === undefined) plan.add.push(app);
    else if (baseDirMoved || canonicalJson(before) !== canonicalJson(app)) plan.restart.push(app);
    else plan.unchanged.push(app.name);
  }

  const sections = new Set([...Object.keys(old), ...Object.keys(next)]);
  for (const section of sections) {
    if (LIVE_SECTIONS.has(section) || IGNORED_SECTIONS.has(section)) continue;
    const a = (old as unknown as Record<string, unknown>)[section];
    const b = (next as unknown as Record<string, unknown>)[section];
    if (canonicalJson(a) !== canonicalJson(b)) plan.needsRunnerRestart.push(section);
  }
  return plan;
}

/** JSON with object keys sorted, so equal settings compare equal whatever their order in the file. */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_key, item: unknown) => {
    if (item === null || typeof item !== 'object' || Array.isArray(item)) return item;
    return Object.fromEntries(
      Object.entries(item as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : 1)),
    );
  });
}
