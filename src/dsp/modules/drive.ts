// drive: waveshaping saturation with first-order antiderivative anti-aliasing (ADAA), mono.
//
// Signal path, per sample n (g = 10^(drive/20), b = bias):
//   u[n] = g·in[n]
//   wet  = c·(ADAA_f(u[n], u[n−1]; b) − f(b))           (f(b) removed: silence stays silence)
//   ADAA_f = (F(u[n] + b) − F(u[n−1] + b)) / (u[n] − u[n−1])     when |u[n] − u[n−1]| ≥ EPS
//          = f((u[n] + u[n−1])/2 + b)                               otherwise (ill-conditioned)
//   wet through the `tone` low-pass, then out = (1 − mix)·in + mix·wet.
// F is the antiderivative of the curve f. ADAA replaces f(x[n]) by the mean of f over the
// segment from x[n−1] to x[n] (the continuous-time convolution of f(x(t)) with a one-sample
// box), which suppresses aliasing at the cost of a half-sample delay and a gentle sinc-shaped
// high-frequency roll-off (J. D. Parker, V. Zavalishin, E. Le Bivic, "Reducing the aliasing of
// nonlinear waveshaping using continuous-time convolution", DAFx-16, 2016; S. Bilbao,
// F. Esqueda, J. D. Parker, V. Välimäki, "Antiderivative antialiasing for memoryless
// nonlinearities", IEEE Signal Processing Letters 24(7), 2017). When the segment is shorter
// than EPS = 1e-5 the quotient loses precision to cancellation, so f is evaluated at the
// segment's midpoint instead (error ≤ EPS²·|f''|/24 on smooth curves, ≤ EPS/8 at a kink).
// ADAA runs on u (input × drive); the bias enters the curve, so F(u[n−1] + b) is re-evaluated
// when b moves, and a silent input gives exactly f(b) − f(b) = 0 even while b is modulated.
//
// Curves f and antiderivatives F (F(0) = 0 except fold, where only differences matter):
//   tanh  f = tanh x,                          F = ln cosh x = |x| − ln 2 + log1p(e^(−2|x|))
//   hard  f = clamp(x, −1, 1),                 F = x²/2 (|x| ≤ 1), |x| − ½ (beyond)
//   asym  f = tanh x (x ≥ 0), ½·tanh 2x (x < 0): soft ceiling +1, floor −½, slope 1 at 0
//         (even harmonics even at bias 0),     F = ln cosh x (x ≥ 0), ¼·ln cosh 2x (x < 0)
//   fold  triangle wavefolder: x reflected at ±1 (period 4), with r = x − 4⌊(x + 1)/4⌋ ∈ [−1, 3):
//         f = r (r ≤ 1), 2 − r (r > 1);         F = r²/2 (r ≤ 1), 2r − r²/2 − 1 (r > 1)
// tanh, hard and fold are odd, so with bias 0 they make no even harmonics.
//
// Output level compensation (peak normalisation): c = 1 / max over |x| ≤ g of f(x), i.e.
//   c = 1/tanh(g) for tanh and asym (its positive side), c = 1 for hard and fold (drive ≥ 0 dB
//   already reaches ±1). A full-scale (±1) input therefore peaks at ±1 whatever the drive (bias
//   aside): more drive changes the shape, not the peak; loudness rises by at most ~3 dB (sine
//   to square). Small signals get gain c·g (so +2.4 dB at drive 0 dB in tanh).
// Tone: a one-pole low-pass on the wet signal (6 dB/oct; trapezoidal/TPT form, V. Zavalishin,
// "The Art of VA Filter Design", ch. 3): G = g/(1 + g), g = tan(π·fc/fs), fc ≤ 0.49·fs;
// v = (x − s)·G, y = v + s, s ← y + v. At its maximum (20 kHz) the filter is off: the wet
// signal passes unfiltered and the state tracks it (s = x), so turning it back on is smooth.
// The dry path is not delayed (the wet has ADAA's half-sample delay: a few degrees of phase
// at the top of the audio band when mixing).
// Coefficients (g, c, f(b), tone) are recomputed only on samples where their param changed.

import { Kernel } from '../kernel.js';
import type { KernelContext, KernelIo } from '../kernel.js';
import { defineModule } from '../define.js';
import { enumIndexAt, enumRunEnd } from '../lib/enum-param.js';

export const DRIVE_MODES = ['tanh', 'hard', 'asym', 'fold'] as const;

const decl = defineModule({
  type: 'drive',
  doc:
    'Saturation: tanh, hard clip, asymmetric (even harmonics) or triangle wavefold, with first-order antiderivative ' +
    'anti-aliasing (half-sample delay). Output is peak-normalised (a ±1 input peaks at ±1 at any drive); `tone` is a ' +
    '6 dB/oct low-pass on the saturated signal (off at 20 kHz). Mono.',
  params: [
    { id: 'mode', unit: 'enum', min: 0, max: 3, default: 0, smoothingMs: 0, labels: DRIVE_MODES, modulatable: false, doc: 'Curve: tanh, hard (clip at ±1), asym (tanh above 0, floor −½ below), fold (triangle wavefolder).' },
    { id: 'drive', unit: 'dB', min: 0, max: 48, default: 12, smoothingMs: 20, aliases: ['gain'], doc: 'Gain into the curve.' },
    { id: 'bias', unit: 'ratio', min: -1, max: 1, default: 0, smoothingMs: 20, doc: 'Offset added before the curve (its DC is removed after): asymmetry, even harmonics.' },
    { id: 'tone', unit: 'Hz', min: 200, max: 20000, default: 20000, smoothingMs: 20, scale: 'exp', doc: 'Cutoff of a one-pole low-pass on the saturated signal; 20000 = off.' },
    { id: 'mix', unit: 'ratio', min: 0, max: 1, default: 1, smoothingMs: 20, doc: 'Dry/wet: 0 = dry only, 1 = saturated only.' },
  ],
  inputs: [{ id: 'in', doc: 'Audio to saturate.' }],
  outputs: [{ id: 'out', doc: 'Saturated audio.' }],
  silentInSilentOut: true,
});

