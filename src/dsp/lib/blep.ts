// Band-limited step (BLEP) and ramp (BLAMP) correction tables for oscillators.
//
// Method: a naive waveform is made band-limited by adding, around each discontinuity, the
// residual between a band-limited step and the ideal step (Stilson & Smith, "Alias-free digital
// synthesis of classic analog waveforms", ICMC 1996; Brandt, "Hard sync without aliasing", ICMC
// 2001). Slope discontinuities (triangle corners) use the integrated residual, the BLAMP
// (Esqueda, Välimäki, Bilbao, "Rounding corners with BLAMP", DAFx 2016). The result equals the
// ideal waveform filtered by the kernel h below and then sampled, for any mix of events.
//
// Why not polyBLEP: the 2-point polyBLEP (Välimäki & Huovilainen 2007) and the 4-point
// integrated cubic B-spline polyBLEP (Välimäki, Pekonen, Nam, "Perceptually informed synthesis
// of bandlimited classical waveforms using integrated polynomial interpolation", JASA 2012)
// leave the 25 kHz partial of a 5 kHz saw (aliased to 23 kHz) at -22 dB and -30.5 dB re the
// fundamental (measured). The spec asks for -40 dB, which needs a kernel with a steep
// transition just above fs/2: here a 16-tap Kaiser-windowed sinc, cutoff 0.42 fs, beta 4:
// +0.04 dB at 0.31 fs (15 kHz at 48 kHz), -1.2 dB at 0.375 fs, -5.5 dB at 0.417 fs; with it the
// worst alias of a saw at 5 kHz (48 kHz rate) measures -60 dB re the fundamental (about -60 dB
// for any fundamental in 4-6 kHz by the kernel's response), -74 dB for the triangle.
//
// Use: the oscillator accumulates its output in a ring of BLEP_TAPS samples and emits it with
// a latency of BLEP_HALF samples. A discontinuity detected while producing sample n, located
// `tau` samples before n (tau in [0, 1]), adds amount * table(tau, j) to sample n - BLEP_HALF + j
// for j in [0, BLEP_TAPS). Tables are computed once at module load (deterministic).

import * as layout from './blep.layout.js';

// The geometry (BLEP_HALF: kernel half-length = output latency; BLEP_TAPS: taps per event and
// ring size, a power of two; BLEP_MASK: ring index mask; BLEP_PHASES: table rows per sample of
// `tau`, linear interpolation between rows, error ≤ 1.2e-4 of the step) is in blep.layout.ts,
// shared with the osc's batch kernel (wasm/osc.ts).
export { BLEP_HALF, BLEP_MASK, BLEP_TAPS } from './blep.layout.js';
// Module-local copies (V8 folds these in hot loops, not imported bindings).
const { BLEP_HALF, BLEP_MASK, BLEP_TAPS, BLEP_PHASES: PHASES } = layout;
const CUTOFF = 0.42;
const BETA = 4;
/** Integration sub-steps per sample (a multiple of PHASES so table points fall on the grid). */
const SUB = 1024;

function besselI0(x: number): number {
  let sum = 1;
  let term = 1;
  for (let k = 1; k < 64; k++) {
    const q = x / (2 * k);
    term *= q * q;
    sum += term;
    if (term < 1e-17 * sum) break;
  }
  return sum;
}

/** Kaiser-windowed sinc at time t (samples), support [-BLEP_HALF, BLEP_HALF]. */
function kernel(t: number): number {
  const r = t / BLEP_HALF;
  const w = besselI0(BETA * Math.sqrt(Math.max(0, 1 - r * r))) / besselI0(BETA);
  const s = t === 0 ? 2 * CUTOFF : Math.sin(2 * Math.PI * CUTOFF * t) / (Math.PI * t);
  return s * w;
}

function buildTables(): { blep: Float64Array; blamp: Float64Array } {
  const n = BLEP_TAPS * SUB;
  const step = new Float64Array(n + 1); // band-limited step B(t) on the grid t = -HALF + i/SUB
  let previous = kernel(-BLEP_HALF);
  for (let i = 1; i <= n; i++) {
    const current = kernel(-BLEP_HALF + i / SUB);
    step[i] = step[i - 1] + (previous + current) / (2 * SUB);
    previous = current;
  }
  const total = step[n];
  for (let i = 0; i <= n; i++) step[i] /= total; // unit area: B(+HALF) = 1 exactly
  const ramp = new Float64Array(n + 1); // integral of the step residual B(t) - u(t)
  for (let i = 1; i <= n; i++) {
    const t0 = -BLEP_HALF + (i - 1) / SUB;
    const t1 = -BLEP_HALF + i / SUB;
    const r0 = step[i - 1] - (t0 >= 0 ? 1 : 0);
    const r1 = step[i] - (t1 > 0 ? 1 : 0);
    ramp[i] = ramp[i - 1] + (r0 + r1) / (2 * SUB);
  }
  const blep = new Float64Array((PHASES + 1) * BLEP_TAPS);
  const blamp = new Float64Array((PHASES + 1) * BLEP_TAPS);
  for (let k = 0; k <= PHASES; k++) {
    for (let j = 0; j < BLEP_TAPS; j++) {
      // Offset of sample (n - HALF + j) from the event: j - HALF + tau, tau = k / PHASES.
      const index = j * SUB + k * (SUB / PHASES);
      // Taps before the event (j < HALF) take the step's left limit, so tau = 1 is exact.
      blep[k * BLEP_TAPS + j] = step[index] - (j >= BLEP_HALF ? 1 : 0);
      blamp[k * BLEP_TAPS + j] = ramp[index];
    }
  }
  return { blep, blamp };
}

const TABLES = buildTables();
/** Step residual table: (PHASES + 1) rows of BLEP_TAPS. */
export const BLEP_TABLE: Float64Array = TABLES.blep;
/** Ramp residual table (in samples; multiply by the slope change per sample). */
export const BLAMP_TABLE: Float64Array = TABLES.blamp;

/**
 * Adds amount × residual(tau) to buf[ringOffset + ((base + j) & BLEP_MASK)], j in [0, BLEP_TAPS),
 * where `base` is the ring slot of sample n - BLEP_HALF, tau = buf[argIndex] (clamped to [0, 1])
 * and amount = buf[argIndex + 1]. The doubles travel through `buf` because a call the JIT does
 * not inline would box double arguments (a heap allocation per event).
 */
export function addResidual(table: Float64Array, buf: Float64Array, ringOffset: number, base: number, argIndex: number): void {
  const amount = buf[argIndex + 1];
  let x = buf[argIndex] * PHASES;
  if (!(x > 0)) x = 0;
  else if (x > PHASES) x = PHASES;
  let row = x | 0;
  if (row === PHASES) row = PHASES - 1;
  const frac = x - row;
  const r0 = row * BLEP_TAPS;
  for (let j = 0; j < BLEP_TAPS; j++) {
    const a = table[r0 + j];
    const b = table[r0 + BLEP_TAPS + j];
    buf[ringOffset + ((base + j) & BLEP_MASK)] += amount * (a + frac * (b - a));
  }
}
