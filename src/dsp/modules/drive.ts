// drive: waveshaping saturation, first-order antiderivative anti-aliasing (ADAA) at twice the
// sample rate, mono.
//
// Signal path (g = 10^(drive/20), b = bias, c the level compensation below):
//   1. u = g·in at the engine rate (|u| clamped to 1e4, NaN read as 0), upsampled ×2 by a
//      halfband FIR (below) into e[m].
//   2. At the doubled rate, ADAA of the curve shifted by the bias:
//        w[m] = (F(e[m] + b) − F(e[m−1] + b)) / (e[m] − e[m−1]) − f(b)   when |e[m] − e[m−1]| ≥ EPS
//        w[m] = f((e[m] + e[m−1])/2 + b) − f(b)                          otherwise (ill-conditioned)
//      F is the antiderivative of the curve f. ADAA replaces f(e[m]) by the mean of f over the
//      segment from e[m−1] to e[m] (the continuous-time convolution of f(e(t)) with a one-sample
//      box), which suppresses aliasing at the cost of a half-sample delay and a sinc-shaped
//      high-frequency roll-off (J. D. Parker, V. Zavalishin, E. Le Bivic, "Reducing the aliasing
//      of nonlinear waveshaping using continuous-time convolution", DAFx-16, 2016; S. Bilbao,
//      F. Esqueda, J. D. Parker, V. Välimäki, "Antiderivative antialiasing for memoryless
//      nonlinearities", IEEE Signal Processing Letters 24(7), 2017). Below EPS = 1e-5 the
//      quotient loses its precision to cancellation, so f is taken at the segment's midpoint
//      (error ≤ EPS²·|f''|/24 on smooth curves, ≤ EPS/8 at a kink). The bias enters the curve,
//      not u: F(e[m−1] + b) is re-evaluated when b moves, and a silent input gives exactly
//      f(b) − f(b) = 0 even while b is modulated.
//   3. Downsampled ×2 by the same halfband FIR, times c, through the `tone` low-pass; then
//      out = (1 − mix)·dry + mix·wet with the dry input delayed by LATENCY (11) samples.
// Why twice the rate: at the engine rate first-order ADAA leaves most of the aliases that fold
// back from just above fs/2, where its box filter barely attenuates; measured on a 2.5 kHz
// full-scale sine at 24 dB drive and 48 kHz it cuts the alias power by only 8.2 dB (tanh) to
// 11.2 dB (fold). With 2× oversampling (as recommended for ADAA in practice, e.g. J. Chowdhury,
// "Practical considerations for antiderivative anti-aliasing", 2020) the cut is 21.7 (asym) to
// 26.8 dB (fold), of which ADAA contributes 6.8 (tanh) to 9.2 dB (hard) over the same
// oversampling with the naive curve (test/dsp/drive.test.ts measures both).
// Halfband FIR: 23 taps, Kaiser-windowed sinc (β = 5) with cutoff fs (a quarter of the doubled
// rate); centre tap ½, taps at even offsets from the centre 0, the odd-offset taps rescaled to
// sum to ½ (unity gain at DC, exact pass of every other upsampled sample). Up and down together:
// within 0.03 dB to 15 kHz, −0.3 dB at 18 kHz, −1.7 dB at 20 kHz (at fs = 48 kHz); each rejects
// ≥ 20 dB from 28 kHz and ≥ 60 dB from 36 kHz of the doubled rate. Linear phase: the wet path
// is delayed by exactly WET_DELAY = 10.75 samples (5.5 + 5.5 for the filters, ¼ for ADAA at the
// doubled rate, less ½ for the decimation phase), the dry path by 11: a quarter sample apart.
//
// Curves f and antiderivatives F (F(0) = 0 except fold, where only differences matter):
//   tanh  f = tanh x,                          F = ln cosh x = |x| − ln 2 + log1p(e^(−2|x|))
//   hard  f = clamp(x, −1, 1),                 F = x²/2 (|x| ≤ 1), |x| − ½ (beyond)
//   asym  f = tanh x (x ≥ 0), ½·tanh 2x (x < 0): soft ceiling +1, floor −½, slope 1 at 0
//         (even harmonics even at bias 0),     F = ln cosh x (x ≥ 0), ¼·ln cosh 2x (x < 0)
//   fold  triangle wavefolder: x reflected at ±1 (period 4), with r = x − 4⌊(x + 1)/4⌋ ∈ [−1, 3):
//         f = r (r ≤ 1), 2 − r (r > 1);         F = r²/2 (r ≤ 1), 2r − r²/2 − 1 (r > 1)
// tanh, hard and fold are odd (and the filters linear), so with bias 0 they make no even
// harmonics.
// Beyond |x| = 19, e^(−2|x|) < 3.2e-17 and ln cosh x = |x| − ln 2 to double precision: the
// two Math calls (most of the module's cost) are skipped, as they are for most samples at high
// drive.
//
// Output level compensation (peak normalisation): c = 1 / max over |x| ≤ g of f(x), i.e.
//   c = 1/tanh(g) for tanh and asym (its positive side), c = 1 for hard and fold (drive ≥ 0 dB
//   already reaches ±1). A full-scale (±1) input therefore peaks at ±1 whatever the drive
//   (bias aside), up to the ripple of band-limited corners: a 100 Hz sine peaks at +0.03 dB at
//   24 dB drive, +0.2 dB at 36 dB and +0.8 dB at 48 dB (hard; tanh +0.7 dB), fold within −0.3 dB.
//   More drive changes the shape, not the peak; loudness rises by at most ~3 dB (sine to
//   square). Small signals get gain c·g (so +2.4 dB at drive 0 dB in tanh).
// Tone: a one-pole low-pass on the wet signal (6 dB/oct; trapezoidal/TPT form, V. Zavalishin,
// "The Art of VA Filter Design", ch. 3): G = g/(1 + g), g = tan(π·fc/fs), fc ≤ 0.49·fs;
// v = (x − s)·G, y = v + s, s ← y + v. At its maximum (20 kHz) the filter is off: the wet
// signal passes unfiltered and the state tracks it (s = x), so turning it back on is smooth.
// Coefficients (g, c, f(b), tone) are recomputed only on samples where their param changed; g
// and c by the exp2 approximation of lib/fast-math.ts (relative error < 1e-8), cheap enough
// for a drive modulated per sample. In the ill-conditioned case f at the midpoint is
// remembered from the previous sample when the midpoint repeats (a held input, silence).

