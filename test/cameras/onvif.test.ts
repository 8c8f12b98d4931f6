import { afterEach, describe, expect, it } from 'vitest';
import { describeSkew, parseUtcDateTime, probeOnvif } from '../../src/cameras/onvif.js';
import {
  type OnvifFixture,
  type OnvifFixtureOptions,
  startOnvifFixture,
} from '../fixtures/onvif_server.js';
import { closedPort, startListener } from './listeners.js';

// No ONVIF device or simulator installs here: these tests run against
// test/fixtures/onvif_server.ts, an HTTP server that responds to
// GetSystemDateAndTime in the SOAP 1.2 form the ONVIF core specification defines.
describe('probeOnvif', () => {
  let fixture: OnvifFixture | undefined;
  afterEach(async () => {
    await fixture?.close();
    fixture = undefined;
  });

  async function start(options: OnvifFixtureOptions): Promise<string> {
    fixture = await startOnvifFixture(options);
    return `onvif://127.0.0.1:${fixture.port}`;
  }

  it('sends a SOAP 1.2 GetSystemDateAndTime to the device service', async () => {
    const target = await start({});
    const result = await probeOnvif(target, { timeoutMs: 3000 });
    expect(result.status).toBe('online');
    expect(result.detail).toBe('ONVIF clock in sync (within 1 s)');

    const request = fixture!.requests[0]!;
    expect(request.path).toBe('/onvif/device_service');
    expect(request.contentType).toContain('application/soap+xml');
    expect(request.contentType).toContain(
      'action="http://www.onvif.org/ver10/device/wsdl/GetSystemDateAndTime"',
    );
    expect(request.body).toContain('<tds:GetSystemDateAndTime/>');
    expect(request.body).toContain('http://www.w3.org/2003/05/soap-envelope');
  });

  it('reports a device clock 90 s ahead', async () => {
    const result = await probeOnvif(await start({ skewMs: 90_000 }), { timeoutMs: 3000 });
    expect(result.status).toBe('online');
    expect(result.clockSkewMs).toBeGreaterThan(88_000);
    expect(result.clockSkewMs).toBeLessThan(92_000);
    expect(result.detail).toMatch(/^ONVIF clock skew \+(89|90|91) s \(device ahead\)$/);
  });

  it('reports a device clock behind', async () => {
    const result = await probeOnvif(await start({ skewMs: -90_000 }), { timeoutMs: 3000 });
    expect(result.clockSkewMs).toBeLessThan(-88_000);
    expect(result.detail).toMatch(/device behind/);
  });

  it('counts a SOAP fault as a running service', async () => {
    const result = await probeOnvif(await start({ mode: 'fault' }), { timeoutMs: 3000 });
    expect(result).toMatchObject({ status: 'online', detail: 'ONVIF fault: Action not supported' });
  });

  it('reports NotAuthorized faults and HTTP 401 as auth-required', async () => {
    expect(
      (await probeOnvif(await start({ mode: 'not-authorized' }), { timeoutMs: 3000 })).status,
    ).toBe('auth-required');
    await fixture?.close();
    expect((await probeOnvif(await start({ mode: 'http-401' }), { timeoutMs: 3000 })).status).toBe(
      'auth-required',
    );
  });

  it('calls a web server without ONVIF not-a-camera', async () => {
    const result = await probeOnvif(await start({ mode: 'not-soap' }), { timeoutMs: 3000 });
    expect(result.status).toBe('not-a-camera');
    expect(result.detail).toBe(
      'HTTP 404 without a SOAP response: no ONVIF service at /onvif/device_service',
    );
  });

  it('reports a closed port and a silent server offline', async () => {
    const refused = await probeOnvif(`onvif://127.0.0.1:${await closedPort()}`, {
      timeoutMs: 3000,
    });
    expect(refused).toMatchObject({ status: 'offline', detail: 'connection refused' });

    const silent = await startListener();
    try {
      const result = await probeOnvif(`onvif://127.0.0.1:${silent.port}`, { timeoutMs: 300 });
      expect(result).toMatchObject({ status: 'offline', detail: 'timed out after 300 ms' });
    } finally {
      await silent.close();
    }
  });
});

describe('parseUtcDateTime', () => {
  it('reads any namespace prefix', () => {
    const xml =
      '<env:Body><UTCDateTime><Time><Hour>1</Hour><Minute>2</Minute><Second>3</Second></Time>' +
      '<Date><Year>2024</Year><Month>2</Month><Day>29</Day></Date></UTCDateTime></env:Body>';
    expect(parseUtcDateTime(xml)).toBe(Date.UTC(2024, 1, 29, 1, 2, 3));
  });

  it('returns undefined for missing or invalid fields', () => {
    expect(parseUtcDateTime('<tt:LocalDateTime></tt:LocalDateTime>')).toBeUndefined();
    const badMonth =
      '<tt:UTCDateTime><tt:Time><tt:Hour>1</tt:Hour><tt:Minute>2</tt:Minute><tt:Second>3</tt:Second></tt:Time>' +
      '<tt:Date><tt:Year>2024</tt:Year><tt:Month>13</tt:Month><tt:Day>1</tt:Day></tt:Date></tt:UTCDateTime>';
    expect(parseUtcDateTime(badMonth)).toBeUndefined();
  });
});

describe('describeSkew', () => {
  it('words the skew', () => {
    expect(describeSkew(400)).toBe('clock in sync (within 1 s)');
    expect(describeSkew(90_000)).toBe('clock skew +90 s (device ahead)');
    expect(describeSkew(-1400)).toBe('clock skew -1 s (device behind)');
  });
});
