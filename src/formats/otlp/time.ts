/**
 * Epoch milliseconds to the exact `fixed64` nanoseconds OTLP timestamps are, without
 * BigInt: as two 32-bit halves for protobuf, as a decimal string for JSON.
 *
 * @module
 */

const TWO_POW_20 = 1_048_576;
const TWO_POW_32 = 4_294_967_296;

/**
 * Writes the nanoseconds of `ms` (epoch milliseconds, fractions to the nanosecond;
 * negative or non-finite read as 0) into `out` as `[low 32 bits, high 32 bits]`.
 */
export function nanosParts(ms: number, out: [number, number]): void {
  if (!(ms > 0) || !Number.isFinite(ms)) {
    out[0] = 0;
    out[1] = 0;
    return;
  }
  const whole = Math.floor(ms);
  const fractionNs = Math.round((ms - whole) * 1e6);
  // whole * 1e6 = xh * 1e6 * 2^20 + xl * 1e6, each product exact in a double.
  const xh = Math.floor(whole / TWO_POW_20);
  const xl = whole - xh * TWO_POW_20;
  const a = xh * 1e6;
  const b = xl * 1e6 + fractionNs;
  // a * 2^20 = aHi * 2^32 + aLo * 2^20.
  const aHi = Math.floor(a / 4096);
  const aLo = a - aHi * 4096;
  const low = aLo * TWO_POW_20 + b;
  const carry = Math.floor(low / TWO_POW_32);
  out[0] = low - carry * TWO_POW_32;
  out[1] = aHi + carry;
}

/** The nanoseconds of `ms` as a decimal string (`"0"` for 0, negative or non-finite). */
export function nanosString(ms: number): string {
  if (!(ms > 0) || !Number.isFinite(ms)) return '0';
  if (Number.isInteger(ms)) return `${ms}000000`;
  const parts: [number, number] = [0, 0];
  nanosParts(ms, parts);
  return (BigInt(parts[1]) * 4_294_967_296n + BigInt(parts[0])).toString();
}
