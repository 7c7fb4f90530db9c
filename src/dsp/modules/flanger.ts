// flanger: a short swept delay with feedback, mixed with the dry signal (J. Dattorro, "Effect
// Design Part 2: Delay-Line Modulation and Chorus", JAES 45(10), 1997, "Flanger"; U. Zölzer
// (ed.), "DAFX" (2nd ed.), ch. 2 "Filters and delays" (the universal comb) and ch. 3; J. O.
// Smith, "Physical Audio Signal Processing", "Flanging").
//
// Per side (x = input, an unconnected `right` takes `left`):
//   r(n) = w(n − d(n))           the line read (4-point Hermite, lib/delay-line.ts)
//   w(n) = x(n) + feedback·r(n)  written after the read (values below 1e-30 and NaN stored as 0)
//   out  = (1 − mix)·x + mix·r
//   d(n) = delay·(1 + depth·sin(2π·φ(n))) ms, φ advancing by rate/fs from 0; the right side's
//   LFO runs `spread` half-cycles behind the left. d is clamped to ≥ 3 samples (the read comes
//   before this sample's write, so the newest Hermite tap floor(n − d) + 2 must be ≤ n − 1).
// With depth 0, feedback 0 and mix ½ this is ½(1 + z^−D): notches at (2k + 1)·fs/(2D) (tested).
// Feedback > 0 reinforces the peaks at k·fs/D, < 0 those at (2k + 1)·fs/(2D). |feedback| ≤ 0.95
// and the Hermite read's gain ≤ 1 keep the loop stable.
//
// Threading: render thread; the constructor allocates the lines (20 ms at fs); process and reset
// allocate nothing.

import { Kernel } from '../kernel.js';
import type { KernelContext, KernelIo } from '../kernel.js';
import { defineModule } from '../define.js';
import {
  FLUSH_LEVEL as LIB_FLUSH_LEVEL, ringLength, LFO_S3 as LIB_LFO_S3, LFO_S5 as LIB_LFO_S5, LFO_S7 as LIB_LFO_S7, LFO_S9 as LIB_LFO_S9,
  LFO_S11 as LIB_LFO_S11,
} from '../lib/delay-line.js';

const MAX_DELAY_MS = 10;
const MAX_DEPTH = 0.95;
/** Shortest read delay (samples): the read precedes the write of the same sample. */
const MIN_DELAY_SAMPLES = 3;

const decl = defineModule({
  type: 'flanger',
  doc:
    'Stereo flanger: a delay of `delay` × (1 ± `depth`) ms swept by a sine at `rate`, with feedback, mixed with the dry signal ' +
    '(mix ½ gives the deepest notches, at odd multiples of fs/(2·delay)). The right side\'s sweep lags by `spread` half-cycles.',
  params: [
    { id: 'rate', unit: 'Hz', min: 0.02, max: 10, default: 0.25, smoothingMs: 20, scale: 'exp', doc: 'Sweep rate.' },
    { id: 'depth', unit: 'ratio', min: 0, max: MAX_DEPTH, default: 0.7, smoothingMs: 20, doc: 'Sweep as a fraction of `delay`: the delay moves within delay × (1 ± depth).' },
    { id: 'delay', unit: 'ms', min: 0.1, max: MAX_DELAY_MS, default: 2, smoothingMs: 20, scale: 'exp', doc: 'Centre delay (never below 3 samples).' },
    { id: 'feedback', unit: 'ratio', min: -0.95, max: 0.95, default: 0.5, smoothingMs: 10, doc: 'Delayed signal fed back into the line; the sign picks which peaks resonate.' },
    { id: 'spread', unit: 'ratio', min: 0, max: 1, default: 0.5, smoothingMs: 20, doc: 'Right side\'s sweep lag in half-cycles (0 = same as left, 1 = anti-phase).' },
    { id: 'mix', unit: 'ratio', min: 0, max: 1, default: 0.5, smoothingMs: 10, doc: 'Dry/wet: 0 = dry only, 1 = delayed only; ½ for the deepest notches.' },
  ],
  inputs: [
    { id: 'left', doc: 'Left (or mono) audio in.' },
    { id: 'right', doc: 'Right audio in; when not connected it takes `left`.' },
  ],
  outputs: [
    { id: 'left', doc: 'Left: dry and flanged.' },
    { id: 'right', doc: 'Right: dry and flanged.' },
  ],
  silentInSilentOut: true,
});

const P = decl.param;
const IN = decl.input;
const OUT = decl.output;

const S_WRITE = 0; // ring index of the next sample written
const S_PHASE = 1; // LFO phase φ in [0, 1)
const STATE_SIZE = 2;

const FLUSH = LIB_FLUSH_LEVEL;
const LFO_S3 = LIB_LFO_S3;
const LFO_S5 = LIB_LFO_S5;
const LFO_S7 = LIB_LFO_S7;
const LFO_S9 = LIB_LFO_S9;
const LFO_S11 = LIB_LFO_S11;
const TWO_PI = 2 * Math.PI;

