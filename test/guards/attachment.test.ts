import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { appSchema } from '../../src/config/schema/app.js';
import type { CrashContext } from '../../src/crash/report.js';
import { EventBus } from '../../src/events.js';
import { createGuards } from '../../src/guards/attachment.js';
import type { PreStartHook } from '../../src/supervisor/handle.js';
import { TempDirs } from '../helpers/temp.js';
import { RecordingHandle, recordingLogger } from './helpers.js';
import { createDatabase, overwriteMiddlePages } from './sqlite-helpers.js';

let dir: string;
const temp = new TempDirs();

beforeEach(async () => {
  dir = await temp.make('crashproof-attach-');
});

afterEach(async () => {
  await temp.removeAll();
});

function build(config: Record<string, unknown>) {
  const app = appSchema.parse({ name: 'cams', command: ['python3', 'app.py'], ...config });
  const hooks: PreStartHook[] = [];
  const incidents: unknown[] = [];
  const handle = new RecordingHandle('cams', process.pid);
  const guards = createGuards({
    app,
    baseDir: dir,
    handle,
    bus: new EventBus(),
    logger: recordingLogger(),
    addPreStartHook: (hook) => hooks.push(hook),
    onIncident: (incident) => incidents.push(incident),
  });
  return { guards, hooks, incidents };
}

describe('createGuards', () => {
  it('builds nothing for an app without guards', () => {
    const { guards, hooks } = build({});
    expect(guards.attachments).toEqual([]);
    expect(hooks).toEqual([]);
    expect(guards.status()).toEqual({});
  });

  it('repairs config files and databases before a start', async () => {
    await mkdir(path.join(dir, 'data'));
    createDatabase(path.join(dir, 'data', 'app.db'), 3000);
    await writeFile(path.join(dir, 'settings.json'), '{"port": 7777}');
    const { guards, hooks, incidents } = build({
      databases: { files: ['data/app.db'], freshOnCorruption: true },
      configFiles: { files: ['settings.json'] },
      memory: { maxMemory: '2GiB', sampleInterval: '100ms' },
      schedule: { restartAt: '03:30' },
    });
    expect(hooks).toHaveLength(2);
    expect(guards.attachments).toHaveLength(4);

    const first = { app: 'cams', uncleanExit: false, killedAfterTimeout: false, firstStart: true };
    for (const hook of hooks) await hook(first);
    await writeFile(path.join(dir, 'settings.json'), '{"port": ');
    await overwriteMiddlePages(path.join(dir, 'data', 'app.db'));

    for (const hook of hooks) await hook({ ...first, uncleanExit: true, firstStart: false });
    expect(incidents).toHaveLength(2);
    expect(incidents[0]).toMatchObject({
      action: 'restored',
      file: path.join(dir, 'settings.json'),
    });
    expect(incidents[1]).toMatchObject({ action: 'fresh', category: 'database' });
  });

  it('adds memory to status and crash context', async () => {
    const { guards } = build({ memory: { maxMemory: '2GiB', sampleInterval: '1s' } });
    await guards.memory!.sampleOnce();

    const context: CrashContext = {
      health: null,
      healthTimedOut: false,
      cameras: [],
      memory: null,
    };
    guards.attachments[0]!.contribute!(context);
    expect(context.memory?.rssBytes).toBeGreaterThan(0);
    expect(context.memory?.limitBytes).toBe(2 * 2 ** 30);
    expect(guards.status()).toHaveProperty('resources.rssBytes', context.memory?.rssBytes);
  });

  it('plans the next scheduled restart on start', () => {
    const { guards } = build({ schedule: { cron: '0 4 * * *', timeZone: 'utc' } });
    const [attachment] = guards.attachments;
    attachment!.start();
    const next = guards.status().nextScheduledRestart as number;
    expect(new Date(next).getUTCHours()).toBe(4);
    attachment!.stop();
    expect(guards.status().nextScheduledRestart).toBeNull();
  });
});
