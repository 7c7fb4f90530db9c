// glide: slew limiter / portamento for a pitch-like control signal (octaves, 1 V/oct), three laws.
//
// Sources: the RC portamento of analogue synths (a resistor charging a capacitor: an exponential
// approach, as the TB-303 slide; R. Schmidt's Open303 models it as a one-pole low-pass on the
// pitch), the slew limiter of modular systems (constant rate: e.g. Make Noise Maths' linear
// rise/fall, Doepfer A-170), and the "constant time" portamento of polysynths (every jump takes
// the same time, as on the Prophet-5 rev. 3's glide and most MIDI synths' "fixed time" mode).
// The one-pole recursion y += (x − y)(1 − e^(−1/(τ·fs))) is the impulse-invariant RC
// (J. O. Smith, Introduction to Digital Filters, "One-pole", and Zölzer, DAFX 2nd ed., 2.2).
//
// Contract (x the input at sample n, y the output, fs the sample rate, T = `time` in seconds):
// - exponential: y[n] = y[n−1] + (x[n] − y[n−1])·c, c = 1 − e^(−1/(τ·fs)), τ = T / ln 1000:
//   `time` is the time to come within −60 dB (0.1 %) of a step; 63.2 % of a step is reached τ·fs
//   samples after the last sample before it (at sample n0 + τ·fs − 1 for a step at n0).
// - linear: y moves towards x at a constant 1/T octaves per second (1/(T·fs) per sample) and
//   stops exactly on x: `time` is the time per octave.
// - constant_time: a change of x starts a straight ramp from the current y to the new x in
//   N = max(1, round(T·fs)) samples; for a step at n0, y[n0 + k] = x − (N − 1 − k)·(x − y0)/N, so
//   the output lands exactly on x at sample n0 + N − 1 whatever the step's size. A change while
//   ramping restarts the ramp from where the output is (continuous input: it follows with lag).
// - time 0: the output is the input. No law overshoots: a step that would pass x lands on x.
// - The first sample after construction or reset starts at the input (no glide up from 0 when a
//   patch starts with a pitch already set).
// - Denormals: a remaining distance |x − y| below 1e-30 snaps y to x, per sample.
// `time` is read per sample (coefficients cached by its value); `mode` is an enum run per span.
//
// Render thread; no allocation. Private render functions take and return integers only.

import { Kernel } from '../kernel.js';
import type { KernelContext, KernelIo } from '../kernel.js';
import { defineModule } from '../define.js';
import { enumIndexAt, enumRunEnd } from '../lib/enum-param.js';

export const GLIDE_MODES = ['exponential', 'linear', 'constant_time'] as const;

const decl = defineModule({
  type: 'glide',
  doc:
    'Portamento / slew for a pitch (octaves) or any control signal. `exponential`: RC glide, `time` = time to within ' +
    '−60 dB of a step (τ = time / ln 1000: 63 % after τ). `linear`: constant rate, `time` per octave. `constant_time`: ' +
    'every jump takes `time` and lands on the target on that exact sample, whatever its size. No overshoot; the output ' +
    'starts at the input.',
  params: [
    { id: 'mode', unit: 'enum', min: 0, max: 2, default: 0, smoothingMs: 0, labels: GLIDE_MODES, modulatable: false, doc: 'Glide law: exponential (RC), linear (constant rate) or constant_time (every jump takes `time`).' },
    { id: 'time', unit: 'ms', min: 0, max: 10000, default: 100, smoothingMs: 0, scale: 'exp', aliases: ['slew'], doc: 'exponential: time to within −60 dB of a step (τ = time / ln 1000); linear: time per octave; constant_time: time of every jump. 0 = no glide.' },
  ],
  inputs: [{ id: 'in', doc: 'Signal to glide, e.g. a pitch in octaves from a sequencer lane.' }],
  outputs: [{ id: 'out', doc: 'The glided signal, into a `pitch` input.' }],
  silentInSilentOut: true,
});

const P = decl.param;
const IN = decl.input;
const OUT = decl.output;

const MODE_EXPONENTIAL = 0;
const MODE_LINEAR = 1;
/** ln(1000): `time` spans this many time constants (−60 dB). */
const LN_1000 = Math.log(1000);
/** A remaining distance below this snaps to the target (no subnormal tail). */
const SNAP = 1e-30;

const S_Y = 0; // output (double)
const S_STARTED = 1; // 1 once the first sample has been taken
const S_TARGET = 2; // constant_time: the ramp's target
const S_STEP = 3; // constant_time: (target − start) / N
const S_LEFT = 4; // constant_time: samples of the ramp still to go
const S_KEY_EXP = 5; // cache keys (time in ms; −1: none) and values
const S_COEF_EXP = 6;
const S_KEY_LIN = 7;
const S_RATE_LIN = 8;
const S_KEY_CT = 9;
const S_LEN_CT = 10;
const STATE_SIZE = 11;

export class GlideKernel extends Kernel {
  readonly state = new Float64Array(STATE_SIZE);

