import { describe, expect, it } from 'vitest';
import {
  type CrashFacts,
  classifyCrash,
  compileUserRules,
  findCrashBlockStart,
} from '../../src/crash/classify.js';

function facts(overrides: Partial<CrashFacts>): CrashFacts {
  return {
    exitCode: 1,
    signal: null,
    uptimeMs: 3_600_000,
    duringStart: false,
    outputTail: [],
    ...overrides,
  };
}

const NETWORK_LINE = 'ConnectionRefusedError: [Errno 111] Connection refused';
const DATABASE_LINE = 'sqlite3.OperationalError: database is locked';

describe('classifyCrash precedence', () => {
  it('user rules beat built-in rules', () => {
    const rules = [
      { pattern: 'Connection refused', category: 'camera-auth' as const, hint: 'mine' },
    ];
    const result = classifyCrash(facts({ outputTail: [NETWORK_LINE] }), rules);
    expect(result).toEqual({
      category: 'camera-auth',
      hint: 'mine',
      evidence: NETWORK_LINE,
      ruleId: 'user:0',
    });
  });

  it('user rules take the latest matching line', () => {
    const rules = [
      { pattern: 'alpha', category: 'network' as const, hint: 'a' },
      { pattern: 'beta', category: 'database' as const, hint: 'b' },
    ];
    const result = classifyCrash(facts({ outputTail: ['alpha', 'beta', 'ALPHA again'] }), rules);
    expect(result.ruleId).toBe('user:0');
    expect(result.evidence).toBe('ALPHA again');
  });

  it('a health stop with timeouts is hang', () => {
    const result = classifyCrash(
      facts({
        signal: 'SIGTERM',
        exitCode: null,
        stopCause: 'health',
        healthTimedOut: true,
        outputTail: [NETWORK_LINE],
      }),
    );
    expect(result.category).toBe('hang');
    expect(result.ruleId).toBe('stop:health-timeout');
  });

  it('a health stop with answers comes from the health error, not older output', () => {
    const stopped = { signal: 'SIGTERM', exitCode: null, stopCause: 'health' as const };
    const cases = [
      ['body larger than 64 KiB', 'health:body-too-large'],
      ['redirect to another host 127.0.0.2:8080 rejected', 'health:redirect'],
      ['HTTP 503', 'health:server-error'],
      ['connection refused', 'health:not-listening'],
      ['status "error" in the body', 'stop:health-failed'],
    ] as const;
    for (const [healthError, ruleId] of cases) {
      const result = classifyCrash(
        facts({ ...stopped, healthError, outputTail: [NETWORK_LINE, 'Starting camera stream'] }),
      );
      expect(result, healthError).toMatchObject({
        category: 'unknown',
        ruleId,
        evidence: `health check failed: ${healthError}`,
      });
    }

    // During the start too, and whatever the output says.
    const early = classifyCrash(
      facts({
        ...stopped,
        duringStart: true,
        healthError: 'body larger than 64 KiB',
        outputTail: ['ModuleNotFoundError: No module named cv2', DATABASE_LINE],
      }),
    );
    expect(early.ruleId).toBe('health:body-too-large');
    expect(early.hint).toContain('health.maxBodySize');

    // Without the error text the stop itself is the evidence.
    const silent = classifyCrash(facts({ ...stopped, outputTail: [DATABASE_LINE] }));
    expect(silent).toMatchObject({
      category: 'unknown',
      ruleId: 'stop:health-failed',
      evidence: 'stopped by the runner: health checks failed',
    });
  });

  it('a camera stop with a failed camera names the camera', () => {
    const result = classifyCrash(
      facts({
        exitCode: 0,
        stopCause: 'camera',
        cameras: [
          { name: 'garden', status: 'online' },
          { name: 'front-door', status: 'auth-failed' },
        ],
      }),
    );
    expect(result.category).toBe('camera-auth');
    expect(result.evidence).toBe('camera front-door: auth-failed');
  });

  it('runner stops for memory and database name their category', () => {
    const memory = classifyCrash(
      facts({
        signal: 'SIGTERM',
        exitCode: null,
        stopCause: 'memory',
        memory: { rssBytes: 2 ** 30, limitBytes: 2 ** 30 },
      }),
    );
    expect(memory.category).toBe('memory');
    expect(memory.evidence).toBe(
      'stopped by the runner: memory limit (RSS 1.0 GiB of a 1.0 GiB limit)',
    );
    expect(classifyCrash(facts({ stopCause: 'database' })).category).toBe('database');
  });

  it('a category named by the requester wins', () => {
    const result = classifyCrash(
      facts({
        signal: 'SIGTERM',
        exitCode: null,
        stopCause: 'camera',
        requestedCategory: 'network',
        outputTail: [DATABASE_LINE],
      }),
    );
    expect(result.category).toBe('network');
    expect(result.ruleId).toBe('stop:camera');
    const vague = classifyCrash(
      facts({
        signal: 'SIGTERM',
        exitCode: null,
        stopCause: 'start-timeout',
        requestedCategory: 'startup',
        outputTail: [DATABASE_LINE],
      }),
    );
    expect(vague.category).toBe('database');
  });

  it('requested stops are clean', () => {
    for (const stopCause of ['watch', 'manual', 'schedule', 'reload'] as const) {
      const result = classifyCrash(
        facts({ signal: 'SIGTERM', exitCode: null, stopCause, outputTail: [NETWORK_LINE] }),
      );
      expect(result.category, stopCause).toBe('clean-exit');
      expect(result.ruleId, stopCause).toBe('stop:requested');
    }
  });

  it('SIGKILL near the memory limit is memory', () => {
    const near = { rssBytes: 950, limitBytes: 1000 };
    expect(classifyCrash(facts({ signal: 'SIGKILL', exitCode: null, memory: near })).ruleId).toBe(
      'memory:near-limit',
    );
    expect(classifyCrash(facts({ exitCode: 137, memory: near })).category).toBe('memory');
    const far = classifyCrash(
      facts({ signal: 'SIGKILL', exitCode: null, memory: { rssBytes: 500, limitBytes: 1000 } }),
    );
    expect(far.category).toBe('killed');
    const noLimit = classifyCrash(
      facts({ signal: 'SIGKILL', exitCode: null, memory: { rssBytes: 950 } }),
    );
    expect(noLimit.category).toBe('killed');
  });

  it('outside kill signals beat old output', () => {
    for (const signal of ['SIGKILL', 'SIGTERM', 'SIGINT', 'SIGHUP']) {
      const result = classifyCrash(facts({ signal, exitCode: null, outputTail: [NETWORK_LINE] }));
      expect(result.category, signal).toBe('killed');
      expect(result.evidence, signal).toBe(`signal ${signal}`);
    }
    const shell = classifyCrash(facts({ exitCode: 143 }));
    expect(shell.category).toBe('killed');
    expect(shell.ruleId).toBe('exit-code:external');
  });

  it('a runner stop signal is not killed', () => {
    const result = classifyCrash(
      facts({
        signal: 'SIGKILL',
        exitCode: null,
        stopCause: 'camera',
        cameras: [{ name: 'cam', status: 'offline' }],
      }),
    );
    expect(result.category).toBe('network');
    expect(result.ruleId).toBe('camera:offline');
  });

  it('crash signals ignore unrelated output', () => {
    const stale = classifyCrash(
      facts({ signal: 'SIGSEGV', exitCode: null, outputTail: [NETWORK_LINE, 'INFO: frame'] }),
    );
    expect(stale.category).toBe('native-crash');
    expect(stale.ruleId).toBe('signal:native');

    const webcam = classifyCrash(
      facts({
        signal: 'SIGSEGV',
        exitCode: null,
        outputTail: ['VIDIOC_DQBUF: No such device', 'INFO: frame'],
      }),
    );
    expect(webcam.category).toBe('usb-device');

    const v8 = classifyCrash(
      facts({
        exitCode: 134,
        outputTail: [
          'FATAL ERROR: Reached heap limit Allocation failed - JavaScript heap out of memory',
        ],
      }),
    );
    expect(v8.category).toBe('memory');
  });

  it('exit codes that stand for crash signals are native-crash', () => {
    for (const exitCode of [139, 134, 135, 132, -11, -6]) {
      const result = classifyCrash(facts({ exitCode }));
      expect(result.category, String(exitCode)).toBe('native-crash');
      expect(result.ruleId, String(exitCode)).toBe('exit-code:native');
    }
  });

  it('windows crash statuses are native-crash', () => {
    for (const exitCode of [3221225477, -1073741819]) {
      const result = classifyCrash(facts({ exitCode }));
      expect(result.category, String(exitCode)).toBe('native-crash');
      expect(result.evidence, String(exitCode)).toBe(
        'exit code 0xc0000005 (STATUS_ACCESS_VIOLATION)',
      );
    }
    expect(classifyCrash(facts({ exitCode: 0xc0000017 })).category).toBe('memory');
  });

  it('exit code 0 is clean-exit after ready and startup before', () => {
    expect(classifyCrash(facts({ exitCode: 0 })).ruleId).toBe('exit:clean');
    const early = classifyCrash(facts({ exitCode: 0, duringStart: true }));
    expect(early.category).toBe('startup');
    expect(early.ruleId).toBe('exit:before-ready');
  });

  it('exit code 0 ignores failed cameras', () => {
    const result = classifyCrash(
      facts({ exitCode: 0, cameras: [{ name: 'cam', status: 'offline' }] }),
    );
    expect(result.category).toBe('clean-exit');
  });

  it('camera statuses map to categories', () => {
    const cases = [
      ['auth-failed', 'camera-auth'],
      ['auth-required', 'camera-auth'],
      ['offline', 'network'],
      ['unplugged', 'usb-device'],
      ['permission-denied', 'usb-device'],
      ['not-a-camera', 'camera-firmware'],
    ] as const;
    for (const [status, category] of cases) {
      const result = classifyCrash(facts({ cameras: [{ name: 'cam', status }] }));
      expect(result.category, status).toBe(category);
    }
  });

  it('a start timeout is startup unless the output says more', () => {
    const stopped = {
      signal: 'SIGTERM',
      exitCode: null,
      stopCause: 'start-timeout' as const,
      duringStart: true,
    };
    expect(classifyCrash(facts(stopped)).ruleId).toBe('stop:start-timeout');
    expect(classifyCrash(facts({ ...stopped, outputTail: [DATABASE_LINE] })).category).toBe(
      'database',
    );
  });

  it('an exit before ready without output is startup', () => {
    const result = classifyCrash(facts({ exitCode: 3, duringStart: true }));
    expect(result.category).toBe('startup');
    expect(result.evidence).toBe('exit code 3 before it was ready');
  });

  it('anything else is unknown with the last line', () => {
    const result = classifyCrash(
      facts({ exitCode: 3, outputTail: ['working', 'giving up now', '  '] }),
    );
    expect(result.category).toBe('unknown');
    expect(result.evidence).toBe('giving up now');
    expect(classifyCrash(facts({ exitCode: 3 })).evidence).toBe('exit code 3');
  });
});