import { Kernel } from '../kernel.js';
import type { KernelContext, KernelIo } from '../kernel.js';
import { defineModule } from '../define.js';
import { enumIndexAt, enumRunEnd } from '../lib/enum-param.js';
import {
  EXP2_C1 as LIB_C1, EXP2_C2 as LIB_C2, EXP2_C3 as LIB_C3, EXP2_C4 as LIB_C4, EXP2_C5 as LIB_C5, EXP2_C6 as LIB_C6,
  EXP2_C7 as LIB_C7, EXP2_INT as LIB_EXP2_INT, EXP2_RANGE as LIB_EXP2_RANGE,
} from '../lib/fast-math.js';

export const DRIVE_MODES = ['tanh', 'hard', 'asym', 'fold'] as const;

/** Latency of the module (the dry path's delay; the wet path's is WET_DELAY), in samples. */
const LATENCY = 11;

const decl = defineModule({
  type: 'drive',
  doc:
    'Saturation: tanh, hard clip, asymmetric (even harmonics) or triangle wavefold, anti-aliased by first-order antiderivative ' +
    'anti-aliasing (ADAA) at twice the sample rate. Latency 11 samples. Output is peak-normalised (a ±1 input peaks near ±1 at any ' +
    'drive); `tone` is a 6 dB/oct low-pass on the saturated signal (off at 20 kHz). Mono.',
  params: [
    { id: 'mode', unit: 'enum', min: 0, max: 3, default: 0, smoothingMs: 0, labels: DRIVE_MODES, modulatable: false, doc: 'Curve: tanh, hard (clip at ±1), asym (tanh above 0, floor −½ below), fold (triangle wavefolder).' },
    { id: 'drive', unit: 'dB', min: 0, max: 48, default: 12, smoothingMs: 20, doc: 'Gain into the curve.' },
    { id: 'bias', unit: 'ratio', min: -1, max: 1, default: 0, smoothingMs: 20, doc: 'Offset added before the curve (its DC is removed after): asymmetry, even harmonics.' },
    { id: 'tone', unit: 'Hz', min: 200, max: 20000, default: 20000, smoothingMs: 20, scale: 'exp', doc: 'Cutoff of a one-pole low-pass on the saturated signal; 20000 = off.' },
    { id: 'mix', unit: 'ratio', min: 0, max: 1, default: 1, smoothingMs: 20, doc: 'Dry/wet: 0 = dry only (delayed by the latency), 1 = saturated only.' },
  ],
  inputs: [{ id: 'in', doc: 'Audio to saturate.' }],
  outputs: [{ id: 'out', doc: 'Saturated audio, 11 samples late.' }],
  silentInSilentOut: true,
  latency: { samples: LATENCY },
});

