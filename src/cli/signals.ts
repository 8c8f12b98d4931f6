/**
 * Which signals stop the runner on each platform. Windows has no SIGTERM
 * delivery from other processes; Ctrl+C arrives as SIGINT and Ctrl+Break as
 * SIGBREAK, and closing the console window as SIGHUP.
 */
export function stopSignals(platform: NodeJS.Platform): NodeJS.Signals[] {
  return platform === 'win32' ? ['SIGINT', 'SIGBREAK', 'SIGHUP'] : ['SIGINT', 'SIGTERM'];
}

/** The signal that reopens log files (logrotate); Windows has none. */
export function reopenSignal(platform: NodeJS.Platform): NodeJS.Signals | undefined {
  return platform === 'win32' ? undefined : 'SIGHUP';
}

export interface SignalTarget {
  shutdown(reason: string): Promise<number>;
  reopenLogs(): void;
  /** Second Ctrl+C: SIGKILL every app group and exit at once. */
  force(): void;
}

/**
 * Install the runner's signal handlers and return a function that removes
 * them. The first stop signal stops gracefully; a second SIGINT forces.
 */
export function installSignalHandlers(
  target: SignalTarget,
  platform: NodeJS.Platform = process.platform,
  emitter: NodeJS.EventEmitter = process,
): () => void {
  let stopRequested = false;
  const handlers: Array<[NodeJS.Signals, () => void]> = [];

  for (const signal of stopSignals(platform)) {
    const handler = (): void => {
      if (stopRequested && (signal === 'SIGINT' || signal === 'SIGBREAK')) {
        target.force();
        return;
      }
      stopRequested = true;
      void target.shutdown(signal);
    };
    handlers.push([signal, handler]);
  }
  const reopen = reopenSignal(platform);
  if (reopen !== undefined) handlers.push([reopen, () => target.reopenLogs()]);

  for (const [signal, handler] of handlers) emitter.on(signal, handler);
  return () => {
    for (const [signal, handler] of handlers) emitter.off(signal, handler);
  };
}
