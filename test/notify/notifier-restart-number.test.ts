import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { notifySchema } from '../../src/config/schema/notify.js';
import { classifyCrash } from '../../src/crash/classify.js';
import { CrashReporter } from '../../src/crash/report.js';
import { createNotifier } from '../../src/notify/notifier.js';
import { memoryLogger } from '../helpers/logger.js';
import { useSupervisors } from '../helpers/supervisor.js';

const supervisors = useSupervisors();

describe('crash notification of a real crash', () => {
  it('names the same restart number as the log', async () => {
    let reporter: CrashReporter | undefined;
    const app = await supervisors.setup(
      {
        name: 'flaky',
        command: [process.execPath, '-e', 'setTimeout(() => process.exit(1), 150)'],
        restart: { delay: '1s', maxRestarts: 10 },
      },
      { onCrash: (facts) => reporter!.record(facts) },
    );
    reporter = new CrashReporter({
      dir: path.join(app.logDir, 'crash-reports'),
      keep: 10,
      bus: app.bus,
      logger: app.log.logger,
      classify: (facts) => classifyCrash({ ...facts, stopCause: facts.cause }),
      context: () => ({ health: null, healthTimedOut: false, cameras: [], memory: null }),
    });
    const notifyLog = memoryLogger();
    const notifier = createNotifier({
      config: notifySchema.parse({}),
      bus: app.bus,
      logger: notifyLog.logger,
    });
    supervisors.onCleanUp(async () => {
      await reporter!.flush();
      await notifier.close();
    });

    app.supervisor.start();
    const logged = await app.log.waitForMessage(/^restart \d+\/10 in /);
    const notified = await notifyLog.waitForMessage(/^notification: flaky crashed/);

    expect(logged.msg).toBe('restart 1/10 in 1s');
    expect(notified.detail).toMatch(/\nRestart attempt 1 in 1 second\.$/);
  });
});
