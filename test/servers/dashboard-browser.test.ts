/**
 * The dashboard in a real browser: Debian's Chromium (.ci/install.d/chromium.sh) driven
 * by playwright-core, which downloads no browser. One launch for the whole file; every
 * wait is on a condition (a DOM state, a request), never a fixed sleep.
 */

import { existsSync } from 'node:fs';
import { chromium, type Browser, type Page, type Request } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { serveMetrics, type MetricsServer } from '../../src/exposition/server.js';
import { Registry } from '../../src/registry/registry.js';
import { waitUntil } from '../helpers/wait.js';
import { startTraffic, type Traffic } from './dashboard-traffic.js';

// The few DOM types the functions run in the page use (the project's lib has no DOM, and
// a `/// <reference lib="dom" />` would give every source file DOM globals).
type PageNode = {
  readonly id: string;
  readonly textContent: string | null;
  readonly dataset: Record<string, string | undefined>;
  querySelector(selector: string): PageNode | null;
  querySelectorAll(selector: string): Iterable<PageNode> & { readonly length: number };
};
type PageCanvas = PageNode & {
  readonly width: number;
  readonly height: number;
  getContext(kind: '2d'): { fillStyle: string; getImageData(x: number, y: number, w: number, h: number): { data: Uint8ClampedArray } } | null;
};
declare const document: {
  readonly body: PageNode;
  readonly activeElement: PageNode | null;
  createElement(tag: 'canvas'): PageCanvas;
  querySelectorAll(selector: string): Iterable<PageNode> & { readonly length: number };
};
declare function getComputedStyle(node: PageNode): { readonly backgroundColor: string };

const CHROMIUM = '/usr/bin/chromium';
const INTERVAL_MS = 250;

type FeedSeries = { id: number; name: string; data: (number | null)[][] };
type Feed = {
  ring: string;
  seq: number;
  from: number;
  series: FeedSeries[];
  runtime: FeedSeries[];
  routes: { id: number; route: string; method: string | null }[];
  route: FeedSeries | null;
};

/** Parses what the page prints (`1.23 ms`, `456 µs`, `12.3/s`, `4.5%`, `12 MiB`) back into the feed's unit. */
function parseShown(text: string, unit: string): number {
  const m = /^(-?[\d.]+(?:e[-+]?\d+)?)\s?(µs|ms|s|\/s|%|B|KiB|MiB|GiB)?$/.exec(text);
  if (m === null) throw new Error(`cannot read ${JSON.stringify(text)}`);
  const n = Number(m[1]);
  const scale: Record<string, number> = { µs: 1e-3, ms: 1, s: unit === 'ms' ? 1000 : 1, '/s': 1, '%': 0.01, B: 1, KiB: 1024, MiB: 2 ** 20, GiB: 2 ** 30 };
  return n * (m[2] === undefined ? 1 : scale[m[2]]!);
}

