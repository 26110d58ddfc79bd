/**
 * The body of a successful OTLP/HTTP export: `ExportMetricsServiceResponse`, whose
 * `partial_success` says how many data points the receiver rejected, and why
 * (https://opentelemetry.io/docs/specs/otlp/#partial-success-1). Decoded from protobuf
 * or JSON; an empty body is a full success.
 *
 * @module
 */

/** A receiver's partial success: some data points were rejected. */
export type OtlpPartialSuccess = {
  /** Data points the receiver rejected (0 when it only sent a warning message). */
  readonly rejectedDataPoints: number;
  /** The receiver's explanation (`''` when none). */
  readonly errorMessage: string;
};

/**
 * Decodes the partial success of an export response.
 *
 * @param body - the response body (at most what was read of it).
 * @param contentType - the response's `Content-Type`: JSON when it says `json`, protobuf otherwise.
 * @returns the partial success, or `null` for a full success (empty body, no
 *   `partial_success`, or one with 0 rejected points and no message) and for a body
 *   that cannot be decoded (the data was accepted: a 2xx status says so).
 */
export function decodeOtlpResponse(body: Uint8Array, contentType: string): OtlpPartialSuccess | null {
  if (body.length === 0) return null;
  const result = contentType.includes('json') ? fromJson(body) : fromProtobuf(body);
  if (result === null || (result.rejectedDataPoints === 0 && result.errorMessage === '')) return null;
  return result;
}

function fromJson(body: Uint8Array): OtlpPartialSuccess | null {
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(body.buffer, body.byteOffset, body.length).toString('utf8'));
  } catch {
    return null;
  }
  const partial = (parsed as { partialSuccess?: { rejectedDataPoints?: unknown; errorMessage?: unknown } } | null)?.partialSuccess;
  if (partial === null || typeof partial !== 'object') return null;
  const rejected = Number(partial.rejectedDataPoints ?? 0);
  return {
    rejectedDataPoints: Number.isFinite(rejected) && rejected > 0 ? rejected : 0,
    errorMessage: typeof partial.errorMessage === 'string' ? partial.errorMessage : '',
  };
}

/** A bounds-checked cursor over protobuf bytes: just what the response needs. */
class Cursor {
  pos: number;
  constructor(
    readonly bytes: Uint8Array,
    start: number,
    readonly end: number,
  ) {
    this.pos = start;
  }

  varint(): number {
    let value = 0;
    let factor = 1;
    for (let i = 0; i < 10; i++) {
      if (this.pos >= this.end) throw new RangeError('truncated varint');
      const b = this.bytes[this.pos++]!;
      value += (b & 0x7f) * factor;
      if (b < 0x80) return value;
      factor *= 128;
    }
    throw new RangeError('varint too long');
  }

  /** Skips a field of `wireType`; returns the [start, end) of a length-delimited one. */
  skip(wireType: number): [number, number] | null {
    switch (wireType) {
      case 0:
        this.varint();
        return null;
      case 1:
        this.pos += 8;
        break;
      case 5:
        this.pos += 4;
        break;
      case 2: {
        const length = this.varint();
        const start = this.pos;
        this.pos += length;
        if (this.pos > this.end) throw new RangeError('truncated field');
        return [start, this.pos];
      }
      default:
        throw new RangeError(`unsupported wire type ${wireType}`);
    }
    if (this.pos > this.end) throw new RangeError('truncated field');
    return null;
  }
}

function fromProtobuf(body: Uint8Array): OtlpPartialSuccess | null {
  try {
    const outer = new Cursor(body, 0, body.length);
    while (outer.pos < outer.end) {
      const tag = outer.varint();
      const range = outer.skip(tag % 8);
      if (Math.floor(tag / 8) !== 1 || range === null) continue; // partial_success = 1
      const inner = new Cursor(body, range[0], range[1]);
      let rejectedDataPoints = 0;
      let errorMessage = '';
      while (inner.pos < inner.end) {
        const t = inner.varint();
        const field = Math.floor(t / 8);
        if (field === 1 && t % 8 === 0) rejectedDataPoints = inner.varint(); // rejected_data_points
        else {
          const r = inner.skip(t % 8);
          if (field === 2 && r !== null) errorMessage = Buffer.from(body.buffer, body.byteOffset + r[0], r[1] - r[0]).toString('utf8');
        }
      }
      return { rejectedDataPoints, errorMessage };
    }
    return null;
  } catch {
    return null;
  }
}
