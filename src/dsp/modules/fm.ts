// fm: two-operator phase modulation (the "FM" of J. M. Chowning, "The Synthesis of Complex Audio
// Spectra by Means of Frequency Modulation", JAES 21(7), 1973; as in the Yamaha DX7, which
// modulates phase), with modulator self-feedback after N. Tomisawa, "Tone production method for
// an electronic musical instrument", US patent 4,249,447 (1981), the DX7's operator feedback.
//
//   m(n) = sin(2π·φm(n) + β·(m(n−1) + m(n−2))/2)       modulator, feedback β = π·feedback
//   y(n) = gain · sin(2π·φc(n) + index·m(n))             carrier
//
// φc advances by f/fs, φm by ratio·f/fs per sample, f = freq·2^(pitch + transpose/12 +
// fine/1200); both phases start at 0. `index` is the peak phase deviation in radians, so with
// feedback 0 the spectrum is Chowning's: partials at f + k·ratio·f with amplitudes J_k(index)
// (Bessel functions of the first kind; negative frequencies fold back with a sign change).
// The feedback term averages the last two modulator outputs, as the DX7 does (a one-sample
// average that tames the self-oscillation of Tomisawa's loop at high β); feedback 1 (β = π) is
// the DX7's top feedback level 7, each DX7 level below halves β (the DX7 as emulated in
// R. Levien's "music-synthesizer-for-android" engine, 2012, used by Dexed: scaled_fb =
// (y0 + y) >> (fb_shift + 1), fb_shift = 8 − level, phase in cycles: β = π·2^(level − 7)). The modulator goes from a sine
// towards a saw as feedback rises and turns chaotic (noise) above about 0.7 (β ≈ 2.2; measured
// at 220 Hz: non-harmonic power −40 dB at 0.65, −11 dB at 0.7).
// The module runs free (no gate): give it its envelope with an adsr into a vca, and move
// `index` with a modulation connection for the usual FM brightness envelope.
// Not band-limited: partials beyond fs/2 alias (about index + 1 sidebands matter, Carson's
// rule: keep (index + 1)·ratio·f below fs/2 for clean tones). Increments are limited to fs/2.
// sin: the odd Taylor polynomial of lib/fast-math.ts sinTurnsApprox (error < 1e-11), inline.
//
// Render thread; no allocation after construction; no recursion that decays (nothing to flush).

import { Kernel } from '../kernel.js';
import type { KernelContext, KernelIo } from '../kernel.js';
import { defineModule } from '../define.js';
import {
  EXP2_C1 as LIB_C1, EXP2_C2 as LIB_C2, EXP2_C3 as LIB_C3, EXP2_C4 as LIB_C4, EXP2_C5 as LIB_C5,
  EXP2_C6 as LIB_C6, EXP2_C7 as LIB_C7, EXP2_INT, EXP2_RANGE,
  SIN_S3 as LIB_S3, SIN_S5 as LIB_S5, SIN_S7 as LIB_S7, SIN_S9 as LIB_S9, SIN_S11 as LIB_S11,
  SIN_S13 as LIB_S13, SIN_S15 as LIB_S15,
} from '../lib/fast-math.js';

const decl = defineModule({
  type: 'fm',
  doc:
    'Two-operator phase modulation (Chowning 1973, DX7 style): a sine carrier at `freq` phase-modulated by a sine at `ratio` × freq with peak ' +
    'deviation `index` radians; the modulator feeds back on itself (`feedback`, DX7 averaging). Free-running: envelope it with adsr and vca.',
  params: [
    { id: 'freq', unit: 'Hz', min: 0.1, max: 20000, default: 220, smoothingMs: 5, scale: 'exp', doc: 'Carrier frequency before `pitch`, transpose and fine.' },
    { id: 'transpose', unit: 'semitones', min: -48, max: 48, default: 0, smoothingMs: 0, doc: 'Pitch offset in semitones.' },
    { id: 'fine', unit: 'cents', min: -100, max: 100, default: 0, smoothingMs: 5, doc: 'Pitch offset in cents.' },
    { id: 'ratio', unit: 'ratio', min: 0.125, max: 16, default: 1, smoothingMs: 5, scale: 'exp', doc: 'Modulator frequency as a multiple of the carrier\'s.' },
    { id: 'index', unit: 'ratio', min: 0, max: 20, default: 1, smoothingMs: 5, doc: 'Modulation index: peak phase deviation of the carrier, in radians.' },
    { id: 'feedback', unit: 'ratio', min: 0, max: 1, default: 0, smoothingMs: 5, doc: 'Modulator self-feedback: β = π·feedback radians (1 = DX7 feedback level 7).' },
    { id: 'gain', unit: 'level', min: 0, max: 1, default: 0.5, smoothingMs: 5, doc: 'Output level (peak).' },
  ],
  inputs: [{ id: 'pitch', doc: 'Pitch in octaves, added per sample: f = freq · 2^pitch (carrier and modulator).' }],
  outputs: [{ id: 'out', doc: 'Audio, within ±gain.' }],
  silentInSilentOut: false,
});

const P = decl.param;
const IN = decl.input;
const OUT = decl.output;