export class FlangerKernel extends Kernel {
  readonly state = new Float64Array(STATE_SIZE);
  private readonly lineL: Float32Array;
  private readonly lineR: Float32Array;
  private readonly mask: number;
  private readonly extra: readonly Float32Array[];
  private readonly msToSamples: number;
  private readonly invSampleRate: number;

  constructor(ctx: KernelContext, io: KernelIo) {
    super(ctx, io);
    this.msToSamples = ctx.sampleRate / 1000;
    this.invSampleRate = 1 / ctx.sampleRate;
    const size = ringLength(Math.ceil(MAX_DELAY_MS * (1 + MAX_DEPTH) * this.msToSamples) + MIN_DELAY_SAMPLES);
    this.mask = size - 1;
    this.lineL = new Float32Array(size);
    this.lineR = new Float32Array(size);
    this.extra = [this.lineL, this.lineR];
  }

  protected override extraStateArrays(): readonly Float32Array[] {
    return this.extra;
  }

  process(start: number, end: number): void {
    const st = this.state;
    const params = this.io.params;
    const rateP = params[P.rate];
    const rc = rateP.isConstant;
    const rv = rateP.value;
    const rb = rateP.buffer;
    const depthP = params[P.depth];
    const dc = depthP.isConstant;
    const dv = depthP.value;
    const db = depthP.buffer;
    const delayP = params[P.delay];
    const bc = delayP.isConstant;
    const bv = delayP.value;
    const bb = delayP.buffer;
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
    const lineL = this.lineL;
    const lineR = this.lineR;
    const mask = this.mask;
    const msToSamples = this.msToSamples;
    const invFs = this.invSampleRate;
    let write = st[S_WRITE] | 0;
    let phase = st[S_PHASE];
    for (let i = start; i < end; i++) {
      const centre = (bc ? bv : bb[i]) * msToSamples;
      const depth = dc ? dv : db[i];
      // sin(2π·φ) (left) and sin(2π·(φ − spread/2)) (right): lfoSinTurns (lib/delay-line.ts) written out.
      let r = phase < 0.5 ? phase : phase - 1;
      if (r > 0.25) r = 0.5 - r;
      else if (r < -0.25) r = -0.5 - r;
      let t = TWO_PI * r;
      let y = t * t;
      const sinL = t * (1 + LFO_S3 * y + y * y * (LFO_S5 + LFO_S7 * y + y * y * (LFO_S9 + LFO_S11 * y)));
      r = phase - 0.5 * (sc ? sv : sb[i]); // in [−½, 1)
      r = r < 0.5 ? r : r - 1;
      if (r > 0.25) r = 0.5 - r;
      else if (r < -0.25) r = -0.5 - r;
      t = TWO_PI * r;
      y = t * t;
      const sinR = t * (1 + LFO_S3 * y + y * y * (LFO_S5 + LFO_S7 * y + y * y * (LFO_S9 + LFO_S11 * y)));
      let dL = centre * (1 + depth * sinL);
      let dR = centre * (1 + depth * sinR);
      dL = dL < MIN_DELAY_SAMPLES ? MIN_DELAY_SAMPLES : dL;
      dR = dR < MIN_DELAY_SAMPLES ? MIN_DELAY_SAMPLES : dR;
      // Hermite reads (lib/delay-line.ts hermite4 written out).
      let q = write + mask + 1 - dL;
      let k = q | 0;
      let f = q - k;
      let a = lineL[(k - 1) & mask];
      let b = lineL[k & mask];
      let c = lineL[(k + 1) & mask];
      let e = lineL[(k + 2) & mask];
      const rl = (((0.5 * (e - a) + 1.5 * (b - c)) * f + (a - 2.5 * b + 2 * c - 0.5 * e)) * f + 0.5 * (c - a)) * f + b;
      q = write + mask + 1 - dR;
      k = q | 0;
      f = q - k;
      a = lineR[(k - 1) & mask];
      b = lineR[k & mask];
      c = lineR[(k + 1) & mask];
      e = lineR[(k + 2) & mask];
      const rr = (((0.5 * (e - a) + 1.5 * (b - c)) * f + (a - 2.5 * b + 2 * c - 0.5 * e)) * f + 0.5 * (c - a)) * f + b;
      const xl = inL[i];
      const xr = inR[i];
      const fb = fc ? fv : fbb[i];
      let wl = xl + fb * rl;
      let wr = xr + fb * rr;
      if (!(wl >= FLUSH || wl <= -FLUSH)) wl = 0;
      if (!(wr >= FLUSH || wr <= -FLUSH)) wr = 0;
      lineL[write] = wl;
      lineR[write] = wr;
      const m = mc ? mv : mb[i];
      outL[i] = (1 - m) * xl + m * rl;
      outR[i] = (1 - m) * xr + m * rr;
      phase += (rc ? rv : rb[i]) * invFs;
      if (phase >= 1) phase -= 1;
      write = (write + 1) & mask;
    }
    st[S_WRITE] = write;
    st[S_PHASE] = phase;
  }
}

export const flangerModule = decl.withKernel(FlangerKernel);
