/**
 * The soak's instrument at the boundary between tapemeasure and the wire: a Transport
 * that wraps a real one and writes down, for the counts it carries, what tapemeasure
 * handed over (`send()` returned true), what the transport refused (`send()` returned
 * false: the reporter carries that delta), and when. Runs in the service process, so
 * everything it keeps is preallocated in fixed-size buckets (it must not be what makes
 * the heap grow).
 *
 * StatsD records are parsed as etsy StatsD parses them (so the keys match its flushes);
 * Graphite pickle frames are decoded (protocol 2, as tapemeasure and CPython write them).
 */

import { Buffer } from 'node:buffer';

/** Width of one time bucket of the accepted-counts ledger, in ms. */
export const BUCKET_MS = 50;

/** The StatsD keys (any reporter prefix) of the counted series: what the soak accounts for. */
export const trackStatsd = (key) => /^[a-z]+\.(soak\.(events|fanout|items\.count|work\.count|size\.count)|http\.server\.requests\.count)(;|$)/.test(key);
/** The Graphite paths of the counted series (cumulative counts). */
export const trackGraphite = (path) => /^g\.soak\.(events|fanout|items|work|size)\.count(;|$)/.test(path);

/**
 * The key etsy StatsD 0.9 stores a line under (stats.js: `|#` tags become `;k=v`, then
 * keyNameSanitize), its value and type; null for a line that is not `name:value|type`.
 */
