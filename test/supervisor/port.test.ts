import net from 'node:net';
import path from 'node:path';
import { afterEach, expect, it } from 'vitest';
import { isPortFree } from '../../src/supervisor/port.js';
import { nodeCommand } from '../helpers/fixtures.js';
import { testSupervisor } from '../helpers/supervisor.js';
import { TempDirs } from '../helpers/temp.js';

const temp = new TempDirs();
const disposers: Array<() => Promise<number[]>> = [];

afterEach(async () => {
  const leftovers = (await Promise.all(disposers.splice(0).map((dispose) => dispose()))).flat();
  await temp.removeAll();
  expect(leftovers, 'processes a test left running').toEqual([]);
});

async function listen(): Promise<net.Server> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return server;
}

it('waits for a busy port before the start', async () => {
  const blocker = await listen();
  const port = (blocker.address() as net.AddressInfo).port;
  const dir = await temp.make();
  const harness = testSupervisor(
    { name: 'web', command: nodeCommand('forever.mjs'), host: '127.0.0.1', port },
    { baseDir: dir, logDir: path.join(dir, 'logs') },
  );
  disposers.push(harness.dispose);

  harness.supervisor.start();
  const waiting = await harness.log.waitForMessage(
    new RegExp(`waiting for port ${port} to be free`),
  );
  expect(waiting.port).toBe(port);
  expect(harness.recorder.of('app:spawn')).toHaveLength(0);
  expect(harness.supervisor.state).toBe('starting');

  const released = performance.now();
  await new Promise<void>((resolve) => blocker.close(() => resolve()));
  const [spawn] = await harness.recorder.waitFor('app:spawn');
  // The port is polled every 100 ms.
  expect(spawn!.at - released).toBeLessThan(2000);
});

it('starts anyway once portWaitTimeout runs out', async () => {
  const blocker = await listen();
  const port = (blocker.address() as net.AddressInfo).port;
  const dir = await temp.make();
  const harness = testSupervisor(
    {
      name: 'web',
      command: nodeCommand('forever.mjs'),
      host: '127.0.0.1',
      port,
      portWaitTimeout: '300ms',
    },
    { baseDir: dir, logDir: path.join(dir, 'logs') },
  );
  disposers.push(async () => {
    const leftovers = await harness.dispose();
    await new Promise<void>((resolve) => blocker.close(() => resolve()));
    return leftovers;
  });
  harness.supervisor.start();
  await harness.log.waitForMessage(
    new RegExp(`port ${port} still in use after 300ms; starting anyway`),
  );
  await harness.recorder.waitFor('app:spawn');
});

it('tells a free port from a busy one', async () => {
  const blocker = await listen();
  const port = (blocker.address() as net.AddressInfo).port;
  expect(await isPortFree(port, '127.0.0.1')).toBe(false);
  await new Promise<void>((resolve) => blocker.close(() => resolve()));
  expect(await isPortFree(port, '127.0.0.1')).toBe(true);
});
