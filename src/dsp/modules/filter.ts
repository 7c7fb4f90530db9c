// filter: 2-pole state-variable filter, trapezoidal ("topology-preserving transform") form
// (V. Zavalishin, "The Art of VA Filter Design", ch. 4; A. Simper, "Linear Trap SVF",
// Cytomic technical paper, 2013):
//   g = tan(π·fc/fs), k = 1/Q, a1 = 1/(1 + g(g + k)), a2 = g·a1, a3 = g·a2
//   v3 = v0 − ic2;  v1 = a1·ic1 + a2·v3;  v2 = ic2 + a2·ic1 + a3·v3
//   ic1 ← 2·v1 − ic1;  ic2 ← 2·v2 − ic2
//   lp = v2, hp = v0 − k·v1 − v2, bp = k·v1 (0 dB peak), notch = v0 − k·v1.
// Stable for any g > 0, k > 0, so arbitrarily fast cutoff sweeps cannot blow up.
// The state update is evaluated in its expanded (algebraically identical) form
//   ic1 ← b11·ic1 + b12·v3,  ic2 ← b20·v0 + b12·ic1 + (1 − b20)·ic2
//   with b11 = 2a1 − 1, b12 = 2a2, b20 = 2a3, and v1 = ½(ic1 + ic1'), v2 = ½(ic2 + ic2')
// (the trapezoidal relations ic' = 2v − ic), which shortens the recursion's dependency chain
// (9 instead of 15 cycles of multiply/add latency per sample; this loop is latency-bound).
//
// With `fm_rate` audio, filter-audio-rate.ts computes the coefficients at every sample instead
// (exact, no lag; the batch kernel declines it). Control rate: the effective cutoff fc = cutoff·2^fm (clamped to [10 Hz, 0.49·fs]) and
// k = 1/q are evaluated every CONTROL_PERIOD samples on a sample counter kept in state (not
// on block boundaries); g = tan(π·fc/fs) and the coefficients b11, b12, b20 are computed
// there (one division), and the coefficients (and k, for the output mix) are interpolated
// linearly from the previous control point's values to the new ones over the following
// CONTROL_PERIOD samples (a CONTROL_PERIOD-sample lag). Every convex combination of two
// coefficient sets of this filter is a stable update matrix (spectral radius < 1, checked
// numerically over 10 Hz … 0.49·fs and q 0.01 … 20), so interpolation cannot destabilise it.
// 2^fm and tan use the approximations of lib/fast-math.ts (relative errors < 1e-8 and < 1e-7:
// the prewarped cutoff is off by < 1e-7 relative), each a few ns where Math.exp and Math.tan
// cost 11-15 ns and dominated the filter's control points.
// When nothing moves the increments are exactly 0, so constant and buffered presentations
// give the same bits (and the loops that leave the increments out give the same bits too).
// Integrator states below 1e-20 are flushed to 0 (denormals) and non-finite states (from a
// non-finite input) are reset to 0, both at control points so the result stays independent
// of how the timeline is cut.

import { Kernel, stateArray } from '../kernel.js';
import { defineModule } from '../define.js';
import {
  EXP2_C1 as LIB_C1, EXP2_C2 as LIB_C2, EXP2_C3 as LIB_C3, EXP2_C4 as LIB_C4, EXP2_C5 as LIB_C5, EXP2_C6 as LIB_C6,
  EXP2_C7 as LIB_C7, EXP2_INT as LIB_EXP2_INT, EXP2_RANGE as LIB_EXP2_RANGE,
} from '../lib/fast-math.js';
import * as layout from './filter.layout.js';
import { renderFilterAudioRate } from './filter-audio-rate.js';

