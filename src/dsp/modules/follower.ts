// follower: envelope follower, peak or RMS, with attack/release ballistics.
//
// Sources: D. Giannoulis, M. Massberg, J. D. Reiss, "Digital Dynamic Range Compressor Design —
// A Tutorial and Analysis", JAES 60(6), 2012, section 3 (level detection: the one-pole
// smoothing filter, its time constant, the "branching" peak detector with separate attack and
// release coefficients, and RMS detection as a smoothed square followed by a square root);
// U. Zölzer, DAFX, 2nd ed., 2011, 4.2.2 (the same detectors).
//
// Contract (x the input, fs the sample rate; a one-pole with time constant t has the
// coefficient c(t) = 1 − e^(−1/(t·fs)), c(0) = 1; its step response is 1 − e^(−(k+1)/(t·fs))
// k samples after the step, i.e. 63.2 % after t·fs samples, counted from the last sample
// before the step (so at sample n0 + t·fs − 1 for a step at n0)):
// - peak: u = |x|; y[n] = y[n−1] + (u − y[n−1])·c, c = c(attack) when u > y[n−1] (rising),
//   c(release) otherwise (the branching detector). A step 0 → A reaches 0.632·A after `attack`;
//   from a held level, a fall to 0 decays as e^(−t/release) (36.8 % after `release`, −60 dB
//   after release·ln 1000 ≈ 6.9·release).
// - rms: the mean square m[n] = m[n−1] + (x² − m[n−1])·c(window), a symmetric one-pole over
//   `window`; u = √m; then the same attack/release ballistics as peak on u. A sine of amplitude
//   A settles to A/√2, with a ripple at twice its frequency of about ±½·|H(2f)| of the level
//   (|H(2f)| ≈ 1/(2π·2f·window), the one-pole's gain there: ±0.03 dB at 200 Hz with the 50 ms
//   default, less after the ballistics). Attack and release
//   act after the averaging, so an asymmetric pair does not bias the RMS level (applied to x²
//   directly they would read a sine several dB high).
// - Denormals: y below 1e-30 and m below 1e-60 are flushed to 0, per sample.
// Times are read per sample (coefficients cached by their values); `mode` is an enum run.
//
// Render thread; no allocation. Private render functions take and return integers only.

import { Kernel } from '../kernel.js';
import type { KernelContext, KernelIo } from '../kernel.js';
import { defineModule } from '../define.js';
import { enumIndexAt, enumRunEnd } from '../lib/enum-param.js';

export const FOLLOWER_MODES = ['peak', 'rms'] as const;

const decl = defineModule({
  type: 'follower',
  doc:
    'Envelope follower: the level of `in` as a control signal (≥ 0). `peak`: |in| through a one-pole with separate ' +
    'attack and release time constants (63 % of a rising step after `attack`; a fall decays as e^(−t/release), −60 dB ' +
    'after 6.9 × release). `rms`: the square root of the mean square over `window` (a one-pole, time constant `window`), ' +
    'then the same attack/release: a sine of amplitude A reads A/√2.',
  params: [
    { id: 'mode', unit: 'enum', min: 0, max: 1, default: 0, smoothingMs: 0, labels: FOLLOWER_MODES, modulatable: false, doc: 'peak (rectified |in|) or rms (√ of the mean square over `window`).' },
    { id: 'attack', unit: 'ms', min: 0, max: 1000, default: 10, smoothingMs: 0, scale: 'exp', doc: 'Time constant while the level rises: 63 % of a step after this time. 0 = instant.' },
    { id: 'release', unit: 'ms', min: 0, max: 5000, default: 100, smoothingMs: 0, scale: 'exp', doc: 'Time constant while the level falls: 37 % left after this time, −60 dB after 6.9 × it. 0 = instant.' },
    { id: 'window', unit: 'ms', min: 1, max: 1000, default: 50, smoothingMs: 0, scale: 'exp', doc: 'rms mode: time constant of the mean square (longer = less ripple, slower).' },
  ],
  inputs: [{ id: 'in', doc: 'Signal to follow (audio or control).' }],
  outputs: [{ id: 'out', doc: 'Its envelope (≥ 0; the level of a full-scale sine is 1 in peak mode, 0.707 in rms).' }],
  silentInSilentOut: true,
});

const P = decl.param;
const IN = decl.input;
const OUT = decl.output;

