// filter's audio-rate coefficient path (used by FilterKernel.process when `fm_rate` is `audio`;
// the batch kernel declines it, filter-batch.ts): the same trapezoidal SVF as filter.ts
// (A. Simper, "Linear Trap SVF", Cytomic 2013; V. Zavalishin, "The Art of VA Filter Design",
// ch. 4), with g = tan(π·fc/fs), k = 1/q and a1 = 1/(1 + g(g + k)), a2 = g·a1, a3 = g·a2
// computed at EVERY sample from that sample's cutoff, q and fm (Math.tan and Math.pow, exact
// to the double), so an audio-rate fm (filter FM, a cutoff driven by an oscillator) is followed
// without the control path's 16-sample lag and interpolation:
//   fc = clamp(cutoff · 2^(scale·fm), 10 Hz, 0.49·fs), q ≥ 0.01
//   v3 = v0 − ic2;  v1 = a1·ic1 + a2·v3;  v2 = ic2 + a2·ic1 + a3·v3
//   ic1 ← 2·v1 − ic1;  ic2 ← 2·v2 − ic2;  out = the mode's mix of v0, k·v1, v2 (filter.ts)
// Integrator states below 1e-20 (and non-finite ones) are set to 0 after every sample, so the
// result does not depend on how the timeline is cut. On leaving (every call), the control
// path's interpolation is marked unprimed (S_PHASE 0, S_READY 0): if `fm_rate` goes back to
// `control`, its first control point starts from fresh targets, as after a reset.
// Cost: one Math.tan, one Math.pow (when fm is connected) and one division per sample.
// Render thread; allocates nothing; no double crosses a call.

import type { KernelIo } from '../kernel.js';
import * as layout from './filter.layout.js';

const { S_IC1, S_IC2, S_PHASE, S_READY } = layout;

/** Renders [from, to); returns nothing, writes the sum of y² to outputCheck[0]. */
export function renderFilterAudioRate(
  st: Float64Array, io: KernelIo, from: number, to: number, sampleRate: number, modeIndex: number, cutoffIndex: number, qIndex: number,
  outputCheck: Float64Array,
): void {
  const out = io.outputs[0];
  const input = io.inputs[0].buffer;
  const fmPort = io.inputs[1];
  const fmConnected = fmPort.connected;
  const fm = fmPort.buffer;
  const fmScale = fmPort.scale;
  const modeP = io.params[modeIndex];
  const cutoffP = io.params[cutoffIndex];
  const qP = io.params[qIndex];
  const piOverFs = Math.PI / sampleRate;
  const maxCutoff = 0.49 * sampleRate;
  let ic1 = st[S_IC1];
  let ic2 = st[S_IC2];
  let sq = 0;
  for (let i = from; i < to; i++) {
    let fc = cutoffP.isConstant ? cutoffP.value : cutoffP.buffer[i];
    if (fmConnected) fc *= Math.pow(2, fmScale * fm[i]);
    if (!(fc >= 10)) fc = 10; // also NaN
    else if (fc > maxCutoff) fc = maxCutoff;
    let q = qP.isConstant ? qP.value : qP.buffer[i];
    if (!(q >= 0.01)) q = 0.01;
    const k = 1 / q;
    const g = Math.tan(piOverFs * fc);
    const a1 = 1 / (1 + g * (g + k));
    const a2 = g * a1;
    const a3 = g * a2;
    const v0 = input[i];
    const v3 = v0 - ic2;
    const v1 = a1 * ic1 + a2 * v3;
    const v2 = ic2 + a2 * ic1 + a3 * v3;
    ic1 = 2 * v1 - ic1;
    ic2 = 2 * v2 - ic2;
    if (!(Math.abs(ic1) >= 1e-20 && Math.abs(ic1) < Infinity)) ic1 = 0;
    if (!(Math.abs(ic2) >= 1e-20 && Math.abs(ic2) < Infinity)) ic2 = 0;
    const m = modeP.isConstant ? modeP.value : modeP.buffer[i];
    // lp v2, hp v0 − k·v1 − v2, bp k·v1, notch v0 − k·v1 (filter.ts's mix).
    const y = m >= 2.5 ? v0 - k * v1 : m >= 1.5 ? k * v1 : m >= 0.5 ? v0 - k * v1 - v2 : v2;
    out[i] = y;
    sq += y * y;
  }
  st[S_IC1] = ic1;
  st[S_IC2] = ic2;
  st[S_PHASE] = 0;
  st[S_READY] = 0;
  outputCheck[0] = sq;
}
