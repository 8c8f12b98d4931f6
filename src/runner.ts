import path from 'node:path';
import type { Logger } from 'pino';
import { checkAppCommands } from './config/command-check.js';
import { ConfigError } from './config/errors.js';
import type { AppConfig } from './config/schema/app.js';
import type { Config } from './config/schema/index.js';
import { parseSize } from './config/units.js';
import { type Classification, type CrashContext, CrashReporter } from './crash/report.js';
import { writeSummaryReport } from './crash/summary.js';
import { EventBus } from './events.js';
import { acquireLock, LockHeldError } from './status/lock.js';
import { cleanUpOrphans } from './status/orphans.js';
import { readStateFile, STATE_FILE, type StateDocument } from './status/state-file.js';
import { StateStore } from './status/state-store.js';
import { AppSupervisor, type CrashFacts } from './supervisor/app-supervisor.js';
import { readBootId, readProcStat } from './supervisor/proc.js';

export interface RunnerOptions {
  config: Config;
  logger: Logger;
  /** Console for app output in the foreground. */
  echo?: NodeJS.WritableStream;
  env: Record<string, string | undefined>;
  classify: (facts: CrashFacts, context: CrashContext) => Classification;
}

/** Extension point for monitors and guards attached per app (health, memory, watch, ...). */
export interface AppAttachment {
  start(): void | Promise<void>;
  stop(): void | Promise<void>;
  /** Context this attachment adds to crash reports. */
  contribute?(context: CrashContext): void;
}

/**
 * Wires one Config into supervisors, observers and the state file, and owns
 * the runner's lifetime: start, stop on a signal, exit code.
 */
export class Runner {
  readonly bus: EventBus;
  readonly supervisors = new Map<string, AppSupervisor>();
  readonly attachments = new Map<string, AppAttachment[]>();
  readonly logDir: string;
  readonly reporter: CrashReporter;
  private readonly stateStore: StateStore;
  private releaseLock: (() => Promise<void>) | undefined;
  private readonly startedAt = new Date().toISOString();
  private identity: { pid: number; procStartTime: number | undefined; bootId: string | undefined } =
    { pid: process.pid, procStartTime: undefined, bootId: undefined };
  private stopping: Promise<number> | undefined;
  private exitCode = 0;
  private finished: (code: number) => void = () => {};
  /** Resolves with the exit code once the runner has stopped. */
  readonly done: Promise<number>;
  /** Observers may add to the state document (status server URL, cameras). */
  statusUrl: string | null = null;
  cameraSnapshot: () => Array<Record<string, unknown>> = () => [];
  readonly stopHooks: Array<() => Promise<void> | void> = [];

  constructor(private options: RunnerOptions) {
    const { config, logger } = options;
    this.logDir = path.resolve(config.baseDir, config.logging.dir);
    this.bus = new EventBus((event, error) =>
      logger.error({ event, err: error }, `an observer of ${event} failed`),
    );
    this.done = new Promise((resolve) => (this.finished = resolve));
    this.reporter = new CrashReporter({
      dir: path.resolve(this.logDir, config.reports.dir),
      keep: config.reports.keep,
      bus: this.bus,
      logger,
      classify: options.classify,
      context: (app) => this.crashContext(app),
    });
    this.stateStore = new StateStore(this.logDir, () => this.stateDocument(), logger);

    for (const app of config.apps) this.createSupervisor(app);

    this.bus.on('app:state', () => void this.stateStore.writeNow());
    this.bus.on('app:spawn', () => this.stateStore.touch());
    // Memory, health and camera changes reach `crashproof status` within a second (writes are throttled).
    this.bus.on('resource:sample', () => this.stateStore.touch());
    this.bus.on('health:state', () => this.stateStore.touch());
    this.bus.on('camera:state', () => this.stateStore.touch());
    this.bus.on('app:fatal', (event) => this.onFatal(event.app));
    // A policy stop (restart "never" or "on-failure" after a clean exit) comes straight from running or starting.
    this.bus.on('app:state', (event) => {
      if (event.to === 'stopped' && (event.from === 'running' || event.from === 'starting'))
        this.checkAllDone();
    });
  }