const P = decl.param;
const IN = decl.input;
const OUT = decl.output;

const MODE_TANH = 0;
const MODE_HARD = 1;
const MODE_ASYM = 2;

/** Below this |e[m] − e[m−1]| the ADAA quotient is replaced by f at the midpoint. */
const EPS = 1e-5;
/** |u| is clamped here (and NaN input read as 0), so no state can become non-finite. */
const U_MAX = 1e4;
const TONE_OFF_HZ = 20000;
const MAX_TONE_RATIO = 0.49;
const LN2 = Math.LN2;
/** Beyond this |a|, e^(−2a) < 3.2e-17: ln cosh a = a − ln 2 to double precision. */
const LN_COSH_LINEAR = 19;
const LOG2_10_OVER_20 = Math.log2(10) / 20;
const MINUS_2_LOG2E = -2 * Math.LOG2E;
// lib/fast-math.ts exp2 constants as module-local bindings (V8 folds those in hot code).
const EXP2_RANGE = 64;
const EXP2_C1 = LIB_C1;
const EXP2_C2 = LIB_C2;
const EXP2_C3 = LIB_C3;
const EXP2_C4 = LIB_C4;
const EXP2_C5 = LIB_C5;
const EXP2_C6 = LIB_C6;
const EXP2_C7 = LIB_C7;
const EXP2_INT = LIB_EXP2_INT;
if (EXP2_RANGE !== LIB_EXP2_RANGE) throw new Error('drive: exp2 range out of sync with lib/fast-math.ts');

// Halfband FIR (header): HALFBAND_TAPS taps around a centre tap of ½; the non-zero others sit at
// odd offsets 1, 3, …, 11 from the centre, H_k at offset 2k + 1 (k = 0 … 5).
const HALFBAND_TAPS = 23;
const KAISER_BETA = 5;
const H_COUNT = 6;
function besselI0(x: number): number {
  let sum = 1;
  let term = 1;
  for (let k = 1; k < 40; k++) {
    term *= (x / (2 * k)) * (x / (2 * k));
    sum += term;
  }
  return sum;
}
/** H_k, k = 0 … 5: sinc(offset/2)/2 · Kaiser window, rescaled so that 2·Σ H_k = ½. */
const HALFBAND = ((): Float64Array => {
  const half = (HALFBAND_TAPS - 1) / 2;
  const h = new Float64Array(H_COUNT);
  let sum = 0;
  for (let k = 0; k < H_COUNT; k++) {
    const n = 2 * k + 1;
    const window = besselI0(KAISER_BETA * Math.sqrt(1 - (n / half) * (n / half))) / besselI0(KAISER_BETA);
    h[k] = (Math.sin((Math.PI * n) / 2) / (Math.PI * n)) * window;
    sum += 2 * h[k];
  }
  for (let k = 0; k < H_COUNT; k++) h[k] = (h[k] * 0.5) / sum;
  return h;
})();
// As module-local constants for the hot loop (V8 folds those, not typed-array loads).
const H0 = HALFBAND[0];
const H1 = HALFBAND[1];
const H2 = HALFBAND[2];
const H3 = HALFBAND[3];
const H4 = HALFBAND[4];
const H5 = HALFBAND[5];

/** The filter and delays, for tests: taps (full length, centre at index 11) and delays in samples. */
export const DRIVE_OVERSAMPLING = Object.freeze({
  taps: Object.freeze(Array.from({ length: HALFBAND_TAPS }, (_, i) => {
    const offset = Math.abs(i - (HALFBAND_TAPS - 1) / 2);
    return offset === 0 ? 0.5 : offset % 2 === 1 ? HALFBAND[(offset - 1) / 2] : 0;
  })),
  wetDelay: 10.75,
  latency: LATENCY,
});