export const filterDecl = defineModule({
  type: 'filter',
  doc:
    'Resonant 2-pole state-variable filter (trapezoidal/TPT SVF, Zavalishin; Simper 2013): low-, high-, band-pass (0 dB peak) or notch, ' +
    '12 dB/octave. Effective cutoff = cutoff × 2^fm (fm in octaves), updated every 16 samples with linear interpolation, or at every sample with `fm_rate` audio.',
  params: [
    {
      id: 'mode', unit: 'enum', min: 0, max: 3, default: 0, smoothingMs: 0, labels: ['lp', 'hp', 'bp', 'notch'],
      aliases: ['filter_mode'], modulatable: false,
      doc: 'Response: lp (0), hp (1), bp (2, 0 dB at the cutoff), notch (3). Indices match the old API.',
    },
    { id: 'cutoff', unit: 'Hz', min: 20, max: 20000, default: 1000, smoothingMs: 10, scale: 'exp', aliases: ['freq'], doc: 'Cutoff (lp/hp: −3 dB point at q = 0.707) or centre frequency (bp/notch).' },
    { id: 'q', unit: 'ratio', min: 0.1, max: 20, default: 0.707, smoothingMs: 10, scale: 'exp', aliases: ['resonance'], doc: 'Resonance Q = 1/k (0.707 = Butterworth, no peak).' },
    {
      id: 'fm_rate', unit: 'enum', min: 0, max: 1, default: 0, smoothingMs: 0, labels: ['control', 'audio'], modulatable: false,
      doc: 'Coefficient rate: control (every 16 samples, interpolated: cheap, for envelopes and LFOs) or audio (exact coefficients at every sample, for an audio-rate `fm` or cutoff: about 3× the cost).',
    },
  ],
  inputs: [
    { id: 'in', doc: 'Audio to filter.' },
    {
      id: 'fm', readsScale: true,
      doc: 'Cutoff modulation in octaves: effective cutoff = cutoff × 2^fm, clamped to [10 Hz, 0.49 × sample rate].',
    },
  ],
  outputs: [{ id: 'out', doc: 'Filtered audio.' }],
  silentInSilentOut: true,
});

const P = filterDecl.param;
const IN = filterDecl.input;

// The state layout and control period live in filter.layout.ts (shared with the batch kernel
// wasm/filter.ts), copied into module-local constants: V8 constant-folds those in hot loops, not
// imported bindings.
const {
  S_IC1, S_IC2, S_PHASE, S_B11, S_DB11, S_B11T, S_B12, S_DB12, S_B12T, S_B20, S_DB20, S_B20T, S_K0, S_DK, S_KT, S_GT, S_READY, S_FC, S_Q,
  STATE_SIZE, CONTROL_PERIOD,
} = layout;

// DSP constants, exported for the batch host (filter-batch.ts writes them into the wasm
// kernel's constants); the hot loop reads the module-local copies below (exported bindings are
// module cells, which V8 does not fold).
/** 1 / CONTROL_PERIOD (exact: a power of two). */
export const FILTER_INV_CONTROL_PERIOD = 1 / layout.CONTROL_PERIOD;
/** Lower clamp of the effective cutoff, Hz. */
export const FILTER_MIN_CUTOFF_HZ = 10;
/** Lower clamp of q. */
export const FILTER_MIN_Q = 0.01;
/** Integrator states below this are flushed to 0 at control points. */
export const FILTER_DENORMAL = 1e-20;
/** Output mix out = FILTER_MIX_V0·v0 + FILTER_MIX_V1·k·v1 + FILTER_MIX_V2·v2, indexed by mode. */
export const FILTER_MIX_V0 = [0, 1, 0, 1] as const;
export const FILTER_MIX_V1 = [0, -1, 1, -1] as const;
export const FILTER_MIX_V2 = [1, -1, 0, 0] as const;
const INV_CONTROL_PERIOD = FILTER_INV_CONTROL_PERIOD;
const MIN_CUTOFF_HZ = FILTER_MIN_CUTOFF_HZ;
const MAX_CUTOFF_RATIO = 0.49;
const MIN_Q = FILTER_MIN_Q;
const DENORMAL = FILTER_DENORMAL;
const M_V0 = FILTER_MIX_V0;
const M_V1 = FILTER_MIX_V1;
const M_V2 = FILTER_MIX_V2;
// fast-math constants as module-local bindings: V8 folds those in hot code, not imported ones.
const EXP2_RANGE = LIB_EXP2_RANGE;
const EXP2_C1 = LIB_C1;
const EXP2_C2 = LIB_C2;
const EXP2_C3 = LIB_C3;
const EXP2_C4 = LIB_C4;
const EXP2_C5 = LIB_C5;
const EXP2_C6 = LIB_C6;
const EXP2_C7 = LIB_C7;
const EXP2_INT = LIB_EXP2_INT;

export class FilterKernel extends Kernel {
  readonly state: Float64Array = stateArray(this.ctx, STATE_SIZE);
  private readonly piOverFs = filterPiOverFs(this.ctx.sampleRate);
  private readonly maxCutoff = filterMaxCutoff(this.ctx.sampleRate);

