import path from 'node:path';
import { afterEach, expect } from 'vitest';
import type { z } from 'zod';
import { type AppConfig, appSchema } from '../../src/config/schema/app.js';
import { EventBus, type EventName } from '../../src/events.js';
import {
  AppSupervisor,
  type CrashFacts,
  type SupervisorOptions,
} from '../../src/supervisor/app-supervisor.js';
import { memoryLogger } from './logger.js';
import { ProcessTracker } from './processes.js';
import { TempDirs } from './temp.js';
import { EventRecorder } from './wait.js';

const ALL_EVENTS: EventName[] = [
  'app:state',
  'app:spawn',
  'app:ready',
  'app:exit',
  'app:restart-scheduled',
  'app:restart-requested',
  'app:fatal',
  'app:recovered',
  'app:budget-reset',
  'app:stop-survivors',
];

/** Parse an app config with short test timings unless the input sets its own. */
export function testAppConfig(input: z.input<typeof appSchema>): AppConfig {
  return appSchema.parse({
    startSeconds: '100ms',
    stopTimeout: '1s',
    ...input,
    restart: { delay: '50ms', maxDelay: '1s', ...input.restart },
    logs: { console: 'never', ...input.logs },
  });
}

/** Create an AppSupervisor on a real bus and an in-memory logger, with every spawn tracked for clean-up. */
export function testSupervisor(
  input: z.input<typeof appSchema>,
  dirs: { baseDir: string; logDir: string },
  extra: Partial<SupervisorOptions> = {},
) {
  const listenerErrors: string[] = [];
  const bus = new EventBus((event, error) => listenerErrors.push(`${event}: ${String(error)}`));
  const log = memoryLogger();
  const recorder = new EventRecorder(bus, ALL_EVENTS);
  const tracker = new ProcessTracker();
  const crashes: CrashFacts[] = [];
  bus.on('app:spawn', (event) => tracker.track(event.pid));
  const supervisor = new AppSupervisor({
    config: testAppConfig(input),
    baseDir: dirs.baseDir,
    logDir: dirs.logDir,
    bus,
    logger: log.logger,
    baseEnv: process.env,
    ...extra,
    onCrash: (facts) => {
      crashes.push(facts);
      return extra.onCrash?.(facts);
    },
  });
  return {
    supervisor,
    bus,
    recorder,
    tracker,
    crashes,
    log,
    listenerErrors,
    /** Stop the app, close its files and SIGKILL anything a failing test left behind. */
    async dispose(): Promise<number[]> {
      await supervisor.stop('test finished');
      await supervisor.closeLogs();
      recorder.dispose();
      return tracker.killAll();
    },
  };
}

/**
 * Register the clean-up of one test file's supervisors: afterEach stops
 * every app, removes the temp directories and fails the test when a process
 * it started is still running.
 */
export function useSupervisors() {
  const temp = new TempDirs();
  const cleanUps: Array<() => Promise<number[] | undefined>> = [];

  afterEach(async () => {
    const leftovers: number[] = [];
    for (const cleanUp of cleanUps.splice(0)) leftovers.push(...((await cleanUp()) ?? []));
    await temp.removeAll();
    expect(leftovers, 'processes a test left running').toEqual([]);
  });

  return {
    temp,
    /** Run after the test's supervisors are stopped. */
    onCleanUp(cleanUp: () => Promise<void>): void {
      cleanUps.push(async () => {
        await cleanUp();
        return undefined;
      });
    },
    /** Create a supervisor in a fresh temp directory, with its logs under logs/. */
    async setup(input: z.input<typeof appSchema>, extra: Partial<SupervisorOptions> = {}) {
      const dir = await temp.make();
      const logDir = path.join(dir, 'logs');
      const harness = testSupervisor(input, { baseDir: dir, logDir }, extra);
      cleanUps.unshift(harness.dispose);
      return { ...harness, dir, logDir };
    },
  };
}
