import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { MemoryConfig } from '../../src/config/schema/guards.js';
import { formatBytes } from '../../src/config/units.js';
import { EventBus, type EventMap } from '../../src/events.js';
import { formatApproxDuration, MemoryGuard } from '../../src/guards/memory.js';
import { sampleProcessTree } from '../../src/guards/proc-tree.js';
import {
  FIXTURES,
  killPids,
  RecordingHandle,
  recordingLogger,
  startNode,
  waitFor,
  waitForLine,
} from './helpers.js';

const MB = 1_000_000;
const LEAK = path.join(FIXTURES, 'leak_grow.js');
const started = new Set<number>();
const guards: MemoryGuard[] = [];

afterEach(async () => {
  for (const guard of guards.splice(0)) guard.stop();
  // Kill whole trees: a detached grandchild is outside the child's process group.
  for (const pid of [...started]) {
    const tree = await sampleProcessTree(pid);
    killPids([...(tree?.pids ?? []), pid].reverse());
  }
  started.clear();
});

interface Setup {
  handle: RecordingHandle;
  samples: EventMap['resource:sample'][];
  warnings: string[];
  logger: ReturnType<typeof recordingLogger>;
  guard: MemoryGuard;
}

/** Start the leaking fixture and a guard on it; growth is 4 MB per 100 ms, capped at 400 MB. */
async function startLeak(
  leakArgs: string[],
  config: Partial<MemoryConfig> | ((baselineBytes: number) => Partial<MemoryConfig>),
  state: RecordingHandle['state'] = 'running',
): Promise<Setup> {
  const child = startNode(LEAK, leakArgs);
  started.add(child.pid!);
  await waitForLine(child, /leaking \d+/);
  const baseline = await sampleProcessTree(child.pid!);

  const handle = new RecordingHandle('leaky', child.pid);
  handle.state = state;
  const bus = new EventBus();
  const samples: EventMap['resource:sample'][] = [];
  const warnings: string[] = [];
  bus.on('resource:sample', (sample) => samples.push(sample));
  bus.on('runner:warning', (warning) => warnings.push(warning.message));
  const logger = recordingLogger();
  const guard = new MemoryGuard({
    app: 'leaky',
    handle,
    bus,
    logger,
    config: {
      maxMemory: 150 * MB,
      sampleInterval: 100,
      consecutiveSamples: 3,
      leakWindow: 1500,
      ...(typeof config === 'function' ? config(baseline!.rssBytes) : config),
    },
  });
  guards.push(guard);
  guard.start();
  return { handle, samples, warnings, logger, guard };
}

/** Return the samples up to the one on which the guard requested a restart. */
function samplesUntilRequest(setup: Setup, limit: number): EventMap['resource:sample'][] {
  // The request is made while handling the sample that completes the streak, after it was emitted.
  const overIndexes = setup.samples.flatMap((sample, index) =>
    sample.rssBytes > limit ? [index] : [],
  );
  return setup.samples.slice(0, (overIndexes[2] ?? -1) + 1);
}

