// phaser: a chain of 2-12 first-order allpasses with a swept break frequency, feedback, mixed
// with the dry signal (J. O. Smith, "Physical Audio Signal Processing", appendix "Virtual Analog
// Synthesis and Effects": "Phasing with First-Order Allpass Filters", "Allpass Phaser
// Architecture"; V. Välimäki, J. S. Abel, J. O. Smith, "Spectral Delay Filters", JAES 57(7/8),
// 2009, on chains of identical first-order allpasses; U. Zölzer (ed.), "DAFX" (2nd ed.), ch. 2
// "Filters and delays", allpass filters and the phaser).
//
// Each stage is A(z) = (a + z⁻¹)/(1 + a·z⁻¹), a = (t − 1)/(t + 1), t = tan(π·fc/fs): unit
// magnitude, phase φ₁(ω) = −2·atan(tan(ω/2)/t) (−π/2 at fc). Transposed direct form II:
// y = a·u + s, s ← u − a·y. Per side (x = input, an unconnected `right` takes `left`):
//   u(n) = x(n) + feedback·c(n − 1),  c = A^N(u),  out = (1 − mix)·x + mix·c
// With feedback 0 and mix ½, out = ½(1 + A^N)x vanishes where N·φ₁(ω) = −(2k + 1)π:
//   f_k = (fs/π)·atan(t·tan((2k + 1)π/(2N))),  2k + 1 < N  (plus fs/2 for odd N)
// (tested against the measured transfer function). Sweep: fc(n) = center·2^(depth·sin(2π·φ(n)))
// clamped to [10 Hz, 0.49·fs], φ advancing by rate/fs from 0, the right side `spread`
// half-cycles behind; a is recomputed per sample (sin by lfoSinTurns, lib/delay-line.ts; 2^x and
// tan by lib/fast-math.ts's approximations; all written out). |a| < 1 and |feedback| ≤ 0.95 keep it stable, also while a moves
// (a first-order section with |a| < 1 stays bounded for any coefficient sequence).
// `stages` changes at the sample it arrives (a step in the wet signal: re-patching, not playing).
// Denormals: the chain input is flushed per sample, the stage states every FLUSH_PERIOD samples
// on a counter in state (independent of block cutting); values below 1e-30 and NaN become 0.
//
// Threading: render thread; process and reset allocate nothing.

import { Kernel } from '../kernel.js';
import { defineModule } from '../define.js';
import {
  FLUSH_LEVEL as LIB_FLUSH_LEVEL, LFO_S3 as LIB_LFO_S3, LFO_S5 as LIB_LFO_S5, LFO_S7 as LIB_LFO_S7, LFO_S9 as LIB_LFO_S9,
  LFO_S11 as LIB_LFO_S11,
} from '../lib/delay-line.js';
import {
  EXP2_C1 as LIB_C1, EXP2_C2 as LIB_C2, EXP2_C3 as LIB_C3, EXP2_C4 as LIB_C4, EXP2_C5 as LIB_C5, EXP2_C6 as LIB_C6,
  EXP2_C7 as LIB_C7, EXP2_INT as LIB_EXP2_INT, EXP2_RANGE as LIB_EXP2_RANGE,
} from '../lib/fast-math.js';

const MAX_STAGES = 12;

const decl = defineModule({
  type: 'phaser',
  doc:
    'Stereo phaser: 2-12 first-order allpass stages whose break frequency sweeps center × 2^(±depth) at `rate`, with feedback, mixed with ' +
    'the dry signal (mix ½ gives notches where the chain\'s phase is an odd multiple of π). The right side\'s sweep lags by `spread` half-cycles.',
  params: [
    { id: 'stages', unit: 'ratio', min: 2, max: MAX_STAGES, default: 4, smoothingMs: 0, modulatable: false, doc: 'Allpass stages (rounded); N stages give ⌊N/2⌋ notches.' },
    { id: 'rate', unit: 'Hz', min: 0.02, max: 10, default: 0.3, smoothingMs: 20, scale: 'exp', doc: 'Sweep rate.' },
    { id: 'depth', unit: 'octaves', min: 0, max: 4, default: 1.5, smoothingMs: 20, doc: 'Sweep of the break frequency: center × 2^(±depth).' },
    { id: 'center', unit: 'Hz', min: 50, max: 10000, default: 800, smoothingMs: 20, scale: 'exp', doc: 'Break frequency of the allpasses (phase −90° each) at the middle of the sweep.' },
    { id: 'feedback', unit: 'ratio', min: -0.95, max: 0.95, default: 0.3, smoothingMs: 10, doc: 'Chain output fed back into its input (one sample later): sharper notches and peaks.' },
    { id: 'spread', unit: 'ratio', min: 0, max: 1, default: 0.5, smoothingMs: 20, doc: 'Right side\'s sweep lag in half-cycles (0 = same as left, 1 = anti-phase).' },
    { id: 'mix', unit: 'ratio', min: 0, max: 1, default: 0.5, smoothingMs: 10, doc: 'Dry/wet: 0 = dry only, 1 = allpass chain only (no notches); ½ for the deepest notches.' },
  ],
  inputs: [
    { id: 'left', doc: 'Left (or mono) audio in.' },
    { id: 'right', doc: 'Right audio in; when not connected it takes `left`.' },
  ],
  outputs: [
    { id: 'left', doc: 'Left: dry and phased.' },
    { id: 'right', doc: 'Right: dry and phased.' },
  ],
  silentInSilentOut: true,
});