const P = decl.param;
const IN = decl.input;
const OUT = decl.output;

const MODE_TANH = 0;
const MODE_HARD = 1;
const MODE_ASYM = 2;

/** Below this |u[n] − u[n−1]| the ADAA quotient is replaced by f at the midpoint. */
const EPS = 1e-5;
/** |u| is clamped here (and NaN input read as 0), so no state can become non-finite. */
const U_MAX = 1e4;
const TONE_OFF_HZ = 20000;
const MAX_TONE_RATIO = 0.49;
const LN2 = Math.LN2;

// State layout.
const S_U1 = 0; // u[n−1]
const S_F1 = 1; // F(u[n−1] + b) for the current mode and b
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
const STATE_SIZE = 13;

export class DriveKernel extends Kernel {
  readonly state = new Float64Array(STATE_SIZE);
  private readonly piOverFs = Math.PI / this.ctx.sampleRate;
  private readonly maxTone = MAX_TONE_RATIO * this.ctx.sampleRate;

  constructor(ctx: KernelContext, io: KernelIo) {
    super(ctx, io);
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
    let u1 = st[S_U1];
    let f1 = st[S_F1];
    let lastBias = st[S_BIAS];
    let fb = st[S_FB];
    let lastDrive = st[S_DRIVE];
    let gain = st[S_GAIN];
    let comp = st[S_COMP];
    let lastTone = st[S_TONE];
    let toneG = st[S_TONE_G];
    let s = st[S_LP];
    let sq = 0; // Kernel.outputCheck
    for (let i = from; i < to; i++) {
      const d = driveConst ? driveValue : driveBuffer[i];
      if (d !== lastDrive) {
        lastDrive = d;
        gain = Math.pow(10, d / 20);
        comp = peaksAtTanh ? 1 / Math.tanh(gain) : 1;
      }
      const b = biasConst ? biasValue : biasBuffer[i];
      if (b !== lastBias) {
        lastBias = b;
        st[S_ARG] = b;
        this.curveAt(mode);
        fb = st[S_RES];
        st[S_ARG] = u1 + b;
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
      // F(u + b), written out per curve (same expressions as antiderivativeAt).
      const x = u + b;
      let f: number;
      if (mode === MODE_TANH) {
        const a = x < 0 ? -x : x;
        f = a - LN2 + Math.log1p(Math.exp(-2 * a));
      } else if (mode === MODE_HARD) {
        const a = x < 0 ? -x : x;
        f = a <= 1 ? 0.5 * x * x : a - 0.5;
      } else if (mode === MODE_ASYM) {
        if (x >= 0) f = x - LN2 + Math.log1p(Math.exp(-2 * x));
        else f = 0.25 * (-2 * x - LN2 + Math.log1p(Math.exp(4 * x)));
      } else {
        const r = x - 4 * Math.floor((x + 1) * 0.25);
        f = r <= 1 ? 0.5 * r * r : 2 * r - 0.5 * r * r - 1;
      }
      const du = u - u1;
      let y: number;
      if (du >= EPS || du <= -EPS) y = (f - f1) / du;
      else {
        st[S_ARG] = 0.5 * (u + u1) + b;
        this.curveAt(mode);
        y = st[S_RES];
      }
      u1 = u;
      f1 = f;
      let wet = comp * (y - fb);
      if (toneG === 0) s = wet;
      else {
        const v = (wet - s) * toneG;
        wet = v + s;
        s = wet + v;
        if (s < 1e-30 && s > -1e-30) s = 0; // denormal flush (per sample: cut-independent)
      }
      const m = mixConst ? mixValue : mixBuffer[i];
      const o = (1 - m) * dry + m * wet;
      out[i] = o;
      sq += o * o;
    }
    st[S_U1] = u1;
    st[S_F1] = f1;
    st[S_BIAS] = lastBias;
    st[S_FB] = fb;
    st[S_DRIVE] = lastDrive;
    st[S_GAIN] = gain;
    st[S_COMP] = comp;
    st[S_TONE] = lastTone;
    st[S_TONE_G] = toneG;
    st[S_LP] = s;
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
    if (mode === MODE_TANH) {
      const a = x < 0 ? -x : x;
      f = a - LN2 + Math.log1p(Math.exp(-2 * a));
    } else if (mode === MODE_HARD) {
      const a = x < 0 ? -x : x;
      f = a <= 1 ? 0.5 * x * x : a - 0.5;
    } else if (mode === MODE_ASYM) {
      if (x >= 0) f = x - LN2 + Math.log1p(Math.exp(-2 * x));
      else f = 0.25 * (-2 * x - LN2 + Math.log1p(Math.exp(4 * x)));
    } else {
      const r = x - 4 * Math.floor((x + 1) * 0.25);
      f = r <= 1 ? 0.5 * r * r : 2 * r - 0.5 * r * r - 1;
    }
    st[S_RES] = f;
  }
}

export const driveModule = decl.withKernel(DriveKernel);
