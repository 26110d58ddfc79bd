/** Medians and paired ratios. */

export function median(values) {
  const sorted = values.filter((v) => Number.isFinite(v)).sort((a, b) => a - b);
  if (sorted.length === 0) return NaN;
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

/** The median over rounds of `a[r] / b[r]` (both measured in the same round). */
export function pairedRatio(a, b) {
  const ratios = [];
  for (let r = 0; r < Math.min(a.length, b.length); r++) ratios.push(a[r] / b[r]);
  return median(ratios);
}

/** `items` rotated left by `by`: round r starts with a different library. */
export function rotate(items, by) {
  const k = by % items.length;
  return [...items.slice(k), ...items.slice(0, k)];
}