export function etsyParse(line) {
  let bits = line.split('|#');
  const tags = bits.length > 1 && bits[1].length > 0 ? bits[1].split(',') : [];
  bits = bits[0].split(':');
  let key = bits.shift();
  if (tags.length > 0) key += ';' + tags.map((tag) => tag.replace(';', '_').replace(':', '=')).join(';');
  key = key.replace(/\s+/g, '_').replace(/\//g, '-').replace(/[^a-zA-Z_\-0-9.;=]/g, '');
  if (bits.length !== 1) return null;
  const fields = bits[0].split('|');
  if (fields.length < 2) return null;
  const value = Number(fields[0]);
  const rate = fields[2] !== undefined && fields[2].startsWith('@') ? Number(fields[2].slice(1)) : 1;
  return { key, value, type: fields[1], rate };
}

/**
 * Decodes one Graphite pickle frame (`uint32be length` + protocol-2 pickle of
 * `[(path, (ts, value)), ...]`) into points; throws on anything else.
 */
export function decodePickleFrame(frame) {
  const len = frame.readUInt32BE(0);
  if (len !== frame.length - 4) throw new Error(`pickle frame length ${len} != ${frame.length - 4}`);
  const stack = [];
  const marks = [];
  let i = 4;
  for (;;) {
    const op = frame[i++];
    switch (op) {
      case 0x80: i++; break; // PROTO n
      case 0x5d: stack.push([]); break; // EMPTY_LIST
      case 0x28: marks.push(stack.length); break; // MARK
      case 0x58: { // BINUNICODE
        const n = frame.readUInt32LE(i);
        stack.push(frame.toString('utf8', i + 4, i + 4 + n));
        i += 4 + n;
        break;
      }
      case 0x4b: stack.push(frame[i]); i += 1; break; // BININT1
      case 0x4d: stack.push(frame.readUInt16LE(i)); i += 2; break; // BININT2
      case 0x4a: stack.push(frame.readInt32LE(i)); i += 4; break; // BININT
      case 0x8a: { // LONG1
        const n = frame[i];
        let v = 0n;
        for (let k = n - 1; k >= 0; k--) v = (v << 8n) | BigInt(frame[i + 1 + k]);
        stack.push(Number(BigInt.asIntN(n * 8, v)));
        i += 1 + n;
        break;
      }
      case 0x47: stack.push(frame.readDoubleBE(i)); i += 8; break; // BINFLOAT
      case 0x86: { const b = stack.pop(); const a = stack.pop(); stack.push([a, b]); break; } // TUPLE2
      case 0x61: { const item = stack.pop(); stack[stack.length - 1].push(item); break; } // APPEND
      case 0x65: { // APPENDS
        const m = marks.pop();
        const items = stack.splice(m);
        stack[stack.length - 1].push(...items);
        break;
      }
      case 0x2e: { // STOP
        const list = stack.pop();
        return list.map(([path, [ts, value]]) => ({ path, ts, value }));
      }
      default:
        throw new Error(`unexpected pickle opcode 0x${(op ?? 0).toString(16)} at ${i - 1}`);
    }
  }
}

/**
 * A Transport around a real one. `kind` is `'statsd'` (string records of StatsD lines)
 * or `'pickle'` (Graphite pickle frames). `track(key)` says which counts to keep a
 * ledger of: for StatsD, keys of `|c` lines; for pickle, paths of points.
 */
export class TappedTransport {
  constructor({ inner, kind, startMs, seconds, track }) {
    this.inner = inner;
    this.kind = kind;
    this.startMs = startMs;
    this.buckets = Math.ceil(((seconds + 120) * 1000) / BUCKET_MS);
    this.track = track;
    /** StatsD: key -> { accepted, lastRefused (carried, not yet sent), acceptedAt: Float64Array by bucket }. */
    this.counts = new Map();
    /** Pickle: path -> { value: Float64Array by second since start (NaN: none), acceptedAtMs: Float64Array }. */
    this.points = new Map();
    this.refusedRecords = 0;
    this.acceptedRecords = 0;
    this.decodeErrors = 0;
    this.refusedPoints = 0;
    this.firstSecond = Math.floor(startMs / 1000) - 5;
    this.seconds = seconds + 120;
  }

  send(record) {
    const ok = this.inner.send(record);
    if (ok) this.acceptedRecords++;
    else this.refusedRecords++;
    const now = Date.now();
    if (this.kind === 'statsd') this.#statsd(record, ok, now);
    else this.#pickle(record, ok, now);
    return ok;
  }

  #statsd(record, ok, now) {
    const text = typeof record === 'string' ? record : Buffer.from(record).toString('utf8');
    for (const line of text.split('\n')) {
      const parsed = etsyParse(line);
      if (parsed === null || parsed.type !== 'c' || !this.track(parsed.key)) continue;
      let entry = this.counts.get(parsed.key);
      if (entry === undefined) {
        entry = { accepted: 0, lastRefused: 0, acceptedAt: new Float64Array(this.buckets) };
        this.counts.set(parsed.key, entry);
      }
      if (ok) {
        entry.accepted += parsed.value / parsed.rate;
        entry.lastRefused = 0;
        const b = Math.min(this.buckets - 1, Math.max(0, Math.floor((now - this.startMs) / BUCKET_MS)));
        entry.acceptedAt[b] += parsed.value / parsed.rate;
      } else {
        // The reporter carries a refused delta into its next count line of this key.
        entry.lastRefused = parsed.value / parsed.rate;
      }
    }
  }

  #pickle(record, ok, now) {
    let points;
    try {
      points = decodePickleFrame(Buffer.from(record.buffer, record.byteOffset, record.byteLength));
    } catch {
      this.decodeErrors++;
      return;
    }
    if (!ok) {
      for (const p of points) if (this.track(p.path)) this.refusedPoints++;
      return;
    }
    for (const p of points) {
      if (!this.track(p.path)) continue;
      let entry = this.points.get(p.path);
      if (entry === undefined) {
        entry = { value: new Float64Array(this.seconds).fill(NaN), acceptedAtMs: new Float64Array(this.seconds) };
        this.points.set(p.path, entry);
      }
      const s = p.ts - this.firstSecond;
      if (s < 0 || s >= this.seconds) continue;
      entry.value[s] = p.value;
      entry.acceptedAtMs[s] = now;
    }
  }

  flush() {
    this.inner.flush();
  }

  close(timeoutMs) {
    return this.inner.close(timeoutMs);
  }

  get stats() {
    return this.inner.stats;
  }

  start() {
    this.inner.start?.();
  }

  /** The ledger, as plain data (sent to the harness once, at the end). */
  ledger() {
    if (this.kind === 'statsd') {
      const counts = {};
      for (const [key, e] of this.counts) {
        const at = [];
        for (let b = 0; b < e.acceptedAt.length; b++) if (e.acceptedAt[b] !== 0) at.push([this.startMs + b * BUCKET_MS, e.acceptedAt[b]]);
        counts[key] = { accepted: e.accepted, outstanding: e.lastRefused, acceptedAt: at };
      }
      return { kind: this.kind, counts, bucketMs: BUCKET_MS, refusedRecords: this.refusedRecords, acceptedRecords: this.acceptedRecords, stats: this.inner.stats };
    }
    const points = {};
    for (const [path, e] of this.points) {
      const list = [];
      for (let s = 0; s < e.value.length; s++) {
        if (!Number.isNaN(e.value[s])) list.push([this.firstSecond + s, e.value[s], e.acceptedAtMs[s]]);
      }
      points[path] = list;
    }
    return { kind: this.kind, points, refusedPoints: this.refusedPoints, decodeErrors: this.decodeErrors, refusedRecords: this.refusedRecords, acceptedRecords: this.acceptedRecords, stats: this.inner.stats };
  }
}
