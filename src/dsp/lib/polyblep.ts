// Zero-latency band-limited saw and square from a per-sample phase increment: the 2-point
// polyBLEP (V. Välimäki, A. Huovilainen, "Antialiasing oscillators in subtractive synthesis",
// IEEE Signal Processing Magazine 24(2), 2007): the naive waveform plus, on the sample just
// after a jump and the one just before it, the residual of a band-limited step (a 2-sample
// polynomial). Cheaper and latency-free, but less clean than lib/blep.ts (a 5 kHz saw's worst
// alias at −22 dB re the fundamental, measured there; fine for bass voices, whose filter also
// removes most of it).
//
// Saw 2p − 1 (a jump of −2 at p = 0), square +1 on [0, ½) and −1 on [½, 1) (jumps of +2 at 0
// and −2 at ½). The phase p ∈ [0, 1) lives in st[at]; increments dt ∈ (0, 0.5) per sample.
// Both waveforms are computed every sample and `square` picks one per sample (an enum param,
// read as a ParamSignal): a switch never reaches code the JIT has not seen run.
//
// Render thread; no allocation; no double crosses the call (see src/dsp/modules/osc.ts).

import type { ParamSignal } from '../kernel.js';

/** State slots from `at`: the phase. */
export const POLYBLEP_PHASE = 0;
export const POLYBLEP_STATE_SIZE = 1;

/** out[i] = saw (square param < ½) or square at the phase advanced by dts[i], over [start, end). */
export function renderPolyBlep(st: Float64Array, at: number, dts: Float64Array, square: ParamSignal, out: Float64Array, start: number, end: number): void {
  const squareConst = square.isConstant;
  const squareValue = square.value;
  const squareBuf = square.buffer;
  let phase = st[at + POLYBLEP_PHASE];
  for (let i = start; i < end; i++) {
    const dt = dts[i];
    phase += dt;
    if (phase >= 1) phase -= 1;
    // Residual of the jump at phase 0 (t = distance in samples after/before it, over dt).
    let blep = 0;
    if (phase < dt) {
      const t = phase / dt;
      blep = t + t - t * t - 1;
    } else if (phase > 1 - dt) {
      const t = (phase - 1) / dt;
      blep = t * t + t + t + 1;
    }
    // …and of the jump at phase ½ (the square's falling edge).
    const q = phase < 0.5 ? phase + 0.5 : phase - 0.5;
    let blepHalf = 0;
    if (q < dt) {
      const t = q / dt;
      blepHalf = t + t - t * t - 1;
    } else if (q > 1 - dt) {
      const t = (q - 1) / dt;
      blepHalf = t * t + t + t + 1;
    }
    const saw = 2 * phase - 1 - blep;
    const sq = (phase < 0.5 ? 1 : -1) + blep - blepHalf;
    out[i] = (squareConst ? squareValue : squareBuf[i]) >= 0.5 ? sq : saw;
  }
  st[at + POLYBLEP_PHASE] = phase;
}