// State layout.
const HIST = 11; // samples of history the filters and the dry delay need
const S_E1 = 0; // e[m−1]
const S_F1 = 1; // F(e[m−1] + b) for the current mode and b
const S_MODE = 2; // mode the cached values belong to (−1: none yet)
const S_BIAS = 3; // bias the cached values belong to (NaN: none)
const S_FB = 4; // f(b)
const S_DRIVE = 5; // drive (dB) the gain belongs to (NaN: none)
const S_GAIN = 6; // g
const S_COMP = 7; // c
const S_TONE = 8; // tone (Hz) the coefficient belongs to (NaN: none)
const S_TONE_G = 9; // G = g/(1 + g) of the low-pass (0 when off)
const S_LP = 10; // low-pass state s
const S_ARG = 11; // argument and result of curveAt / antiderivativeAt (scratch)
const S_RES = 12;
// Histories, oldest first: the last HIST values of u[n], w[2n + 1], w[2n] and in[n].
const S_U = 13;
const S_W_ODD = S_U + HIST;
const S_W_EVEN = S_W_ODD + HIST;
const S_DRY = S_W_EVEN + HIST;
const STATE_SIZE = S_DRY + HIST;

export class DriveKernel extends Kernel {
  readonly state = new Float64Array(STATE_SIZE);
  private readonly piOverFs = Math.PI / this.ctx.sampleRate;
  private readonly maxTone = MAX_TONE_RATIO * this.ctx.sampleRate;
  // Scratch for one run: HIST samples of history (from state) then the run's samples, so the
  // filters read straight back in time without wrapping.
  private readonly uLine: Float64Array;
  private readonly wOddLine: Float64Array;
  private readonly wEvenLine: Float64Array;
  private readonly dryLine: Float64Array;

  constructor(ctx: KernelContext, io: KernelIo) {
    super(ctx, io);
    this.uLine = new Float64Array(HIST + ctx.maxBlock);
    this.wOddLine = new Float64Array(HIST + ctx.maxBlock);
    this.wEvenLine = new Float64Array(HIST + ctx.maxBlock);
    this.dryLine = new Float64Array(HIST + ctx.maxBlock);
    this.init();
  }

  protected override init(): void {
    const st = this.state;
    st[S_MODE] = -1;
    st[S_BIAS] = Number.NaN;
    st[S_DRIVE] = Number.NaN;
    st[S_TONE] = Number.NaN;
  }

  process(start: number, end: number): void {
    const modeP = this.io.params[P.mode];
    this.outputCheck[0] = 0;
    let i = start;
    while (i < end) {
      const runEnd = enumRunEnd(modeP, i, end);
      const mode = enumIndexAt(modeP, i, 4);
      if (mode !== this.state[S_MODE]) {
        // New curve: every cached value of the old one is stale.
        this.state[S_MODE] = mode;
        this.state[S_BIAS] = Number.NaN;
        this.state[S_DRIVE] = Number.NaN;
      }
      this.render(i, runEnd, mode);
      i = runEnd;
    }
  }

