// pluck: Karplus–Strong plucked string with the extensions of D. A. Jaffe and J. O. Smith,
// "Extensions of the Karplus-Strong Plucked-String Algorithm", Computer Music Journal 7(2), 1983
// (tuning all-pass, decay control, pick position), after K. Karplus and A. Strong, "Digital
// Synthesis of Plucked-String and Drum Timbres", CMJ 7(2), 1983; loop design and the exact
// first-order all-pass phase delay as in J. O. Smith, "Physical Audio Signal Processing"
// (online book, 2010), chapters "Karplus-Strong" and "Delay-Line Interpolation".
//
// Loop, per sample n (y is the string signal, also the output before `gain`):
//   y(n) = e(n) + ρ · A(z) · Hd(z) · y(n − N)
//   Hd(z) = a + (1 − 2a)·z⁻¹ + a·z⁻², a = damp/4   loop low-pass: linear phase (1 sample of delay
//                                                   at every frequency), |Hd| = 1 − 2a(1 − cos ω)
//   A(z) = (η + z⁻¹) / (1 + η·z⁻¹)                  tuning all-pass, phase delay D at ω0
// The loop delay at ω0 = 2π·f/fs is N + 1 + D = P = fs/f with N = ⌊P − 1.5⌋, D ∈ [0.5, 1.5), and
// η = sin((1 − D)·ω0/2) / sin((1 + D)·ω0/2), the first-order all-pass with phase delay exactly D
// at ω0 (the usual η = (1 − D)/(1 + D) is exact only as ω → 0: 0.5 cent flat at 1760 Hz), so the
// fundamental is in tune at every pitch. f = freq·2^(pitch + transpose/12 + fine/1200), limited
// to [20 Hz, fs/4].
// Decay: `decay` is the fundamental's T60. Per round trip (1/f s) it loses ρ·|Hd(ω0)|, so
//   ρ = 10^(−3/(decay·f)) / |Hd(ω0)|,
// capped at 10^(−3/(60 s·f)) (the loop is then passive; DC, which Hd does not damp, dies within a
// minute). When damp's own loss at f0 is more than `decay` allows (bright damping on high notes),
// the cap holds and the note is shorter than `decay`. Upper partials die faster with damp > 0.
// Excitation (a pluck): one period L = round(P) of seeded white noise w (lib/random.ts, the same
// burst for every pluck: two plucks with the same params on a string at rest are identical),
// through the pick-position comb of Jaffe & Smith, e(k) = amp·(w(k) − w(k − M)), M =
// max(1, round(position·P)) (a node at the pick point: harmonics that are multiples of
// 1/position are missing), amp = velocity/2 (peaks within ±1). Params are latched at the
// pluck's first sample. A pluck on a ringing string adds to it (no damping of the old note).
// Triggers: `/gate` on plucks at the next rendered sample with its velocity, exactly as a rising
// edge of the `trig` input on that sample does (value = velocity, at most 1); gate off is
// ignored (the string rings out).
// Idle: the string falls silent when |y| has stayed below IDLE_LEVEL (1e-6, −120 dB) for
// N + 3 consecutive samples after the excitation ended (every sample the loop will read is then
// below it): the line and filter states are zeroed and the output is exact zeros with no work
// until the next pluck. Decided per sample from the state alone, so it does not depend on how
// the timeline is cut; it also keeps the decaying loop far from subnormal numbers.
//
// Render thread. The constructor allocates the line (a power of two ≥ fs/20 + 8 samples);
// process, gate and reset allocate nothing. No double crosses a call: tuning inputs and outputs
// travel through `state` (updateTuning), as in osc.ts.

import { Kernel } from '../kernel.js';
import type { KernelContext, KernelIo } from '../kernel.js';
import { defineModule } from '../define.js';
import {
  EXP2_C1 as LIB_C1, EXP2_C2 as LIB_C2, EXP2_C3 as LIB_C3, EXP2_C4 as LIB_C4, EXP2_C5 as LIB_C5,
  EXP2_C6 as LIB_C6, EXP2_C7 as LIB_C7, EXP2_INT, EXP2_RANGE,
} from '../lib/fast-math.js';
import { seedState } from '../lib/random.js';
import { scanRisingEdge } from '../lib/trigger.js';