describe.skipIf(!existsSync(CHROMIUM))('the dashboard in Chromium', () => {
  let browser: Browser;
  let page: Page;
  let server: MetricsServer;
  let traffic: Traffic;
  let base: string;
  const registry = new Registry();
  const requests: Request[] = [];
  const consoleErrors: string[] = [];

  const start = async (port: number): Promise<void> => {
    server = await serveMetrics({ registry, port, dashboard: { intervalMs: INTERVAL_MS, title: 'shop' } });
    base = server.url.replace(/\/metrics$/, '');
  };
  const feed = async (query = ''): Promise<Feed> => {
    const res = await fetch(`${base}/dashboard/feed?limit=100${query}`);
    return (await res.json()) as Feed;
  };
  const pageSeq = async (): Promise<number> => Number(await page.getAttribute('body', 'data-seq'));

  beforeAll(async () => {
    traffic = startTraffic(registry, 400);
    await start(0);
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] });
    page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
    page.on('request', (r) => requests.push(r));
    page.on('console', (m) => {
      if (m.type() === 'error' || m.type() === 'warning') consoleErrors.push(`${m.type()}: ${m.text()}`);
    });
    page.on('pageerror', (e) => consoleErrors.push(`pageerror: ${e.message}`));
  }, 60_000);

  afterAll(async () => {
    traffic.stop();
    await browser?.close();
    await server?.stop();
  });

  it('loads with no console error and no request to another origin', async () => {
    await page.goto(`${base}/dashboard`);
    await page.waitForSelector('body[data-state="live"]');
    await page.waitForFunction(() => Number(document.body.dataset.seq) >= 2);
    expect(consoleErrors).toEqual([]);
    const origin = new URL(base).origin;
    const elsewhere = requests.map((r) => r.url()).filter((u) => new URL(u).origin !== origin);
    expect(elsewhere).toEqual([]);
    expect(requests.some((r) => r.url().includes('/dashboard/uplot.js'))).toBe(true);
    expect(await page.title()).toBe('shop · metrics');
  });

  it('draws the charts once traffic has been recorded for a few seconds', async () => {
    await page.waitForFunction(() => Number(document.body.dataset.seq) >= 20, undefined, { timeout: 15_000 });
    // Pixels of each card's line colours (antialiased, so near them) on its canvas.
    const drawn = await page.evaluate(() => {
      const rgb = (css: string): number[] => {
        const probe = document.createElement('canvas').getContext('2d')!;
        probe.fillStyle = css;
        const hex = probe.fillStyle;
        return [1, 3, 5].map((i) => parseInt(hex.slice(i, i + 2), 16));
      };
      const out: Record<string, number> = {};
      for (const card of document.querySelectorAll('.card')) {
        const canvas = card.querySelector('canvas') as PageCanvas | null;
        if (canvas === null) continue;
        const colours = [...card.querySelectorAll('.swatch')].map((s) => rgb(getComputedStyle(s).backgroundColor));
        const { data } = canvas.getContext('2d')!.getImageData(0, 0, canvas.width, canvas.height);
        let n = 0;
        for (let i = 0; i < data.length; i += 4) {
          if (data[i + 3]! <= 128) continue;
          const near = colours.some(([r, g, b]) => Math.abs(data[i]! - r!) + Math.abs(data[i + 1]! - g!) + Math.abs(data[i + 2]! - b!) < 90);
          if (near) n++;
        }
        out[card.querySelector('h3')!.textContent!] = n;
      }
      return out;
    });
    for (const title of ['Event-loop delay', 'Memory', 'CPU', 'db.query', 'jobs.processed', 'queue.depth', 'http.server.requests']) {
      expect(drawn[title], title).toBeGreaterThan(50);
    }
  });

  it('shows the numbers the feed says, for the series and the selected route', async () => {
    // Pick the first route of the table by keyboard.
    await page.focus('#routes tbody tr');
    await page.keyboard.press('Enter');
    await page.waitForSelector('#route-detail:not([hidden]) canvas');
    const routeId = Number(await page.getAttribute('#routes tbody tr[aria-selected="true"]', 'data-id'));
    await page.waitForFunction(() => document.querySelectorAll('#route-detail .value[data-value]').length === 4);
    const shown = await page.evaluate(() => ({
      seq: Number(document.body.dataset.seq),
      cards: [...document.querySelectorAll('#overview .card')].map((card) => ({
        id: Number(card.dataset.id),
        values: [...card.querySelectorAll('.value')].map((v) => ({ value: v.dataset.value ?? null, unit: v.dataset.unit!, text: v.textContent! })),
      })),
      row: [...document.querySelectorAll('#routes tr[aria-selected="true"] td[data-unit]')].map((td) => ({
        value: td.dataset.value ?? null,
        unit: td.dataset.unit!,
        text: td.textContent!,
      })),
    }));
    const truth = await feed(`&route=${routeId}`);
    expect(truth.seq).toBeGreaterThanOrEqual(shown.seq);
    const at = shown.seq - truth.from;
    expect(at).toBeGreaterThanOrEqual(0);
    expect(shown.cards.length).toBeGreaterThan(5);
    let compared = 0;
    const check = (value: string | null, unit: string, text: string, expected: number | null): void => {
      expect(value === null ? null : Number(value)).toBe(expected);
      if (expected === null) {
        expect(text).toBe('–');
        return;
      }
      const read = parseShown(text, unit);
      expect(Math.abs(read - expected)).toBeLessThanOrEqual(Math.abs(expected) * 0.006 + 1e-9);
      compared++;
    };
    for (const card of shown.cards) {
      const series = truth.series.find((s) => s.id === card.id)!;
      expect(series, `series ${card.id}`).toBeDefined();
      card.values.forEach((v, f) => check(v.value, v.unit, v.text, series.data[f]![at]!));
    }
    const route = truth.route!;
    expect(route).not.toBeNull();
    shown.row.forEach((v, f) => check(v.value, v.unit, v.text, route.data[f]![at]!));
    expect(compared).toBeGreaterThan(15);
  });

  it('sorts the routes table from its column buttons', async () => {
    await page.click('#routes th[data-key="route"] button');
    await page.waitForSelector('#routes th[data-key="route"][aria-sort="ascending"]');
    const cells = page.locator('#routes tbody td[data-key="route"]');
    const routes: string[] = [];
    for (let i = 0; i < (await cells.count()); i++) routes.push((await cells.nth(i).getAttribute('title'))!);
    expect(routes.length).toBeGreaterThan(2);
    expect(routes).toEqual([...routes].sort((a, b) => a.localeCompare(b)));
    await page.click('#routes th[data-key="route"] button');
    await page.waitForSelector('#routes th[data-key="route"][aria-sort="descending"]');
  });

  it('narrows the list with the filter box', async () => {
    const before = await page.locator('#overview .card h3').count();
    await page.keyboard.press('Escape');
    await page.locator('body').press('/');
    expect(await page.evaluate(() => document.activeElement?.id)).toBe('filter');
    await page.keyboard.type('db.');
    await page.waitForFunction(() => {
      const names = [...document.querySelectorAll('#overview .card h3')].map((h) => h.textContent!);
      return names.length > 0 && names.every((n) => n.includes('db.'));
    });
    const after = await page.locator('#overview .card h3').allTextContents();
    expect(after).toEqual(['db.query']);
    expect(before).toBeGreaterThan(after.length);
    expect(await page.textContent('#shown')).toContain('matching “db.”');
    await page.fill('#filter', 'status=5xx');
    await page.waitForFunction(() => {
      const tags = [...document.querySelectorAll('#overview .card .tags')].map((t) => t.textContent!);
      return tags.length > 0 && tags.every((t) => t.includes('status=5xx'));
    });
    await page.focus('#filter');
    await page.keyboard.press('Escape');
    // The whole list comes back. The traffic creates a route's series the first time that
    // route answers with that status (a rare 5xx may first happen during this test), so
    // the list may have grown since `before`, never shrunk.
    await page.waitForFunction((n) => document.querySelectorAll('#overview .card').length >= n, before);
    expect(await page.inputValue('#filter')).toBe('');
    expect(await page.textContent('#shown')).not.toContain('matching');
  });

  it('shows the server unreachable, retries with backoff, and resumes when it comes back', async () => {
    const { port } = server;
    const ringBefore = await page.getAttribute('body', 'data-ring');
    const failures: number[] = [];
    page.on('requestfailed', (r) => {
      if (r.url().includes('/dashboard/feed')) failures.push(Date.now());
    });
    await server.stop();
    await page.waitForSelector('body[data-state="unreachable"]');
    expect(await page.isVisible('#unreachable')).toBe(true);
    expect(await page.textContent('#status')).toBe('unreachable');
    // Never floods: the failed attempts come further and further apart (backoff).
    await waitUntil(() => failures.length >= 4, { what: 'four failed attempts', timeoutMs: 10_000 });
    const gaps = failures.slice(1, 4).map((t, i) => t - failures[i]!);
    expect(gaps[1]!).toBeGreaterThan(gaps[0]!);
    expect(gaps[2]!).toBeGreaterThan(gaps[1]!);
    await start(port);
    await page.waitForSelector('body[data-state="live"]', { timeout: 20_000 });
    expect(await page.isHidden('#unreachable')).toBe(true);
    const seq = await pageSeq();
    await page.waitForFunction((s) => Number(document.body.dataset.seq) > s, seq);
    expect(await page.getAttribute('body', 'data-ring')).not.toBe(ringBefore);
  });
});
