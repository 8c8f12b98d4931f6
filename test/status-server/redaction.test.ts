import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { redactDeep } from '../../src/crash/redact.js';
import { type Fixture, pollFor, request, startFixture } from './helpers.js';
import { SseClient } from './sse-client.js';

const SECRET = 'hunter2-not-shown';

describe('status server redaction', () => {
  let fixture: Fixture | undefined;
  let client: SseClient | undefined;

  afterEach(async () => {
    client?.close();
    client = undefined;
    await fixture?.close();
    fixture = undefined;
  });

  it('keeps the token file in the 401 detail and the log', async () => {
    fixture = await startFixture([{ name: 'cam', extra: ['    autostart: false'] }]);
    const tokenFile = path.join(fixture.runner.logDir, 'crashproof.token');

    const reply = await request(`${fixture.server.url}/api/reload`, { method: 'POST' });
    expect(reply.status).toBe(401);
    expect(reply.json().detail).toBe(
      `send the token from ${tokenFile} as a Bearer token in the Authorization header`,
    );

    const listening = fixture.logs.find((record) =>
      String(record.msg).startsWith('status server listening'),
    );
    expect(listening?.tokenFile).toBe(tokenFile);
    // The runner's logger passes every record through redactDeep; the path must survive it.
    expect(redactDeep(listening)).toEqual(listening);
  });

  it('hides argument secrets in crash lists and events', async () => {
    fixture = await startFixture([{ name: 'cam', extra: ['    autostart: false'] }]);
    client = await SseClient.connect(fixture.server.url);

    // The path that guards and the supervisor take to report a crash.
    fixture.runner.reporter.record({
      app: 'cam',
      pid: undefined,
      exitCode: 1,
      signal: null,
      uptimeMs: 5000,
      duringStart: false,
      cause: 'crash',
      reason: 'exit code 1',
      category: undefined,
      attempt: 1,
      nextDelayMs: 300,
      fatal: false,
      command: ['./leaky.sh', '--password', SECRET],
      cwd: fixture.dir,
      stateBefore: 'running',
      outputTail: [`started with --password ${SECRET}`, `login failed: --api-key=${SECRET}`],
      survivors: [],
    });

    const event = await client.waitFor('crash:report');
    const crashes = await pollFor(async () => {
      const reply = await request(`${fixture!.server.url}/api/crashes`);
      return reply.body.includes('"cam"') ? reply.body : undefined;
    }, 'the crash in /api/crashes');
    const status = await request(`${fixture.server.url}/api/status`);

    expect(JSON.stringify(event.data)).not.toContain(SECRET);
    expect(crashes).not.toContain(SECRET);
    expect(crashes).toContain('started with --password ***');
    expect(status.body).not.toContain(SECRET);
  });
});
