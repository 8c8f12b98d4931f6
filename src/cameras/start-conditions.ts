import { access } from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseHostPort, type StartConditionConfig } from '../config/schema/cameras.js';
import { formatSeconds } from './format.js';
import { isMountPoint } from './mounts.js';
import { probeTcp } from './tcp.js';
import type { CameraLogger, ProbeResult } from './types.js';

export interface StartConditionDeps {
  isAppReady(name: string): boolean;
  probeCamera(name: string): Promise<ProbeResult>;
  logger: CameraLogger;
  /** Aborting ends the wait with met: false (the runner is stopping). */
  signal: AbortSignal;
  /** Pause between checks of an unmet condition; 1 s by default. */
  pollIntervalMs?: number;
  /** Pause between "still waiting" log lines; 5 s by default. */
  logIntervalMs?: number;
}

export interface StartConditionsResult {
  met: boolean;
  waitedMs: number;
  /** The first condition that was not met, and why. */
  failed?: string;
}

interface Check {
  met: boolean;
  detail: string;
}

const DEFAULT_POLL_INTERVAL_MS = 1000;
const DEFAULT_LOG_INTERVAL_MS = 5000;
/** A single TCP check never takes longer than this, so a slow network still gets several tries. */
const MAX_TCP_CHECK_MS = 5000;

/**
 * Wait until every start condition holds, each within its own timeout,
 * checking them side by side. Logs what it waits for every few seconds.
 * Returns met: false as soon as one condition times out or `signal` aborts.
 */
export async function waitForStartConditions(
  conditions: readonly StartConditionConfig[],
  deps: StartConditionDeps,
): Promise<StartConditionsResult> {
  const start = performance.now();
  if (conditions.length === 0) return { met: true, waitedMs: 0 };

  // One failure ends the wait for the others too.
  const controller = new AbortController();
  const onAbort = () => controller.abort();
  deps.signal.addEventListener('abort', onAbort, { once: true });
  if (deps.signal.aborted) controller.abort();

  let failed: string | undefined;
  try {
    await Promise.all(
      conditions.map(async (condition) => {
        const outcome = await waitForOne(condition, deps, controller.signal);
        if (outcome !== undefined && failed === undefined) {
          failed = outcome;
          controller.abort();
        }
      }),
    );
  } finally {
    deps.signal.removeEventListener('abort', onAbort);
  }

  if (failed === undefined && deps.signal.aborted)
    failed = 'stopped while waiting for start conditions';
  const waitedMs = Math.round(performance.now() - start);
  return failed === undefined ? { met: true, waitedMs } : { met: false, waitedMs, failed };
}

/** Wait for one condition; returns why it failed, or undefined when met or cancelled. */
async function waitForOne(
  condition: StartConditionConfig,
  deps: StartConditionDeps,
  signal: AbortSignal,
): Promise<string | undefined> {
  const name = describeCondition(condition);
  const pollMs = deps.pollIntervalMs ?? DEFAULT_POLL_INTERVAL_MS;
  const logMs = deps.logIntervalMs ?? DEFAULT_LOG_INTERVAL_MS;
  const start = performance.now();
  const deadline = start + condition.timeout;
  let lastLog: number | undefined;

  for (;;) {
    if (signal.aborted) return undefined;
    const check = await checkCondition(condition, deps, deadline - performance.now());
    const now = performance.now();
    const waited = now - start;

    if (check.met) {
      if (lastLog !== undefined) {
        deps.logger.info(
          { condition: name, waitedMs: Math.round(waited) },
          `start condition met after ${formatSeconds(waited)}: ${name}`,
        );
      }
      return undefined;
    }
    if (now >= deadline) {
      const reason = `${name}: not met within ${formatSeconds(condition.timeout)} (last check: ${check.detail})`;
      deps.logger.error(
        { condition: name, waitedMs: Math.round(waited) },
        `start condition failed: ${reason}`,
      );
      return reason;
    }
    if (lastLog === undefined || now - lastLog >= logMs) {
      lastLog = now;
      deps.logger.info(
        { condition: name, waitedMs: Math.round(waited), timeoutMs: condition.timeout },
        `waiting for ${name} (${formatSeconds(waited)} of ${formatSeconds(condition.timeout)}): ${check.detail}`,
      );
    }

    try {
      await sleep(Math.min(pollMs, deadline - now), undefined, { signal });
    } catch {
      return undefined;
    }
  }
}

export function describeCondition(condition: StartConditionConfig): string {
  if (condition.device !== undefined) return `device ${condition.device} present`;
  if (condition.tcp !== undefined) return `tcp ${condition.tcp} reachable`;
  if (condition.camera !== undefined) return `camera ${condition.camera} online`;
  if (condition.mounted !== undefined) return `${condition.mounted} mounted`;
  if (condition.app !== undefined) return `app ${condition.app} ready`;
  return 'an empty start condition';
}

async function checkCondition(
  condition: StartConditionConfig,
  deps: StartConditionDeps,
  remainingMs: number,
): Promise<Check> {
  if (condition.device !== undefined) {
    const present = await access(condition.device).then(
      () => true,
      () => false,
    );
    return { met: present, detail: present ? 'present' : 'not present' };
  }

  if (condition.tcp !== undefined) {
    const address = parseHostPort(condition.tcp);
    if (!address) return { met: false, detail: `invalid host:port "${condition.tcp}"` };
    const host = address.host.includes(':') ? `[${address.host}]` : address.host;
    const timeoutMs = Math.max(100, Math.min(MAX_TCP_CHECK_MS, remainingMs));
    const result = await probeTcp(`tcp://${host}:${address.port}`, { timeoutMs });
    return { met: result.status === 'online', detail: result.detail };
  }

  if (condition.camera !== undefined) {
    try {
      const result = await deps.probeCamera(condition.camera);
      return { met: result.status === 'online', detail: `${result.status}: ${result.detail}` };
    } catch (error) {
      return { met: false, detail: error instanceof Error ? error.message : String(error) };
    }
  }

  if (condition.mounted !== undefined) {
    const mounted = await isMountPoint(condition.mounted);
    return { met: mounted, detail: mounted ? 'mounted' : 'not a mount point' };
  }

  if (condition.app !== undefined) {
    const ready = deps.isAppReady(condition.app);
    return { met: ready, detail: ready ? 'ready' : 'not ready' };
  }

  return {
    met: false,
    detail: 'the condition names nothing to wait for: set device, tcp, camera, mounted or app',
  };
}
