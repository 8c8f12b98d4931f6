import { CameraCoordinator } from './cameras/coordinator.js';
import { CameraMonitor } from './cameras/monitor.js';
import { waitForStartConditions } from './cameras/start-conditions.js';
import { ConfigError, type ConfigProblem } from './config/errors.js';
import type { Config } from './config/schema/index.js';
import { classifyCrash } from './crash/classify.js';
import type { Classification, CrashContext } from './crash/report.js';
import { createGuards } from './guards/attachment.js';
import { createHealthAttachment } from './health/attachment.js';
import { createNotifier } from './notify/notifier.js';
import type { Runner } from './runner.js';
import type { AppSupervisor, CrashFacts } from './supervisor/app-supervisor.js';
import { AppWatcher } from './watch/app-watcher.js';
import { WatchError } from './watch/errors.js';

/** Runner-wide parts that per-app attachments share. */
export interface SharedParts {
  /** Whether health-check timeouts count now; false during a network interruption. */
  countTimeouts: () => boolean;
  cameras: CameraMonitor;
  /** Aborts when the runner begins to stop, ending waits for start conditions. */
  stopping: AbortSignal;
}

/**
 * Attach the per-app monitors and guards a config requests (health checks,
 * camera probes, memory guard, SQLite guard, file watching) and the
 * runner-wide observers (notifications, status server). Throws ConfigError
 * for settings that only make sense together (health without a URL or port).
 */
export async function wireRunner(runner: Runner): Promise<SharedParts> {
  const cameras = new CameraMonitor({
    cameras: runner.config.cameras,
    bus: runner.bus,
    logger: runner.logger,
  });
  const stopping = new AbortController();
  runner.bus.on('runner:stopping', () => stopping.abort());
  const shared: SharedParts = {
    // Every camera probe failing at once is a network interruption: the app is not the cause of timeouts.
    countTimeouts: () => !cameras.allFailing(),
    cameras,
    stopping: stopping.signal,
  };
  runner.cameraSnapshot = () =>
    cameras
      .snapshot()
      .cameras.map((camera) => ({ ...camera, app: cameraApp(runner.config, camera.name) }));
  runner.addRunnerAttachment({ start: () => cameras.start(), stop: () => cameras.stop() });

  const notifier = createNotifier({
    config: runner.config.notify,
    bus: runner.bus,
    logger: runner.logger,
    reportDir: runner.reportDir(),
  });
  // Stop hooks run after every app stopped, so the last fatal or crash is still sent.
  runner.stopHooks.push(() => notifier.close());

  const problems: ConfigProblem[] = [];
  for (const supervisor of runner.supervisors.values()) {
    try {
      attachApp(runner, supervisor, shared);
    } catch (error) {
      problems.push({
        source: `${runner.config.source ?? 'configuration'}: app ${supervisor.name}`,
        message: (error as Error).message,
      });
    }
  }
  if (problems.length > 0) throw new ConfigError(problems);
  return shared;
}

