/**
 * Regression: `new JsonStreamReporter({ registry, stream })` and `serveMetrics({ registry, port })`
 * silently reported the default registry (empty) instead of the one given. Every
 * reporter and endpoint of the reporting core must report the registry of
 * `options.registry`, and a Scope given in its place reports only the scope. A registry
 * passed where the options belong (the 0.1 positional form) is an error, never read as
 * options.
 */
import { createServer } from 'node:http';
import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/clock.js';
import { ErrorCodes } from '../../src/errors.js';
import { metricsHandler } from '../../src/exposition/handler.js';
import { renderMetrics } from '../../src/exposition/render.js';
import { serveMetrics } from '../../src/exposition/server.js';
import { defaultRegistry } from '../../src/registry/default-registry.js';
import { Registry } from '../../src/registry/registry.js';
import type { MetricRegistry } from '../../src/registry/types.js';
import { JsonStreamReporter } from '../../src/reporters/json-stream-reporter.js';
import type { Report } from '../../src/reporters/report.js';
import { ScheduledReporter, type ScheduledReporterOptions } from '../../src/reporters/scheduled-reporter.js';
import { call, close, listen } from '../exposition/http-client.js';

class Recorder extends ScheduledReporter {
  readonly names: string[] = [];
  constructor(options: ScheduledReporterOptions) {
    super(options, { kind: 'recorder', where: 'Recorder' });
  }
  protected override send(report: Report): void {
    this.names.push(...report.series.map((s) => s.name));
  }
}

class Sink extends Writable {
  text = '';
  override _write(chunk: Buffer, _encoding: BufferEncoding, callback: () => void): void {
    this.text += chunk.toString();
    callback();
  }
}

const own = new Registry({ clock: new ManualClock() });
own.counter('app.requests').inc(3);
own.counter('other.jobs').inc(1);
const scope = own.scope('app');

/** The names each way of reporting reports from `registry`, sorted. */
const ways: Record<string, (registry: MetricRegistry) => Promise<string[]>> = {
  ScheduledReporter: async (registry) => {
    const reporter = new Recorder({ registry });
    await reporter.stop();
    return reporter.names.sort();
  },
  JsonStreamReporter: async (registry) => {
    const stream = new Sink();
    await new JsonStreamReporter({ registry, stream }).stop();
    return leaves((JSON.parse(stream.text) as { metrics: object }).metrics);
  },
  metricsHandler: async (registry) => {
    const handler = metricsHandler({ registry });
    const server = createServer((req, res) => void handler(req, res));
    const url = await listen(server);
    try {
      return leaves(JSON.parse((await call(url)).body) as object);
    } finally {
      await close(server);
    }
  },
  serveMetrics: async (registry) => {
    await using server = await serveMetrics({ registry, port: 0 });
    return leaves(JSON.parse((await call(server.url)).body) as object);
  },
  renderMetrics: async (registry) => leaves(JSON.parse(await renderMetrics({ registry })) as object),
};

/** The dotted names of the leaves of a snapshot tree, sorted. */
function leaves(tree: object, prefix = ''): string[] {
  const out: string[] = [];
  for (const [key, value] of Object.entries(tree)) {
    const name = prefix === '' ? key : `${prefix}.${key}`;
    if (value !== null && typeof value === 'object' && 'type' in value) out.push(name);
    else out.push(...leaves(value as object, name));
  }
  return out.sort();
}

describe('options.registry is the registry reported', () => {
  beforeAll(() => {
    defaultRegistry.counter('tapemeasure_regression.default_only').inc();
  });
  afterAll(() => {
    defaultRegistry.remove('tapemeasure_regression.default_only');
  });

  it.each(Object.keys(ways))('%s reports the registry it was given, not the default one', async (way) => {
    expect(await ways[way]!(own)).toEqual(['app.requests', 'other.jobs']);
  });

  it.each(Object.keys(ways))('%s reports only the scope it was given', async (way) => {
    expect(await ways[way]!(scope)).toEqual(['app.requests']);
  });

  it.each([
    ['a registry', own],
    ['a scope', scope],
  ] as const)('%s in place of the options is rejected, never read as options', async (_what, registry) => {
    const invalid = expect.objectContaining({ code: ErrorCodes.INVALID_OPTION }) as Error;
    expect(() => new Recorder(registry as never)).toThrow(invalid);
    expect(() => new JsonStreamReporter(registry as never)).toThrow(invalid);
    expect(() => metricsHandler(registry as never)).toThrow(invalid);
    await expect(serveMetrics(registry as never)).rejects.toMatchObject({ code: ErrorCodes.INVALID_OPTION });
    await expect(renderMetrics(registry as never)).rejects.toMatchObject({ code: ErrorCodes.INVALID_OPTION });
  });
});
