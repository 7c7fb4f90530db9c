// Cheap approximations of 2^x and tan(w) for control-rate coefficient computation (the filter
// evaluates cutoff·2^fm and tan(π·fc/fs) once per control period; Math.exp and Math.tan cost
// ~11 and ~15 ns in V8, these ~3-5 ns). Deterministic: plain arithmetic, same bits everywhere.
//
// Kernels write the expressions out inline (a call that V8 does not inline boxes its double
// argument and result: an allocation on the render thread); these functions are the
// definitions the kernels' copies follow, and what the tests check the error bounds of.
//
// exp2(x): x clamped to [−EXP2_RANGE, EXP2_RANGE] (NaN → −EXP2_RANGE), n = round(x),
//   f = x − n ∈ [−½, ½], 2^x = P(f)·2^n with P the degree-7 Taylor polynomial of e^(f·ln2)
//   and 2^n from a table. Relative error < 1e-8 (remainder (½·ln2)^8/8! ≈ 1.5e-10, plus
//   rounding; measured 7e-9).
// tan(w): the [7/6] Padé approximant w·(135135 − 17325w² + 378w⁴ − w⁶) /
//   (135135 − 62370w² + 3150w⁴ − 28w⁶), used for w ∈ (0, 0.49π] (cutoff up to 0.49·fs).
//   Relative error < 1e-7 there (measured 6.4e-8, largest at 0.49π; below 1e-12 under π/4),
//   so the prewarped cutoff atan(g)·fs/π is off by less than 1e-7 relative.

import { EXP2_INT_SIZE, EXP2_RANGE } from './fast-math.layout.js';

/** |x| beyond which 2^x is clamped (fast-math.layout.ts, shared with wasm/filter.ts). */
export { EXP2_RANGE };
/** 2^n for n = −EXP2_RANGE … EXP2_RANGE, at index n + EXP2_RANGE. */
export const EXP2_INT = new Float64Array(EXP2_INT_SIZE);
for (let n = -EXP2_RANGE; n <= EXP2_RANGE; n++) EXP2_INT[n + EXP2_RANGE] = 2 ** n;

const LN2 = Math.LN2;
/** Taylor coefficients ln2^k / k!, k = 1..7. */
export const EXP2_C1 = LN2;
export const EXP2_C2 = LN2 ** 2 / 2;
export const EXP2_C3 = LN2 ** 3 / 6;
export const EXP2_C4 = LN2 ** 4 / 24;
export const EXP2_C5 = LN2 ** 5 / 120;
export const EXP2_C6 = LN2 ** 6 / 720;
export const EXP2_C7 = LN2 ** 7 / 5040;

/** 2^x, see the header (definition of the inline copies; not for hot loops). */
export function exp2Approx(x: number): number {
  if (!(x > -EXP2_RANGE)) x = -EXP2_RANGE;
  else if (x > EXP2_RANGE) x = EXP2_RANGE;
  const n = Math.round(x);
  const f = x - n;
  const p = 1 + f * (EXP2_C1 + f * (EXP2_C2 + f * (EXP2_C3 + f * (EXP2_C4 + f * (EXP2_C5 + f * (EXP2_C6 + f * EXP2_C7))))));
  return p * EXP2_INT[n + EXP2_RANGE];
}

/** tan(w) for w ∈ (0, 0.49π], see the header (definition of the inline copies). */
export function tanApprox(w: number): number {
  const y = w * w;
  return (w * (135135 + y * (-17325 + y * (378 - y)))) / (135135 + y * (-62370 + y * (3150 - 28 * y)));
}

// sinTurns(x) = sin(2π·x) for any x (the lfo evaluates its sine once per control period):
//   r = x − round(x) ∈ [−½, ½], folded to |r| ≤ ¼ by sin(π − θ) = sin θ (r → ±½ − r), then the
//   odd Taylor polynomial of sin θ, θ = 2πr, up to θ^15. Absolute error < 1e-11 (remainder
//   (π/2)^17/17! ≈ 1.6e-12); exactly 0 at x = 0 and at every half turn. The series is cut
//   after a negative term, so |result| ≤ |sin θ| ≤ 1: never outside [−1, 1].
/** Taylor coefficients of sin: (−1)^k / (2k+1)!, k = 1..7. */
export const SIN_S3 = -1 / 6;
export const SIN_S5 = 1 / 120;
export const SIN_S7 = -1 / 5040;
export const SIN_S9 = 1 / 362880;
export const SIN_S11 = -1 / 39916800;
export const SIN_S13 = 1 / 6227020800;
export const SIN_S15 = -1 / 1307674368000;
const TWO_PI = 2 * Math.PI;

/** sin(2π·x), see above (definition of the inline copies; not for hot loops). */
export function sinTurnsApprox(x: number): number {
  let r = x - Math.round(x);
  if (r > 0.25) r = 0.5 - r;
  else if (r < -0.25) r = -0.5 - r;
  const t = TWO_PI * r;
  const y = t * t;
  return t * (1 + y * (SIN_S3 + y * (SIN_S5 + y * (SIN_S7 + y * (SIN_S9 + y * (SIN_S11 + y * (SIN_S13 + y * SIN_S15)))))));
}

// log2Approx(x) = log2(x) for a positive normal double (the compressor's level in dB, the
//   limiter's gain): x = m·2^e read from its IEEE-754 bits (a Float64Array and an Int32Array
//   over one 8-byte buffer; the high word is element 1 on little-endian machines, checked at
//   load), m folded into [√½, √2) (m > √2 → m/2, e + 1), then
//   log2(m) = (2/ln 2)·(t + t³/3 + t⁵/5 + t⁷/7 + t⁹/9), t = (m − 1)/(m + 1), |t| ≤ 0.1716
//   (the atanh series of ln m). Absolute error < 2e-9 (first omitted term
//   2·t¹¹/(11·ln 2) ≤ 1.0e-9, plus rounding): 1.2e-8 dB. Math.log costs ~11 ns in V8; this ~4.
//   Exactly e for x = 2^e. Not for 0, subnormals, NaN or ±Infinity (callers exclude them).
export const LOG2_C1 = 2 / LN2;
export const LOG2_C3 = 2 / (3 * LN2);
export const LOG2_C5 = 2 / (5 * LN2);
export const LOG2_C7 = 2 / (7 * LN2);
export const LOG2_C9 = 2 / (9 * LN2);
/** Index of the high (sign, exponent, top mantissa) word of a double in an Int32Array view. */
export const HIGH_WORD = 1;
if (new Uint8Array(new Uint32Array([1]).buffer)[0] !== 1) throw new Error('fast-math: log2Approx assumes a little-endian machine');

const LOG_SCRATCH = new Float64Array(1);
const LOG_BITS = new Int32Array(LOG_SCRATCH.buffer);

/** log2(x) for a positive normal double, see above (definition of the inline copies). */
export function log2Approx(x: number): number {
  LOG_SCRATCH[0] = x;
  const hi = LOG_BITS[HIGH_WORD];
  let e = (hi >> 20) - 1023;
  LOG_BITS[HIGH_WORD] = (hi & 0x000fffff) | 0x3ff00000;
  let m = LOG_SCRATCH[0];
  if (m > Math.SQRT2) {
    m *= 0.5;
    e += 1;
  }
  const t = (m - 1) / (m + 1);
  const t2 = t * t;
  return e + t * (LOG2_C1 + t2 * (LOG2_C3 + t2 * (LOG2_C5 + t2 * (LOG2_C7 + t2 * LOG2_C9))));
}
