/**
 * Rendering the pull endpoint's body: read the registry through the one collector, then
 * format JSON, Prometheus text or OpenMetrics, in slices that yield to the event loop.
 * `renderMetrics()` is the same without HTTP.
 *
 * @module
 */

import { seriesTreeChunks } from '../formats/json.js';
import { SeriesTreeBuilder } from '../registry/snapshot-tree.js';
import { PROMETHEUS_FORMAT_OPTIONS, prometheusAdjacentChunks, type PrometheusSeries } from '../formats/prometheus.js';
import { NameMap } from '../formats/prometheus-families.js';
import { prometheusProtobufAdjacentChunks } from '../formats/prometheus-protobuf.js';
import { prometheusSeriesOf } from '../formats/prometheus-read.js';
import { boolean, func, readOptions } from '../internal/options.js';
import { slicedPieces, sliceYielder } from '../internal/slicer.js';
import { WarningLimiter } from '../internal/warnings.js';
import { registryOf, rejectRegistryAsOptions, REGISTRY_OPTION } from '../registry/registry-option.js';
import type { MetricSnapshot } from '../metrics/snapshot.js';
import type { Metric, MetricFilter, MetricRegistry } from '../registry/types.js';
import { selectSeries } from '../reporters/collect.js';
import { compileSelector, selectorCheck, type MetricSelector } from '../reporters/select.js';
import { endpointErrors, type EndpointError, type EndpointErrorReporter } from './endpoint-error.js';
import { metricsFormatCheck, type MetricsFormat, type NegotiatedFormat } from './negotiate.js';

/** What one render reads and writes. @internal */
export type RenderRequest = {
  /** What to read. */
  readonly registry: MetricRegistry;
  /** Which format (protobuf only by negotiation, never by `renderMetrics()`). */
  readonly format: NegotiatedFormat;
  /** Which metrics; all when undefined. */
  readonly filter: MetricFilter | undefined;
  /** Indent JSON. */
  readonly pretty: boolean;
  /** The Prometheus name prefix (`''` for none). */
  readonly prefix: string;
  /** Told about a throwing filter and colliding Prometheus names. */
  readonly report: EndpointErrorReporter;
  /** Stops the render (resolves `null`) once true: the client left. */
  readonly aborted: () => boolean;
};

/**
 * Selects the series and returns the body, chunk by chunk: text (the JSON tree ends with
 * a newline), or bytes for the protobuf exposition; `null` if aborted while selecting.
 *
 * Each metric is read as its chunk is written, never all of them first: a render of
 * 100,000 series holds one family's snapshots at a time, and what it allocates dies
 * young (what survives a scavenge is copied, and copying 100,000 snapshots held the event
 * loop for tens of milliseconds at a time).
 */
async function renderChunks(request: RenderRequest): Promise<Iterable<string | Uint8Array> | null> {
  const { registry, format, filter, pretty, prefix, report, aborted } = request;
  const onFilterError = (metric: { readonly name: string }, error: unknown): void => {
    report('filter', error, `the filter threw for ${metric.name}`);
  };
  const selected = await selectSeries(registry, { filter, onFilterError, aborted });
  if (selected === null) return null;
  const { gaugeReads } = selected;
  const pause = sliceYielder();
  if (format === 'json') {
    // The shape of the tree (metrics, not snapshots), built in slices; read as written.
    const builder = new SeriesTreeBuilder();
    for (const metric of selected.metrics) {
      builder.add(metric);
      const wait = pause();
      if (wait !== undefined) {
        await wait;
        if (aborted()) return null;
      }
    }
    return jsonLines(builder, pretty, (metric) => gaugeReads.get(metric) ?? metric.snapshot());
  }
  const metrics = await byName(selected.metrics, pause, aborted);
  if (metrics === null) return null;
  const options = {
    prefix,
    onCollision: (name: string, other: string): void => {
      report('collision', undefined, `${name} is left out: its Prometheus names collide with those of ${other}`);
    },
  };
  const series = lazily(metrics, gaugeReads);
  return format === 'protobuf' ? prometheusProtobufAdjacentChunks(series, options) : prometheusAdjacentChunks(series, format, options);
}

/** The Prometheus series of the metrics, each read when the writer asks for it. */
function* lazily(metrics: readonly Metric[], gaugeReads: ReadonlyMap<Metric, MetricSnapshot>): Generator<PrometheusSeries, void, undefined> {
  for (const metric of metrics) yield prometheusSeriesOf(metric, gaugeReads.get(metric));
}

/**
 * The metrics with those of one name one after another: as they are when the registry
 * lists them so (checked in slices, one lookup per name), else grouped in order of each
 * name's first metric (a registry of another make, or a name removed and added again
 * while the render was selecting). `null` if aborted.
 */
async function byName(metrics: Metric[], pause: () => Promise<void> | undefined, aborted: () => boolean): Promise<Metric[] | null> {
  const seen = new NameMap<true>();
  let last: string | undefined;
  let adjacent = true;
  for (const metric of metrics) {
    if (metric.name !== last) {
      last = metric.name;
      if (seen.has(last)) {
        adjacent = false;
        break;
      }
      seen.set(last, true);
    }
    const wait = pause();
    if (wait !== undefined) {
      await wait;
      if (aborted()) return null;
    }
  }
  if (adjacent) return metrics;
  const groups = new Map<string, Metric[]>();
  for (const metric of metrics) {
    const group = groups.get(metric.name);
    if (group === undefined) groups.set(metric.name, [metric]);
    else group.push(metric);
  }
  return [...groups.values()].flat();
}

