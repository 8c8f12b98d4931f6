import { describe, expect, it } from 'vitest';
import { probeTcp } from '../../src/cameras/tcp.js';
import { closedPort, startListener } from './listeners.js';

describe('probeTcp', () => {
  it('reports an accepting port online', async () => {
    const listener = await startListener();
    try {
      const result = await probeTcp(`tcp://127.0.0.1:${listener.port}`, { timeoutMs: 3000 });
      expect(result).toMatchObject({ status: 'online', detail: 'TCP connection accepted' });
    } finally {
      await listener.close();
    }
  });

  it('reports a closed port as connection refused', async () => {
    const result = await probeTcp(`tcp://127.0.0.1:${await closedPort()}`, { timeoutMs: 3000 });
    expect(result).toMatchObject({ status: 'offline', detail: 'connection refused' });
  });

  it('reports a URL without a port in plain words', async () => {
    const result = await probeTcp('tcp://127.0.0.1', { timeoutMs: 3000 });
    expect(result.status).toBe('offline');
    expect(result.detail).toContain('has no port: write it as tcp://host:port');
  });
});
