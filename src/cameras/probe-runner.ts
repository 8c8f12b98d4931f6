import { elapsedSince } from './format.js';
import { describeNetworkError, timeoutFailure } from './network-errors.js';
import type { ProbeResult } from './types.js';

export type ProbeVerdict = Omit<ProbeResult, 'latencyMs'>;

/**
 * Run one probe to a verdict: measures latency, ends the work after
 * timeoutMs (aborting `signal` so sockets are destroyed), and turns every
 * thrown error into a failed verdict. Never rejects.
 */
export async function runProbe(
  timeoutMs: number,
  work: (signal: AbortSignal) => Promise<ProbeVerdict>,
): Promise<ProbeResult> {
  const start = performance.now();
  const controller = new AbortController();
  let timer: NodeJS.Timeout | undefined;

  const deadline = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => {
      controller.abort();
      reject(timeoutFailure(timeoutMs));
    }, timeoutMs);
  });

  try {
    const verdict = await Promise.race([work(controller.signal), deadline]);
    return { ...verdict, latencyMs: elapsedSince(start) };
  } catch (error) {
    // Let the work release its sockets and timers when it lost the race or failed. A work
    // that finished has released them itself, and an abort costs an error object with a stack.
    controller.abort();
    const failure = describeNetworkError(error);
    return { status: failure.status, detail: failure.detail, latencyMs: elapsedSince(start) };
  } finally {
    clearTimeout(timer);
  }
}
