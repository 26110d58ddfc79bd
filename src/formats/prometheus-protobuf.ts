/**
 * The Prometheus protobuf exposition format: a stream of `io.prometheus.client.MetricFamily`
 * messages, each preceded by its varint length (`encoding=delimited`), as defined by
 * https://github.com/prometheus/client_model/blob/master/io/prometheus/client/metrics.proto.
 * The one format that carries native histograms. Pure: series in, bytes out.
 *
 * Families and names are those of the text formats (`prometheus-families.ts`); in
 * protobuf a counter family is named with its `_total`. Histograms and timers with
 * `buckets` or `nativeHistogram` are `HISTOGRAM` families: lifetime `sample_count`,
 * `sample_sum`, the classic buckets (cumulative, `+Inf` implied by `sample_count`) and,
 * with `nativeHistogram`, the native fields: `schema`, `zero_threshold` (always > 0, which
 * is how Prometheus tells a native histogram), `zero_count`, `positive_span` and
 * `positive_delta` (each bucket's count as the difference from the previous one; gaps of
 * up to two empty buckets stay inside a span, as the Go client does). Other histograms
 * and timers are `SUMMARY` families.
 *
 * @module
 */

import { readOptions } from '../internal/options.js';
import type { NativeBucketsRead } from '../metrics/lifetime-buckets.js';
import type { Tags } from '../names.js';
import { distributionName, identity, prometheusFamilies, RATES, toSeconds, type Family } from './prometheus-families.js';
import { labelName } from './prometheus-names.js';
import { PROMETHEUS_FORMAT_OPTIONS, type PrometheusFormatOptions, type PrometheusSeries } from './prometheus.js';
import { ProtobufWriter } from './protobuf-writer.js';
import { PROMETHEUS_DURATION_UNIT, QUANTILE_STATISTICS } from './statistics.js';

/** The `Content-Type` of the delimited protobuf format. */
export const PROTOBUF_CONTENT_TYPE =
  'application/vnd.google.protobuf; proto=io.prometheus.client.MetricFamily; encoding=delimited';

/** `io.prometheus.client.MetricType`. */
const MetricType = Object.freeze({ COUNTER: 0, GAUGE: 1, SUMMARY: 2, UNTYPED: 3, HISTOGRAM: 4 } as const);

// Field numbers of metrics.proto.
const FAMILY = { name: 1, help: 2, type: 3, metric: 4 } as const;
const METRIC = { label: 1, gauge: 2, counter: 3, summary: 4, untyped: 5, histogram: 7 } as const;
const HIST = {
  sampleCount: 1, sampleSum: 2, bucket: 3, schema: 5, zeroThreshold: 6, zeroCount: 7, positiveSpan: 12, positiveDelta: 13,
} as const;

/** The largest gap of empty buckets written inside a span rather than starting a new one. */
const MAX_GAP_IN_SPAN = 2;

/**
 * Writes the series in the delimited protobuf format, one chunk per metric name (one or
 * more `MetricFamily` messages each), so that a server can yield between chunks.
 *
 * @param series - the series to write, in order; series of one name are grouped.
 * @param options - name prefix and collision callback, as for the text formats.
 * @throws {@link InvalidOptionError} for a bad prefix, {@link UnknownOptionError} for an unknown option.
 */
export function prometheusProtobufChunks(
  series: Iterable<PrometheusSeries>,
  options: PrometheusFormatOptions = {},
): Generator<Uint8Array, void, undefined> {
  return chunksOf(series, options, false);
}

/**
 * {@link prometheusProtobufChunks} of series whose names come one after another (as a
 * registry lists them): each family is written as soon as its last series is read.
 *
 * @internal
 */
export function prometheusProtobufAdjacentChunks(
  series: Iterable<PrometheusSeries>,
  options: PrometheusFormatOptions = {},
): Generator<Uint8Array, void, undefined> {
  return chunksOf(series, options, true);
}

