import { existsSync } from 'node:fs';
import { stat } from 'node:fs/promises';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import type { Logger } from 'pino';
import type { WatchConfig } from '../config/schema/watch.js';
import type { EventBus } from '../events.js';
import type { SupervisorHandle } from '../supervisor/handle.js';
import { type FileChange, subscribe, type Unsubscribe, WatchBackendError } from './backend.js';
import { type Change, collapseBurst, formatChangedFiles } from './changes.js';
import { type Burst, type DebounceClock, Debouncer } from './debounce.js';
import { explainBackendError } from './errors.js';
import { PathFilter, toPatternPath } from './globs.js';
import { resolveWatchRoots, type WatchRoot } from './roots.js';

export interface AppWatcherOptions {
  /** The app's name, for logs. */
  app: string;
  config: WatchConfig;
  /** Directory that relative watch paths resolve against (the config file's). */
  baseDir: string;
  handle: SupervisorHandle;
  logger: Logger;
  bus: EventBus;
  /** How often a deleted watched directory is looked for, in ms. */
  rewatchIntervalMs?: number;
  clock?: DebounceClock;
}

/** Changed paths listed in a log record. The message itself names the first three. */
const LOGGED_PATHS = 20;
const DEFAULT_REWATCH_INTERVAL_MS = 1000;

interface RootState {
  root: WatchRoot;
  /** Name of the root in messages: its watch.paths entries. */
  label: string;
  unsubscribe: Unsubscribe | undefined;
  /** Set while the directory is gone, until it is watched again. */
  deleted: boolean;
  retryTimer: NodeJS.Timeout | undefined;
}

/**
 * Development mode: restarts an app (or sends it a signal) when its files
 * change. Changes are grouped into bursts (watch.debounce quiet period,
 * watch.maxWait at most), so an atomic save, a git checkout or a formatter
 * run each cause one action. Restarts go through the SupervisorHandle with
 * cause "watch", which the supervisor does not count as a crash.
 */
export class AppWatcher {
  private readonly app: string;
  private readonly config: WatchConfig;
  private readonly baseDir: string;
  private readonly handle: SupervisorHandle;
  private readonly logger: Logger;
  private readonly bus: EventBus;
  private readonly rewatchIntervalMs: number;
  private readonly filter: PathFilter;
  private readonly debouncer: Debouncer<Change>;

  private roots: RootState[] = [];
  private started = false;
  private stopped = false;
  /** Error codes already logged at error level. Repeats are logged at debug level. */
  private readonly reportedErrors = new Set<string>();

  constructor(options: AppWatcherOptions) {
    this.app = options.app;
    this.config = options.config;
    this.baseDir = path.resolve(options.baseDir);
    this.handle = options.handle;
    this.logger = options.logger;
    this.bus = options.bus;
    this.rewatchIntervalMs = options.rewatchIntervalMs ?? DEFAULT_REWATCH_INTERVAL_MS;
    this.filter = new PathFilter(options.config.include, options.config.ignore);
    this.debouncer = new Debouncer<Change>({
      quietMs: options.config.debounce,
      maxWaitMs: options.config.maxWait,
      onBurst: (burst) => this.onBurst(burst),
      clock: options.clock,
    });
  }

  /**
   * Check the watch paths and watch them. Resolves once every directory is
   * watched; rejects with a WatchError that names the path and the fix.
   */
  async start(): Promise<void> {
    if (this.started) throw new Error(`the file watcher of ${this.app} was started twice`);
    this.started = true;
    if (!this.config.enabled) {
      this.logger.info({ app: this.app }, 'file watching is turned off (watch.enabled: false)');
      return;
    }

    const startedAt = performance.now();
    const roots = await resolveWatchRoots(this.config.paths, this.baseDir);
    this.roots = roots.map((root) => ({
      root,
      label: root.configured.join(', '),
      unsubscribe: undefined,
      deleted: false,
      retryTimer: undefined,
    }));

    try {
      for (const state of this.roots) {
        if (this.stopped) return;
        const unsubscribe = await this.subscribeRoot(state);
        // stop() ran during the walk and could not close this subscription yet.
        if (this.stopped) {
          await unsubscribe();
          return;
        }
        state.unsubscribe = unsubscribe;
      }
    } catch (error) {
      await this.stop();
      throw error instanceof WatchBackendError ? explainBackendError(error) : error;
    }

    const readyMs = Math.round(performance.now() - startedAt);
    this.logger.info(
      {
        app: this.app,
        paths: this.config.paths,
        baseDir: this.baseDir,
        action: this.config.action,
        readyMs,
      },
      `watching ${this.config.paths.join(', ')} for changes (ready in ${readyMs} ms)`,
    );
  }

  /** Stop watching and drop a burst in progress. */
  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    this.debouncer.cancel();