const P = decl.param;
const IN = decl.input;
const OUT = decl.output;

const S_PHASE = 0; // LFO phase φ in [0, 1)
const S_COUNT = 1; // samples since the last state flush, 0 … FLUSH_PERIOD − 1
const S_LAST_L = 2; // chain outputs of the previous sample (feedback)
const S_LAST_R = 3;
const S_STAGES_L = 4; // MAX_STAGES stage states per side
const S_STAGES_R = S_STAGES_L + MAX_STAGES;
const STATE_SIZE = S_STAGES_R + MAX_STAGES;

/** Samples between flushes of the stage states (a power of two). */
const FLUSH_PERIOD = 64;
const MIN_FC_HZ = 10;
const MAX_FC_RATIO = 0.49;

const FLUSH = LIB_FLUSH_LEVEL;
const EXP2_RANGE = 64;
if (EXP2_RANGE !== LIB_EXP2_RANGE) throw new Error('phaser: exp2 range out of sync with lib/fast-math.ts');
const EXP2_C1 = LIB_C1;
const EXP2_C2 = LIB_C2;
const EXP2_C3 = LIB_C3;
const EXP2_C4 = LIB_C4;
const EXP2_C5 = LIB_C5;
const EXP2_C6 = LIB_C6;
const EXP2_C7 = LIB_C7;
const EXP2_INT = LIB_EXP2_INT;
const LFO_S3 = LIB_LFO_S3;
const LFO_S5 = LIB_LFO_S5;
const LFO_S7 = LIB_LFO_S7;
const LFO_S9 = LIB_LFO_S9;
const LFO_S11 = LIB_LFO_S11;
const TWO_PI = 2 * Math.PI;

export class PhaserKernel extends Kernel {
  readonly state = new Float64Array(STATE_SIZE);