const decl = defineModule({
  type: 'pluck',
  doc:
    'Plucked string (Karplus–Strong with Jaffe–Smith extensions): a seeded noise burst through a pick-position comb excites a tuned delay loop ' +
    'with a damping low-pass; `decay` is the fundamental\'s T60. Plucked by `/gate` (velocity scales the excitation) or a rising edge on `trig`.',
  params: [
    { id: 'freq', unit: 'Hz', min: 20, max: 4000, default: 220, smoothingMs: 5, scale: 'exp', doc: 'String frequency before `pitch`, transpose and fine (limited to 20 Hz … fs/4).' },
    { id: 'transpose', unit: 'semitones', min: -48, max: 48, default: 0, smoothingMs: 0, doc: 'Pitch offset in semitones.' },
    { id: 'fine', unit: 'cents', min: -100, max: 100, default: 0, smoothingMs: 5, doc: 'Pitch offset in cents.' },
    { id: 'decay', unit: 's', min: 0.05, max: 30, default: 2, smoothingMs: 20, scale: 'exp', doc: 'T60 of the fundamental: time to fall by 60 dB.' },
    { id: 'damp', unit: 'ratio', min: 0, max: 1, default: 0.4, smoothingMs: 20, doc: 'Loop low-pass: 0 = all partials decay alike (bright), 1 = upper partials die fastest (dark).' },
    { id: 'position', unit: 'ratio', min: 0.02, max: 0.5, default: 0.15, smoothingMs: 0, doc: 'Pick position along the string (0.5 = middle: no even harmonics). Latched per pluck.' },
    { id: 'gain', unit: 'level', min: 0, max: 1, default: 0.5, smoothingMs: 5, doc: 'Output level (a full-velocity pluck peaks near ±gain).' },
  ],
  inputs: [
    { id: 'pitch', doc: 'Pitch in octaves, added per sample: f = freq · 2^pitch.' },
    { id: 'trig', doc: 'Plucks on a rising edge (a sample > 0 after one ≤ 0) at that sample; the value (at most 1) is the velocity.' },
  ],
  outputs: [{ id: 'out', doc: 'The string.' }],
  gate: true,
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
const MIN_FREQ = 20;
/** T60 cap of the loop gain (see the header). */
const MAX_T60 = 60;
/** −120 dB: below this the string counts as silent (see the header). */
const IDLE_LEVEL = 1e-6;
const GAMMA = 0x9e3779b9; // lib/random.ts Weyl increment
const TWO_POW_M31 = 1 / 2147483648;
const LOG2_10 = Math.log2(10);
/** Taylor coefficients of sin: (−1)^k/(2k+1)!, k = 1 … 6. */
const T3 = -1 / 6;
const T5 = 1 / 120;
const T7 = -1 / 5040;
const T9 = 1 / 362880;
const T11 = -1 / 39916800;
const T13 = 1 / 6227020800;

// State layout.
const S_WRITE = 0; // line index of y(n)
const S_AP_X = 1; // all-pass input x(n−1)
const S_AP_Y = 2; // all-pass output y(n−1)
const S_ACTIVE = 3; // 1 while the string sounds
const S_QUIET = 4; // consecutive samples with |y| < IDLE_LEVEL
const S_PENDING = 5; // 1: gate() asked for a pluck at the next rendered sample
const S_VELOCITY = 6; // velocity of the pluck being started
const S_TRIG_PREV = 7; // last trig sample (edge detection)
const S_LATCH = 8; // 1: latch the excitation at the next rendered sample
const S_EXC_K = 9; // excitation sample index k
const S_EXC_LEN = 10; // L
const S_EXC_M = 11; // M
const S_EXC_AMP = 12; // amp = velocity/2, set by pluck()
const S_NOISE_SEED = 13; // generator state of the burst (uint32)
const S_OCT = 14; // octave offset the cached factor belongs to (NaN: none yet)
const S_FACTOR = 15;
const S_KEY_F = 16; // f, decay, damp the tuning belongs to (NaN: none yet)
const S_KEY_DECAY = 17;
const S_KEY_DAMP = 18;
const S_PERIOD = 19; // P = fs/f
const S_N = 20; // line delay N (integer)
const S_ETA = 21; // all-pass coefficient η
const S_RHO = 22; // loop gain ρ
const S_FIR_A = 23; // a
const STATE_SIZE = 24;

export class PluckKernel extends Kernel {
  readonly state = new Float64Array(STATE_SIZE);
  private readonly line: Float64Array;
  private readonly mask: number;
  private readonly extra: readonly Float64Array[];
  private readonly noiseSeed: number;

  constructor(ctx: KernelContext, io: KernelIo) {
    super(ctx, io);
    let size = 16;
    while (size < ctx.sampleRate / MIN_FREQ + 8) size *= 2;
    this.line = new Float64Array(size);
    this.mask = size - 1;
    this.extra = [this.line];
    this.noiseSeed = seedState(ctx.seed);
    this.init();
  }

  protected override init(): void {
    const st = this.state;
    st[S_NOISE_SEED] = this.noiseSeed;
    st[S_OCT] = NaN;
    st[S_KEY_F] = NaN;
  }

  protected override extraStateArrays(): readonly Float64Array[] {
    return this.extra;
  }

  override gate(on: boolean, velocity = 1): void {
    if (!on) return;
    this.state[S_VELOCITY] = velocity > 0 ? (velocity < 1 ? velocity : 1) : 1;
    this.state[S_PENDING] = 1;
  }

  process(start: number, end: number): void {
    const st = this.state;
    this.outputCheck[0] = 0;
    if (st[S_PENDING] !== 0) {
      st[S_PENDING] = 0;
      this.pluck();
    }
    const trig = this.io.inputs[IN.trig];
    if (!trig.connected) {
      st[S_TRIG_PREV] = 0; // an unconnected input reads zeros
      this.span(start, end);
      return;
    }
    const input = trig.buffer;
    let i = start;
    let edge = scanRisingEdge(input, st, S_TRIG_PREV, S_VELOCITY, start, end);
    for (;;) {
      if (edge > i) this.span(i, edge);
      if (edge >= end) return;
      this.pluck();
      i = edge;
      edge = scanRisingEdge(input, st, S_TRIG_PREV, S_VELOCITY, edge + 1, end);
    }
  }

  /**
   * A pluck at the next rendered sample, velocity in state[S_VELOCITY]: taken now, since the scan
   * for the next trig edge overwrites it before that sample renders. The rest is latched there.
   */
  private pluck(): void {
    const st = this.state;
    st[S_EXC_AMP] = 0.5 * st[S_VELOCITY];
    st[S_LATCH] = 1;
    st[S_ACTIVE] = 1;
    st[S_QUIET] = 0;
  }

  private span(from: number, to: number): void {
    if (this.state[S_ACTIVE] !== 0) this.render(from, to);
    else this.io.outputs[OUT.out].fill(0, from, to);
  }

  private render(from: number, to: number): void {
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
    const decayP = params[P.decay];
    const decayC = decayP.isConstant;
    const decayV = decayP.value;
    const decayB = decayP.buffer;
    const dampP = params[P.damp];
    const dampC = dampP.isConstant;
    const dampV = dampP.value;
    const dampB = dampP.buffer;
    const posP = params[P.position];
    const gainP = params[P.gain];
    const gainC = gainP.isConstant;
    const gainV = gainP.value;
    const gainB = gainP.buffer;
    const pitch = this.io.inputs[IN.pitch];
    const pitchC = pitch.connected;
    const pitchB = pitch.buffer;
    const out = this.io.outputs[OUT.out];
    const line = this.line;
    const mask = this.mask;
    let w = st[S_WRITE] | 0;
    let apX = st[S_AP_X];
    let apY = st[S_AP_Y];
    let quiet = st[S_QUIET];
    let sq = 0; // Kernel.outputCheck: sum of squares written
    let i = from;
    for (; i < to; i++) {
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
      const f = (freqC ? freqV : freqB[i]) * factor;
      const decay = decayC ? decayV : decayB[i];
      const damp = dampC ? dampV : dampB[i];
      if (f !== st[S_KEY_F] || decay !== st[S_KEY_DECAY] || damp !== st[S_KEY_DAMP]) {
        st[S_KEY_F] = f;
        st[S_KEY_DECAY] = decay;
        st[S_KEY_DAMP] = damp;
        this.updateTuning();
      }
      if (st[S_LATCH] !== 0) {
        st[S_LATCH] = 0;
        const period = st[S_PERIOD];
        const position = posP.isConstant ? posP.value : posP.buffer[i];
        const m = Math.round(position * period);
        st[S_EXC_K] = 0;
        st[S_EXC_LEN] = Math.round(period);
        st[S_EXC_M] = m > 1 ? m : 1;
      }
      // Excitation e(k) = amp·(w(k) − w(k − M)), w(k) the (k+1)-th output of the generator.
      let e = 0;
      const k = st[S_EXC_K];
      const len = st[S_EXC_LEN];
      const m = st[S_EXC_M];
      if (k < len + m) {
        const seed = st[S_NOISE_SEED];
        let w1 = 0;
        if (k < len) {
          let h = (seed + Math.imul(k + 1, GAMMA)) | 0;
          h ^= h >>> 16;
          h = Math.imul(h, 0x85ebca6b);
          h ^= h >>> 13;
          h = Math.imul(h, 0xc2b2ae35);
          h ^= h >>> 16;
          w1 = h * TWO_POW_M31;
        }
        let w2 = 0;
        if (k >= m && k - m < len) {
          let h = (seed + Math.imul(k - m + 1, GAMMA)) | 0;
          h ^= h >>> 16;
          h = Math.imul(h, 0x85ebca6b);
          h ^= h >>> 13;
          h = Math.imul(h, 0xc2b2ae35);
          h ^= h >>> 16;
          w2 = h * TWO_POW_M31;
        }
        e = st[S_EXC_AMP] * (w1 - w2);
        st[S_EXC_K] = k + 1;
      }
      // The loop: line → damping FIR → tuning all-pass → ρ, plus the excitation.
      const r = w - (st[S_N] | 0);
      const d0 = line[r & mask];
      const d1 = line[(r - 1) & mask];
      const d2 = line[(r - 2) & mask];
      const a = st[S_FIR_A];
      const fir = a * (d0 + d2) + (1 - 2 * a) * d1;
      const eta = st[S_ETA];
      const ap = eta * fir + apX - eta * apY;
      apX = fir;
      apY = ap;
      const y = e + st[S_RHO] * ap;
      line[w] = y;
      w = (w + 1) & mask;
      const o = (gainC ? gainV : gainB[i]) * y;
      out[i] = o;
      sq += o * o;
      quiet = y < IDLE_LEVEL && y > -IDLE_LEVEL ? quiet + 1 : 0;
      if (quiet > st[S_N] + 2 && st[S_EXC_K] >= len + m) {
        // Silent: every sample the loop will read is below IDLE_LEVEL. Zero and stop.
        line.fill(0);
        apX = 0;
        apY = 0;
        quiet = 0;
        st[S_ACTIVE] = 0;
        i++;
        break;
      }
    }
    if (i < to) out.fill(0, i, to);
    st[S_WRITE] = w;
    st[S_AP_X] = apX;
    st[S_AP_Y] = apY;
    st[S_QUIET] = quiet;
    this.outputCheck[0] += sq;
  }

  /** N, η, ρ and a from f, decay and damp in state[S_KEY_*] (see the header). */
  private updateTuning(): void {
    const st = this.state;
    const fs = this.ctx.sampleRate;
    let f = st[S_KEY_F];
    const maxF = fs / 4;
    f = f > MIN_FREQ ? (f < maxF ? f : maxF) : MIN_FREQ; // NaN → MIN_FREQ
    const period = fs / f;
    const n = Math.floor(period - 1.5);
    const d = period - 1 - n;
    // sin by its Taylor series to x^13 (|x| < 2 here: error < 3e-8 relative), 2^x as
    // lib/fast-math.ts exp2Approx: Math.sin/pow cost several times more, and a string whose
    // pitch input moves every sample retunes every sample.
    const half = Math.PI / period; // ω0/2
    let x = (1 - d) * half;
    let y = x * x;
    const num = x * (1 + y * (T3 + y * (T5 + y * (T7 + y * (T9 + y * (T11 + y * T13))))));
    x = (1 + d) * half;
    y = x * x;
    const den = x * (1 + y * (T3 + y * (T5 + y * (T7 + y * (T9 + y * (T11 + y * T13))))));
    const eta = num / den;
    y = half * half;
    const sinHalf = half * (1 + y * (T3 + y * (T5 + y * (T7 + y * (T9 + y * (T11 + y * T13))))));
    const dampRaw = st[S_KEY_DAMP];
    const a = 0.25 * (dampRaw > 0 ? (dampRaw < 1 ? dampRaw : 1) : 0);
    const lossAtF0 = 1 - 4 * a * sinHalf * sinHalf; // 1 − 2a(1 − cos ω0)
    const decayRaw = st[S_KEY_DECAY];
    const decay = decayRaw > 0.001 ? decayRaw : 0.001;
    // ρ = 10^(−3/(decay·f)) / |Hd(ω0)|, capped at 10^(−3/(MAX_T60·f)).
    let e = (-3 * LOG2_10) / (decay * f);
    if (!(e > -RANGE)) e = -RANGE;
    let k = Math.round(e);
    let r = e - k;
    let rho = ((1 + r * (C1 + r * (C2 + r * (C3 + r * (C4 + r * (C5 + r * (C6 + r * C7))))))) * EXP2_INT[k + RANGE]) / lossAtF0;
    e = (-3 * LOG2_10) / (MAX_T60 * f);
    k = Math.round(e);
    r = e - k;
    const cap = (1 + r * (C1 + r * (C2 + r * (C3 + r * (C4 + r * (C5 + r * (C6 + r * C7))))))) * EXP2_INT[k + RANGE];
    rho = rho < cap ? rho : cap;
    st[S_PERIOD] = period;
    st[S_N] = n;
    st[S_ETA] = eta;
    st[S_RHO] = rho;
    st[S_FIR_A] = a;
  }
}

export const pluckModule = decl.withKernel(PluckKernel);
