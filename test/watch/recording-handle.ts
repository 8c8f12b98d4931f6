import type { AppState, RestartRequest } from '../../src/events.js';
import type { SupervisorHandle } from '../../src/supervisor/handle.js';

/**
 * A SupervisorHandle that records what the watcher requests. It is the
 * supervisor's interface, not a process: the watcher never touches one.
 */
export class RecordingHandle implements SupervisorHandle {
  state: AppState = 'running';
  pid: number | undefined = undefined;
  startedAt: number | undefined = performance.now();
  readonly restarts: RestartRequest[] = [];
  readonly signals: NodeJS.Signals[] = [];
  acceptRestarts = true;

  constructor(readonly name: string) {}

  requestRestart(request: RestartRequest): boolean {
    this.restarts.push(request);
    return this.acceptRestarts;
  }

  markReady(): void {}

  reportHealth(): void {}

  signal(signal: NodeJS.Signals): boolean {
    this.signals.push(signal);
    return true;
  }
}