  /**
   * Check commands, take the lock, end orphans of a killed predecessor, then
   * start every autostart app. Throws ConfigError for commands that cannot run.
   */
  async start(): Promise<void> {
    const { config, logger } = this.options;
    const problems = checkAppCommands(config, this.options.env);
    if (problems.length > 0) throw new ConfigError(problems);

    this.identity = {
      pid: process.pid,
      procStartTime: (await readProcStat(process.pid))?.startTime,
      bootId: await readBootId(),
    };
    try {
      this.releaseLock = await acquireLock(this.logDir, this.identity);
    } catch (error) {
      if (error instanceof LockHeldError) throw error;
      // A full or read-only log disk must not keep the cameras' app down.
      logger.error(
        { logDir: this.logDir, err: error },
        `cannot take the lock in ${this.logDir} (${(error as Error).message}); supervising without the lock, so start no second runner on this directory`,
      );
    }
    const previous = await readStateFile(path.join(this.logDir, STATE_FILE));
    await cleanUpOrphans(previous, logger);
    if (previous !== undefined && !previous.runner.stopped) {
      // The previous runner did not stop its apps: guards check their files before the first start.
      for (const [name, app] of Object.entries(previous.apps)) {
        if (app.pid !== undefined && app.pid !== null)
          this.supervisors.get(name)?.markPreviousRunUnclean();
      }
    }

    logger.info(
      {
        apps: config.apps.map((app) => app.name),
        config: config.source ?? null,
        logDir: this.logDir,
      },
      `crashproof (pid ${process.pid}) supervising ${config.apps.length} app(s)`,
    );
    await this.stateStore.writeNow();
    // A stop signal during the steps above must not be followed by starting apps.
    if (this.isStopping) return;
    for (const attachment of this.runnerAttachments) await attachment.start();
    for (const [name, supervisor] of this.supervisors) {
      for (const attachment of this.attachments.get(name) ?? []) await attachment.start();
      if (this.isStopping) return;
      if (supervisor.config.autostart) supervisor.start();
    }
  }

  /** Stop every app in parallel, write the summary and final state, and resolve with the exit code. */
  shutdown(reason: string, exitCode = 0): Promise<number> {
    if (this.stopping) return this.stopping;
    this.exitCode = Math.max(this.exitCode, exitCode);
    this.stopping = (async () => {
      const { logger } = this.options;
      logger.info({ reason }, `stopping: ${reason}`);
      this.bus.emit('runner:stopping', { signal: reason });
      for (const list of this.attachments.values()) {
        await Promise.all(list.map(async (attachment) => attachment.stop()));
      }
      // Camera probes stop before the apps, so a camera app shutting down is not reported as an outage.
      for (const attachment of this.runnerAttachments) await attachment.stop();
      await Promise.all(
        [...this.supervisors.values()].map((supervisor) => supervisor.stop(reason)),
      );
      for (const hook of this.stopHooks) await hook();
      await this.reporter.flush();
      await writeSummaryReport(this, `runner stopped: ${reason}`).catch((error: unknown) =>
        logger.error({ err: error }, 'writing the summary report failed'),
      );
      await Promise.all([...this.supervisors.values()].map((supervisor) => supervisor.closeLogs()));
      this.stopped = true;
      await this.stateStore.writeNow();
      this.stateStore.close();
      await this.releaseLock?.();
      logger.info({ exitCode: this.exitCode }, 'crashproof stopped');
      this.finished(this.exitCode);
      return this.exitCode;
    })();
    return this.stopping;
  }

  private stopped = false;

  /** The configuration the runner was started with, or last reloaded. */
  get config(): Config {
    return this.options.config;
  }

  private createSupervisor(app: AppConfig): AppSupervisor {
    const { config, logger } = this.options;
    const rotationBytes =
      config.logging.maxFileSize === undefined ? undefined : parseSize(config.logging.maxFileSize);
    const supervisor = new AppSupervisor({
      config: app,
      baseDir: config.baseDir,
      logDir: this.logDir,
      bus: this.bus,
      logger,
      baseEnv: this.options.env,
      onCrash: (facts) => this.reporter.record(facts),
      echo: this.options.echo,
      rotation:
        rotationBytes === undefined
          ? undefined
          : { maxBytes: rotationBytes, maxFiles: config.logging.maxFiles },
    });
    this.supervisors.set(app.name, supervisor);
    this.attachments.set(app.name, []);
    return supervisor;
  }

  /**
   * Add an app while running (config reload). `attach` runs before the start
   * so its monitors see the first child; the app starts when autostart is set.
   */
  async addApp(
    app: AppConfig,
    attach: (supervisor: AppSupervisor) => Promise<void> | void,
  ): Promise<AppSupervisor> {
    if (this.supervisors.has(app.name)) throw new Error(`app "${app.name}" already exists`);
    const supervisor = this.createSupervisor(app);
    await attach(supervisor);
    for (const attachment of this.attachments.get(app.name) ?? []) await attachment.start();
    if (app.autostart) supervisor.start();
    return supervisor;
  }