  /** Renders [from, to) with one curve. Doubles stay in locals and `state` (no boxing). */
  private render(from: number, to: number, mode: number): void {
    const st = this.state;
    const out = this.io.outputs[OUT.out];
    const input = this.io.inputs[IN.in].buffer;
    const params = this.io.params;
    const driveP = params[P.drive];
    const biasP = params[P.bias];
    const toneP = params[P.tone];
    const mixP = params[P.mix];
    const driveConst = driveP.isConstant;
    const driveValue = driveP.value;
    const driveBuffer = driveP.buffer;
    const biasConst = biasP.isConstant;
    const biasValue = biasP.value;
    const biasBuffer = biasP.buffer;
    const toneConst = toneP.isConstant;
    const toneValue = toneP.value;
    const toneBuffer = toneP.buffer;
    const mixConst = mixP.isConstant;
    const mixValue = mixP.value;
    const mixBuffer = mixP.buffer;
    const peaksAtTanh = mode === MODE_TANH || mode === MODE_ASYM;
    let e1 = st[S_E1];
    let f1 = st[S_F1];
    let lastBias = st[S_BIAS];
    let fb = st[S_FB];
    let lastDrive = st[S_DRIVE];
    let gain = st[S_GAIN];
    let comp = st[S_COMP];
    let lastTone = st[S_TONE];
    let toneG = st[S_TONE_G];
    let s = st[S_LP];
    const uLine = this.uLine;
    const wOdd = this.wOddLine;
    const wEven = this.wEvenLine;
    const dryLine = this.dryLine;
    for (let j = 0; j < HIST; j++) {
      uLine[j] = st[S_U + j];
      wOdd[j] = st[S_W_ODD + j];
      wEven[j] = st[S_W_EVEN + j];
      dryLine[j] = st[S_DRY + j];
    }
    let midArg = Number.NaN; // last ill-conditioned midpoint and f there (a memo, not state)
    let midValue = 0;
    let sq = 0; // Kernel.outputCheck
    for (let i = from, k = HIST; i < to; i++, k++) {
      const d = driveConst ? driveValue : driveBuffer[i];
      if (d !== lastDrive) {
        // g = 10^(d/20) and, for tanh/asym, c = 1/tanh(g) = (1 + q)/(1 − q) with q = e^(−2g),
        // both by exp2Approx (lib/fast-math.ts, relative error < 1e-8) written out: a few ns
        // where Math.pow and Math.tanh cost tens (drive may be modulated per sample).
        lastDrive = d;
        let x = d * LOG2_10_OVER_20;
        if (!(x > 0)) x = 0; // also NaN
        else if (x > 8) x = 8; // drive's range ends at 48 dB: x ≤ 7.98
        let n = Math.round(x);
        let r = x - n;
        gain = (1 + r * (EXP2_C1 + r * (EXP2_C2 + r * (EXP2_C3 + r * (EXP2_C4 + r * (EXP2_C5 + r * (EXP2_C6 + r * EXP2_C7))))))) * EXP2_INT[n + EXP2_RANGE];
        if (peaksAtTanh) {
          x = gain * MINUS_2_LOG2E;
          if (x < -EXP2_RANGE) x = -EXP2_RANGE; // q below 2^-64: c = 1 to double precision
          n = Math.round(x);
          r = x - n;
          const q = (1 + r * (EXP2_C1 + r * (EXP2_C2 + r * (EXP2_C3 + r * (EXP2_C4 + r * (EXP2_C5 + r * (EXP2_C6 + r * EXP2_C7))))))) * EXP2_INT[n + EXP2_RANGE];
          comp = (1 + q) / (1 - q);
        } else comp = 1;
      }
      const b = biasConst ? biasValue : biasBuffer[i];
      if (b !== lastBias) {
        lastBias = b;
        st[S_ARG] = b;
        this.curveAt(mode);
        fb = st[S_RES];
        st[S_ARG] = e1 + b;
        this.antiderivativeAt(mode);
        f1 = st[S_RES];
      }
      const tone = toneConst ? toneValue : toneBuffer[i];
      if (tone !== lastTone) {
        lastTone = tone;
        if (tone >= TONE_OFF_HZ) toneG = 0;
        else {
          const t = Math.tan((tone < this.maxTone ? tone : this.maxTone) * this.piOverFs);
          toneG = t / (1 + t);
        }
      }
      const dry = input[i];
      let u = gain * dry;
      if (!(u > -U_MAX)) u = u !== u ? 0 : -U_MAX;
      else if (u > U_MAX) u = U_MAX;
      uLine[k] = u;
      dryLine[k] = dry;
      // Upsampling: e[2n] interpolated, e[2n + 1] = u[n − 5].
      const even =
        2 * (H5 * (u + uLine[k - 11]) +
          H4 * (uLine[k - 1] + uLine[k - 10]) +
          H3 * (uLine[k - 2] + uLine[k - 9]) +
          H2 * (uLine[k - 3] + uLine[k - 8]) +
          H1 * (uLine[k - 4] + uLine[k - 7]) +
          H0 * (uLine[k - 5] + uLine[k - 6]));
      const odd = uLine[k - 5];
      for (let phase = 0; phase < 2; phase++) {
        const e = phase === 0 ? even : odd;
        // F(e + b), written out per curve (same expressions as antiderivativeAt).
        const x = e + b;
        let f: number;
        if (mode === MODE_TANH || mode === MODE_ASYM) {
          // ln cosh a (a = |x|); asym: ¼·ln cosh 2x below 0.
          let a = x < 0 ? -x : x;
          let scale = 1;
          if (mode === MODE_ASYM && x < 0) {
            a = -2 * x;
            scale = 0.25;
          }
          if (a < LN_COSH_LINEAR) {
            f = scale * (a - LN2 + Math.log1p(Math.exp(-2 * a)));
          } else f = scale * (a - LN2);
        } else if (mode === MODE_HARD) {
          const a = x < 0 ? -x : x;
          f = a <= 1 ? 0.5 * x * x : a - 0.5;
        } else {
          const r = x - 4 * Math.floor((x + 1) * 0.25);
          f = r <= 1 ? 0.5 * r * r : 2 * r - 0.5 * r * r - 1;
        }
        const de = e - e1;
        let y: number;
        if (de >= EPS || de <= -EPS) y = (f - f1) / de;
        else {
          // f at the midpoint; remembered, since a held input (silence) repeats it.
          const mid = 0.5 * (e + e1) + b;
          if (mid !== midArg) {
            midArg = mid;
            st[S_ARG] = mid;
            this.curveAt(mode);
            midValue = st[S_RES];
          }
          y = midValue;
        }
        e1 = e;
        f1 = f;
        if (phase === 0) wEven[k] = y - fb;
        else wOdd[k] = y - fb;
      }
      // Downsampling: the halfband filter at w[2n + 1].
      const down =
        0.5 * wEven[k - 5] +
        H5 * (wOdd[k] + wOdd[k - 11]) +
        H4 * (wOdd[k - 1] + wOdd[k - 10]) +
        H3 * (wOdd[k - 2] + wOdd[k - 9]) +
        H2 * (wOdd[k - 3] + wOdd[k - 8]) +
        H1 * (wOdd[k - 4] + wOdd[k - 7]) +
        H0 * (wOdd[k - 5] + wOdd[k - 6]);
      let wet = comp * down;
      if (toneG === 0) s = wet;
      else {
        const v = (wet - s) * toneG;
        wet = v + s;
        s = wet + v;
        if (s < 1e-30 && s > -1e-30) s = 0; // denormal flush (per sample: cut-independent)
      }
      const m = mixConst ? mixValue : mixBuffer[i];
      const o = (1 - m) * dryLine[k - LATENCY] + m * wet;
      out[i] = o;
      sq += o * o;
    }
    st[S_E1] = e1;
    st[S_F1] = f1;
    st[S_BIAS] = lastBias;
    st[S_FB] = fb;
    st[S_DRIVE] = lastDrive;
    st[S_GAIN] = gain;
    st[S_COMP] = comp;
    st[S_TONE] = lastTone;
    st[S_TONE_G] = toneG;
    st[S_LP] = s;
    const n = to - from;
    for (let j = 0; j < HIST; j++) {
      st[S_U + j] = uLine[n + j];
      st[S_W_ODD + j] = wOdd[n + j];
      st[S_W_EVEN + j] = wEven[n + j];
      st[S_DRY + j] = dryLine[n + j];
    }
    this.outputCheck[0] += sq;
  }