function* jsonLines(builder: SeriesTreeBuilder, pretty: boolean, read: (metric: Metric) => MetricSnapshot): Generator<string, void, undefined> {
  yield* seriesTreeChunks(builder, pretty, read);
  yield '\n';
}

/**
 * Characters of text gathered before they are joined (and, for HTTP, encoded) as one
 * piece. Each piece is made within a slice; no step ever copies or encodes the whole body
 * at once (at 100,000 series, megabytes in one call would hold the event loop).
 */
const PIECE_CHARS = 256 * 1024;

/** Pulls the chunks in slices and hands on the text in pieces of about {@link PIECE_CHARS} (the one piece maker). */
function drive(
  chunks: Iterable<string | Uint8Array>,
  aborted: () => boolean,
  piece: (part: string | Uint8Array) => void,
): Promise<boolean> {
  return slicedPieces(chunks, PIECE_CHARS, (part) => {
    piece(part);
    return undefined;
  }, { aborted });
}

/** A rendered body: UTF-8 pieces of about 256 KiB, written one after another. @internal */
export type RenderedBody = {
  /** The pieces, in order. */
  readonly parts: readonly Buffer[];
  /** Their total size in bytes. */
  readonly bytes: number;
};

/**
 * Renders the body as UTF-8 pieces, each encoded inside the slices; never joined into one
 * buffer (the server writes the pieces one after another). `null` if aborted.
 *
 * @internal
 */
export async function renderBody(request: RenderRequest): Promise<RenderedBody | null> {
  const chunks = await renderChunks(request);
  if (chunks === null) return null;
  const parts: Buffer[] = [];
  let bytes = 0;
  const done = await drive(chunks, request.aborted, (piece) => {
    const part = typeof piece === 'string' ? Buffer.from(piece, 'utf8') : Buffer.from(piece.buffer, piece.byteOffset, piece.byteLength);
    parts.push(part);
    bytes += part.length;
  });
  return done ? { parts, bytes } : null;
}

/**
 * Renders the body as text: pieces joined within the slices, then concatenated without a
 * copy (V8 keeps the result as a rope of the pieces). `null` if aborted.
 *
 * @internal
 */
export async function renderText(request: RenderRequest & { readonly format: MetricsFormat }): Promise<string | null> {
  const chunks = await renderChunks(request);
  if (chunks === null) return null;
  let text = '';
  const done = await drive(chunks, request.aborted, (piece) => {
    // Text formats yield only text.
    if (typeof piece === 'string') text += piece;
  });
  return done ? text : null;
}

/** Options of {@link renderMetrics}. */
export type RenderMetricsOptions = {
  /**
   * The registry to render: a `Registry`, a scope of one, or any object with the
   * registry brand.
   *
   * @defaultValue the default registry
   */
  readonly registry?: MetricRegistry;
  /**
   * `'json'` (the snapshot tree), `'prometheus'` (text 0.0.4) or `'openmetrics'` (1.0).
   *
   * @defaultValue `'json'`
   */
  readonly format?: MetricsFormat;
  /**
   * Which metrics (a name prefix, glob, list or predicate).
   *
   * @defaultValue every metric
   */
  readonly filter?: MetricSelector;
  /**
   * Indent JSON by two spaces.
   *
   * @defaultValue false
   */
  readonly pretty?: boolean;
  /**
   * Prefix of Prometheus and OpenMetrics names (`'myapp'` -> `myapp_http_requests_total`).
   *
   * @defaultValue none
   */
  readonly prefix?: string;
  /**
   * Told about a filter that threw or colliding Prometheus names; must not throw.
   *
   * @defaultValue at most one `process.emitWarning` per kind per minute
   */
  readonly onError?: (error: EndpointError) => void;
};

/** The schema of {@link RenderMetricsOptions}. @internal */
export const RENDER_OPTIONS = Object.freeze({
  ...REGISTRY_OPTION,
  format: metricsFormatCheck,
  filter: selectorCheck,
  pretty: boolean,
  prefix: PROMETHEUS_FORMAT_OPTIONS.prefix,
  onError: func,
});

/** The default warnings of `renderMetrics()`, shared by its calls. */
const RENDER_WARNINGS = new WarningLimiter();

/**
 * The text `GET /metrics` would answer, without HTTP: the JSON tree (with a final
 * newline), Prometheus text 0.0.4 or OpenMetrics 1.0. Async gauges are awaited; reading
 * and formatting yield to the event loop every few milliseconds, so even a registry of
 * 10,000 timers never stalls the application for long. Use it to push to a Pushgateway,
 * write a file, or test your own exposition.
 *
 * @param options - registry, format, filter, pretty, prefix, onError; see {@link RenderMetricsOptions}.
 * @returns the text.
 * @throws {@link InvalidOptionError} or {@link UnknownOptionError} (as a rejection) for a bad option.
 * @example
 * ```ts
 * import { Registry, renderMetrics } from 'tapemeasure';
 *
 * const registry = new Registry();
 * registry.counter('http.requests').inc();
 * console.log(await renderMetrics({ registry, format: 'prometheus', filter: 'http.' }));
 * ```
 */
export async function renderMetrics(options?: RenderMetricsOptions): Promise<string> {
  rejectRegistryAsOptions('renderMetrics', options);
  const o = readOptions('renderMetrics', options, RENDER_OPTIONS);
  const text = await renderText({
    registry: registryOf(o),
    format: o.format ?? 'json',
    filter: compileSelector(o.filter, 'renderMetrics'),
    pretty: o.pretty ?? false,
    prefix: o.prefix ?? '',
    report: endpointErrors(o.onError as ((error: EndpointError) => void) | undefined, RENDER_WARNINGS),
    aborted: () => false,
  });
  return text!;
}
