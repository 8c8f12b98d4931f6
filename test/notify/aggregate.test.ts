import { describe, expect, it } from 'vitest';
import { WindowAggregator } from '../../src/notify/aggregate.js';
import { waitFor } from '../helpers/wait.js';

function recorder(windowMs: number) {
  const summaries: Array<{ key: string; held: number[] }> = [];
  const aggregator = new WindowAggregator<number>(windowMs, (key, held) =>
    summaries.push({ key, held }),
  );
  return { aggregator, summaries };
}

describe('WindowAggregator', () => {
  it('sends the first event and holds the rest', () => {
    const { aggregator, summaries } = recorder(60_000);
    expect(aggregator.add('a', 1)).toBe(true);
    expect(aggregator.add('a', 2)).toBe(false);
    expect(aggregator.add('b', 3)).toBe(true);
    aggregator.flushAll();
    expect(summaries).toEqual([{ key: 'a', held: [2] }]);
  });

  it('summarizes each window and then closes', async () => {
    const { aggregator, summaries } = recorder(100);
    aggregator.add('a', 1);
    aggregator.add('a', 2);
    aggregator.add('a', 3);

    await waitFor(() => summaries.length === 1, 'first summary');
    expect(summaries[0]).toEqual({ key: 'a', held: [2, 3] });
    // The loop goes on: held again, summarized at the end of the next window.
    expect(aggregator.add('a', 4)).toBe(false);
    await waitFor(() => summaries.length === 2, 'second summary');
    expect(summaries[1]).toEqual({ key: 'a', held: [4] });

    // A window with nothing held closes, so the next event goes out at once.
    await waitFor(() => !aggregator.isOpen('a'), 'window closed');
    expect(summaries).toHaveLength(2);
    expect(aggregator.add('a', 5)).toBe(true);
    aggregator.flushAll();
  });

  it('flush sends held events and reopens', () => {
    const { aggregator, summaries } = recorder(60_000);
    aggregator.add('a', 1);
    aggregator.add('a', 2);
    aggregator.flush('a');
    expect(summaries).toEqual([{ key: 'a', held: [2] }]);
    expect(aggregator.add('a', 3)).toBe(true);
    aggregator.flushAll();
  });
});
