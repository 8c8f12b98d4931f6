import { EventEmitter } from 'node:events';
import { describe, expect, it } from 'vitest';
import { installSignalHandlers, reopenSignal, stopSignals } from '../../src/cli/signals.js';

/*
 * The emitter replaces `process` and the platform is injected, so the win32
 * rows run here too, in place of Windows, which cannot run here.
 */

function target() {
  const calls: string[] = [];
  return {
    calls,
    shutdown: async (reason: string) => {
      calls.push(`shutdown ${reason}`);
      return 0;
    },
    reopenLogs: () => calls.push('reopen'),
    force: () => calls.push('force'),
  };
}

describe('stopSignals', () => {
  it.each([
    ['linux', ['SIGINT', 'SIGTERM'], 'SIGHUP'],
    ['darwin', ['SIGINT', 'SIGTERM'], 'SIGHUP'],
    ['win32', ['SIGINT', 'SIGBREAK', 'SIGHUP'], undefined],
  ] as const)('on %s stops on %j and reopens on %s', (platform, stops, reopen) => {
    expect(stopSignals(platform)).toEqual(stops);
    expect(reopenSignal(platform)).toBe(reopen);
  });
});

describe('installSignalHandlers', () => {
  it('forces on a second SIGINT', () => {
    const emitter = new EventEmitter();
    const recorded = target();
    installSignalHandlers(recorded, 'linux', emitter);
    emitter.emit('SIGTERM');
    emitter.emit('SIGTERM');
    emitter.emit('SIGINT');
    expect(recorded.calls).toEqual(['shutdown SIGTERM', 'shutdown SIGTERM', 'force']);
  });

  it('reopens logs on SIGHUP without stopping', () => {
    const emitter = new EventEmitter();
    const recorded = target();
    installSignalHandlers(recorded, 'linux', emitter);
    emitter.emit('SIGHUP');
    expect(recorded.calls).toEqual(['reopen']);
  });

  it('handles SIGHUP and SIGBREAK on win32', () => {
    const emitter = new EventEmitter();
    const recorded = target();
    installSignalHandlers(recorded, 'win32', emitter);
    emitter.emit('SIGHUP');
    emitter.emit('SIGBREAK');
    expect(recorded.calls).toEqual(['shutdown SIGHUP', 'force']);
  });

  it('removes every handler it installed', () => {
    const emitter = new EventEmitter();
    const remove = installSignalHandlers(target(), 'linux', emitter);
    expect(emitter.eventNames().sort()).toEqual(['SIGHUP', 'SIGINT', 'SIGTERM']);
    remove();
    expect(emitter.eventNames()).toEqual([]);
  });
});
