import { describe, expect, it } from 'vitest';
import { type Burst, Debouncer } from '../../src/watch/debounce.js';
import { ManualClock } from './manual-clock.js';

function setup(quietMs: number, maxWaitMs: number) {
  const clock = new ManualClock();
  const bursts: Array<Burst<string> & { at: number }> = [];
  const debouncer = new Debouncer<string>({
    quietMs,
    maxWaitMs,
    clock,
    onBurst: (burst) => bursts.push({ ...burst, at: clock.now() }),
  });
  return { clock, bursts, debouncer };
}

describe('Debouncer', () => {
  it('fires one quiet period after a single change', () => {
    const { clock, bursts, debouncer } = setup(20, 500);
    debouncer.add(['a.py']);
    clock.advance(19);
    expect(bursts).toHaveLength(0);
    clock.advance(1);
    expect(bursts).toHaveLength(1);
    expect(bursts[0]!.items).toEqual(['a.py']);
    expect(bursts[0]!.at).toBe(20);
    expect(bursts[0]!.cutByMaxWait).toBe(false);
  });

  it('restarts the quiet period on every change', () => {
    const { clock, bursts, debouncer } = setup(20, 500);
    for (let step = 0; step < 10; step++) {
      debouncer.add([`f${step}.py`]);
      clock.advance(15);
    }
    expect(bursts).toHaveLength(0);
    clock.advance(5);
    expect(bursts).toHaveLength(1);
    expect(bursts[0]!.items).toHaveLength(10);
    expect(bursts[0]!.firstAt).toBe(0);
    expect(bursts[0]!.lastAt).toBe(135);
    expect(bursts[0]!.at).toBe(155);
  });

  it('cuts a steady stream at maxWait', () => {
    const { clock, bursts, debouncer } = setup(20, 100);
    for (let step = 0; step < 30; step++) {
      debouncer.add([`f${step}`]);
      clock.advance(10);
    }
    clock.advance(100);
    // Changes at 0, 10, ..., 290: each burst ends 100 ms after its first change.
    expect(bursts.map((burst) => burst.at)).toEqual([100, 200, 300]);
    expect(bursts.map((burst) => burst.cutByMaxWait)).toEqual([true, true, true]);
    expect(bursts.flatMap((burst) => burst.items)).toHaveLength(30);
  });

  it('keeps repeats and order within a burst', () => {
    const { clock, bursts, debouncer } = setup(5, 50);
    debouncer.add(['a', 'b']);
    debouncer.add(['a']);
    clock.advance(5);
    expect(bursts[0]!.items).toEqual(['a', 'b', 'a']);
  });

  it('acts on the next timer turn with a quiet period of 0', () => {
    const { clock, bursts, debouncer } = setup(0, 0);
    debouncer.add(['a']);
    debouncer.add(['b']);
    expect(bursts).toHaveLength(0);
    clock.advance(0);
    expect(bursts).toHaveLength(1);
    expect(bursts[0]!.items).toEqual(['a', 'b']);
  });

  it('treats a maxWait below the quiet period as the quiet period', () => {
    const { clock, bursts, debouncer } = setup(50, 10);
    debouncer.add(['a']);
    clock.advance(49);
    expect(bursts).toHaveLength(0);
    clock.advance(1);
    expect(bursts).toHaveLength(1);
  });

  it('ignores an empty add', () => {
    const { clock, bursts, debouncer } = setup(20, 500);
    debouncer.add([]);
    expect(clock.pendingTimers).toBe(0);
    clock.advance(100);
    expect(bursts).toHaveLength(0);
  });

  it('flush fires at once and cancel drops the burst', () => {
    const { clock, bursts, debouncer } = setup(20, 500);
    debouncer.add(['a']);
    debouncer.flush();
    expect(bursts).toHaveLength(1);
    expect(clock.pendingTimers).toBe(0);

    debouncer.add(['b']);
    expect(debouncer.pending).toBe(1);
    debouncer.cancel();
    clock.advance(1000);
    expect(bursts).toHaveLength(1);
    expect(debouncer.pending).toBe(0);
  });

  it('starts a new burst after one fired', () => {
    const { clock, bursts, debouncer } = setup(20, 100);
    debouncer.add(['a']);
    clock.advance(20);
    clock.advance(200);
    debouncer.add(['b']);
    clock.advance(20);
    expect(bursts.map((burst) => [burst.firstAt, burst.at])).toEqual([
      [0, 20],
      [220, 240],
    ]);
  });

  it('rejects negative timings', () => {
    expect(() => new Debouncer({ quietMs: -1, maxWaitMs: 10, onBurst: () => {} })).toThrow(
      /invalid debounce timing \(quiet -1 ms, maxWait 10 ms\)/,
    );
    expect(() => new Debouncer({ quietMs: Number.NaN, maxWaitMs: 10, onBurst: () => {} })).toThrow(
      /both must be 0 or more/,
    );
  });
});