  /** state[S_RES] = f(state[S_ARG]) for `mode` (doubles pass through state: no boxing). */
  private curveAt(mode: number): void {
    const st = this.state;
    const x = st[S_ARG];
    let y: number;
    if (mode === MODE_TANH) y = Math.tanh(x);
    else if (mode === MODE_HARD) y = x > 1 ? 1 : x < -1 ? -1 : x;
    else if (mode === MODE_ASYM) y = x >= 0 ? Math.tanh(x) : 0.5 * Math.tanh(2 * x);
    else {
      const r = x - 4 * Math.floor((x + 1) * 0.25);
      y = r <= 1 ? r : 2 - r;
    }
    st[S_RES] = y;
  }

  /** state[S_RES] = F(state[S_ARG]) for `mode`: the antiderivatives in the header. */
  private antiderivativeAt(mode: number): void {
    const st = this.state;
    const x = st[S_ARG];
    let f: number;
    if (mode === MODE_TANH || mode === MODE_ASYM) {
      let a = x < 0 ? -x : x;
      let scale = 1;
      if (mode === MODE_ASYM && x < 0) {
        a = -2 * x;
        scale = 0.25;
      }
      if (a < LN_COSH_LINEAR) {
        f = scale * (a - LN2 + Math.log1p(Math.exp(-2 * a)));
      } else f = scale * (a - LN2);
    } else if (mode === MODE_HARD) {
      const a = x < 0 ? -x : x;
      f = a <= 1 ? 0.5 * x * x : a - 0.5;
    } else {
      const r = x - 4 * Math.floor((x + 1) * 0.25);
      f = r <= 1 ? 0.5 * r * r : 2 * r - 0.5 * r * r - 1;
    }
    st[S_RES] = f;
  }
}

export const driveModule = decl.withKernel(DriveKernel);
