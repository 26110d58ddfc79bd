import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { runDemo } from '../../src/demo/main.js';

class Capture extends Writable {
  text = '';
  override _write(chunk: Buffer, _encoding: BufferEncoding, callback: () => void): void {
    this.text += chunk.toString();
    callback();
  }
}

describe('the demo (the README first command)', () => {
  it('serves, reports summary lines, shows a Prometheus scrape, and ends by itself', async () => {
    const out = new Capture();
    const log = new Capture();
    await runDemo({ durationMs: 600, intervalMs: 200, port: 0, concurrency: 2, out, log });
    const lines = out.text.trimEnd().split('\n');
    expect(lines.length).toBeGreaterThanOrEqual(2);
    for (const line of lines) expect(line).toMatch(/^\d\d:\d\d:\d\d(\.\d+)?( final)?\s+\d+ req\/s\s+\d+ errors\s+users p50/);
    expect(lines.at(-1)).toContain(' final ');
    expect(log.text).toMatch(/metrics: curl http:\/\/127\.0\.0\.1:\d+\/metrics\?pretty/);
    expect(log.text).toMatch(/http_request_duration_seconds\{route="\/users\/:id",quantile="0\.99"\} \d/);
  });

  it('prints the JSON stream with json: true', async () => {
    const out = new Capture();
    await runDemo({ durationMs: 300, intervalMs: 100, port: 0, concurrency: 2, json: true, out, log: new Capture() });
    const docs = out.text.trimEnd().split('\n').map((l) => JSON.parse(l) as { metrics: { http?: unknown; process?: unknown } });
    expect(docs.length).toBeGreaterThanOrEqual(2);
    expect(docs.at(-1)!.metrics).toHaveProperty('http.request.duration.type', 'timer');
    expect(docs.at(-1)!.metrics).toHaveProperty('process.memory.rss_bytes.type', 'gauge');
  });
});
