/**
 * The screenshots of docs/dashboard.md and the README, made under demo-like traffic:
 *
 *   DASHBOARD_SCREENSHOTS=1 npx vitest run test/servers/dashboard-screenshots.test.ts
 *
 * Skipped otherwise. Three minutes of traffic (with a slow, failing /search from 1:10 to
 * 1:40) are recorded on a ManualClock in a second, sampled by a hand-driven scheduler,
 * then Chromium photographs the page: docs/dashboard.png (1280×800, light, /search
 * selected), docs/dashboard-dark.png (the whole page, dark), docs/dashboard-phone.png
 * (390 px wide).
 */

import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { chromium } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/clock.js';
import { createDashboard } from '../../src/exposition/dashboard/handler.js';
import { Registry } from '../../src/registry/registry.js';
import { ManualScheduler } from '../exposition/dashboard/scheduler.js';
import { TrafficRecorder } from './dashboard-traffic.js';

const DOCS = join(import.meta.dirname, '..', '..', 'docs');
const SECONDS = 180;

describe.skipIf(process.env.DASHBOARD_SCREENSHOTS !== '1')('dashboard screenshots', () => {
  it('photographs the dashboard under demo-like traffic', async () => {
    const clock = new ManualClock({ nowMs: Date.now() - SECONDS * 1000, monotonicMs: 1_000_000 });
    const registry = new Registry({ clock });
    const recorder = new TrafficRecorder(registry);
    const scheduler = new ManualScheduler();
    const dashboard = createDashboard('screenshots', { registry, title: 'shop-api', idleTimeoutMs: 86_400_000 }, scheduler);
    const server: Server = createServer((req, res) => void dashboard(req, res));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}/dashboard`;
    const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--no-sandbox'] });
    try {
      recorder.step(0, 1_000, 250);
      await fetch(`${base}/feed`); // the first request starts the history
      for (let s = 1; s <= SECONDS; s++) {
        recorder.step(s, 1_000, 250, s >= 70 && s < 100);
        clock.advance(1_000);
        scheduler.fire();
        // The sample runs in microtasks (a small registry needs no slicing): let it finish.
        await new Promise((resolve) => setImmediate(resolve));
      }
      const shoot = async (name: string, options: { width: number; height: number; dark?: boolean; full?: boolean; select?: string }) => {
        const page = await browser.newPage({
          viewport: { width: options.width, height: options.height },
          colorScheme: options.dark === true ? 'dark' : 'light',
        });
        const errors: string[] = [];
        page.on('console', (m) => {
          if (m.type() === 'error') errors.push(m.text());
        });
        await page.goto(base);
        await page.waitForSelector('body[data-state="live"]');
        await page.waitForSelector('#overview .card canvas');
        if (options.select !== undefined) {
          await page.click(`#routes tbody tr:has(td[data-key="route"][title="${options.select}"])`);
          await page.waitForSelector('#route-detail:not([hidden]) canvas');
        }
        await page.mouse.move(0, 0);
        await page.screenshot({ path: join(DOCS, name), fullPage: options.full === true });
        expect(errors).toEqual([]);
        await page.close();
      };
      await shoot('dashboard.png', { width: 1280, height: 800, select: '/search' });
      await shoot('dashboard-dark.png', { width: 1280, height: 800, dark: true, full: true, select: '/search' });
      await shoot('dashboard-phone.png', { width: 390, height: 844 });
    } finally {
      await browser.close();
      await new Promise<void>((resolve) => {
        server.close(() => {
          resolve();
        });
        server.closeAllConnections();
      });
      await dashboard.stop();
    }
  }, 120_000);
});
