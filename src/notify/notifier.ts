import { join } from 'node:path';
import type { Logger } from 'pino';
import type { NotifyConfig } from '../config/schema/notify.js';
import type { CrashCategory } from '../crash/categories.js';
import type { EventBus, EventMap, EventName } from '../events.js';
import { WindowAggregator } from './aggregate.js';
import type { Channel } from './channel.js';
import { ChannelQueue, type ChannelStats } from './channel-queue.js';
import { createCommandChannel } from './command.js';
import { FailureLog } from './failure-log.js';
import {
  cameraMessage,
  cameraSummaryMessage,
  crashMessage,
  crashSummaryMessage,
  EVENT_OF_KIND,
  fatalMessage,
  type NotifyMessage,
  recoveredMessage,
} from './message.js';
import { createWebhookChannel } from './webhook.js';

export interface NotifierOptions {
  config: NotifyConfig;
  bus: EventBus;
  logger: Logger;
  /** Crash report directory, for events that carry a report id but no path. */
  reportDir?: string;
  /** How long close() waits for queued deliveries before it aborts them (default 5 s). */
  closeTimeoutMs?: number;
  /** Clock for message times; tests pass a fixed one. */
  now?: () => Date;
}

export interface Notifier {
  /** Send held summaries, deliver what is queued (bounded by closeTimeoutMs) and unsubscribe. */
  close(): Promise<void>;
  /** Per-receiver counts: sent, failed, dropped, queued. */
  stats(): ChannelStats[];
}

const DEFAULT_CLOSE_TIMEOUT_MS = 5000;

/** A recovery held within the window, with the app's crash count when it came. */
interface HeldRecovery {
  event: EventMap['app:recovered'];
  crashesBefore: number;
}

/**
 * Send notifications for crashes, fatal apps, recoveries and camera state
 * changes. Listeners only build the message and queue it, so the emitter is
 * never delayed; each receiver has its own bounded queue and worker. Every
 * message is logged; webhooks and commands get those that `events` selects,
 * unless `enabled` is false.
 */
export function createNotifier(options: NotifierOptions): Notifier {
  const { config, bus, logger } = options;
  const now = options.now ?? (() => new Date());
  const abort = new AbortController();
  const failures = new FailureLog(logger, config.failureLogInterval);

  const channels: Channel[] = config.enabled
    ? [
        ...config.webhooks.map((webhook, index) => createWebhookChannel(webhook, index)),
        ...config.commands.map((command, index) => createCommandChannel(command, index)),
      ]
    : [];
  const queues = channels.map(
    (channel) => new ChannelQueue(channel, config.queueSize, failures, abort.signal),
  );
  const selected = new Set(config.events);

  const dispatch = (message: NotifyMessage) => {
    logMessage(logger, message);
    if (!selected.has(EVENT_OF_KIND[message.kind])) return;
    for (const queue of queues) queue.push(message);
  };

  const crashes = new WindowAggregator<CrashCategory>(
    config.aggregateWindow,
    (app, held, windowMs) => dispatch(crashSummaryMessage(app, held, windowMs, now())),
  );
  const cameras = new WindowAggregator<EventMap['camera:state']>(
    config.aggregateWindow,
    (camera, held, windowMs) =>
      // Flapping takes two changes or more; one change is an ordinary camera message.
      dispatch(
        held.length === 1
          ? cameraMessage(held[0]!, now())
          : cameraSummaryMessage(camera, held, windowMs, now()),
      ),
  );

  // Crash reports per app, so a held recovery can tell whether the app crashed again since.
  const crashCounts = new Map<string, number>();
  // A second recovery within the window is held: an app that keeps recovering
  // and crashing would otherwise send one per cycle. At the window's end the
  // latest one goes out, unless the app crashed after it.
  const recoveries = new WindowAggregator<HeldRecovery>(config.aggregateWindow, (app, held) => {
    const last = held[held.length - 1]!;
    if ((crashCounts.get(app) ?? 0) !== last.crashesBefore) return;
    crashes.flush(app);
    dispatch(recoveredMessage(last.event, now()));
  });

  const unsubscribers = [
    listen(bus, logger, 'crash:report', (event) => {
      crashCounts.set(event.app, (crashCounts.get(event.app) ?? 0) + 1);
      if (!crashes.add(event.app, event.category)) return;
      const reportPath =
        event.reportPath ??
        (options.reportDir === undefined
          ? undefined
          : join(options.reportDir, `${event.reportId}.json`));
      dispatch(crashMessage(event, reportPath, now()));
    }),
    listen(bus, logger, 'app:fatal', (event) => {
      crashes.flush(event.app);
      dispatch(fatalMessage(event, now()));
    }),
    listen(bus, logger, 'app:recovered', (event) => {
      const crashesBefore = crashCounts.get(event.app) ?? 0;
      if (!recoveries.add(event.app, { event, crashesBefore })) return;
      crashes.flush(event.app);
      dispatch(recoveredMessage(event, now()));
    }),
    listen(bus, logger, 'camera:state', (event) => {
      // The first successful probe after start-up is not news.
      if (event.from === 'unknown' && event.to === 'online') return;
      if (!cameras.add(event.camera, event)) return;
      dispatch(cameraMessage(event, now()));
    }),
  ];

  let closed: Promise<void> | undefined;
  const close = async () => {
    for (const unsubscribe of unsubscribers) unsubscribe();
    crashes.flushAll();
    recoveries.flushAll();
    cameras.flushAll();
    for (const queue of queues) queue.startClosing();

    const deadline = new AbortController();
    const timer = setTimeout(
      () => deadline.abort(),
      options.closeTimeoutMs ?? DEFAULT_CLOSE_TIMEOUT_MS,
    );
    const drained = Promise.all(queues.map((queue) => queue.idle()));
    await Promise.race([
      drained,
      new Promise((resolve) => deadline.signal.addEventListener('abort', resolve)),
    ]);
    clearTimeout(timer);

    if (deadline.signal.aborted) {
      const discarded = queues.reduce((sum, queue) => sum + queue.discard(), 0);
      abort.abort();
      await drained;
      logger.warn(
        { discarded },
        `notifications still pending at shutdown were abandoned: ${discarded} queued, plus any in flight`,
      );
    }
  };

  return {
    close: () => {
      closed ??= close();
      return closed;
    },
    stats: () => queues.map((queue) => queue.stats()),
  };
}

/** Subscribe so that an error in the notifier is logged and never reaches the emitter. */
function listen<K extends EventName>(
  bus: EventBus,
  logger: Logger,
  event: K,
  handler: (payload: EventMap[K]) => void,
): () => void {
  return bus.on(event, (payload) => {
    try {
      handler(payload);
    } catch (error) {
      logger.error({ err: error, event }, `notifier failed to handle ${event}`);
    }
  });
}

function logMessage(logger: Logger, message: NotifyMessage): void {
  const fields = {
    notification: message.kind,
    app: message.app,
    camera: message.camera,
    category: message.category,
    report: message.reportPath,
    detail: message.text,
  };
  if (message.severity === 'info') logger.info(fields, `notification: ${message.title}`);
  else logger.warn(fields, `notification: ${message.title}`);
}
