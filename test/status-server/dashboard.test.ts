import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { type BrowserContext, chromium } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Fixture, nextEvent, pollFor, request, startFixture } from './helpers.js';

const CHROMIUM = '/usr/bin/chromium';
const ARTIFACTS = path.resolve(import.meta.dirname, '../../test-artifacts');

describe('dashboard in Chromium', () => {
  let fixture: Fixture;
  let profile: string;
  let browser: BrowserContext;
  const pageErrors: string[] = [];
  const foreignRequests: string[] = [];

  beforeAll(async () => {
    fixture = await startFixture([
      { name: 'cam' },
      { name: 'recorder', extra: ['    autostart: false'] },
    ]);
    // Stand-in for the camera monitor, which the wiring code attaches.
    const since = new Date(Date.now() - 5 * 60_000).toISOString();
    fixture.runner.cameraSnapshot = () => [
      { name: 'porch', status: 'online', latencyMs: 38, since, detail: 'RTSP OPTIONS 200' },
      { name: 'garage', status: 'offline', since, detail: 'connection refused' },
    ];
    profile = await mkdtemp(path.join(os.tmpdir(), 'crashproof-chromium-'));
    browser = await chromium.launchPersistentContext(profile, {
      executablePath: CHROMIUM,
      headless: true,
      viewport: { width: 1280, height: 900 },
      args: [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
      ],
    });
  });

  afterAll(async () => {
    await browser?.close();
    await fixture?.close();
    await rm(profile, { recursive: true, force: true });
  });

  it('shows a crash within two seconds', async () => {
    const page = browser.pages()[0] ?? (await browser.newPage());
    page.on('pageerror', (error) => pageErrors.push(error.message));
    page.on('console', (message) => {
      if (message.type() === 'error') pageErrors.push(message.text());
    });
    page.on('request', (sent) => {
      if (!sent.url().startsWith(fixture.server.url) && !sent.url().startsWith('data:'))
        foreignRequests.push(sent.url());
    });

    await page.goto(fixture.server.url);
    await page.waitForSelector('[data-app="cam"][data-state="running"]', { timeout: 10_000 });
    await page.waitForSelector('#connection[data-state="live"]');
    expect(await page.textContent('[data-app="recorder"] .badge')).toBe('stopped');
    expect(await page.textContent('[data-camera="porch"]')).toContain('38 ms');
    expect(await page.getAttribute('[data-camera="garage"]', 'data-status')).toBe('offline');
    expect(await page.textContent('#crashes')).toContain('no crashes');

    const report = nextEvent(fixture.runner.bus, 'crash:report', (event) => event.app === 'cam');
    const crashedAt = performance.now();
    await fixture.crash('cam');
    const { reportId, category } = await report;
    const item = await page.waitForSelector(`[data-report-id="${reportId}"]`, {
      timeout: Math.max(1, 2000 - (performance.now() - crashedAt)),
    });
    const shownAfterMs = performance.now() - crashedAt;
    expect(shownAfterMs).toBeLessThan(2000);
    expect(await item.textContent()).toContain(category);

    // The timeline gets the crash dot, and the card comes back to running.
    await page.waitForSelector(`#timeline circle[data-category="${category}"]`);
    await page.waitForSelector('[data-app="cam"][data-state="running"]', { timeout: 10_000 });
    await pollFor(async () => {
      const text = await page.textContent('[data-app="cam"]');
      return text?.includes('Restarts1 (1 in the last hour)') ? true : undefined;
    }, 'restart count on the card');

    await mkdir(ARTIFACTS, { recursive: true });
    await page.screenshot({ path: path.join(ARTIFACTS, 'dashboard.png'), fullPage: true });

    expect(pageErrors).toEqual([]);
    expect(foreignRequests).toEqual([]);
  });

  it('serves the page with a strict CSP', async () => {
    const reply = await request(`${fixture.server.url}/`);
    expect(reply.status).toBe(200);
    expect(reply.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(reply.headers['content-security-policy']).toContain("script-src 'self'");
    expect(reply.headers['x-frame-options']).toBe('DENY');
    expect(reply.body).not.toMatch(/https?:\/\/(?!127\.0\.0\.1)/);
  });
});