const MODE_PEAK = 0;
const FLUSH_LEVEL = 1e-30;
const FLUSH_SQUARE = 1e-60;

const S_Y = 0; // envelope (output)
const S_MS = 1; // rms: mean square
const S_KEY_ATTACK = 2; // cache keys (ms; −1: none) and coefficients
const S_COEF_ATTACK = 3;
const S_KEY_RELEASE = 4;
const S_COEF_RELEASE = 5;
const S_KEY_WINDOW = 6;
const S_COEF_WINDOW = 7;
const STATE_SIZE = 8;

export class FollowerKernel extends Kernel {
  readonly state = new Float64Array(STATE_SIZE);
  private readonly samplesPerMs: number;

  constructor(ctx: KernelContext, io: KernelIo) {
    super(ctx, io);
    this.samplesPerMs = ctx.sampleRate / 1000;
    this.init();
  }

  protected override init(): void {
    const st = this.state;
    st[S_KEY_ATTACK] = -1;
    st[S_KEY_RELEASE] = -1;
    st[S_KEY_WINDOW] = -1;
  }

  process(start: number, end: number): void {
    const mode = this.io.params[P.mode];
    this.outputCheck[0] = 0;
    let i = start;
    while (i < end) {
      const runEnd = enumRunEnd(mode, i, end);
      this.render(i, runEnd, enumIndexAt(mode, i, 2) === MODE_PEAK ? 0 : 1);
      i = runEnd;
    }
  }

  /** One run of one mode (rms: 1) over [from, to). */
  private render(from: number, to: number, rms: number): void {
    const st = this.state;
    const input = this.io.inputs[IN.in].buffer;
    const out = this.io.outputs[OUT.out];
    const p = this.io.params;
    const attackP = p[P.attack];
    const releaseP = p[P.release];
    const windowP = p[P.window];
    const attackConst = attackP.isConstant;
    const releaseConst = releaseP.isConstant;
    const windowConst = windowP.isConstant;
    const attackValue = attackP.value;
    const releaseValue = releaseP.value;
    const windowValue = windowP.value;
    const attackBuf = attackP.buffer;
    const releaseBuf = releaseP.buffer;
    const windowBuf = windowP.buffer;
    const spm = this.samplesPerMs;
    let keyA = st[S_KEY_ATTACK];
    let coefA = st[S_COEF_ATTACK];
    let keyR = st[S_KEY_RELEASE];
    let coefR = st[S_COEF_RELEASE];
    let keyW = st[S_KEY_WINDOW];
    let coefW = st[S_COEF_WINDOW];
    let y = st[S_Y];
    let m = st[S_MS];
    let sq = 0;
    for (let i = from; i < to; i++) {
      const ta = attackConst ? attackValue : attackBuf[i];
      if (ta !== keyA) {
        keyA = ta;
        coefA = ta > 0 ? 1 - Math.exp(-1 / (ta * spm)) : 1;
      }
      const tr = releaseConst ? releaseValue : releaseBuf[i];
      if (tr !== keyR) {
        keyR = tr;
        coefR = tr > 0 ? 1 - Math.exp(-1 / (tr * spm)) : 1;
      }
      const x = input[i];
      let u: number;
      if (rms !== 0) {
        const tw = windowConst ? windowValue : windowBuf[i];
        if (tw !== keyW) {
          keyW = tw;
          coefW = tw > 0 ? 1 - Math.exp(-1 / (tw * spm)) : 1;
        }
        m += (x * x - m) * coefW;
        if (m < FLUSH_SQUARE) m = 0;
        u = Math.sqrt(m);
      } else {
        u = x < 0 ? -x : x;
      }
      y += (u - y) * (u > y ? coefA : coefR);
      if (y < FLUSH_LEVEL) y = 0;
      out[i] = y;
      sq += y * y;
    }
    st[S_Y] = y;
    st[S_MS] = m;
    st[S_KEY_ATTACK] = keyA;
    st[S_COEF_ATTACK] = coefA;
    st[S_KEY_RELEASE] = keyR;
    st[S_COEF_RELEASE] = coefR;
    st[S_KEY_WINDOW] = keyW;
    st[S_COEF_WINDOW] = coefW;
    this.outputCheck[0] += sq;
  }
}

export const followerModule = decl.withKernel(FollowerKernel);
