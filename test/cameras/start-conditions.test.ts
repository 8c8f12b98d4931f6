import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { isMountPoint } from '../../src/cameras/mounts.js';
import { waitForStartConditions } from '../../src/cameras/start-conditions.js';
import type { ProbeResult } from '../../src/cameras/types.js';
import {
  type StartConditionConfig,
  startConditionSchema,
} from '../../src/config/schema/cameras.js';
import { closedPort } from './listeners.js';
import { RecordingLogger } from './recording-logger.js';

function condition(fields: Record<string, string>, timeout = '2s'): StartConditionConfig {
  return startConditionSchema.parse({ ...fields, timeout });
}

describe('waitForStartConditions', () => {
  const cleanups: Array<() => void | Promise<void>> = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0)) await cleanup();
  });

  function deps(overrides: Partial<Parameters<typeof waitForStartConditions>[1]> = {}) {
    const logger = new RecordingLogger();
    return {
      logger,
      deps: {
        isAppReady: () => false,
        probeCamera: async (): Promise<ProbeResult> => ({
          status: 'offline',
          latencyMs: 1,
          detail: 'scripted',
        }),
        logger,
        signal: new AbortController().signal,
        pollIntervalMs: 25,
        logIntervalMs: 100,
        ...overrides,
      },
    };
  }

  function tempDir(): string {
    const dir = mkdtempSync(join(tmpdir(), 'crashproof-start-'));
    cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
    return dir;
  }

  it('returns at once without conditions', async () => {
    expect(await waitForStartConditions([], deps().deps)).toEqual({ met: true, waitedMs: 0 });
  });

  it('waits for a TCP port to accept connections', async () => {
    const port = await closedPort();
    const { deps: dependencies, logger } = deps();
    const server = createServer();
    cleanups.push(() => new Promise<void>((resolve) => server.close(() => resolve())));
    setTimeout(() => server.listen(port, '127.0.0.1'), 300);

    const result = await waitForStartConditions(
      [condition({ tcp: `127.0.0.1:${port}` })],
      dependencies,
    );
    expect(result.met).toBe(true);
    const waiting = logger
      .messages('info')
      .filter((message) => message.startsWith(`waiting for tcp 127.0.0.1:${port} reachable`));
    expect(waiting.length).toBeGreaterThanOrEqual(2);
    expect(waiting[0]).toContain('connection refused');
    expect(logger.messages('info').at(-1)).toMatch(
      new RegExp(`^start condition met after .*: tcp 127.0.0.1:${port} reachable$`),
    );
  });

  it('waits for a device node to appear', async () => {
    const device = join(tempDir(), 'video0');
    setTimeout(() => writeFileSync(device, ''), 150);
    const result = await waitForStartConditions([condition({ device })], deps().deps);
    expect(result.met).toBe(true);
  });

  it('waits for a camera probe and another app', async () => {
    let probes = 0;
    let ready = false;
    setTimeout(() => {
      ready = true;
    }, 150);
    const { deps: dependencies } = deps({
      isAppReady: (name) => name === 'db' && ready,
      probeCamera: async (name) => {
        probes++;
        return {
          status: name === 'door' && probes >= 3 ? 'online' : 'offline',
          latencyMs: 1,
          detail: 'scripted',
        };
      },
    });
    const result = await waitForStartConditions(
      [condition({ camera: 'door' }), condition({ app: 'db' })],
      dependencies,
    );
    expect(result.met).toBe(true);
    expect(probes).toBeGreaterThanOrEqual(3);
  });

  it('fails on the first condition that times out and stops the others', async () => {
    const dir = tempDir();
    const { deps: dependencies, logger } = deps();
    const result = await waitForStartConditions(
      [condition({ mounted: dir }, '200ms'), condition({ app: 'never' }, '1m')],
      dependencies,
    );
    expect(result.met).toBe(false);
    expect(result.failed).toBe(
      `${dir} mounted: not met within 200 ms (last check: not a mount point)`,
    );
    expect(result.waitedMs).toBeLessThan(5000);
    expect(logger.messages('error')).toEqual([`start condition failed: ${result.failed}`]);
  });

  it('ends the wait when the signal aborts', async () => {
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 100);
    const result = await waitForStartConditions(
      [condition({ app: 'never' }, '1m')],
      deps({ signal: controller.signal }).deps,
    );
    expect(result).toMatchObject({
      met: false,
      failed: 'stopped while waiting for start conditions',
    });
    expect(result.waitedMs).toBeLessThan(5000);
  });

  it('reports a camera the probe cannot find', async () => {
    const { deps: dependencies } = deps({
      probeCamera: () =>
        Promise.reject(new Error('unknown camera "garage": configured cameras are door')),
    });
    const result = await waitForStartConditions(
      [condition({ camera: 'garage' }, '100ms')],
      dependencies,
    );
    expect(result.failed).toBe(
      'camera garage online: not met within 100 ms (last check: unknown camera "garage": configured cameras are door)',
    );
  });
});

describe('isMountPoint', () => {
  it('knows /, /proc and a plain directory', async () => {
    expect(await isMountPoint('/')).toBe(true);
    expect(await isMountPoint('/proc')).toBe(true);
    const dir = mkdtempSync(join(tmpdir(), 'crashproof-mount-'));
    try {
      expect(await isMountPoint(dir)).toBe(false);
      expect(await isMountPoint(join(dir, 'missing'))).toBe(false);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('startConditionSchema', () => {
  it('needs exactly one kind', () => {
    expect(() => startConditionSchema.parse({})).toThrow(
      /exactly one of device, tcp, camera, mounted, app; got none/,
    );
    expect(() => startConditionSchema.parse({ tcp: '127.0.0.1:1', app: 'x' })).toThrow(
      /got tcp, app/,
    );
  });

  it('checks the host:port form', () => {
    const result = startConditionSchema.safeParse({ tcp: '127.0.0.1' });
    expect(result.error?.issues.map((issue) => issue.message)).toEqual([
      'invalid tcp condition "127.0.0.1": write it as host:port, such as 192.168.1.20:554 or [::1]:8080',
    ]);
    expect(startConditionSchema.parse({ tcp: '[::1]:8080' }).tcp).toBe('[::1]:8080');
  });
});
