import { performance } from 'node:perf_hooks';
import { afterEach, describe, expect, it } from 'vitest';
import { EventBus } from '../../src/events.js';
import { type ScheduleClock, ScheduledRestart } from '../../src/guards/schedule.js';
import { RecordingHandle, recordingLogger, waitFor } from './helpers.js';

/** Build a wall clock that starts at startMs and runs `scale` times faster than real time. */
function scaledClock(startMs: number, scale: number): ScheduleClock & { timers: number } {
  const realStart = performance.now();
  const clock = {
    timers: 0,
    now: () => startMs + (performance.now() - realStart) * scale,
    setTimer: (fn: () => void, ms: number) => {
      clock.timers++;
      const timer = setTimeout(fn, ms / scale);
      return () => clearTimeout(timer);
    },
  };
  return clock;
}

const schedulers: ScheduledRestart[] = [];
afterEach(() => {
  for (const scheduler of schedulers.splice(0)) scheduler.dispose();
});

// One clock minute is 100 ms of real time.
const SCALE = 600;
const START = Date.UTC(2026, 0, 1, 3, 29, 0);

function setup(config: { restartAt?: string; cron?: string }) {
  const handle = new RecordingHandle('cams');
  const bus = new EventBus();
  const logger = recordingLogger();
  const clock = scaledClock(START, SCALE);
  const requestTimes: number[] = [];
  const original = handle.requestRestart.bind(handle);
  handle.requestRestart = (request) => {
    requestTimes.push(clock.now());
    return original(request);
  };
  const scheduler = new ScheduledRestart({
    app: 'cams',
    config: { timeZone: 'utc', ...config },
    handle,
    bus,
    logger,
    clock,
  });
  schedulers.push(scheduler);
  return { handle, bus, logger, clock, scheduler, requestTimes };
}

describe('ScheduledRestart with a scaled clock', () => {
  it('restarts at each cron time', async () => {
    const { handle, scheduler, requestTimes } = setup({ cron: '*/2 * * * *' });
    scheduler.start();
    expect(scheduler.nextRunAt).toBe(Date.UTC(2026, 0, 1, 3, 30, 0));

    await waitFor(() => handle.requests.length >= 3, 'three scheduled restarts', 10_000);
    scheduler.stop();

    expect(handle.requests[0]).toEqual({
      cause: 'schedule',
      reason: 'scheduled restart (*/2 * * * *, due 2026-01-01T03:30:00.000Z)',
    });
    expect(handle.requests[1]!.reason).toContain('due 2026-01-01T03:32:00.000Z');
    expect(handle.requests[2]!.reason).toContain('due 2026-01-01T03:34:00.000Z');
    // Each request comes at its time, not before, and within 90 clock seconds (150 ms real) after.
    const due = [3 * 60 + 30, 3 * 60 + 32, 3 * 60 + 34].map((minutes) =>
      Date.UTC(2026, 0, 1, 0, minutes),
    );
    requestTimes.slice(0, 3).forEach((at, index) => {
      expect(at).toBeGreaterThanOrEqual(due[index]!);
      expect(at - due[index]!).toBeLessThan(90_000);
    });
    expect(scheduler.lastRun?.outcome).toBe('requested');
  });

  it('runs a daily restartAt once a day', async () => {
    const { handle, scheduler } = setup({ restartAt: '03:30' });
    scheduler.start();
    await waitFor(() => handle.requests.length >= 1, 'the daily restart', 10_000);
    expect(scheduler.nextRunAt).toBe(Date.UTC(2026, 0, 2, 3, 30, 0));
    expect(handle.requests).toHaveLength(1);
  });

  it('skips while starting, then restarts', async () => {
    const { handle, scheduler, logger } = setup({ cron: '*/2 * * * *' });
    handle.state = 'starting';
    scheduler.start();

    await waitFor(() => scheduler.lastRun?.outcome === 'skipped', 'a skipped run', 10_000);
    expect(handle.requests).toHaveLength(0);
    expect(scheduler.lastRun?.detail).toBe('the app is still starting');
    expect(
      logger.lines.some(
        (line) => line.message === 'scheduled restart skipped: the app is still starting',
      ),
    ).toBe(true);

    handle.state = 'running';
    await waitFor(() => handle.requests.length >= 1, 'a restart once running', 10_000);
    expect(handle.requests[0]!.reason).toContain('due 2026-01-01T03:32:00.000Z');
  });

  it('skips while unhealthy', async () => {
    const { handle, bus, scheduler } = setup({ cron: '*/2 * * * *' });
    bus.emit('health:state', {
      app: 'cams',
      from: 'healthy',
      to: 'unhealthy',
      detail: 'timed out',
    });
    scheduler.start();

    await waitFor(() => scheduler.lastRun?.outcome === 'skipped', 'a skipped run', 10_000);
    expect(scheduler.lastRun?.detail).toBe('the app is unhealthy');
    expect(handle.requests).toHaveLength(0);

    // Health of another app changes nothing; this app's recovery lets the next run through.
    bus.emit('health:state', { app: 'other', from: 'unhealthy', to: 'healthy', detail: 'ok' });
    bus.emit('health:state', { app: 'cams', from: 'unhealthy', to: 'healthy', detail: 'ok' });
    await waitFor(() => handle.requests.length >= 1, 'a restart once healthy', 10_000);
  });

  it('records a rejected request', async () => {
    const { handle, scheduler } = setup({ cron: '*/2 * * * *' });
    handle.accept = false;
    scheduler.start();
    await waitFor(() => scheduler.lastRun?.outcome === 'rejected', 'a rejected run', 10_000);
  });

  it('stops arming timers when stopped', async () => {
    const { clock, scheduler } = setup({ cron: '0 0 1 1 *' });
    scheduler.start();
    // A year away: the timer wakes every clock minute to compare times.
    await waitFor(() => clock.timers >= 3, 'three timer wake-ups', 10_000);
    scheduler.stop();
    expect(scheduler.nextRunAt).toBeUndefined();
    const timers = clock.timers;
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(clock.timers).toBe(timers);
  });
});
