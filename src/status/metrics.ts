import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';
import type { AppState, EventBus } from '../events.js';
import type { Runner } from '../runner.js';
import type { EventStream } from './event-stream.js';
import type { StatusHistory } from './history.js';

const APP_STATES: readonly AppState[] = [
  'stopped',
  'starting',
  'running',
  'backoff',
  'stopping',
  'fatal',
];

const MISNAMED_DEFAULT_GAUGES = [
  'nodejs_active_handles_total',
  'nodejs_active_requests_total',
  'nodejs_active_resources_total',
];

/** Buckets for health checks, in seconds: a local FastAPI responds in milliseconds, and a stuck one times out. */
const HEALTH_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];

interface CameraReading {
  up: boolean;
  latencyMs: number | undefined;
}

/**
 * Prometheus metrics of the runner in a private registry (a library that
 * embeds crashproof keeps its own global registry clean). App and camera
 * values are read from the runner at scrape time; health check durations
 * and memory samples come from bus events.
 */
export class StatusMetrics {
  readonly registry = new Registry();
  private readonly memory = new Map<string, number>();
  private readonly cameraEvents = new Map<string, CameraReading>();
  private readonly healthApps = new Set<string>();
  private readonly unsubscribe: Array<() => void> = [];

  constructor(
    private readonly runner: Runner,
    history: StatusHistory,
    stream: EventStream,
  ) {
    const registers = [this.registry];
    // prom-client samples event-loop delay every 10 ms by default, which woke an
    // idle runner 100 times a second; once a second is enough for a gauge.
    collectDefaultMetrics({ register: this.registry, eventLoopMonitoringPrecision: 1000 });
    // prom-client 15 names these gauges *_total, which promtool's lint rejects
    // for non-counters; the per-type series without the suffix carry the same data.
    for (const name of MISNAMED_DEFAULT_GAUGES) this.registry.removeSingleMetric(name);

    new Gauge({
      name: 'crashproof_app_up',
      help: 'Whether the app is running (ready) under the runner: 1 or 0.',
      labelNames: ['app'],
      registers,
      collect: function () {
        this.reset();
        for (const [app, supervisor] of runner.supervisors)
          this.set({ app }, supervisor.state === 'running' ? 1 : 0);
      },
    });

    new Gauge({
      name: 'crashproof_app_state',
      help: 'Supervision state of the app: 1 for the current state, 0 for the others.',
      labelNames: ['app', 'state'],
      registers,
      collect: function () {
        this.reset();
        for (const [app, supervisor] of runner.supervisors)
          for (const state of APP_STATES)
            this.set({ app, state }, supervisor.state === state ? 1 : 0);
      },
    });

    new Counter({
      name: 'crashproof_app_restarts_total',
      help: 'Restarts of the app since the runner started, by cause.',
      labelNames: ['app', 'cause'],
      registers,
      collect: function () {
        this.reset();
        for (const [app, supervisor] of runner.supervisors)
          for (const [cause, count] of Object.entries(supervisor.snapshot().restarts))
            this.inc({ app, cause }, count ?? 0);
      },
    });

    new Counter({
      name: 'crashproof_app_crashes_total',
      help: 'Crash reports of the app since the runner started, by crash category.',
      labelNames: ['app', 'category'],
      registers,
      collect: function () {
        this.reset();
        for (const app of runner.supervisors.keys())
          for (const [category, count] of Object.entries(history.crashesByCategory(app)))
            this.inc({ app, category }, count ?? 0);
      },
    });

    new Gauge({
      name: 'crashproof_app_uptime_seconds',
      help: 'Seconds since the current process of the app was started; 0 without a process.',
      labelNames: ['app'],
      registers,
      collect: function () {
        this.reset();
        for (const [app, supervisor] of runner.supervisors)
          this.set({ app }, supervisor.snapshot().uptimeMs / 1000);
      },
    });

    const memory = this.memory;
    new Gauge({
      name: 'crashproof_app_resident_memory_bytes',
      help: 'Resident set size (RSS) of the app process tree at the last sample.',
      labelNames: ['app'],
      registers,
      collect: function () {
        this.reset();
        for (const [app, supervisor] of runner.supervisors) {
          const rss = memory.get(app);
          if (rss !== undefined && supervisor.pid !== undefined) this.set({ app }, rss);
        }
      },
    });

    const healthApps = this.healthApps;
    const healthDuration: Histogram<'app' | 'result'> = new Histogram({
      name: 'crashproof_health_check_duration_seconds',
      help: 'Duration of the HTTP health checks of the app, by result (ok or failed).',
      labelNames: ['app', 'result'],
      buckets: HEALTH_BUCKETS,
      registers,
      collect: () => {
        // Apps removed by a reload leave no stale series behind.
        for (const app of healthApps) {
          if (runner.supervisors.has(app)) continue;
          healthDuration.remove({ app, result: 'ok' });
          healthDuration.remove({ app, result: 'failed' });
          healthApps.delete(app);
        }
      },
    });

    const cameraUp: Gauge<'camera'> = new Gauge({
      name: 'crashproof_camera_up',
      help: 'Whether the last probe found the camera online: 1 or 0.',
      labelNames: ['camera'],
      registers,
      collect: () => {
        cameraUp.reset();
        for (const [camera, reading] of this.cameras())
          cameraUp.set({ camera }, reading.up ? 1 : 0);
      },
    });

    const cameraLatency: Gauge<'camera'> = new Gauge({
      name: 'crashproof_camera_probe_duration_seconds',
      help: 'Duration of the last successful probe of the camera.',
      labelNames: ['camera'],
      registers,
      collect: () => {
        cameraLatency.reset();
        for (const [camera, reading] of this.cameras())
          if (reading.latencyMs !== undefined)
            cameraLatency.set({ camera }, reading.latencyMs / 1000);
      },
    });

    new Gauge({
      name: 'crashproof_event_stream_clients',
      help: 'Clients connected to the event stream (/api/events).',
      registers,
      collect: function () {
        this.set(stream.clientCount);
      },
    });

    new Counter({
      name: 'crashproof_event_stream_dropped_clients_total',
      help: 'Event-stream clients disconnected because they stopped reading and their buffer filled.',
      registers,
      collect: function () {
        this.reset();
        this.inc(stream.droppedClients);
      },
    });

    this.subscribe(runner.bus, healthDuration);
  }