  process(start: number, end: number): void {
    const st = this.state;
    const params = this.io.params;
    const stagesP = params[P.stages];
    const rateP = params[P.rate];
    const rc = rateP.isConstant;
    const rv = rateP.value;
    const rb = rateP.buffer;
    const depthP = params[P.depth];
    const dc = depthP.isConstant;
    const dv = depthP.value;
    const db = depthP.buffer;
    const centerP = params[P.center];
    const cc = centerP.isConstant;
    const cv = centerP.value;
    const cb = centerP.buffer;
    const fbP = params[P.feedback];
    const fc = fbP.isConstant;
    const fv = fbP.value;
    const fbb = fbP.buffer;
    const spreadP = params[P.spread];
    const sc = spreadP.isConstant;
    const sv = spreadP.value;
    const sb = spreadP.buffer;
    const mixP = params[P.mix];
    const mc = mixP.isConstant;
    const mv = mixP.value;
    const mb = mixP.buffer;
    const inL = this.io.inputs[IN.left].buffer;
    const rightPort = this.io.inputs[IN.right];
    const inR = rightPort.connected ? rightPort.buffer : inL;
    const outL = this.io.outputs[OUT.left];
    const outR = this.io.outputs[OUT.right];
    const fs = this.ctx.sampleRate;
    const invFs = 1 / fs;
    const piOverFs = Math.PI * invFs;
    const maxFc = MAX_FC_RATIO * fs;
    let phase = st[S_PHASE];
    let count = st[S_COUNT] | 0;
    let lastL = st[S_LAST_L];
    let lastR = st[S_LAST_R];
    for (let i = start; i < end; i++) {
      const sRaw = stagesP.isConstant ? stagesP.value : stagesP.buffer[i];
      const stages = sRaw < 2 ? 2 : sRaw > MAX_STAGES ? MAX_STAGES : Math.round(sRaw);
      const centre = cc ? cv : cb[i];
      const depth = dc ? dv : db[i];
      // sin(2π·φ) (left) and sin(2π·(φ − spread/2)) (right): lfoSinTurns (lib/delay-line.ts) written out.
      let r = phase < 0.5 ? phase : phase - 1;
      if (r > 0.25) r = 0.5 - r;
      else if (r < -0.25) r = -0.5 - r;
      let t = TWO_PI * r;
      let y = t * t;
      const sinL = t * (1 + LFO_S3 * y + y * y * (LFO_S5 + LFO_S7 * y + y * y * (LFO_S9 + LFO_S11 * y)));
      r = phase - 0.5 * (sc ? sv : sb[i]);
      r = r < 0.5 ? r : r - 1;
      if (r > 0.25) r = 0.5 - r;
      else if (r < -0.25) r = -0.5 - r;
      t = TWO_PI * r;
      y = t * t;
      const sinR = t * (1 + LFO_S3 * y + y * y * (LFO_S5 + LFO_S7 * y + y * y * (LFO_S9 + LFO_S11 * y)));
      // fc = centre·2^(depth·sin): exp2Approx (lib/fast-math.ts) written out (|depth·sin| ≤ 4).
      let x = depth * sinL;
      let n = Math.round(x);
      let g = x - n;
      let fcL = centre * (1 + g * (EXP2_C1 + g * (EXP2_C2 + g * (EXP2_C3 + g * (EXP2_C4 + g * (EXP2_C5 + g * (EXP2_C6 + g * EXP2_C7))))))) * EXP2_INT[n + EXP2_RANGE];
      x = depth * sinR;
      n = Math.round(x);
      g = x - n;
      let fcR = centre * (1 + g * (EXP2_C1 + g * (EXP2_C2 + g * (EXP2_C3 + g * (EXP2_C4 + g * (EXP2_C5 + g * (EXP2_C6 + g * EXP2_C7))))))) * EXP2_INT[n + EXP2_RANGE];
      fcL = fcL < MIN_FC_HZ ? MIN_FC_HZ : fcL > maxFc ? maxFc : fcL;
      fcR = fcR < MIN_FC_HZ ? MIN_FC_HZ : fcR > maxFc ? maxFc : fcR;
      // a = (t − 1)/(t + 1), t = tan(π·fc/fs): tanApprox (lib/fast-math.ts) written out, as p/q.
      let w = piOverFs * fcL;
      y = w * w;
      let p = w * (135135 + y * (-17325 + y * (378 - y)));
      let q = 135135 + y * (-62370 + y * (3150 - 28 * y));
      const aL = (p - q) / (p + q);
      w = piOverFs * fcR;
      y = w * w;
      p = w * (135135 + y * (-17325 + y * (378 - y)));
      q = 135135 + y * (-62370 + y * (3150 - 28 * y));
      const aR = (p - q) / (p + q);
      const fb = fc ? fv : fbb[i];
      const xl = inL[i];
      const xr = inR[i];
      let ul = xl + fb * lastL;
      let ur = xr + fb * lastR;
      if (!(ul >= FLUSH || ul <= -FLUSH)) ul = 0;
      if (!(ur >= FLUSH || ur <= -FLUSH)) ur = 0;
      for (let k = 0; k < stages; k++) {
        const sl = st[S_STAGES_L + k];
        const sr = st[S_STAGES_R + k];
        const yl = aL * ul + sl;
        const yr = aR * ur + sr;
        st[S_STAGES_L + k] = ul - aL * yl;
        st[S_STAGES_R + k] = ur - aR * yr;
        ul = yl;
        ur = yr;
      }
      lastL = ul;
      lastR = ur;
      const m = mc ? mv : mb[i];
      outL[i] = (1 - m) * xl + m * ul;
      outR[i] = (1 - m) * xr + m * ur;
      phase += (rc ? rv : rb[i]) * invFs;
      if (phase >= 1) phase -= 1;
      if (++count === FLUSH_PERIOD) {
        count = 0;
        st[S_LAST_L] = lastL;
        st[S_LAST_R] = lastR;
        for (let k = S_LAST_L; k < STATE_SIZE; k++) {
          const v = st[k];
          if (!(v >= FLUSH || v <= -FLUSH)) st[k] = 0;
        }
        lastL = st[S_LAST_L];
        lastR = st[S_LAST_R];
      }
    }
    st[S_PHASE] = phase;
    st[S_COUNT] = count;
    st[S_LAST_L] = lastL;
    st[S_LAST_R] = lastR;
  }
}

export const phaserModule = decl.withKernel(PhaserKernel);
