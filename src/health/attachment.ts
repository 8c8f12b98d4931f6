import type { Logger } from 'pino';
import type { AppConfig } from '../config/schema/app.js';
import type { CrashContext } from '../crash/report.js';
import type { EventBus } from '../events.js';
import type { AppAttachment } from '../runner.js';
import type { SupervisorHandle } from '../supervisor/handle.js';
import { HealthMonitor } from './monitor.js';
import { defaultHealthUrl, resolveHealthUrl } from './url.js';

export interface HealthAttachmentOptions {
  app: AppConfig;
  handle: SupervisorHandle;
  bus: EventBus;
  logger: Logger;
  /** See HealthMonitorOptions.countTimeouts: false during a network interruption. */
  countTimeouts?: () => boolean;
}

export interface HealthAttachment extends AppAttachment {
  readonly monitor: HealthMonitor;
}

/**
 * Resolve the URL to check for an app: health.url with a wildcard host moved
 * to loopback, or http://<host>:<port>/api/health. Returns undefined when the
 * app has no health section. Throws an error that names the fix when neither
 * health.url nor port is set.
 */
export function healthUrlFor(app: AppConfig): string | undefined {
  if (!app.health) return undefined;
  if (app.health.url !== undefined) return resolveHealthUrl(app.health.url);
  if (app.port !== undefined) return defaultHealthUrl(app.host, app.port);
  throw new Error(
    `app "${app.name}" has a health check but neither health.url nor port: set port: 7777 or ` +
      `health.url: "http://127.0.0.1:7777/api/health"`,
  );
}

/**
 * Build the health monitor of an app as a runner attachment: it follows the
 * app's spawns and exits on the event bus and adds the last check to crash
 * reports. Returns undefined when the app has no health section.
 */
export function createHealthAttachment(
  options: HealthAttachmentOptions,
): HealthAttachment | undefined {
  const { app, handle, bus, logger } = options;
  const url = healthUrlFor(app);
  if (url === undefined || app.health === undefined) return undefined;

  const monitor = new HealthMonitor({
    app: app.name,
    url,
    config: app.health,
    handle,
    bus,
    logger,
    ...(options.countTimeouts ? { countTimeouts: options.countTimeouts } : {}),
  });
  let unsubscribe: Array<() => void> = [];

  return {
    monitor,

    start(): void {
      unsubscribe = [
        bus.on('app:spawn', (event) => {
          if (event.app === app.name) monitor.onAppStarted();
        }),
        bus.on('app:exit', (event) => {
          if (event.app === app.name) monitor.onAppStopped();
        }),
      ];
      monitor.start();
    },

    stop(): void {
      for (const off of unsubscribe) off();
      unsubscribe = [];
      monitor.stop();
    },

    contribute(context: CrashContext): void {
      // The app has exited by the time a crash report is written, and the
      // monitor is then "unknown": report the state of the last check instead.
      const result = monitor.lastResult;
      const at = monitor.lastCheckAt;
      if (result === undefined || at === undefined) {
        context.health = { state: monitor.state, lastCheck: undefined };
        return;
      }

      const lastCheck: NonNullable<CrashContext['health']>['lastCheck'] = {
        ok: result.ok,
        durationMs: result.durationMs,
        at,
      };
      if (result.httpStatus !== undefined) lastCheck.httpStatus = result.httpStatus;
      if (result.error !== undefined) lastCheck.error = result.error;
      const state = result.ok ? (result.verdict?.state ?? 'healthy') : 'unhealthy';
      context.health = { state, lastCheck };
      context.healthTimedOut = result.timedOut;
    },
  };
}
