// Summary statistics for reports: /engine/status, shutdown log lines, control latency and the
// benchmarks. One definition of each, so every figure Chronus prints is computed the same way.
//
// Threading: any; reports only, never the audio path (sortedQuantile's callers sort a copy).

/** `x` rounded to `digits` decimals (status figures: 3, i.e. µs for values in ms). */
export function round(x: number, digits = 3): number {
  const f = 10 ** digits;
  return Math.round(x * f) / f;
}

/**
 * The q-quantile (0 ≤ q ≤ 1) of a histogram whose bucket k counts values in
 * [k, k+1) × bucketWidth (the last bucket also holds everything above): the upper edge of the
 * first bucket where the running count reaches q × total. 0 for an empty histogram.
 */
export function histogramQuantile(histogram: ArrayLike<number>, bucketWidth: number, q: number): number {
  const buckets = histogram.length;
  let total = 0;
  for (let k = 0; k < buckets; k++) total += histogram[k]!;
  if (total === 0) return 0;
  let seen = 0;
  for (let k = 0; k < buckets; k++) {
    seen += histogram[k]!;
    if (seen >= q * total) return (k + 1) * bucketWidth;
  }
  return buckets * bucketWidth;
}

/**
 * Nearest-rank q-quantile of values sorted ascending: `sorted[min(n − 1, floor(q·n))]`, so q = 1
 * is the maximum and q = 0.5 the upper median. NaN when there are no values.
 */
export function sortedQuantile(sorted: ArrayLike<number>, q: number): number {
  const n = sorted.length;
  if (n === 0) return Number.NaN;
  return sorted[Math.min(n - 1, Math.floor(q * n))]!;
}

/** p50, p99 and maximum (nearest rank) of unsorted values; NaN for each when there are none. */
export function quantiles(values: readonly number[]): { n: number; p50: number; p99: number; max: number } {
  const sorted = [...values].sort((a, b) => a - b);
  return { n: sorted.length, p50: sortedQuantile(sorted, 0.5), p99: sortedQuantile(sorted, 0.99), max: sortedQuantile(sorted, 1) };
}

export interface Spread {
  readonly n: number;
  /** The median: the middle value, or the mean of the two middle values for an even count. */
  readonly median: number;
  readonly min: number;
  readonly max: number;
}

/** Median, minimum and maximum of values (repeated benchmark rounds); undefined when empty. */
export function spread(values: readonly number[]): Spread | undefined {
  if (values.length === 0) return undefined;
  const s = [...values].sort((a, b) => a - b);
  const mid = s.length >> 1;
  const median = s.length % 2 === 1 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
  return { n: s.length, median, min: s[0]!, max: s[s.length - 1]! };
}
