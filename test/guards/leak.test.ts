import { describe, expect, it } from 'vitest';
import { estimateLeak, type RssPoint, trimWindow } from '../../src/guards/leak.js';

const MiB = 1024 * 1024;
const criteria = { minPoints: 10, minSpanMs: 5000, minRSquared: 0.8, minGrowthRatio: 0.05 };

function line(
  count: number,
  startBytes: number,
  bytesPerSecond: number,
  noise = () => 0,
): RssPoint[] {
  return Array.from({ length: count }, (_, index) => ({
    at: 1_000_000 + index * 1000,
    rssBytes: startBytes + bytesPerSecond * index + noise(),
  }));
}

describe('estimateLeak', () => {
  it('fits steady growth exactly', () => {
    const estimate = estimateLeak(line(20, 100 * MiB, MiB), criteria, 200 * MiB);
    expect(estimate?.slopeBytesPerSecond).toBeCloseTo(MiB);
    expect(estimate?.rSquared).toBeCloseTo(1);
    expect(estimate?.growthBytes).toBeCloseTo(19 * MiB);
    expect(estimate?.leaking).toBe(true);
    // The last point is at 119 MiB: 81 MiB to go at 1 MiB/s.
    expect(estimate?.msToLimit).toBeCloseTo(81_000, -1);
  });

  it('ignores flat noisy memory', () => {
    let seed = 7;
    const noise = () => {
      seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31;
      return (seed / 2 ** 31 - 0.5) * 10 * MiB;
    };
    const estimate = estimateLeak(line(30, 300 * MiB, 0, noise), criteria, 500 * MiB);
    expect(estimate?.leaking).toBe(false);
    expect(estimate!.rSquared).toBeLessThan(0.8);
  });

  it('ignores shrinking memory', () => {
    const estimate = estimateLeak(line(20, 300 * MiB, -MiB), criteria, 500 * MiB);
    expect(estimate?.leaking).toBe(false);
    expect(estimate?.msToLimit).toBeUndefined();
  });

  it('ignores growth too small to matter', () => {
    // 1 KiB/s on 300 MiB: 19 KiB over the span, far below 5 %.
    const estimate = estimateLeak(line(20, 300 * MiB, 1024), criteria);
    expect(estimate?.rSquared).toBeCloseTo(1);
    expect(estimate?.leaking).toBe(false);
  });

  it('waits for enough points and span', () => {
    expect(estimateLeak(line(5, 100 * MiB, MiB), criteria)?.leaking).toBe(false);
    expect(
      estimateLeak(line(20, 100 * MiB, MiB), { ...criteria, minSpanMs: 60_000 })?.leaking,
    ).toBe(false);
    expect(estimateLeak(line(1, 100 * MiB, MiB), criteria)).toBeUndefined();
  });

  it('reports zero time when already over the limit', () => {
    const estimate = estimateLeak(line(20, 300 * MiB, MiB), criteria, 200 * MiB);
    expect(estimate?.msToLimit).toBe(0);
  });

  it('has no projection without a limit', () => {
    expect(estimateLeak(line(20, 100 * MiB, MiB), criteria)?.msToLimit).toBeUndefined();
  });
});

describe('trimWindow', () => {
  it('drops points older than the window', () => {
    const points = line(10, 0, 1);
    trimWindow(points, 3000);
    expect(points.map((point) => point.at - 1_000_000)).toEqual([6000, 7000, 8000, 9000]);
  });

  it('leaves an empty list alone', () => {
    const points: RssPoint[] = [];
    trimWindow(points, 1000);
    expect(points).toEqual([]);
  });
});
