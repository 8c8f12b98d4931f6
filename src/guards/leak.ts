/** One RSS reading, at a monotonic time in ms. */
export interface RssPoint {
  at: number;
  rssBytes: number;
}

/** The fitted RSS trend over the leak window. */
export interface LeakEstimate {
  /** Least-squares slope of RSS over time, bytes per second. */
  slopeBytesPerSecond: number;
  /** Coefficient of determination of the fit, 0 to 1; near 1 means steady growth. */
  rSquared: number;
  /** Growth that the fit predicts over the points' time span, in bytes. */
  growthBytes: number;
  /** Time until the trend reaches limitBytes, in ms; undefined without a limit or with no growth. */
  msToLimit: number | undefined;
  /** Steady growth: positive slope, good fit, enough points and enough growth. */
  leaking: boolean;
}

export interface LeakCriteria {
  /** Fewer points than this give no verdict. */
  minPoints: number;
  /** The points must span at least this much of the window, in ms. */
  minSpanMs: number;
  /** Fits below this R² are noise, not a trend. */
  minRSquared: number;
  /** Growth over the span below this fraction of the mean RSS is not worth a warning. */
  minGrowthRatio: number;
}

export const DEFAULT_LEAK_CRITERIA: Omit<LeakCriteria, 'minSpanMs'> = {
  minPoints: 10,
  minRSquared: 0.8,
  minGrowthRatio: 0.05,
};

/**
 * Fit RSS = a + b·t by least squares and judge whether the growth is steady.
 * Returns undefined with fewer than two points or no time span.
 */
export function estimateLeak(
  points: readonly RssPoint[],
  criteria: LeakCriteria,
  limitBytes?: number,
): LeakEstimate | undefined {
  const count = points.length;
  if (count < 2) return undefined;

  // Center time and RSS on their means so large timestamps lose no precision.
  let meanT = 0;
  let meanR = 0;
  for (const point of points) {
    meanT += point.at / count;
    meanR += point.rssBytes / count;
  }
  let covariance = 0;
  let varianceT = 0;
  let varianceR = 0;
  for (const point of points) {
    const dt = point.at - meanT;
    const dr = point.rssBytes - meanR;
    covariance += dt * dr;
    varianceT += dt * dt;
    varianceR += dr * dr;
  }
  if (varianceT === 0) return undefined;

  const slopePerMs = covariance / varianceT;
  const rSquared = varianceR === 0 ? 0 : (covariance * covariance) / (varianceT * varianceR);
  const span = points[count - 1]!.at - points[0]!.at;
  const growthBytes = slopePerMs * span;

  // Project from the fitted value at the last point, which smooths one noisy reading.
  const last = points[count - 1]!;
  const fittedNow = meanR + slopePerMs * (last.at - meanT);
  let msToLimit: number | undefined;
  if (limitBytes !== undefined && slopePerMs > 0) {
    msToLimit = Math.max(0, (limitBytes - fittedNow) / slopePerMs);
  }

  const leaking =
    count >= criteria.minPoints &&
    span >= criteria.minSpanMs &&
    slopePerMs > 0 &&
    rSquared >= criteria.minRSquared &&
    growthBytes >= criteria.minGrowthRatio * meanR;

  return { slopeBytesPerSecond: slopePerMs * 1000, rSquared, growthBytes, msToLimit, leaking };
}

/** Drop points older than windowMs before the newest; the array is kept in time order. */
export function trimWindow(points: RssPoint[], windowMs: number): void {
  const newest = points[points.length - 1];
  if (!newest) return;
  let drop = 0;
  while (drop < points.length && points[drop]!.at < newest.at - windowMs) drop++;
  if (drop > 0) points.splice(0, drop);
}
