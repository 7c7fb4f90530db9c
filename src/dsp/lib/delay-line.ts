// Shared pieces of the delay-line effects (delay, chorus, flanger): ring sizing and the
// fractional-delay interpolator the kernels write out inline.
//
// Lines are Float32Array rings of a power-of-two length, indexed with `& mask`; a kernel keeps
// its write position in `state` and reads at `write − d` for a delay of d samples.
//
// Fractional delay: 4-point, 3rd-order Hermite interpolation (Catmull-Rom spline), as in
// O. Niemitalo, "Polynomial Interpolators for High-Quality Resampling of Oversampled Audio"
// (2001, the "4-point, 3rd-order Hermite (x-form)") and U. Zölzer (ed.), "DAFX" (2nd ed., 2011),
// ch. 2-3 on interpolated delay lines; J. O. Smith, "Physical Audio Signal Processing",
// "Delay-Line Interpolation". Why Hermite and not allpass interpolation: the delay of every
// module here moves (glides, LFO sweeps), and an allpass interpolator's recursive state rings
// when its coefficient moves fast (Dattorro, "Effect Design Part 2: Delay-Line Modulation and
// Chorus", JAES 45(10), 1997, sec. on interpolation); the Hermite read is stateless.
// For the read position p = write − d, with i = floor(p), f = p − i ∈ [0, 1) and taps
// x₋₁ = x[i−1], x₀ = x[i], x₁ = x[i+1], x₂ = x[i+2]:
//   c1 = ½(x₁ − x₋₁),  c2 = x₋₁ − 2.5·x₀ + 2·x₁ − ½·x₂,  c3 = ½(x₂ − x₋₁) + 1.5(x₀ − x₁)
//   y = ((c3·f + c2)·f + c1)·f + x₀
// Exact at integer delays (f = 0 gives x₀: an integer delay is a pure delay, bit for bit) and
// for linear signals. Its magnitude response never exceeds 1 for any f (max over f and ω is
// 1, at DC; checked numerically in test/dsp/delay-line.test.ts), so a feedback loop of gain
// g < 1 through it cannot grow. The newest tap read is x[i + 2] = x[floor(write − d) + 2]:
// a kernel that has written samples up to write − k needs d > k + 1 (see each module).

/** Samples the Hermite read reaches beyond the delay on either side (taps at i−1 … i+2). */
export const HERMITE_TAPS_AFTER = 2;

/** Smallest power of two ≥ `samples` + 4 (the interpolator's taps around the oldest read). */
export function ringLength(maxDelaySamples: number): number {
  let n = 16;
  while (n < maxDelaySamples + 4) n *= 2;
  return n;
}

/**
 * The interpolation above, as a function: the definition the kernels' inline copies follow
 * (a call that V8 does not inline boxes its double arguments and result), and what tests use.
 */
export function hermite4(xm1: number, x0: number, x1: number, x2: number, f: number): number {
  const c1 = 0.5 * (x1 - xm1);
  const c2 = xm1 - 2.5 * x0 + 2 * x1 - 0.5 * x2;
  const c3 = 0.5 * (x2 - xm1) + 1.5 * (x0 - x1);
  return ((c3 * f + c2) * f + c1) * f + x0;
}

/** Values below this magnitude written into a recirculating line are stored as 0 (denormals). */
export const FLUSH_LEVEL = 1e-30;
