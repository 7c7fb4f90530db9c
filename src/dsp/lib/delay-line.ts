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

// LFO sine for the modulated delays and the phaser: lfoSinTurns(x) = sin(2π·x), x ∈ [−½, 1).
//   r = x folded to [−½, ½) (x − 1 for x ≥ ½), then to |r| ≤ ¼ by sin(π − θ) = sin θ; θ = 2πr,
//   sin θ ≈ θ·(1 + S3·y + S5·y² + S7·y³ + S9·y⁴ + S11·y⁵), y = θ², evaluated in Estrin's form
//   (1 + S3·y) + y²·((S5 + S7·y) + y²·(S9 + S11·y)): a dependency chain of 7 operations where
//   Horner's takes 12 (the per-sample loops here are latency-bound; measured ~2× faster than the
//   degree-15 Horner form of lib/fast-math.ts). Taylor series cut after a negative term: on
//   θ ∈ [0, π/2] it is below sin θ by at most (π/2)^13/13! = 5.7e-8, so |result| ≤ 1 always
//   (rounding is 1e-16) and exactly 0 at x = 0 and ½.
export const LFO_S3 = -1 / 6;
export const LFO_S5 = 1 / 120;
export const LFO_S7 = -1 / 5040;
export const LFO_S9 = 1 / 362880;
export const LFO_S11 = -1 / 39916800;

/** sin(2π·x) for x ∈ [−½, 1), see above (definition of the inline copies; for tests). */
export function lfoSinTurns(x: number): number {
  let r = x < 0.5 ? x : x - 1;
  if (r > 0.25) r = 0.5 - r;
  else if (r < -0.25) r = -0.5 - r;
  const t = 2 * Math.PI * r;
  const y = t * t;
  const y2 = y * y;
  return t * (1 + LFO_S3 * y + y2 * (LFO_S5 + LFO_S7 * y + y2 * (LFO_S9 + LFO_S11 * y)));
}
