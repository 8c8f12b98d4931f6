import { readFile } from 'node:fs/promises';
import type { AppStats } from '../supervisor/stats.js';

export const STATE_FILE = 'crashproof-state.json';
export const LOCK_FILE = 'crashproof.lock';
export const PID_FILE = 'crashproof.pid';

/** The runner's identity: a PID plus its /proc start time and the boot id survive PID reuse checks. */
export interface ProcessIdentity {
  pid: number;
  procStartTime: number | undefined;
  bootId: string | undefined;
}

/** Contents of logs/crashproof-state.json, read by `crashproof status`. */
export interface StateDocument {
  version: 1;
  runner: ProcessIdentity & {
    startedAt: string;
    updatedAt: string;
    /** True once the runner stopped cleanly; false while it runs or after it was killed. */
    stopped: boolean;
    configSource: string | null;
    statusUrl: string | null;
  };
  apps: Record<string, AppStats & Record<string, unknown>>;
  cameras: Array<Record<string, unknown>>;
}

export async function readStateFile(file: string): Promise<StateDocument | undefined> {
  try {
    const parsed = JSON.parse(await readFile(file, 'utf8')) as unknown;
    if (
      parsed === null ||
      typeof parsed !== 'object' ||
      (parsed as { version?: unknown }).version !== 1
    )
      return undefined;
    return parsed as StateDocument;
  } catch {
    return undefined;
  }
}