/** Attach one app's monitors and guards; also used for apps added by a reload. */
export function attachApp(runner: Runner, supervisor: AppSupervisor, shared: SharedParts): void {
  const app = supervisor.config;
  const logger = runner.logger;

  const health = createHealthAttachment({
    app,
    handle: supervisor,
    bus: runner.bus,
    logger,
    countTimeouts: () => shared.countTimeouts(),
  });
  if (health !== undefined) {
    supervisor.readinessByHealth = true;
    runner.attach(app.name, health);
    runner.addAppExtras(app.name, () => ({
      health: {
        state: health.monitor.state,
        lastCheckAt: health.monitor.lastCheckAt ?? null,
        lastError: health.monitor.lastResult?.error ?? null,
      },
    }));

    const coordinator = new CameraCoordinator({
      handle: supervisor,
      cameras: runner.config.cameras,
      monitor: shared.cameras,
      settings: {
        restartOnCameraOffline: app.health?.restartOnCameraOffline ?? false,
        reconnectWindowMs: app.health?.reconnectWindow ?? 60_000,
      },
      bus: runner.bus,
      logger,
    });
    // The monitor publishes devices before it updates its state, so decide a microtask later.
    health.monitor.onDevices((devices) =>
      queueMicrotask(() => coordinator.update(devices, health.monitor.state)),
    );
  }

  const guards = createGuards({
    app,
    baseDir: runner.config.baseDir,
    handle: supervisor,
    bus: runner.bus,
    logger,
    addPreStartHook: (hook) => supervisor.addPreStartHook(hook),
    onIncident: (incident) => {
      // A damaged database or config file gets its own report, though no process crashed.
      const category = 'check' in incident ? 'database' : 'startup';
      runner.reporter.record({
        app: app.name,
        pid: undefined,
        exitCode: null,
        signal: null,
        uptimeMs: 0,
        duringStart: false,
        cause: 'database',
        reason: incident.message,
        category,
        attempt: 0,
        nextDelayMs: 0,
        fatal: false,
        command: app.command,
        cwd: runner.config.baseDir,
        stateBefore: supervisor.state,
        outputTail: supervisor.outputTail(),
        survivors: [],
      });
    },
  });
  for (const attachment of guards.attachments) runner.attach(app.name, attachment);
  runner.addAppExtras(app.name, () => ({
    ...guards.status(),
    memory: guards.memory?.status ?? null,
  }));
  runner.attach(app.name, { start: () => {}, stop: () => guards.dispose() });

  runner.attach(app.name, {
    start: () => {},
    stop: () => {},
    contribute: (context) => {
      context.cameras = shared.cameras.states().filter((camera) => {
        const owner = cameraApp(runner.config, camera.name);
        // A camera without app: belongs to the only app, but is nobody's among several.
        return owner === app.name || (owner === undefined && runner.supervisors.size === 1);
      });
    },
  });

  if (app.watch?.enabled) {
    const watcher = new AppWatcher({
      app: app.name,
      config: app.watch,
      baseDir: runner.config.baseDir,
      handle: supervisor,
      logger,
      bus: runner.bus,
    });
    runner.attach(app.name, {
      start: async () => {
        try {
          await watcher.start();
        } catch (error) {
          // A path that does not exist or cannot be read is a configuration problem (exit 78).
          if (error instanceof WatchError)
            throw new ConfigError([
              { source: `app ${app.name}: watch.paths`, message: error.message },
            ]);
          throw error;
        }
      },
      stop: () => watcher.stop(),
    });
  }

  if (app.startConditions.length > 0) {
    supervisor.addPreStartHook(async (context) => {
      if (!context.firstStart) return;
      const result = await waitForStartConditions(app.startConditions, {
        isAppReady: (name) => runner.supervisors.get(name)?.state === 'running',
        probeCamera: async (name) => {
          const state = await shared.cameras.probeNow(name);
          const status = state.status === 'unknown' ? 'offline' : state.status;
          return { status, latencyMs: state.latencyMs ?? 0, detail: state.detail };
        },
        logger: logger.child({ app: app.name }),
        signal: shared.stopping,
      });
      if (!result.met && !shared.stopping.aborted) {
        logger.warn(
          { app: app.name, waitedMs: Math.round(result.waitedMs) },
          `start condition not met (${result.failed ?? 'unknown'}); starting anyway`,
        );
      }
    });
  }
}

function cameraApp(config: Config, camera: string): string | undefined {
  return config.cameras.find((entry) => entry.name === camera)?.app;
}

/**
 * The crash classifier for a config: the rule table of classify.ts plus the
 * config's crashRules, fed with the supervisor's facts and the runner's
 * health, camera and memory context.
 */
export function createClassifier(
  config: Config,
): (facts: CrashFacts, context: CrashContext) => Classification {
  return (facts, context) => {
    // Exits the app made by itself carry no runner stop cause.
    const stopCause =
      facts.cause === 'crash' || facts.cause === 'start-failure' ? undefined : facts.cause;
    return classifyCrash(
      {
        exitCode: facts.exitCode,
        signal: facts.signal,
        uptimeMs: facts.uptimeMs,
        duringStart: facts.duringStart,
        outputTail: facts.outputTail,
        stopCause,
        requestedCategory: facts.category,
        healthTimedOut: context.healthTimedOut,
        healthError: context.health?.lastCheck?.error,
        memory:
          context.memory === null
            ? undefined
            : { rssBytes: context.memory.rssBytes, limitBytes: context.memory.limitBytes },
        cameras: context.cameras.map((camera) => ({ name: camera.name, status: camera.status })),
      },
      config.crashRules,
    );
  };
}
