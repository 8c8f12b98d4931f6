import { describe, expect, it } from 'vitest';
import { signalTree } from '../../src/supervisor/kill.js';
import { type ExecFile, killTreeWindows, taskkillArgs } from '../../src/supervisor/kill-windows.js';

/*
 * Windows cannot run here: these tests inject the platform and a recording
 * ExecFile in place of running taskkill.exe. They stand in for the win32
 * branch of signalTree (kill.ts) and killTreeWindows (kill-windows.ts).
 */

function recordingExec(code: number | null): ExecFile & { calls: Array<[string, string[]]> } {
  const calls: Array<[string, string[]]> = [];
  const exec = async (file: string, args: string[]) => {
    calls.push([file, args]);
    return { code, stderr: code === 0 ? '' : 'ERROR: The process "4242" not found.' };
  };
  return Object.assign(exec, { calls });
}

describe('taskkillArgs', () => {
  it('asks politely without /F', () => {
    expect(taskkillArgs(4242, false)).toEqual(['/PID', '4242', '/T']);
  });

  it('forces with /F', () => {
    expect(taskkillArgs(4242, true)).toEqual(['/PID', '4242', '/T', '/F']);
  });
});

describe('killTreeWindows', () => {
  it.each([
    ['SIGTERM', ['/PID', '4242', '/T']],
    ['SIGINT', ['/PID', '4242', '/T']],
    ['SIGKILL', ['/PID', '4242', '/T', '/F']],
  ] as const)('maps %s to taskkill %j', async (signal, args) => {
    const exec = recordingExec(0);
    expect(await killTreeWindows(4242, signal, exec)).toBe(true);
    expect(exec.calls).toEqual([['taskkill', args]]);
  });

  it('reports a gone process as false', async () => {
    // taskkill exits 128 when the PID does not exist.
    expect(await killTreeWindows(4242, 'SIGKILL', recordingExec(128))).toBe(false);
  });
});

describe('signalTree on win32', () => {
  it('runs taskkill instead of kill(-pgid)', async () => {
    const exec = recordingExec(0);
    expect(await signalTree(4242, 'SIGKILL', 'win32', exec)).toBe(true);
    expect(exec.calls).toEqual([['taskkill', ['/PID', '4242', '/T', '/F']]]);
  });

  it('never runs taskkill on linux', async () => {
    const exec = recordingExec(0);
    // A PID far above pid_max: the group does not exist, so nothing is signalled.
    expect(await signalTree(2 ** 22 + 7, 'SIGTERM', 'linux', exec)).toBe(false);
    expect(exec.calls).toEqual([]);
  });
});