describe('classifyCrash output scanning', () => {
  it('follows chained python exceptions', () => {
    const tail = [
      'Traceback (most recent call last):',
      '  File "app.py", line 3, in connect',
      NETWORK_LINE,
      '',
      'During handling of the above exception, another exception occurred:',
      '',
      'Traceback (most recent call last):',
      '  File "app.py", line 9, in main',
      'RuntimeError: camera front-door unavailable',
    ];
    const result = classifyCrash(facts({ outputTail: tail }));
    expect(result.category).toBe('network');
  });

  it('stops at the final node crash block', () => {
    const tail = [
      'warn: camera poll failed: connect ECONNREFUSED 127.0.0.1:554',
      '/srv/app/server.js:42',
      '    camera.start();',
      '           ^',
      '',
      'TypeError: camera.start is not a function',
      '    at main (/srv/app/server.js:42:12)',
      '',
      'Node.js v20.20.2',
    ];
    expect(findCrashBlockStart(tail)).toBe(1);
    const result = classifyCrash(facts({ outputTail: tail }));
    expect(result.category).toBe('unknown');
    expect(result.evidence).toBe('TypeError: camera.start is not a function');
  });

  it('reads a logged traceback after its prefix', () => {
    const tail = [
      'INFO:     Waiting for application startup.',
      'ERROR:    Traceback (most recent call last):',
      '  File "/srv/app/db.py", line 12, in open_db',
      'sqlite3.OperationalError: unable to open database file',
      '',
      'ERROR:    Application startup failed. Exiting.',
    ];
    expect(findCrashBlockStart(tail)).toBe(1);
    const result = classifyCrash(facts({ outputTail: tail, duringStart: true }));
    expect(result.ruleId).toBe('sqlite-cannot-open');
  });

  it('redacts and trims the evidence', () => {
    const line = `[rtsp @ 0x1] method DESCRIBE failed: 401 Unauthorized rtsp://admin:hunter2@127.0.0.1:554/stream1 ${'x'.repeat(600)}`;
    const result = classifyCrash(facts({ outputTail: [line] }));
    expect(result.category).toBe('camera-auth');
    expect(result.evidence).not.toContain('hunter2');
    expect(result.evidence).toContain('rtsp://admin:***@127.0.0.1');
    expect(result.evidence!.length).toBe(500);
  });

  it('never takes a mostly binary line as evidence', () => {
    const binary =
      '\ufffdPNG\r\n\u001a\n\u0000\u0000\u0000\rIHDR ECONNREFUSED \u0000\u0001\u0002\u0003';
    const last = classifyCrash(facts({ outputTail: ['serving frames', binary] }));
    expect(last).toMatchObject({ category: 'unknown', evidence: 'serving frames' });

    // A rule's words inside binary data match nothing; the text line before does.
    const matched = classifyCrash(facts({ outputTail: [DATABASE_LINE, binary] }));
    expect(matched).toMatchObject({ category: 'database', evidence: DATABASE_LINE });

    const onlyBinary = classifyCrash(facts({ outputTail: [binary, binary] }));
    expect(onlyBinary).toMatchObject({ category: 'unknown', evidence: 'exit code 1' });
  });

  it('makes evidence printable', () => {
    const line = '\u001b[31mERROR\u001b[0m: [Errno 111] Connection refused\u0007\u009b2J';
    const result = classifyCrash(facts({ outputTail: [line] }));
    expect(result.evidence).toBe('ERROR: [Errno 111] Connection refused\\x07\\x9b2J');
  });

  it('handles a megabyte line quickly', () => {
    const started = performance.now();
    const result = classifyCrash(
      facts({ outputTail: ['a'.repeat(1_000_000), 'b '.repeat(500_000)] }),
    );
    expect(result.category).toBe('unknown');
    expect(performance.now() - started).toBeLessThan(1000);
  });
});

describe('compileUserRules', () => {
  it('names the index and pattern of invalid rules', () => {
    const { rules, errors } = compileUserRules([
      { pattern: 'ok', category: 'network', hint: 'h' },
      { pattern: 'camera (offline', category: 'network', hint: 'h' },
    ]);
    expect(rules).toHaveLength(1);
    expect(errors).toHaveLength(1);
    expect(errors[0]).toContain('crashRules[1]');
    expect(errors[0]).toContain('"camera (offline"');
  });

  it('compiles case-insensitive patterns', () => {
    const { rules } = compileUserRules([
      { pattern: 'camera offline', category: 'network', hint: 'h' },
    ]);
    expect(rules[0]!.pattern.test('CAMERA OFFLINE')).toBe(true);
  });

  it('skips invalid rules at classify time', () => {
    const rules = [{ pattern: '(', category: 'network' as const, hint: 'h' }];
    expect(classifyCrash(facts({ outputTail: [DATABASE_LINE] }), rules).category).toBe('database');
  });
});