function chunksOf(series: Iterable<PrometheusSeries>, options: PrometheusFormatOptions, adjacent: boolean): Generator<Uint8Array, void, undefined> {
  const read = readOptions('prometheusProtobufChunks', options, PROMETHEUS_FORMAT_OPTIONS);
  const prefix = read.prefix === undefined || read.prefix === '' ? '' : `${read.prefix}_`;
  return chunks(series, prefix, read.onCollision as PrometheusFormatOptions['onCollision'], adjacent);
}

const EMPTY = new Uint8Array(0);

function* chunks(
  series: Iterable<PrometheusSeries>,
  prefix: string,
  onCollision: PrometheusFormatOptions['onCollision'],
  adjacent: boolean,
): Generator<Uint8Array, void, undefined> {
  const w = new ProtobufWriter(4096);
  for (const f of prometheusFamilies(series, prefix, onCollision, adjacent)) {
    // An empty chunk while the series are grouped (see prometheusFamilies).
    if (f === null) {
      yield EMPTY;
      continue;
    }
    w.reset();
    writeFamily(w, f.family, f.base);
    yield w.finish();
  }
}

/**
 * Writes the series in the delimited protobuf format (see {@link prometheusProtobufChunks}).
 *
 * @returns the bytes.
 * @throws {@link InvalidOptionError} for a bad prefix, {@link UnknownOptionError} for an unknown option.
 */
