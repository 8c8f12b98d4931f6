import type { AppState, EventMap } from '../events.js';
import type { Runner } from '../runner.js';
import { HttpError } from './http.js';

export const APP_ACTIONS = ['restart', 'stop', 'start'] as const;
export type AppAction = (typeof APP_ACTIONS)[number];

export interface ActionResult {
  app: string;
  action: AppAction;
  /** State after the action: `stopped` after a stop, the new state after a start or restart. */
  state: AppState;
  detail: string;
}

/**
 * Carry out restart, stop or start on one app through its supervisor, like
 * `supervisorctl restart|stop|start`. A restart of a stopped or fatal app
 * starts it. A stop resolves once the process tree is gone.
 */
export async function runAppAction(
  runner: Runner,
  name: string,
  action: AppAction,
  reason: string,
): Promise<ActionResult> {
  const supervisor = runner.supervisors.get(name);
  if (supervisor === undefined) {
    const known = [...runner.supervisors.keys()].join(', ') || 'none';
    throw new HttpError(404, 'unknown app', `no app named "${name}"; apps: ${known}`);
  }
  const result = (detail: string): ActionResult => ({
    app: name,
    action,
    state: supervisor.state,
    detail,
  });

  if (action === 'stop') {
    if (supervisor.state === 'stopped') return result('already stopped');
    await supervisor.stop(reason);
    return result('stopped');
  }

  if (action === 'start' || supervisor.state === 'stopped' || supervisor.state === 'fatal') {
    if (supervisor.state !== 'stopped' && supervisor.state !== 'fatal') {
      throw new HttpError(
        409,
        'app is not stopped',
        `"${name}" is ${supervisor.state}; use restart to restart it`,
      );
    }
    supervisor.start();
    return result(action === 'start' ? 'started' : 'was not running; started');
  }

  // requestRestart reports a rejection through the bus, synchronously, with the reason.
  let rejection: string | undefined;
  const listener = (event: EventMap['app:restart-requested']): void => {
    if (event.app === name && !event.accepted) rejection = event.why;
  };
  const off = runner.bus.on('app:restart-requested', listener);
  let accepted: boolean;
  try {
    accepted = supervisor.requestRestart({ cause: 'manual', reason });
  } finally {
    off();
  }
  if (!accepted) {
    throw new HttpError(
      409,
      'restart rejected',
      `"${name}" cannot restart now: ${rejection ?? `it is ${supervisor.state}`}; try again in a moment`,
    );
  }
  return result('restart requested');
}