  /** Stop an app, its monitors and its log files, and forget it (config reload). */
  async removeApp(name: string): Promise<void> {
    const supervisor = this.supervisors.get(name);
    if (supervisor === undefined) return;
    for (const attachment of this.attachments.get(name) ?? []) await attachment.stop();
    await supervisor.stop('removed from the configuration');
    await supervisor.closeLogs();
    this.supervisors.delete(name);
    this.attachments.delete(name);
    this.extras.delete(name);
  }

  /** Replace the configuration after a reload, once apps were added, removed or restarted. */
  replaceConfig(config: Config): void {
    this.options = { ...this.options, config };
  }

  reportDir(): string {
    return path.resolve(this.logDir, this.options.config.reports.dir);
  }

  reporterKeep(): number {
    return this.options.config.reports.keep;
  }

  /** True once shutdown() has begun. */
  get isStopping(): boolean {
    return this.stopping !== undefined;
  }

  /** Write the state file now (the status server records its URL there). */
  persistState(): Promise<void> {
    return this.stateStore.writeNow();
  }

  reopenLogs(): void {
    for (const supervisor of this.supervisors.values()) supervisor.reopenLogs();
  }

  private readonly runnerAttachments: AppAttachment[] = [];

  /** Add a runner-wide part (the camera monitor), started before the apps and stopped before them. */
  addRunnerAttachment(attachment: AppAttachment): void {
    this.runnerAttachments.push(attachment);
  }

  attach(app: string, attachment: AppAttachment): void {
    this.attachments.get(app)?.push(attachment);
  }

  stateDocument(): StateDocument {
    const apps: StateDocument['apps'] = {};
    for (const [name, supervisor] of this.supervisors)
      apps[name] = { ...supervisor.snapshot(), ...this.appExtras(name) };
    return {
      version: 1,
      runner: {
        ...this.identity,
        startedAt: this.startedAt,
        updatedAt: new Date().toISOString(),
        stopped: this.stopped,
        configSource: this.options.config.source ?? null,
        statusUrl: this.statusUrl,
      },
      apps,
      cameras: this.cameraSnapshot(),
    };
  }

  private readonly extras = new Map<string, Array<() => Record<string, unknown>>>();

  /** Add per-app fields to status (health, memory); each provider's fields are merged in order. */
  addAppExtras(app: string, provider: () => Record<string, unknown>): void {
    const list = this.extras.get(app) ?? [];
    list.push(provider);
    this.extras.set(app, list);
  }

  /** Per-app fields that monitors add to status. */
  appExtras(app: string): Record<string, unknown> {
    const result: Record<string, unknown> = {};
    for (const provider of this.extras.get(app) ?? []) Object.assign(result, provider());
    return result;
  }

  get logger(): Logger {
    return this.options.logger;
  }

  private crashContext(app: string): CrashContext {
    const context: CrashContext = {
      health: null,
      healthTimedOut: false,
      cameras: [],
      memory: null,
    };
    for (const attachment of this.attachments.get(app) ?? []) attachment.contribute?.(context);
    return context;
  }

  private onFatal(app: string): void {
    const { config, logger } = this.options;
    const exit =
      config.exitOnFatal === 'always' ||
      (config.exitOnFatal === 'auto' && config.apps.length === 1);
    // When the runner exits, shutdown() writes the summary; otherwise write it now.
    if (!exit)
      void writeSummaryReport(this, `${app} is fatal`).catch((error: unknown) =>
        logger.error({ err: error }, 'writing the summary report failed'),
      );
    if (exit) {
      logger.error(
        { app },
        `${app} is fatal; exiting with code 1 so the service manager can take over`,
      );
      void this.shutdown(`${app} is fatal`, 1);
      return;
    }
    this.exitCode = 1;
    this.checkAllDone();
  }

  /** With no app left running or about to run, the runner has nothing to do and exits. */
  checkAllDone(): void {
    const states = [...this.supervisors.values()].map((supervisor) => supervisor.state);
    if (
      states.every((state) => state === 'stopped' || state === 'fatal') &&
      this.stopping === undefined
    ) {
      const anyFatal = states.includes('fatal');
      void this.shutdown('no app left to supervise', anyFatal ? 1 : 0);
    }
  }
}
