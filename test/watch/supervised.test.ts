import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { watchSchema } from '../../src/config/schema/watch.js';
import { AppWatcher } from '../../src/watch/app-watcher.js';
import { nodeCommand } from '../helpers/fixtures.js';
import { useSupervisors } from '../helpers/supervisor.js';

/*
 * The watcher with the real AppSupervisor and a real child: a save
 * replaces the process at once, as a restart that is not a crash.
 */
const supervisors = useSupervisors();

describe('AppWatcher with the supervisor', () => {
  it('replaces the process on a save without a crash', async () => {
    const { supervisor, bus, recorder, crashes, log, dir } = await supervisors.setup({
      name: 'web',
      command: nodeCommand('forever.mjs'),
      logs: { console: 'never' },
    });
    await writeFile(path.join(dir, 'app.py'), 'print("v1")\n');

    const watcher = new AppWatcher({
      app: 'web',
      config: watchSchema.parse({}),
      baseDir: dir,
      handle: supervisor,
      logger: log.logger,
      bus,
    });
    supervisors.onCleanUp(() => watcher.stop());

    supervisor.start();
    const [first] = await recorder.waitFor('app:ready');
    await watcher.start();

    await writeFile(path.join(dir, 'app.py'), 'print("v2")\n');
    const spawns = await recorder.waitFor('app:spawn', () => true, 2);
    await recorder.waitFor('app:ready', () => true, 2);

    expect(spawns[1]!.payload.pid).not.toBe(first!.payload.pid);
    const requests = recorder.of('app:restart-requested');
    expect(requests).toHaveLength(1);
    expect(requests[0]!.payload.accepted).toBe(true);
    expect(requests[0]!.payload.request).toEqual({
      cause: 'watch',
      reason: 'files changed: app.py',
    });
    expect(recorder.of('app:exit')[0]!.payload.expected).toBe(true);
    expect(crashes).toEqual([]);
  });
});