const C1 = LIB_C1;
const C2 = LIB_C2;
const C3 = LIB_C3;
const C4 = LIB_C4;
const C5 = LIB_C5;
const C6 = LIB_C6;
const C7 = LIB_C7;
const RANGE = EXP2_RANGE;
const S3 = LIB_S3;
const S5 = LIB_S5;
const S7 = LIB_S7;
const S9 = LIB_S9;
const S11 = LIB_S11;
const S13 = LIB_S13;
const S15 = LIB_S15;
const TWO_PI = 2 * Math.PI;
const INV_TWO_PI = 1 / TWO_PI;

// State layout.
const S_CARRIER = 0; // carrier phase in [0, 1)
const S_MOD = 1; // modulator phase in [0, 1)
const S_M1 = 2; // modulator output m(n−1)
const S_M2 = 3; // m(n−2)
const S_OCT = 4; // octave offset the cached factor belongs to (NaN: none yet)
const S_FACTOR = 5; // 2^octaves
const STATE_SIZE = 6;

export class FmKernel extends Kernel {
  readonly state = new Float64Array(STATE_SIZE);

  constructor(ctx: KernelContext, io: KernelIo) {
    super(ctx, io);
    this.init();
  }

  protected override init(): void {
    this.state[S_OCT] = NaN;
  }

  process(start: number, end: number): void {
    const st = this.state;
    const params = this.io.params;
    const freqP = params[P.freq];
    const freqC = freqP.isConstant;
    const freqV = freqP.value;
    const freqB = freqP.buffer;
    const trP = params[P.transpose];
    const trC = trP.isConstant;
    const trV = trP.value;
    const trB = trP.buffer;
    const fineP = params[P.fine];
    const fineC = fineP.isConstant;
    const fineV = fineP.value;
    const fineB = fineP.buffer;
    const ratioP = params[P.ratio];
    const ratioC = ratioP.isConstant;
    const ratioV = ratioP.value;
    const ratioB = ratioP.buffer;
    const indexP = params[P.index];
    const indexC = indexP.isConstant;
    const indexV = indexP.value;
    const indexB = indexP.buffer;
    const fbP = params[P.feedback];
    const fbC = fbP.isConstant;
    const fbV = fbP.value;
    const fbB = fbP.buffer;
    const gainP = params[P.gain];
    const gainC = gainP.isConstant;
    const gainV = gainP.value;
    const gainB = gainP.buffer;
    const pitch = this.io.inputs[IN.pitch];
    const pitchC = pitch.connected;
    const pitchB = pitch.buffer;
    const out = this.io.outputs[OUT.out];
    const inv = 1 / this.ctx.sampleRate;
    let pc = st[S_CARRIER];
    let pm = st[S_MOD];
    let m1 = st[S_M1];
    let m2 = st[S_M2];
    let sq = 0; // Kernel.outputCheck: sum of squares written
    for (let i = start; i < end; i++) {
      const oct = (pitchC ? pitchB[i] : 0) + (trC ? trV : trB[i]) / 12 + (fineC ? fineV : fineB[i]) / 1200;
      let factor = st[S_FACTOR];
      if (oct !== st[S_OCT]) {
        // 2^x as lib/fast-math.ts exp2Approx (relative error < 1e-8).
        let x = oct;
        if (!(x > -RANGE)) x = -RANGE;
        else if (x > RANGE) x = RANGE;
        const n = Math.round(x);
        const fr = x - n;
        factor = (1 + fr * (C1 + fr * (C2 + fr * (C3 + fr * (C4 + fr * (C5 + fr * (C6 + fr * C7))))))) * EXP2_INT[n + RANGE];
        st[S_OCT] = oct;
        st[S_FACTOR] = factor;
      }
      let dtc = (freqC ? freqV : freqB[i]) * factor * inv;
      dtc = dtc < 0.5 ? dtc : 0.5;
      let dtm = dtc * (ratioC ? ratioV : ratioB[i]);
      dtm = dtm < 0.5 ? dtm : 0.5;
      // Modulator: phase in turns plus the averaged feedback (β/2π turns per unit of output).
      const beta = 0.25 * (fbC ? fbV : fbB[i]); // β/2π turns per unit (β = π·feedback), halved by the average
      let r = pm + beta * (m1 + m2);
      r -= Math.round(r);
      if (r > 0.25) r = 0.5 - r;
      else if (r < -0.25) r = -0.5 - r;
      let t = TWO_PI * r;
      let y = t * t;
      const m = t * (1 + y * (S3 + y * (S5 + y * (S7 + y * (S9 + y * (S11 + y * (S13 + y * S15)))))));
      // Carrier: phase plus index·m radians.
      r = pc + (indexC ? indexV : indexB[i]) * INV_TWO_PI * m;
      r -= Math.round(r);
      if (r > 0.25) r = 0.5 - r;
      else if (r < -0.25) r = -0.5 - r;
      t = TWO_PI * r;
      y = t * t;
      const c = t * (1 + y * (S3 + y * (S5 + y * (S7 + y * (S9 + y * (S11 + y * (S13 + y * S15)))))));
      const o = (gainC ? gainV : gainB[i]) * c;
      out[i] = o;
      sq += o * o;
      m2 = m1;
      m1 = m;
      pc += dtc;
      if (pc >= 1) pc -= 1;
      pm += dtm;
      if (pm >= 1) pm -= 1;
    }
    st[S_CARRIER] = pc;
    st[S_MOD] = pm;
    st[S_M1] = m1;
    st[S_M2] = m2;
    this.outputCheck[0] = sq;
  }
}

export const fmModule = decl.withKernel(FmKernel);
