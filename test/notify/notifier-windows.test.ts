import { afterEach, describe, expect, it } from 'vitest';
import { notifySchema } from '../../src/config/schema/notify.js';
import { EventBus } from '../../src/events.js';
import { createNotifier, type Notifier } from '../../src/notify/notifier.js';
import { type LogRecord, memoryLogger } from '../helpers/logger.js';
import { waitFor } from '../helpers/wait.js';
import { emitCrash } from './helpers.js';

let notifier: Notifier | undefined;

afterEach(async () => {
  await notifier?.close();
  notifier = undefined;
});

/** Start a notifier without receivers: it still logs every message, and these tests read the log. */
function start(aggregateWindow: string) {
  const bus = new EventBus();
  const { logger, records } = memoryLogger();
  notifier = createNotifier({ config: notifySchema.parse({ aggregateWindow }), bus, logger });
  const sent = (): LogRecord[] => records.filter((record) => record.notification !== undefined);
  return { bus, sent, kinds: () => sent().map((record) => record.notification) };
}

function cameraChange(bus: EventBus, from: 'online' | 'offline', to: 'online' | 'offline'): void {
  bus.emit('camera:state', { camera: 'front-door', from, to, detail: `probe: ${to}` });
}

describe('camera changes within the window', () => {
  it('send one held change as an ordinary message, not as flapping', async () => {
    const { bus, sent } = start('200ms');
    cameraChange(bus, 'online', 'offline');
    cameraChange(bus, 'offline', 'online');

    await waitFor(() => sent().length === 2, 'the held change at the end of the window');
    expect(sent().map((record) => [record.notification, record.msg])).toEqual([
      ['camera', 'notification: camera front-door is offline'],
      ['camera', 'notification: camera front-door is online'],
    ]);
  });

  it('send one held change as an ordinary message at shutdown', async () => {
    const { bus, sent } = start('1h');
    cameraChange(bus, 'online', 'offline');
    cameraChange(bus, 'offline', 'online');
    await notifier!.close();

    expect(sent().map((record) => record.notification)).toEqual(['camera', 'camera']);
    expect(sent()[1]!.detail).toBe('front-door: offline -> online. probe: online');
  });

  it('call two held changes flapping', async () => {
    const { bus, sent } = start('1h');
    cameraChange(bus, 'online', 'offline');
    cameraChange(bus, 'offline', 'online');
    cameraChange(bus, 'online', 'offline');
    await notifier!.close();

    expect(sent().map((record) => record.notification)).toEqual(['camera', 'camera-summary']);
    expect(sent()[1]!.msg).toBe('notification: camera front-door is flapping');
  });
});

describe('recoveries of a flapping app', () => {
  it('send one recovery per window, none when the app crashed after the last', async () => {
    const { bus, kinds } = start('300ms');
    for (let cycle = 1; cycle <= 3; cycle++) {
      emitCrash(bus, 'tapo-webapp', 'network', cycle);
      bus.emit('app:recovered', { app: 'tapo-webapp', afterCrashes: 1 });
    }
    emitCrash(bus, 'tapo-webapp', 'network', 4);

    // The crash window opened after the recovery window, so it ends last.
    await waitFor(() => kinds().includes('crash-summary'), 'the crash summary');
    await notifier!.close();
    expect(kinds()).toEqual(['crash', 'recovered', 'crash', 'crash-summary']);
  });

  it('send the latest held recovery when the app stayed up', async () => {
    const { bus, sent, kinds } = start('300ms');
    emitCrash(bus, 'tapo-webapp', 'network', 1);
    bus.emit('app:recovered', { app: 'tapo-webapp', afterCrashes: 1 });
    emitCrash(bus, 'tapo-webapp', 'network', 1);
    bus.emit('app:recovered', { app: 'tapo-webapp', afterCrashes: 2 });

    await waitFor(() => sent().length === 4, 'the held recovery at the end of the window');
    expect(kinds()).toEqual(['crash', 'recovered', 'crash', 'recovered']);
    expect(sent()[3]!.detail).toBe('tapo-webapp has been healthy again after 2 crashes.');
  });

  it('keep apps apart', async () => {
    const { bus, kinds } = start('1h');
    bus.emit('app:recovered', { app: 'a', afterCrashes: 1 });
    bus.emit('app:recovered', { app: 'b', afterCrashes: 1 });
    expect(kinds()).toEqual(['recovered', 'recovered']);
  });
});
