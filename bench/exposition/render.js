/**
 * Export rows of the pull endpoint: what `GET /metrics` renders (JSON tree, Prometheus
 * text, OpenMetrics; read and formatted in slices that yield to the event loop), and one
 * real `GET /metrics` over loopback from a `serveMetrics` server, plain (`http`) and gzipped
 * as Prometheus asks for it (`http-gzip`).
 */

import http from 'node:http';
import { fromDist } from '../lib/dist.js';

/** One GET of `url`, fully read; resolves with the body's length in bytes. */
function get(url, headers) {
  return new Promise((resolve, reject) => {
    http
      .get(url, { headers, agent: false }, (res) => {
        let size = 0;
        res.on('data', (chunk) => (size += chunk.length));
        res.on('end', () => resolve(size));
        res.on('error', reject);
      })
      .on('error', reject);
  });
}

/** Export rows of `renderMetrics` for each format, and one HTTP scrape. */
export async function expositionExports(registry) {
  const { renderMetrics, serveMetrics } = await fromDist('index.js');
  const out = {};
  for (const format of ['json', 'prometheus', 'openmetrics']) {
    out[`export.${format}`] = { run: () => renderMetrics({ registry, format }) };
  }
  let server = null;
  const scrape = async (encoding) => {
    server ??= await serveMetrics({ registry, port: 0, dashboard: false });
    return get(server.url, { accept: 'text/plain;version=0.0.4', 'accept-encoding': encoding });
  };
  const close = async () => {
    await server?.stop();
    server = null;
  };
  out['export.http'] = { run: () => scrape('identity'), close };
  // The body's size here is the compressed size.
  out['export.http-gzip'] = { run: () => scrape('gzip'), close };
  return out;
}
