import { readdirSync, readFileSync } from 'node:fs';
import net from 'node:net';
import { performance } from 'node:perf_hooks';

/**
 * CPU time of one process in milliseconds: the time on CPU of all its
 * threads from /proc/PID/task/TID/schedstat, in nanoseconds, which
 * resolves far below the 10 ms clock ticks of /proc/PID/stat that an idle
 * process barely reaches. Threads that ended before the call are missed.
 */
export function cpuTimeMs(pid: number): number | undefined {
  try {
    let onCpuNs = 0;
    for (const tid of readdirSync(`/proc/${pid}/task`)) {
      try {
        onCpuNs += Number(readFileSync(`/proc/${pid}/task/${tid}/schedstat`, 'utf8').split(' ')[0]);
      } catch {
        // The thread ended while we read.
      }
    }
    return onCpuNs / 1e6;
  } catch {
    return undefined;
  }
}

/** Resident set size of one process in bytes, from /proc/PID/status. */
export function rssBytes(pid: number): number | undefined {
  try {
    const match = /^VmRSS:\s+(\d+) kB$/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return match ? Number(match[1]) * 1024 : undefined;
  } catch {
    return undefined;
  }
}

/** One app start, as the app reported it over TCP. */
export interface AppStart {
  pid: number;
  /** performance.now() when the report arrived. */
  at: number;
}

/**
 * A loopback TCP server that records every start of the benchmark app:
 * child.sh connects and writes its PID as soon as it runs.
 */
export class StartCollector {
  readonly starts: AppStart[] = [];
  private readonly server = net.createServer((socket) => this.onConnection(socket));
  private readonly sockets = new Set<net.Socket>();

  async listen(): Promise<number> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    const address = this.server.address();
    if (address === null || typeof address === 'string') throw new Error('no TCP port');
    return address.port;
  }

  private onConnection(socket: net.Socket): void {
    this.sockets.add(socket);
    socket.on('close', () => this.sockets.delete(socket));
    socket.on('error', () => socket.destroy());
    let buffer = '';
    socket.on('data', (chunk) => {
      buffer += chunk.toString();
      const newline = buffer.indexOf('\n');
      if (newline === -1) return;
      const pid = Number(buffer.slice(0, newline));
      buffer = buffer.slice(newline + 1);
      if (Number.isInteger(pid)) this.starts.push({ pid, at: performance.now() });
    });
  }

  /** Wait until a start arrives after index `after` (the count seen before), or time out. */
  async waitForStart(after: number, timeoutMs: number): Promise<AppStart | undefined> {
    const deadline = performance.now() + timeoutMs;
    while (performance.now() < deadline) {
      const start = this.starts[after];
      if (start) return start;
      await new Promise((resolve) => setTimeout(resolve, 2));
    }
    return undefined;
  }

  /** Wait until no start arrived for quietMs, bounded by timeoutMs. */
  async settle(quietMs: number, timeoutMs: number): Promise<void> {
    const deadline = performance.now() + timeoutMs;
    let count = this.starts.length;
    let since = performance.now();
    while (performance.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 20));
      if (this.starts.length !== count) {
        count = this.starts.length;
        since = performance.now();
      } else if (performance.now() - since >= quietMs) {
        return;
      }
    }
  }

  async close(): Promise<void> {
    for (const socket of this.sockets) socket.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}

export function median(values: readonly number[]): number | undefined {
  if (values.length === 0) return undefined;
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}
