import net from 'node:net';
import { expect, it } from 'vitest';
import { isPortFree } from '../../src/supervisor/port.js';
import { nodeCommand } from '../helpers/fixtures.js';
import { useSupervisors } from '../helpers/supervisor.js';

const { setup, onCleanUp } = useSupervisors();

/** Listen on a free loopback port until release() or the end of the test. */
async function blockPort(): Promise<{ port: number; release(): Promise<void> }> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  let open = true;
  const release = async () => {
    if (!open) return;
    open = false;
    await new Promise<void>((resolve) => server.close(() => resolve()));
  };
  onCleanUp(release);
  return { port: (server.address() as net.AddressInfo).port, release };
}

it('waits for a busy port', async () => {
  const blocker = await blockPort();
  const { port } = blocker;
  const harness = await setup({
    name: 'web',
    command: nodeCommand('forever.mjs'),
    host: '127.0.0.1',
    port,
  });

  harness.supervisor.start();
  const waiting = await harness.log.waitForMessage(
    new RegExp(`waiting for port ${port} to be free`),
  );
  expect(waiting.port).toBe(port);
  expect(harness.recorder.of('app:spawn')).toHaveLength(0);
  expect(harness.supervisor.state).toBe('starting');

  const released = performance.now();
  await blocker.release();
  const [spawn] = await harness.recorder.waitFor('app:spawn');
  // The port is polled every 100 ms; the rest is slack for a busy machine.
  expect(spawn!.at - released).toBeLessThan(2000);
});

it('starts anyway after portWaitTimeout', async () => {
  const { port } = await blockPort();
  const harness = await setup({
    name: 'web',
    command: nodeCommand('forever.mjs'),
    host: '127.0.0.1',
    port,
    portWaitTimeout: '300ms',
  });
  harness.supervisor.start();
  await harness.log.waitForMessage(
    new RegExp(`port ${port} still in use after 300ms; starting anyway`),
  );
  await harness.recorder.waitFor('app:spawn');
});

it('tells a free port from a busy one', async () => {
  const blocker = await blockPort();
  expect(await isPortFree(blocker.port, '127.0.0.1')).toBe(false);
  await blocker.release();
  expect(await isPortFree(blocker.port, '127.0.0.1')).toBe(true);
});