describe('MemoryGuard on a leaking child', () => {
  it('restarts at the limit, not before', async () => {
    const setup = await startLeak(['0', '4', '100', '400'], {});
    const limit = 150 * MB;

    await waitFor(() => setup.handle.requests.length > 0, 'a restart request', 20_000);
    setup.guard.stop();

    const request = setup.handle.requests[0]!;
    expect(setup.handle.requests).toHaveLength(1);
    expect(request.cause).toBe('memory');
    expect(request.category).toBe('memory');
    expect(request.reason).toMatch(
      new RegExp(`^memory limit: RSS [\\d.]+ MiB over ${formatBytes(limit)} for 3 samples$`),
    );

    // The streak: the first three samples over the limit came in a row and triggered the request.
    const before = samplesUntilRequest(setup, limit);
    const last3 = before.slice(-3);
    expect(last3.every((sample) => sample.rssBytes > limit)).toBe(true);
    expect(before.slice(0, -3).every((sample) => sample.rssBytes <= limit)).toBe(true);
    expect(before.length).toBeGreaterThan(3);
    expect(setup.guard.status.peakRssBytes).toBeGreaterThan(limit);
  });

  it('counts memory held by a detached grandchild', async () => {
    // The fixture's first two levels allocate nothing; the grandchild runs in its own session.
    // Three Node processes start near 150 MB together, so the limit sits 100 MB above that.
    let limit = 0;
    const setup = await startLeak(['2', '4', '100', '400', 'detach'], (baselineBytes) => {
      limit = baselineBytes + 100 * MB;
      return { maxMemory: limit };
    });
    await waitFor(() => setup.handle.requests.length > 0, 'a restart request', 20_000);

    expect(setup.handle.requests[0]!.cause).toBe('memory');
    const before = samplesUntilRequest(setup, limit);
    expect(before.slice(-3).every((sample) => sample.rssBytes > limit)).toBe(true);
    expect(before.slice(0, -3).every((sample) => sample.rssBytes <= limit)).toBe(true);
    expect(before.every((sample) => sample.processes === 3)).toBe(true);
  });

  it('never restarts while starting', async () => {
    const setup = await startLeak(['0', '8', '100', '200'], { maxMemory: 100 * MB }, 'starting');

    // Wait until the child has been over the limit for many samples while starting.
    await waitFor(
      () => setup.samples.filter((sample) => sample.rssBytes > 100 * MB).length >= 6,
      'six samples over the limit',
      20_000,
    );
    expect(setup.handle.requests).toHaveLength(0);
    expect(setup.guard.status.overLimitSamples).toBe(0);
    expect(setup.logger.lines.some((line) => /not running yet/.test(line.message))).toBe(true);

    // Once running, the streak starts from zero and takes three samples.
    const runningFrom = setup.samples.length;
    setup.handle.state = 'running';
    await waitFor(
      () => setup.handle.requests.length > 0,
      'a restart request after start-up',
      20_000,
    );
    expect(setup.samples.length - runningFrom).toBeGreaterThanOrEqual(3);
  });

  it('warns about steady growth with time to the limit', async () => {
    // 2 MB per 100 ms against a 400 MB limit: the fit has a second of points long before the limit.
    const setup = await startLeak(['0', '2', '100', '300'], {
      maxMemory: 400 * MB,
      leakWindow: 2000,
    });
    const warning = await waitFor(
      () => setup.logger.lines.find((line) => line.message.startsWith('possible memory leak')),
      'a leak warning',
      20_000,
    );

    expect(warning.level).toBe('warn');
    expect(warning.message).toMatch(/RSS grows steadily by [\d.]+ [MG]iB\/min over the last 2s/);
    expect(warning.message).toMatch(/reaches the 381\.5 MiB limit in about \d+s/);
    expect(setup.warnings).toContain(warning.message);
    expect(setup.guard.leak?.leaking).toBe(true);
    expect(setup.guard.leak?.msToLimit).toBeGreaterThan(0);
    expect(setup.handle.requests).toHaveLength(0);

    // One warning per window, not one per sample.
    const count = () =>
      setup.logger.lines.filter((line) => line.message.startsWith('possible memory leak')).length;
    const samplesAtWarning = setup.samples.length;
    await waitFor(() => setup.samples.length >= samplesAtWarning + 5, 'five more samples');
    expect(count()).toBe(1);
  });
});

describe('MemoryGuard without a process', () => {
  it('skips samples while no child runs', async () => {
    const handle = new RecordingHandle('idle');
    const bus = new EventBus();
    const guard = new MemoryGuard({
      app: 'idle',
      handle,
      bus,
      config: { sampleInterval: 100, consecutiveSamples: 3, leakWindow: 1000 },
    });
    expect(await guard.sampleOnce()).toBeUndefined();
    expect(guard.status.rssBytes).toBeUndefined();
  });

  it('logs a failing sampler and goes on', async () => {
    const handle = new RecordingHandle('broken', 12345);
    const logger = recordingLogger();
    const guard = new MemoryGuard({
      app: 'broken',
      handle,
      bus: new EventBus(),
      logger,
      config: { sampleInterval: 100, consecutiveSamples: 3, leakWindow: 1000 },
      sampler: {
        sample: () => Promise.reject(new Error('ps: command not found')),
      },
    });
    expect(await guard.sampleOnce()).toBeUndefined();
    expect(logger.lines[0]?.message).toBe('process tree sampling failed');
  });
});

describe('formatApproxDuration', () => {
  it('rounds for people', () => {
    expect(formatApproxDuration(40_000)).toBe('40s');
    expect(formatApproxDuration(12 * 60_000)).toBe('12m');
    expect(formatApproxDuration(200 * 60_000)).toBe('3h 20m');
    expect(formatApproxDuration(5 * 86_400_000)).toBe('5d');
  });
});