  get contentType(): string {
    return this.registry.contentType;
  }

  render(): Promise<string> {
    return this.registry.metrics();
  }

  close(): void {
    for (const off of this.unsubscribe) off();
    this.registry.clear();
  }

  private subscribe(bus: EventBus, healthDuration: Histogram<'app' | 'result'>): void {
    this.unsubscribe.push(
      bus.on('health:check', (event) => {
        this.healthApps.add(event.app);
        healthDuration.observe(
          { app: event.app, result: event.ok ? 'ok' : 'failed' },
          event.durationMs / 1000,
        );
      }),
      bus.on('resource:sample', (event) => this.memory.set(event.app, event.rssBytes)),
      bus.on('app:exit', (event) => this.memory.delete(event.app)),
      bus.on('camera:state', (event) =>
        this.cameraEvents.set(event.camera, {
          up: event.to === 'online',
          latencyMs: event.latencyMs,
        }),
      ),
    );
  }

  /** Cameras from the runner's camera monitor, completed by camera:state events. */
  private cameras(): Map<string, CameraReading> {
    const readings = new Map(this.cameraEvents);
    for (const camera of this.runner.cameraSnapshot()) {
      if (typeof camera.name !== 'string') continue;
      readings.set(camera.name, {
        up: camera.status === 'online',
        latencyMs: typeof camera.latencyMs === 'number' ? camera.latencyMs : undefined,
      });
    }
    return readings;
  }
}