  protected override init(): void {
    const st = this.state;
    st[S_KEY_EXP] = -1;
    st[S_KEY_LIN] = -1;
    st[S_KEY_CT] = -1;
  }

  constructor(ctx: KernelContext, io: KernelIo) {
    super(ctx, io);
    this.init();
  }

  process(start: number, end: number): void {
    const st = this.state;
    const input = this.io.inputs[IN.in].buffer;
    if (start < end && st[S_STARTED] === 0) {
      st[S_STARTED] = 1;
      st[S_Y] = input[start];
      st[S_TARGET] = input[start];
    }
    const mode = this.io.params[P.mode];
    let i = start;
    while (i < end) {
      const runEnd = enumRunEnd(mode, i, end);
      const m = enumIndexAt(mode, i, 3);
      if (m === MODE_EXPONENTIAL) this.renderExponential(i, runEnd);
      else if (m === MODE_LINEAR) this.renderLinear(i, runEnd);
      else this.renderConstantTime(i, runEnd);
      i = runEnd;
    }
    const out = this.io.outputs[OUT.out];
    let sq = 0;
    for (let k = start; k < end; k++) sq += out[k] * out[k];
    this.outputCheck[0] = sq;
  }

  private renderExponential(from: number, to: number): void {
    const st = this.state;
    const input = this.io.inputs[IN.in].buffer;
    const out = this.io.outputs[OUT.out];
    const timeP = this.io.params[P.time];
    const timeConst = timeP.isConstant;
    const timeValue = timeP.value;
    const timeBuf = timeP.buffer;
    const samplesPerMs = this.ctx.sampleRate / 1000;
    let key = st[S_KEY_EXP];
    let c = st[S_COEF_EXP];
    let y = st[S_Y];
    for (let i = from; i < to; i++) {
      const t = timeConst ? timeValue : timeBuf[i];
      if (t !== key) {
        key = t;
        c = t > 0 ? 1 - Math.exp(-LN_1000 / (t * samplesPerMs)) : 1;
      }
      const x = input[i];
      const d = x - y;
      const next = y + d * c;
      // Snap to x when the step would reach or pass it, or when the distance left is negligible.
      y = (d > 0 ? next >= x : next <= x) || (d < SNAP && d > -SNAP) ? x : next;
      out[i] = y;
    }
    st[S_Y] = y;
    st[S_KEY_EXP] = key;
    st[S_COEF_EXP] = c;
    st[S_LEFT] = 0; // a later constant_time run starts a ramp of its own
  }

  private renderLinear(from: number, to: number): void {
    const st = this.state;
    const input = this.io.inputs[IN.in].buffer;
    const out = this.io.outputs[OUT.out];
    const timeP = this.io.params[P.time];
    const timeConst = timeP.isConstant;
    const timeValue = timeP.value;
    const timeBuf = timeP.buffer;
    const samplesPerMs = this.ctx.sampleRate / 1000;
    let key = st[S_KEY_LIN];
    let rate = st[S_RATE_LIN];
    let y = st[S_Y];
    for (let i = from; i < to; i++) {
      const t = timeConst ? timeValue : timeBuf[i];
      if (t !== key) {
        key = t;
        rate = t > 0 ? 1 / (t * samplesPerMs) : Infinity;
      }
      const x = input[i];
      const d = x - y;
      y = d > rate ? y + rate : d < -rate ? y - rate : x;
      out[i] = y;
    }
    st[S_Y] = y;
    st[S_KEY_LIN] = key;
    st[S_RATE_LIN] = rate;
    st[S_LEFT] = 0; // a later constant_time run starts a ramp of its own
  }

  private renderConstantTime(from: number, to: number): void {
    const st = this.state;
    const input = this.io.inputs[IN.in].buffer;
    const out = this.io.outputs[OUT.out];
    const timeP = this.io.params[P.time];
    const timeConst = timeP.isConstant;
    const timeValue = timeP.value;
    const timeBuf = timeP.buffer;
    const samplesPerMs = this.ctx.sampleRate / 1000;
    let key = st[S_KEY_CT];
    let len = st[S_LEN_CT];
    let y = st[S_Y];
    let target = st[S_TARGET];
    let step = st[S_STEP];
    let left = st[S_LEFT];
    for (let i = from; i < to; i++) {
      const t = timeConst ? timeValue : timeBuf[i];
      if (t !== key) {
        key = t;
        const n = Math.round(t * samplesPerMs);
        len = n > 1 ? n : 1;
      }
      const x = input[i];
      // A new target (or an output left off target by another mode): a ramp of `len` samples.
      if (x !== target || (left === 0 && y !== x)) {
        target = x;
        step = (x - y) / len;
        left = len;
      }
      if (left > 0) {
        left--;
        y = left === 0 ? target : target - left * step;
      }
      out[i] = y;
    }
    st[S_Y] = y;
    st[S_TARGET] = target;
    st[S_STEP] = step;
    st[S_LEFT] = left;
    st[S_KEY_CT] = key;
    st[S_LEN_CT] = len;
  }
}

export const glideModule = decl.withKernel(GlideKernel);