export function formatPrometheusProtobuf(series: Iterable<PrometheusSeries>, options: PrometheusFormatOptions = {}): Uint8Array {
  const parts = [...prometheusProtobufChunks(series, options)];
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

function familyHeader(w: ProtobufWriter, name: string, help: string, type: number): void {
  w.beginDelimited();
  w.string(FAMILY.name, name);
  w.string(FAMILY.help, help);
  w.uint32(FAMILY.type, type);
}

function labels(w: ProtobufWriter, tags: Tags): void {
  for (const key in tags) {
    w.begin(METRIC.label);
    w.string(1, labelName(key));
    w.string(2, tags[key]!);
    w.end();
  }
}

/** One metric holding one double (`Counter`, `Gauge` or `Untyped` value). */
function valueMetric(w: ProtobufWriter, field: number, tags: Tags, value: number): void {
  w.begin(FAMILY.metric);
  labels(w, tags);
  w.begin(field);
  w.double(1, value);
  w.end();
  w.end();
}

function writeFamily(w: ProtobufWriter, family: Family, base: string): void {
  const what = `tapemeasure ${family.type} ${family.name}`;
  switch (family.type) {
    case 'counter': {
      const name = base.endsWith('_total') ? base : `${base}_total`;
      const negative = family.series.some((s) => s.snapshot.type === 'counter' && s.snapshot.count < 0);
      familyHeader(w, name, negative ? `${what} (went below zero)` : what, negative ? MetricType.UNTYPED : MetricType.COUNTER);
      for (const s of family.series) {
        if (s.snapshot.type === 'counter') valueMetric(w, negative ? METRIC.untyped : METRIC.counter, s.tags, s.snapshot.count);
      }
      w.end();
      return;
    }
    case 'gauge':
      familyHeader(w, base, what, MetricType.GAUGE);
      for (const s of family.series) {
        if (s.snapshot.type === 'gauge' && s.snapshot.value !== null) valueMetric(w, METRIC.gauge, s.tags, s.snapshot.value);
      }
      w.end();
      return;
    case 'meter':
      familyHeader(w, `${base}_total`, `${what}: events`, MetricType.COUNTER);
      for (const s of family.series) if (s.snapshot.type === 'meter') valueMetric(w, METRIC.counter, s.tags, s.snapshot.count);
      w.end();
      for (const { suffix, statistic, help } of RATES) {
        familyHeader(w, `${base}_${suffix}`, `${what}: ${help} rate, events per second`, MetricType.GAUGE);
        for (const s of family.series) if (s.snapshot.type === 'meter') valueMetric(w, METRIC.gauge, s.tags, s.snapshot[statistic]);
        w.end();
      }
      return;
    case 'histogram':
    case 'timer': {
      const timer = family.type === 'timer';
      const help = timer ? `${what}: durations in ${PROMETHEUS_DURATION_UNIT.name}` : what;
      const convert = timer ? toSeconds : identity;
      const name = distributionName(base, family.type);
      if (family.buckets === null) {
        summary(w, family, name, help, convert);
        return;
      }
      histogram(w, family, name, help, convert);
      if (family.buckets.summary) {
        summary(w, family, distributionName(base, family.type, true), `${help}, quantiles of the recent window`, convert);
      }
    }
  }
}

function summary(w: ProtobufWriter, family: Family, name: string, help: string, convert: (v: number) => number): void {
  familyHeader(w, name, help, MetricType.SUMMARY);
  for (const s of family.series) {
    const snap = s.snapshot;
    if (snap.type !== 'histogram' && snap.type !== 'timer') continue;
    w.begin(FAMILY.metric);
    labels(w, s.tags);
    w.begin(METRIC.summary);
    w.uint64(1, snap.count);
    w.double(2, convert(snap.sum));
    for (const { statistic, label } of QUANTILE_STATISTICS) {
      const v = snap[statistic];
      if (v === null) continue;
      w.begin(3);
      w.double(1, Number(label));
      w.double(2, convert(v));
      w.end();
    }
    w.end();
    w.end();
  }
  w.end();
}

function histogram(w: ProtobufWriter, family: Family, name: string, help: string, convert: (v: number) => number): void {
  familyHeader(w, name, help, MetricType.HISTOGRAM);
  const bounds = family.buckets!.bounds;
  const upper = bounds.map(convert);
  for (const s of family.series) {
    const snap = s.snapshot;
    if (snap.type !== 'histogram' && snap.type !== 'timer') continue;
    const b = s.buckets;
    w.begin(FAMILY.metric);
    labels(w, s.tags);
    w.begin(METRIC.histogram);
    w.uint64(HIST.sampleCount, b === null ? snap.count : b.count);
    w.double(HIST.sampleSum, convert(snap.sum));
    if (b !== null && b.bounds === bounds) {
      for (let i = 0; i < upper.length; i++) {
        w.begin(HIST.bucket);
        w.uint64(1, b.cumulative[i]!);
        w.double(2, upper[i]!);
        w.end();
      }
    }
    if (b?.native != null) native(w, b.native);
    w.end();
    w.end();
  }
  w.end();
}

function native(w: ProtobufWriter, n: NativeBucketsRead): void {
  w.sint32(HIST.schema, n.schema);
  w.double(HIST.zeroThreshold, n.zeroThreshold);
  w.uint64(HIST.zeroCount, n.zeroCount);
  const { indexes, counts } = n;
  const deltas: number[] = [];
  let spanStart = 0;
  let spanLength = 0;
  let last = 0;
  let previous = 0;
  const closeSpan = (): void => {
    if (spanLength === 0) return;
    w.begin(HIST.positiveSpan);
    w.sint32(1, spanStart);
    w.uint32(2, spanLength);
    w.end();
  };
  for (let k = 0; k < indexes.length; k++) {
    const i = indexes[k]!;
    const c = counts[k]!;
    if (c === 0) continue;
    if (spanLength === 0 || i - last - 1 > MAX_GAP_IN_SPAN) {
      // The first span's offset is the bucket index; each later one's, the gap since the previous span.
      const offset = spanLength === 0 ? i : i - last - 1;
      closeSpan();
      spanStart = offset;
      spanLength = 0;
    } else {
      for (let gap = last + 1; gap < i; gap++) {
        deltas.push(-previous);
        previous = 0;
        spanLength++;
      }
    }
    deltas.push(c - previous);
    previous = c;
    spanLength++;
    last = i;
  }
  closeSpan();
  w.packedSint64(HIST.positiveDelta, deltas);
}
