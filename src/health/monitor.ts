import type http from 'node:http';
import { performance } from 'node:perf_hooks';
import type { Logger } from 'pino';
import type { HealthConfig } from '../config/schema/health.js';
import { redactText } from '../crash/redact.js';
import type { EventBus, EventMap, HealthState } from '../events.js';
import type { SupervisorHandle } from '../supervisor/handle.js';
import { checkHealth, createHealthAgent, type HealthCheckResult } from './check.js';
import { type DeviceReport, describeOffline } from './devices.js';

export interface HealthMonitorOptions {
  app: string;
  /** Checked as given, so resolve wildcard hosts first (resolveHealthUrl, defaultHealthUrl). */
  url: string;
  config: HealthConfig;
  handle: SupervisorHandle;
  bus: EventBus;
  logger: Logger;
  /**
   * Whether timed-out checks count toward failureThreshold. The camera
   * monitor returns false during a network interruption, because then the
   * app is not the cause. Refused connections and HTTP errors always count.
   */
  countTimeouts?: () => boolean;
}

export type DevicesListener = (devices: readonly DeviceReport[]) => void;

/**
 * Periodic HTTP health checks of one app. It never acts on the process
 * itself: it marks the app ready, reports health and requests a restart from
 * the supervisor through the SupervisorHandle.
 *
 * Call start() once, onAppStarted() after every spawn, onAppStopped() after
 * every exit, and stop() when the runner shuts down.
 */
export class HealthMonitor {
  private readonly app: string;
  private readonly url: string;
  private readonly config: HealthConfig;
  private readonly handle: SupervisorHandle;
  private readonly bus: EventBus;
  private readonly logger: Logger;
  private readonly countTimeouts: () => boolean;
  private readonly agent: http.Agent;
  private readonly deviceListeners = new Set<DevicesListener>();

  private running = false;
  private appUp = false;
  /** True from a spawn until the first passing check. */
  private awaitingReady = false;
  private childStartedAt = 0;
  private failures = 0;
  /** Bumped on every start and stop of the child, so a late result of an old child is dropped. */
  private generation = 0;
  private timer: NodeJS.Timeout | undefined;
  private inFlight: AbortController | undefined;
  private currentState: HealthState = 'unknown';
  private latestResult: HealthCheckResult | undefined;
  private latestResultAt: string | undefined;
  private latestDevices: readonly DeviceReport[] = [];

  constructor(options: HealthMonitorOptions) {
    this.app = options.app;
    this.url = options.url;
    this.config = options.config;
    this.handle = options.handle;
    this.bus = options.bus;
    this.logger = options.logger;
    this.countTimeouts = options.countTimeouts ?? (() => true);
    this.agent = createHealthAgent(options.url);
  }

  /** The result of the latest check of the current or previous child. */
  get lastResult(): HealthCheckResult | undefined {
    return this.latestResult;
  }

  /** Wall-clock ISO time when lastResult arrived, for crash reports and status. */
  get lastCheckAt(): string | undefined {
    return this.latestResultAt;
  }

  get state(): HealthState {
    return this.currentState;
  }

  /** Devices from the latest parsed body, empty after a spawn until the first such body. */
  get devices(): readonly DeviceReport[] {
    return this.latestDevices;
  }

  /**
   * Subscribe to device lists: listener runs after every check that returned a
   * body. Returns the function that unsubscribes.
   */
  onDevices(listener: DevicesListener): () => void {
    this.deviceListeners.add(listener);
    return () => this.deviceListeners.delete(listener);
  }

  /** Begin monitoring. A child that already runs is treated as just started. */
  start(): void {
    if (this.running) return;
    this.running = true;
    this.logger.info({ app: this.app, url: redactText(this.url) }, 'health monitor started');
    if (this.handle.pid !== undefined && !this.appUp) this.onAppStarted();
  }

  /** End monitoring: cancel the timer and any check in flight, close idle sockets. */
  stop(): void {
    if (!this.running) return;
    this.running = false;
    this.appUp = false;
    this.generation++;
    this.cancelPending();
    this.agent.destroy();
  }

  /** Reset for a newly spawned child: a new start period begins and the failure count resets. */
  onAppStarted(): void {
    this.generation++;
    this.cancelPending();
    this.appUp = true;
    this.awaitingReady = true;
    this.childStartedAt = this.handle.startedAt ?? performance.now();
    this.failures = 0;
    this.latestDevices = [];
    if (this.running) this.schedule(this.config.startInterval);
  }

  /** Pause checks after the child exited, until the next onAppStarted(). */
  onAppStopped(): void {
    this.generation++;
    this.cancelPending();
    this.appUp = false;
    this.awaitingReady = false;
    this.failures = 0;
    this.setState('unknown', 'app stopped', []);
  }

  private cancelPending(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    this.inFlight?.abort();
    this.inFlight = undefined;
  }

