/**
 * The dashboard's static files: the page, its one script and one stylesheet, an icon, and
 * uPlot (script, stylesheet and its MIT notice), read once from the `assets/` folder next
 * to this module: in `dist/`, where `npm run build` copies them (copy-assets.js), uPlot in
 * `assets/vendor/`. In a checkout (the TypeScript sources, or a `dist/` built by `tsc`
 * alone) uPlot comes from `node_modules/uplot` and the rest from the sources.
 *
 * @module
 * @internal
 */

import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';

/** A static file, ready to send. */
export type Asset = {
  readonly body: Buffer;
  readonly contentType: string;
  /** A strong validator of the content (`"<sha-256 prefix>"`). */
  readonly etag: string;
};

/** The files the dashboard serves, by the last segment of their path, and where each comes from. */
const FILES = {
  'dashboard.js': { file: 'dashboard.js', type: 'text/javascript; charset=utf-8' },
  'dashboard.css': { file: 'dashboard.css', type: 'text/css; charset=utf-8' },
  'favicon.svg': { file: 'favicon.svg', type: 'image/svg+xml' },
  'uplot.js': { file: 'vendor/uPlot.iife.min.js', type: 'text/javascript; charset=utf-8', module: 'uplot/dist/uPlot.iife.min.js' },
  'uplot.css': { file: 'vendor/uPlot.min.css', type: 'text/css; charset=utf-8', module: 'uplot/dist/uPlot.min.css' },
  'uplot-license.txt': { file: 'vendor/uPlot.LICENSE.txt', type: 'text/plain; charset=utf-8', module: 'uplot/LICENSE' },
} as const satisfies Record<string, { file: string; type: string; module?: string }>;

/** The name of a static file the dashboard serves. */
export type AssetName = keyof typeof FILES;

/** Whether a path's last segment names one of the static files. */
export function isAssetName(segment: string): segment is AssetName {
  return Object.hasOwn(FILES, segment);
}

const ASSETS = new URL('./assets/', import.meta.url);
/**
 * In a checkout whose `dist/` was built by `tsc` alone (without the copy step of
 * `npm run build`), the sources' folder: `dist/exposition/dashboard/` → `src/...`.
 */
const SOURCE_ASSETS = new URL('../../../src/exposition/dashboard/assets/', import.meta.url);

function etagOf(body: Buffer | string): string {
  return `"${createHash('sha256').update(body).digest('base64url').slice(0, 22)}"`;
}

async function readFirst(file: string, fallback: () => Promise<Buffer>): Promise<Buffer> {
  try {
    return await readFile(new URL(file, ASSETS));
  } catch {
    return fallback();
  }
}

async function readSource(name: AssetName): Promise<Buffer> {
  const entry: { file: string; module?: string } = FILES[name];
  const module = entry.module;
  // A checkout (tests run the TypeScript sources): uPlot comes from its package.
  if (module !== undefined) return readFirst(entry.file, () => readFile(createRequire(import.meta.url).resolve(module)));
  return readFirst(entry.file, () => readFile(new URL(entry.file, SOURCE_ASSETS)));
}

const cache = new Map<string, Promise<Asset>>();

/** Reads a static file (once per process; a failed read is retried by the next request). */
export function loadAsset(name: AssetName): Promise<Asset> {
  let asset = cache.get(name);
  if (asset === undefined) {
    asset = readSource(name).then((body) => ({ body, contentType: FILES[name].type, etag: etagOf(body) }));
    asset.catch(() => cache.delete(name));
    cache.set(name, asset);
  }
  return asset;
}

let template: Promise<string> | undefined;

const HTML_ESCAPES: Readonly<Record<string, string>> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

/** Escapes text for HTML content and quoted attributes. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => HTML_ESCAPES[c]!);
}

/**
 * The page: `index.html` with the title and the relative path of the static files filled
 * in (`./` when the page was asked for as `/dashboard/`, `./dashboard/` as `/dashboard`),
 * so the page works wherever it is mounted, whatever the framework does to `req.url`.
 */
export async function renderPage(base: string, title: string): Promise<Asset> {
  template ??= readFirst('index.html', () => readFile(new URL('index.html', SOURCE_ASSETS))).then((b) => b.toString('utf8'));
  let html: string;
  try {
    html = await template;
  } catch (error) {
    template = undefined;
    throw error;
  }
  const body = Buffer.from(
    html.replaceAll('{{base}}', escapeHtml(base)).replaceAll('{{title}}', escapeHtml(title)),
    'utf8',
  );
  return { body, contentType: 'text/html; charset=utf-8', etag: etagOf(body) };
}
