import { type FSWatcher, watch } from 'node:fs';
import { access } from 'node:fs/promises';
import { basename, dirname } from 'node:path';

export type DeviceChangeListener = (path: string, present: boolean) => void;

/**
 * Watch device nodes through their parent directories (inotify on Linux),
 * so an unplug or replug is seen at once instead of at the next probe.
 * Calls `onChange` with the node's presence after every directory event
 * that names it. An unplug and replug within a few milliseconds may be
 * reported as one "present". Returns a function that stops watching.
 */
export function watchDeviceNodes(
  paths: readonly string[],
  onChange: DeviceChangeListener,
  onError: (directory: string, error: unknown) => void = () => {},
): () => void {
  const byDirectory = new Map<string, string[]>();
  for (const path of new Set(paths)) {
    const directory = dirname(path);
    byDirectory.set(directory, [...(byDirectory.get(directory) ?? []), path]);
  }

  // Checks run in the thread pool and may finish out of order: only the latest one reports.
  const sequence = new Map<string, number>();
  const recheck = async (path: string) => {
    const mine = (sequence.get(path) ?? 0) + 1;
    sequence.set(path, mine);
    const present = await access(path).then(
      () => true,
      () => false,
    );
    if (sequence.get(path) === mine) onChange(path, present);
  };

  const watchers: FSWatcher[] = [];
  for (const [directory, nodes] of byDirectory) {
    try {
      const watcher = watch(directory, { persistent: false }, (_event, filename) => {
        // Some platforms give no file name; then every node in the directory is checked.
        const name = filename?.toString();
        for (const node of nodes) {
          if (name === undefined || basename(node) === name) void recheck(node);
        }
      });
      watcher.on('error', (error) => onError(directory, error));
      watchers.push(watcher);
    } catch (error) {
      onError(directory, error);
    }
  }

  return () => {
    for (const watcher of watchers) watcher.close();
  };
}