  private inStartPeriod(): boolean {
    return this.awaitingReady && performance.now() - this.childStartedAt < this.config.startPeriod;
  }

  /** Schedule the next check delayMs after the previous one ended, so checks never overlap. */
  private schedule(delayMs: number): void {
    clearTimeout(this.timer);
    const generation = this.generation;
    this.timer = setTimeout(() => void this.runCheck(generation), delayMs);
    // The supervised child keeps the runner alive, not this timer.
    this.timer.unref();
  }

  private async runCheck(generation: number): Promise<void> {
    this.timer = undefined;
    if (!this.running || !this.appUp || generation !== this.generation) return;

    // While the supervisor stops or restarts the app, a failing check means nothing.
    const appState = this.handle.state;
    if (appState !== 'starting' && appState !== 'running') {
      this.schedule(this.nextDelay());
      return;
    }

    const controller = new AbortController();
    this.inFlight = controller;
    const result = await checkHealth(this.url, {
      timeoutMs: this.config.timeout,
      maxBodyBytes: this.config.maxBodySize,
      agent: this.agent,
      signal: controller.signal,
    });
    if (this.inFlight === controller) this.inFlight = undefined;
    if (!this.running || generation !== this.generation) return;

    try {
      this.handleResult(result);
    } catch (error) {
      this.logger.error({ app: this.app, err: error }, 'health check result handling failed');
    }
    if (this.running && this.appUp && generation === this.generation) {
      this.schedule(this.nextDelay());
    }
  }

  private nextDelay(): number {
    return this.inStartPeriod() ? this.config.startInterval : this.config.interval;
  }

  private handleResult(result: HealthCheckResult): void {
    const duringStartPeriod = this.inStartPeriod();
    this.latestResult = result;
    this.latestResultAt = new Date().toISOString();

    const event: EventMap['health:check'] = {
      app: this.app,
      ok: result.ok,
      durationMs: result.durationMs,
    };
    if (result.httpStatus !== undefined) event.httpStatus = result.httpStatus;
    if (result.error !== undefined) event.error = result.error;
    this.bus.emit('health:check', event);
    this.logger.debug({ ...event, timedOut: result.timedOut }, 'health check');

    if (result.verdict) this.publishDevices(result.verdict.devices);
    // Degraded counts as healthy here: the app is up even when a camera is not.
    this.handle.reportHealth(result.ok);

    if (result.ok) {
      this.failures = 0;
      if (this.awaitingReady) {
        this.awaitingReady = false;
        this.handle.markReady('health');
      }
      const verdict = result.verdict;
      if (verdict) this.setState(verdict.state, verdict.reason, verdict.devices);
      return;
    }

    const error = result.error ?? 'health check failed';
    if (duringStartPeriod) {
      this.logger.debug(
        { app: this.app, error },
        'health check failed during the start period; not counted',
      );
      return;
    }
    this.setState('unhealthy', error, result.verdict?.devices ?? []);
    if (result.timedOut && !this.timeoutsCount()) {
      this.logger.info(
        { app: this.app, error },
        'health check timed out during a network interruption; not counted',
      );
      return;
    }

    this.failures++;
    if (this.failures < this.config.failureThreshold) return;

    const reason = `${this.failures} health checks failed: ${error}`;
    this.failures = 0;
    const accepted = this.handle.requestRestart(
      result.timedOut ? { cause: 'health', reason, category: 'hang' } : { cause: 'health', reason },
    );
    this.logger.warn(
      { app: this.app, reason, accepted },
      'restart requested after failed health checks',
    );
  }

  private timeoutsCount(): boolean {
    try {
      return this.countTimeouts();
    } catch (error) {
      this.logger.error(
        { app: this.app, err: error },
        'countTimeouts failed; counting the timeout',
      );
      return true;
    }
  }

  private publishDevices(devices: readonly DeviceReport[]): void {
    this.latestDevices = devices;
    for (const listener of this.deviceListeners) {
      try {
        listener(devices);
      } catch (error) {
        this.logger.error({ app: this.app, err: error }, 'device listener failed');
      }
    }
  }

  private setState(to: HealthState, detail: string, devices: readonly DeviceReport[]): void {
    const from = this.currentState;
    if (from === to) return;
    this.currentState = to;
    this.bus.emit('health:state', { app: this.app, from, to, detail });

    const offline = describeOffline(devices);
    const fields =
      offline === ''
        ? { app: this.app, from, to, detail }
        : { app: this.app, from, to, detail, offline };
    if (to === 'healthy') this.logger.info(fields, 'app healthy');
    else if (to === 'degraded') this.logger.warn(fields, 'app degraded');
    else if (to === 'unhealthy') this.logger.warn(fields, 'app unhealthy');
    else this.logger.debug(fields, 'app health unknown');
  }
}
