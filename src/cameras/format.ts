/** Format a timeout or delay for messages: "3 s", "1.5 s", "250 ms". */
export function formatSeconds(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)} ms`;
  return `${Number((ms / 1000).toFixed(1))} s`;
}

/** Round a latency to 0.1 ms: finer digits are noise on a loaded host. */
export function roundLatency(ms: number): number {
  return Math.round(ms * 10) / 10;
}

/** Milliseconds since `start`, a performance.now() reading, rounded for reports. */
export function elapsedSince(start: number): number {
  return roundLatency(performance.now() - start);
}
