/**
 * Coalescing: whole records joined into one chunk (a datagram, a write), framing
 * included, with as few copies as the records allow.
 *
 * @module
 * @internal
 */

/** Whole records coalesced for one write or datagram. */
export type Chunk = {
  /** The bytes, framing included. */
  readonly bytes: Buffer;
  /** How many records they hold. */
  readonly records: number;
};

const NEWLINE = Buffer.from('\n');

function asBuffer(record: Uint8Array): Buffer {
  return Buffer.isBuffer(record) ? record : Buffer.from(record.buffer, record.byteOffset, record.byteLength);
}

/**
 * Joins records from `start` while they fit in `cap` bytes (at least one, however large):
 * strings into one string encoded once (one native call per chunk, not per record), a
 * lone frame as it is (no copy), anything else concatenated.
 *
 * @param sizes - each record's bytes, framing included.
 * @param lines - whether a newline follows each record.
 * @returns the index after the last record taken, their bytes, and the chunk.
 */
export function coalesce(
  records: readonly (string | Uint8Array)[],
  sizes: readonly number[],
  start: number,
  cap: number,
  lines: boolean,
): { end: number; total: number; bytes: Buffer } {
  let end = start;
  let total = 0;
  let strings = true;
  while (end < records.length && (end === start || total + sizes[end]! <= cap)) {
    total += sizes[end]!;
    if (typeof records[end] !== 'string') strings = false;
    end++;
  }
  let bytes: Buffer;
  if (strings) {
    let text = '';
    if (lines) for (let i = start; i < end; i++) text += `${records[i] as string}\n`;
    else for (let i = start; i < end; i++) text += records[i] as string;
    bytes = Buffer.from(text, 'utf8');
  } else if (end - start === 1 && !lines) {
    bytes = asBuffer(records[start] as Uint8Array);
  } else {
    const parts: Uint8Array[] = [];
    for (let i = start; i < end; i++) {
      const r = records[i]!;
      parts.push(typeof r === 'string' ? Buffer.from(r, 'utf8') : r);
      if (lines) parts.push(NEWLINE);
    }
    bytes = Buffer.concat(parts, total);
  }
  return { end, total, bytes };
}
