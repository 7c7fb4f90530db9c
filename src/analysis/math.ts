// Small numeric helpers shared by the analysers. Main thread; allocation is fine.

export function dbFromAmplitude(a: number): number {
  return 20 * Math.log10(a);
}

export function dbFromPower(p: number): number {
  return 10 * Math.log10(p);
}

/** Rounds to `digits` decimals (for compact, diffable reports). */
export function round(x: number, digits = 1): number {
  const f = 10 ** digits;
  return Math.round(x * f) / f;
}

/** Median of a copy of `values` (NaN when empty). */
export function median(values: ArrayLike<number>): number {
  return quantile(values, 0.5);
}

/** Linear-interpolated quantile q in [0, 1] of a copy of `values`. */
export function quantile(values: ArrayLike<number>, q: number): number {
  const sorted = Float64Array.from(values).sort();
  if (sorted.length === 0) return Number.NaN;
  const pos = q * (sorted.length - 1);
  const lo = Math.floor(pos);
  const hi = Math.min(sorted.length - 1, lo + 1);
  return sorted[lo]! + (sorted[hi]! - sorted[lo]!) * (pos - lo);
}

/**
 * Offset in (-0.5, 0.5) of the extremum of the parabola through (−1, a), (0, b), (1, c)
 * (Smith, "Spectral Audio Signal Processing", quadratic interpolation).
 */
export function parabolicOffset(a: number, b: number, c: number): number {
  const denom = a - 2 * b + c;
  if (denom === 0) return 0;
  const d = (0.5 * (a - c)) / denom;
  return Math.max(-0.5, Math.min(0.5, d));
}

/** The channels mixed to mono (mean), non-finite samples read as 0. */
export function mixToMono(channels: readonly Float32Array[]): Float32Array {
  const n = channels[0]?.length ?? 0;
  const out = new Float32Array(n);
  const g = 1 / Math.max(1, channels.length);
  for (const ch of channels) {
    for (let i = 0; i < n; i++) {
      const v = ch[i]!;
      if (Number.isFinite(v)) out[i]! += v * g;
    }
  }
  return out;
}
