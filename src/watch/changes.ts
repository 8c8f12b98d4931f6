import type { ChangeType } from './backend.js';

/** One accepted change, with its path relative to the base directory. */
export interface Change {
  type: ChangeType;
  path: string;
}

/** A path's net change over a burst. */
export interface ChangedPath {
  path: string;
  /** The last change seen for the path. */
  type: ChangeType;
}

/**
 * Reduce a burst to one entry per path. A path that was created and deleted
 * again within the burst (an editor's temporary file) is dropped. Paths
 * that still exist come first, so messages name the saved files rather than
 * the temporary ones an atomic save removed.
 */
export function collapseBurst(changes: readonly Change[]): ChangedPath[] {
  const first = new Map<string, ChangeType>();
  const last = new Map<string, ChangeType>();
  for (const change of changes) {
    if (!first.has(change.path)) first.set(change.path, change.type);
    last.set(change.path, change.type);
  }

  const present: ChangedPath[] = [];
  const deleted: ChangedPath[] = [];
  for (const [changedPath, type] of last) {
    if (type !== 'delete') present.push({ path: changedPath, type });
    else if (first.get(changedPath) !== 'create') deleted.push({ path: changedPath, type });
  }
  return [...present, ...deleted];
}

/** Name up to maxNames paths and count the rest: "a.py, b.py, c.py and 997 more". */
export function formatChangedFiles(paths: readonly string[], maxNames = 3): string {
  if (paths.length <= 1) return paths[0] ?? 'nothing';
  if (paths.length <= maxNames) return `${paths.slice(0, -1).join(', ')} and ${paths.at(-1)}`;
  return `${paths.slice(0, maxNames).join(', ')} and ${paths.length - maxNames} more`;
}