    const unsubscribes: Promise<void>[] = [];
    for (const state of this.roots) {
      clearTimeout(state.retryTimer);
      if (state.unsubscribe) unsubscribes.push(state.unsubscribe());
      state.unsubscribe = undefined;
    }
    await Promise.allSettled(unsubscribes);
  }

  private subscribeRoot(state: RootState): Promise<Unsubscribe> {
    const { root } = state;
    return subscribe(root.dir, {
      recursive: root.files === undefined,
      // Patterns match paths relative to the watched directory.
      ignore: (relative) => this.filter.matchesIgnore(relative),
      onChanges: (changes) => this.onChanges(state, changes),
      onError: (error) => this.onBackendError(error),
    });
  }

  /** Path for messages: relative to the base directory, "/"-separated. */
  private display(absolute: string): string {
    return toPatternPath(path.relative(this.baseDir, absolute)) || '.';
  }

  private onChanges(state: RootState, changes: FileChange[]): void {
    if (this.stopped || state.deleted) return;

    // Removing a tree reports its contents before the directory itself, over several batches.
    if (changes.some((change) => change.type === 'delete') && !existsSync(state.root.dir)) {
      this.onRootDeleted(state);
      return;
    }

    const accepted: Change[] = [];
    for (const change of changes) {
      if (change.path === state.root.dir) {
        // The watched directory itself went away; the rest of its batch is its contents going.
        if (change.type === 'delete') {
          this.onRootDeleted(state);
          return;
        }
        continue;
      }
      if (state.root.files && !state.root.files.has(change.path)) continue;

      const relative = toPatternPath(path.relative(state.root.dir, change.path));
      if (!this.filter.accepts(relative)) continue;
      accepted.push({ type: change.type, path: this.display(change.path) });
    }
    this.debouncer.add(accepted);
  }

  private onBurst(burst: Burst<Change>): void {
    if (this.stopped) return;

    const changed = collapseBurst(burst.items);
    if (changed.length === 0) {
      this.logger.debug(
        { app: this.app, changes: burst.items.length },
        'only temporary files changed; nothing to do',
      );
      return;
    }

    const paths = changed.map((change) => change.path);
    const summary = formatChangedFiles(paths);
    const fields = {
      app: this.app,
      files: paths.slice(0, LOGGED_PATHS),
      count: paths.length,
      burstMs: Math.round(burst.lastAt - burst.firstAt),
    };

    if (this.config.action === 'signal') {
      this.logger.info(
        fields,
        `files changed: ${summary}; sending ${this.config.signal} to ${this.app}`,
      );
      if (!this.handle.signal(this.config.signal)) {
        this.logger.warn(
          { app: this.app, state: this.handle.state },
          `${this.config.signal} was not sent: ${this.app} has no running process (state ${this.handle.state})`,
        );
      }
      return;
    }

    const reason = `files changed: ${summary}`;
    this.logger.info(fields, `${reason}; restarting ${this.app}`);
    const accepted = this.handle.requestRestart({ cause: 'watch', reason });
    if (!accepted) {
      this.logger.info(
        { app: this.app, state: this.handle.state },
        `the supervisor did not accept the restart of ${this.app} (state ${this.handle.state})`,
      );
    }
  }

  private onRootDeleted(state: RootState): void {
    state.deleted = true;
    const unsubscribe = state.unsubscribe;
    state.unsubscribe = undefined;
    unsubscribe?.().catch((error: unknown) =>
      this.logger.debug(
        { app: this.app, err: error },
        'closing the watch of a deleted directory failed',
      ),
    );

    const message =
      `watched directory ${state.label} (${state.root.dir}) was deleted; ${this.app} keeps running, ` +
      `and watching resumes when the directory is back`;
    this.logger.warn({ app: this.app, dir: state.root.dir }, message);
    this.bus.emit('runner:warning', { app: this.app, message });
    this.scheduleRewatch(state);
  }

  /** Look for a deleted directory every rewatchIntervalMs and watch it again once it is back. */
  private scheduleRewatch(state: RootState): void {
    if (this.stopped) return;
    state.retryTimer = setTimeout(() => {
      state.retryTimer = undefined;
      this.rewatch(state).catch((error: unknown) => {
        this.logger.debug(
          { app: this.app, err: error },
          'watching a directory again failed; retrying',
        );
        this.scheduleRewatch(state);
      });
    }, this.rewatchIntervalMs);
    state.retryTimer.unref();
  }

  private async rewatch(state: RootState): Promise<void> {
    const isDirectory = await stat(state.root.dir).then(
      (stats) => stats.isDirectory(),
      () => false,
    );
    if (this.stopped) return;
    if (!isDirectory) {
      this.scheduleRewatch(state);
      return;
    }

    const unsubscribe = await this.subscribeRoot(state);
    if (this.stopped) {
      await unsubscribe();
      return;
    }
    state.unsubscribe = unsubscribe;
    state.deleted = false;

    this.logger.info(
      { app: this.app, dir: state.root.dir },
      `watched directory ${state.label} is back; watching it again`,
    );
    // Its contents may differ from what the app loaded, so the return counts as a change.
    this.debouncer.add([{ type: 'create', path: `${this.display(state.root.dir)}/` }]);
  }

  /** A directory found after the start could not be watched; the rest stays watched. */
  private onBackendError(error: WatchBackendError): void {
    if (this.stopped) return;
    const explained = explainBackendError(error);
    const key = explained.code ?? explained.message;
    if (this.reportedErrors.has(key)) {
      this.logger.debug({ app: this.app, dir: error.dir, code: error.code }, explained.message);
      return;
    }
    this.reportedErrors.add(key);
    this.logger.error({ app: this.app, dir: error.dir, code: error.code }, explained.message);
    this.bus.emit('runner:warning', { app: this.app, message: explained.message });
  }
}