  process(start: number, end: number): void {
    const rate = this.io.params[P.fm_rate];
    if (rate.isConstant ? rate.value >= 0.5 : rate.buffer[start] >= 0.5) {
      // Audio-rate coefficients (filter-audio-rate.ts).
      renderFilterAudioRate(this.state, this.io, start, end, this.ctx.sampleRate, P.mode, P.cutoff, P.q, this.outputCheck);
      return;
    }
    const out = this.io.outputs[0];
    const input = this.io.inputs[IN.in].buffer;
    const fmPort = this.io.inputs[IN.fm];
    const fmConnected = fmPort.connected;
    const fm = fmPort.buffer;
    // fm is read only at control points, so the port's scale is applied here (readsScale).
    const fmScale = fmPort.scale;
    const p = this.io.params;
    const modeP = p[P.mode];
    const cutoffP = p[P.cutoff];
    const qP = p[P.q];
    const modeConst = modeP.isConstant;
    const piOverFs = this.piOverFs;
    const maxCutoff = this.maxCutoff;

    const s = this.state;
    let ic1 = s[S_IC1];
    let ic2 = s[S_IC2];
    let phase = s[S_PHASE];
    let b11 = s[S_B11];
    let db11 = s[S_DB11];
    let b11T = s[S_B11T];
    let b12 = s[S_B12];
    let db12 = s[S_DB12];
    let b12T = s[S_B12T];
    let b20 = s[S_B20];
    let db20 = s[S_DB20];
    let b20T = s[S_B20T];
    let k0 = s[S_K0];
    let dk = s[S_DK];
    let kT = s[S_KT];
    let gT = s[S_GT];
    let ready = s[S_READY];
    let lastFc = s[S_FC];
    let lastQ = s[S_Q];

    // Sum of the squares of every output sample: Kernel.outputCheck.
    let sq = 0;
    // Lookahead (see below): 1 when the targets of the next control point are already computed,
    // the segment ends they replaced kept in p11, p12, p20, pK.
    let pending = 0;
    let p11 = 0;
    let p12 = 0;
    let p20 = 0;
    let pK = 0;
    let i = start;
    while (i < end) {
      if (phase === 0) {
        // Control point. Interpolate from the previous targets (none at the very first control
        // point): saved by the lookahead when it already computed this point's targets.
        if (pending === 0) {
          b11 = b11T;
          b12 = b12T;
          b20 = b20T;
          k0 = kT;
          // New targets from the values at sample i (the same code at the lookahead below).
          let fc = cutoffP.isConstant ? cutoffP.value : cutoffP.buffer[i];
          if (fmConnected) {
            // fc·2^fm with 2^fm = exp2Approx(fm) written out (lib/fast-math.ts).
            let x = Math.fround(fmScale * fm[i]);
            if (!(x > -EXP2_RANGE)) x = -EXP2_RANGE; // also catches NaN
            else if (x > EXP2_RANGE) x = EXP2_RANGE;
            const e = Math.round(x);
            const f = x - e;
            fc *= (1 + f * (EXP2_C1 + f * (EXP2_C2 + f * (EXP2_C3 + f * (EXP2_C4 + f * (EXP2_C5 + f * (EXP2_C6 + f * EXP2_C7))))))) * EXP2_INT[e + EXP2_RANGE];
          }
          if (!(fc > MIN_CUTOFF_HZ)) fc = MIN_CUTOFF_HZ; // also catches NaN
          else if (fc > maxCutoff) fc = maxCutoff;
          let q = qP.isConstant ? qP.value : qP.buffer[i];
          if (!(q > MIN_Q)) q = MIN_Q;
          if (fc !== lastFc || q !== lastQ) {
            if (fc !== lastFc) {
              lastFc = fc;
              // tan(π·fc/fs) = tanApprox (lib/fast-math.ts) written out; fc ≤ 0.49·fs here.
              const w = fc * piOverFs;
              const y = w * w;
              gT = (w * (135135 + y * (-17325 + y * (378 - y)))) / (135135 + y * (-62370 + y * (3150 - 28 * y)));
            }
            if (q !== lastQ) {
              lastQ = q;
              kT = 1 / q;
            }
            const a1 = 1 / (1 + gT * (gT + kT));
            b11T = 2 * a1 - 1;
            b12T = 2 * (gT * a1);
            b20T = gT * b12T;
          }
        } else {
          b11 = p11;
          b12 = p12;
          b20 = p20;
          k0 = pK;
          pending = 0;
        }
        if (ready === 0) {
          b11 = b11T;
          b12 = b12T;
          b20 = b20T;
          k0 = kT;
          ready = 1;
        }
        db11 = (b11T - b11) * INV_CONTROL_PERIOD;
        db12 = (b12T - b12) * INV_CONTROL_PERIOD;
        db20 = (b20T - b20) * INV_CONTROL_PERIOD;
        dk = (kT - k0) * INV_CONTROL_PERIOD;
        // Denormal flush / NaN recovery, on the sample clock.
        if (!(Math.abs(ic1) >= DENORMAL)) ic1 = 0;
        else if (ic1 - ic1 !== 0) ic1 = 0;
        if (!(Math.abs(ic2) >= DENORMAL)) ic2 = 0;
        else if (ic2 - ic2 !== 0) ic2 = 0;
      }
      // Chunk up to the next control point (one sample at a time if `mode` changes per sample).
      let n = CONTROL_PERIOD - phase;
      if (n > end - i) n = end - i;
      if (!modeConst) n = 1;
      const mode = modeIndex(modeConst ? modeP.value : modeP.buffer[i]);
      const stop = i + n;
      if (phase + n === CONTROL_PERIOD && stop < end) {
        // Lookahead: the next control point falls inside this call, so its targets are
        // computed now, before this chunk's loop (which does not depend on them): the CPU
        // overlaps their long latency (two divisions in a chain) with the loop's recursion
        // instead of stalling the loop at the control point. Same code and values as at the
        // control point (the current targets are kept in p11..pK for it), so results do not
        // depend on where calls are cut.
        p11 = b11T;
        p12 = b12T;
        p20 = b20T;
        pK = kT;
        pending = 1;
        // New targets from the values at sample stop (the same code at the lookahead below).
        let fc = cutoffP.isConstant ? cutoffP.value : cutoffP.buffer[stop];
        if (fmConnected) {
          // fc·2^fm with 2^fm = exp2Approx(fm) written out (lib/fast-math.ts).
          let x = Math.fround(fmScale * fm[stop]);
          if (!(x > -EXP2_RANGE)) x = -EXP2_RANGE; // also catches NaN
          else if (x > EXP2_RANGE) x = EXP2_RANGE;
          const e = Math.round(x);
          const f = x - e;
          fc *= (1 + f * (EXP2_C1 + f * (EXP2_C2 + f * (EXP2_C3 + f * (EXP2_C4 + f * (EXP2_C5 + f * (EXP2_C6 + f * EXP2_C7))))))) * EXP2_INT[e + EXP2_RANGE];
        }
        if (!(fc > MIN_CUTOFF_HZ)) fc = MIN_CUTOFF_HZ; // also catches NaN
        else if (fc > maxCutoff) fc = maxCutoff;
        let q = qP.isConstant ? qP.value : qP.buffer[stop];
        if (!(q > MIN_Q)) q = MIN_Q;
        if (fc !== lastFc || q !== lastQ) {
          if (fc !== lastFc) {
            lastFc = fc;
            // tan(π·fc/fs) = tanApprox (lib/fast-math.ts) written out; fc ≤ 0.49·fs here.
            const w = fc * piOverFs;
            const y = w * w;
            gT = (w * (135135 + y * (-17325 + y * (378 - y)))) / (135135 + y * (-62370 + y * (3150 - 28 * y)));
          }
          if (q !== lastQ) {
            lastQ = q;
            kT = 1 / q;
          }
          const a1 = 1 / (1 + gT * (gT + kT));
          b11T = 2 * a1 - 1;
          b12T = 2 * (gT * a1);
          b20T = gT * b12T;
        }
      }
      // Every loop below computes, per sample, with c = c0 + dc·j for each coefficient
      // (j = position in the control period; exactly c0 when dc = 0):
      //   v3 = v0 − ic2
      //   ic1' = b11·ic1 + b12·v3,  ic2' = b20·v0 + b12·ic1 + (1 − b20)·ic2
      //   v1 = ½(ic1 + ic1'),  v2 = ½(ic2 + ic2')
      // and outputs v2 (lp) or the mode's mix. The loops differ only in what they can leave
      // out (increments that are 0, the mix for lp), never in the result.
      if (db11 === 0 && db12 === 0 && db20 === 0 && dk === 0) {
        const c11 = b11;
        const c12 = b12;
        const c20 = b20;
        const c22 = 1 - c20;
        if (mode === 0) {
          for (; i < stop; i++) {
            const v0 = input[i];
            const v3 = v0 - ic2;
            const next1 = c11 * ic1 + c12 * v3;
            const next2 = c20 * v0 + c12 * ic1 + c22 * ic2;
            const y = 0.5 * (ic2 + next2);
            out[i] = y;
            sq += y * y;
            ic1 = next1;
            ic2 = next2;
          }
        } else {
          const m0 = M_V0[mode];
          const m1 = M_V1[mode] * k0;
          const m2 = M_V2[mode];
          for (; i < stop; i++) {
            const v0 = input[i];
            const v3 = v0 - ic2;
            const next1 = c11 * ic1 + c12 * v3;
            const next2 = c20 * v0 + c12 * ic1 + c22 * ic2;
            const v1 = 0.5 * (ic1 + next1);
            const v2 = 0.5 * (ic2 + next2);
            ic1 = next1;
            ic2 = next2;
            const y = m0 * v0 + m1 * v1 + m2 * v2;
            out[i] = y;
            sq += y * y;
          }
        }
      } else if (mode === 0) {
        let j = phase;
        for (; i < stop; i++, j++) {
          const c11 = b11 + db11 * j;
          const c12 = b12 + db12 * j;
          const c20 = b20 + db20 * j;
          const v0 = input[i];
          const v3 = v0 - ic2;
          const next1 = c11 * ic1 + c12 * v3;
          const next2 = c20 * v0 + c12 * ic1 + (1 - c20) * ic2;
          const y = 0.5 * (ic2 + next2);
          out[i] = y;
          sq += y * y;
          ic1 = next1;
          ic2 = next2;
        }
      } else {
        const m0 = M_V0[mode];
        const s1 = M_V1[mode];
        const m2 = M_V2[mode];
        let j = phase;
        for (; i < stop; i++, j++) {
          const c11 = b11 + db11 * j;
          const c12 = b12 + db12 * j;
          const c20 = b20 + db20 * j;
          const k = k0 + dk * j;
          const v0 = input[i];
          const v3 = v0 - ic2;
          const next1 = c11 * ic1 + c12 * v3;
          const next2 = c20 * v0 + c12 * ic1 + (1 - c20) * ic2;
          const v1 = 0.5 * (ic1 + next1);
          const v2 = 0.5 * (ic2 + next2);
          ic1 = next1;
          ic2 = next2;
          const y = m0 * v0 + s1 * k * v1 + m2 * v2;
          out[i] = y;
          sq += y * y;
        }
      }
      phase = (phase + n) & (CONTROL_PERIOD - 1);
    }

    s[S_IC1] = ic1;
    s[S_IC2] = ic2;
    s[S_PHASE] = phase;
    s[S_B11] = b11;
    s[S_DB11] = db11;
    s[S_B11T] = b11T;
    s[S_B12] = b12;
    s[S_DB12] = db12;
    s[S_B12T] = b12T;
    s[S_B20] = b20;
    s[S_DB20] = db20;
    s[S_B20T] = b20T;
    s[S_K0] = k0;
    s[S_DK] = dk;
    s[S_KT] = kT;
    s[S_GT] = gT;
    s[S_READY] = ready;
    s[S_FC] = lastFc;
    s[S_Q] = lastQ;
    this.outputCheck[0] = sq;
  }
}

/** π/fs: the prewarping factor (also used by the batch kernel, filter-batch.ts). */
export function filterPiOverFs(sampleRate: number): number {
  return Math.PI / sampleRate;
}

/** Upper clamp of the effective cutoff, Hz. */
export function filterMaxCutoff(sampleRate: number): number {
  return MAX_CUTOFF_RATIO * sampleRate;
}

/** Enum value → mode index 0..3 (rounded, clamped; NaN → lp). */
export function modeIndex(v: number): 0 | 1 | 2 | 3 {
  if (v >= 2.5) return 3;
  if (v >= 1.5) return 2;
  if (v >= 0.5) return 1;
  return 0;
}

export const filterModule = filterDecl.withKernel(FilterKernel);
