// chorus: 1-3 modulated delay voices per side, stereo spread (J. Dattorro, "Effect Design Part 2:
// Delay-Line Modulation and Chorus", JAES 45(10), 1997; U. Zölzer (ed.), "DAFX" (2nd ed.), ch. 3
// "Modulators and demodulators" / ch. 2 delay-based effects; J. O. Smith, "Physical Audio Signal
// Processing", "Chorus Effect").
//
// Each side writes its input into its own line (an unconnected `right` takes `left`) and reads
// N = `voices` taps from it. Voice v (0 … N−1) on side s (0 left, 1 right) reads at
//   d(v, s, n) = (delay + depth·sin(2π·(φ(n) + v/N − s·spread/2))) ms
// so its read delay always lies in [delay − depth, delay + depth] (≥ 1 ms by the param ranges);
// φ starts at 0 and advances by rate/fs per sample. The voices' LFO phases are spread evenly over
// the cycle (0, ½ for two voices; 0, ⅓, ⅔ for three: their delays average to `delay` at every
// sample), and the right side runs `spread` half-cycles behind the left (spread 1: in
// anti-phase, the widest image; spread 0: both sides alike). The voices are summed with 1/N:
//   out = (1 − mix)·in + mix·(1/N)·Σ_v line(n − d(v, s, n)).
// sin: lfoSinTurns (lib/delay-line.ts) for sin and cos of 2πφ, then each voice and side by the
// angle-sum identity with cos/sin of v/N turns (a table) and of spread/2 turns (cached per value).
// Fractional reads: 4-point Hermite (lib/delay-line.ts). The line is written before it is read,
// so a read delay ≥ 2 samples touches written samples only (guaranteed above 2 kHz fs).
// `voices` changes at the sample it arrives: the phases re-spread there (a step in the wet).
//
// Threading: render thread; the constructor allocates the lines (45 ms at fs); process and reset
// allocate nothing. No recursion: nothing to flush.

import { Kernel } from '../kernel.js';
import type { KernelContext, KernelIo } from '../kernel.js';
import { defineModule } from '../define.js';
import {
  ringLength, LFO_S3 as LIB_LFO_S3, LFO_S5 as LIB_LFO_S5, LFO_S7 as LIB_LFO_S7, LFO_S9 as LIB_LFO_S9,
  LFO_S11 as LIB_LFO_S11,
} from '../lib/delay-line.js';

const MAX_VOICES = 3;
const MAX_DELAY_MS = 40;
const MAX_DEPTH_MS = 5;

const decl = defineModule({
  type: 'chorus',
  doc:
    'Stereo chorus: 1-3 voices per side, each a delay of `delay` ± `depth` ms swept by a sine at `rate`; the voices\' phases are spread evenly over ' +
    'the cycle and the right side runs `spread` half-cycles behind the left.',
  params: [
    { id: 'voices', unit: 'ratio', min: 1, max: MAX_VOICES, default: 2, smoothingMs: 0, modulatable: false, doc: 'Voices per side (1, 2 or 3; rounded).' },
    { id: 'rate', unit: 'Hz', min: 0.05, max: 5, default: 0.8, smoothingMs: 20, scale: 'exp', doc: 'LFO rate.' },
    { id: 'depth', unit: 'ms', min: 0, max: MAX_DEPTH_MS, default: 2, smoothingMs: 20, doc: 'Sweep of each voice\'s delay: ± depth around `delay`.' },
    { id: 'delay', unit: 'ms', min: 6, max: MAX_DELAY_MS, default: 12, smoothingMs: 20, doc: 'Centre delay of the voices.' },
    { id: 'spread', unit: 'ratio', min: 0, max: 1, default: 1, smoothingMs: 20, doc: 'Right side\'s LFO lag in half-cycles: 0 = same as left (mono image), 1 = anti-phase (widest).' },
    { id: 'mix', unit: 'ratio', min: 0, max: 1, default: 0.5, smoothingMs: 10, doc: 'Dry/wet: 0 = dry only, 1 = voices only.' },
  ],
  inputs: [
    { id: 'left', doc: 'Left (or mono) audio in.' },
    { id: 'right', doc: 'Right audio in; when not connected it takes `left`.' },
  ],
  outputs: [
    { id: 'left', doc: 'Left: dry and voices.' },
    { id: 'right', doc: 'Right: dry and voices.' },
  ],
  silentInSilentOut: true,
});

const P = decl.param;
const IN = decl.input;
const OUT = decl.output;

// State layout.
const S_WRITE = 0; // ring index of the next sample written
const S_PHASE = 1; // LFO phase φ in [0, 1)
const S_SPREAD = 2; // the spread the cached cos/sin of π·spread belong to (starts at 0: cos 1, sin 0)
const S_SPREAD_COS = 3;
const S_SPREAD_SIN = 4;
const STATE_SIZE = 5;

/** cos and sin of v/N turns for N = 1 … 3, at (N − 1)·3 + v. */
const VOICE_COS = new Float64Array(9);
const VOICE_SIN = new Float64Array(9);
for (let n = 1; n <= MAX_VOICES; n++) {
  for (let v = 0; v < n; v++) {
    VOICE_COS[(n - 1) * 3 + v] = Math.cos((2 * Math.PI * v) / n);
    VOICE_SIN[(n - 1) * 3 + v] = Math.sin((2 * Math.PI * v) / n);
  }
}

const LFO_S3 = LIB_LFO_S3;
const LFO_S5 = LIB_LFO_S5;
const LFO_S7 = LIB_LFO_S7;
const LFO_S9 = LIB_LFO_S9;
const LFO_S11 = LIB_LFO_S11;
const TWO_PI = 2 * Math.PI;

export class ChorusKernel extends Kernel {
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
    const size = ringLength(Math.ceil((MAX_DELAY_MS + MAX_DEPTH_MS) * this.msToSamples));
    this.mask = size - 1;
    this.lineL = new Float32Array(size);
    this.lineR = new Float32Array(size);
    this.extra = [this.lineL, this.lineR];
    this.init();
  }

  protected override init(): void {
    this.state[S_SPREAD_COS] = 1;
  }

  protected override extraStateArrays(): readonly Float32Array[] {
    return this.extra;
  }

  process(start: number, end: number): void {
    const st = this.state;
    const params = this.io.params;
    const voicesP = params[P.voices];
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
    const voiceCos = VOICE_COS;
    const voiceSin = VOICE_SIN;
    let write = st[S_WRITE] | 0;
    let phase = st[S_PHASE];
    let spread = st[S_SPREAD];
    let spreadCos = st[S_SPREAD_COS];
    let spreadSin = st[S_SPREAD_SIN];
    for (let i = start; i < end; i++) {
      const xl = inL[i];
      const xr = inR[i];
      lineL[write] = xl;
      lineR[write] = xr;
      const vRaw = voicesP.isConstant ? voicesP.value : voicesP.buffer[i];
      const voices = vRaw < 1.5 ? 1 : vRaw < 2.5 ? 2 : 3;
      const table = (voices - 1) * 3;
      const gain = voices === 1 ? 1 : voices === 2 ? 0.5 : 1 / 3;
      const spreadNow = sc ? sv : sb[i];
      if (spreadNow !== spread) {
        // cos and sin of π·spread (spread/2 turns), by lfoSinTurns (lib/delay-line.ts) written out.
        spread = spreadNow;
        let r = 0.5 * spreadNow;
        r = r - Math.round(r);
        if (r > 0.25) r = 0.5 - r;
        else if (r < -0.25) r = -0.5 - r;
        let t = TWO_PI * r;
        let y = t * t;
        spreadSin = t * (1 + LFO_S3 * y + y * y * (LFO_S5 + LFO_S7 * y + y * y * (LFO_S9 + LFO_S11 * y)));
        r = 0.5 * spreadNow + 0.25;
        r = r - Math.round(r);
        if (r > 0.25) r = 0.5 - r;
        else if (r < -0.25) r = -0.5 - r;
        t = TWO_PI * r;
        y = t * t;
        spreadCos = t * (1 + LFO_S3 * y + y * y * (LFO_S5 + LFO_S7 * y + y * y * (LFO_S9 + LFO_S11 * y)));
      }
      // sin and cos of 2π·φ, φ ∈ [0, 1).
      let r = phase < 0.5 ? phase : phase - 1;
      if (r > 0.25) r = 0.5 - r;
      else if (r < -0.25) r = -0.5 - r;
      let t = TWO_PI * r;
      let y = t * t;
      const sinL = t * (1 + LFO_S3 * y + y * y * (LFO_S5 + LFO_S7 * y + y * y * (LFO_S9 + LFO_S11 * y)));
      r = phase < 0.25 ? phase + 0.25 : phase - 0.75;
      if (r > 0.25) r = 0.5 - r;
      else if (r < -0.25) r = -0.5 - r;
      t = TWO_PI * r;
      y = t * t;
      const cosL = t * (1 + LFO_S3 * y + y * y * (LFO_S5 + LFO_S7 * y + y * y * (LFO_S9 + LFO_S11 * y)));
      // The right side lags by spread/2 turns: sin(θ − β) = sinθ·cosβ − cosθ·sinβ, cos(θ − β) = cosθ·cosβ + sinθ·sinβ.
      const sinR = sinL * spreadCos - cosL * spreadSin;
      const cosR = cosL * spreadCos + sinL * spreadSin;
      const centre = (bc ? bv : bb[i]) * msToSamples;
      const sweep = (dc ? dv : db[i]) * msToSamples;
      let wetL = 0;
      let wetR = 0;
      for (let v = 0; v < voices; v++) {
        // Voice v leads by v/N turns: sin(θ + α) = sinθ·cosα + cosθ·sinα.
        const ca = voiceCos[table + v];
        const sa = voiceSin[table + v];
        let q = write + mask + 1 - (centre + sweep * (sinL * ca + cosL * sa));
        let k = q | 0;
        let f = q - k;
        let a = lineL[(k - 1) & mask];
        let b = lineL[k & mask];
        let c = lineL[(k + 1) & mask];
        let e = lineL[(k + 2) & mask];
        wetL += (((0.5 * (e - a) + 1.5 * (b - c)) * f + (a - 2.5 * b + 2 * c - 0.5 * e)) * f + 0.5 * (c - a)) * f + b;
        q = write + mask + 1 - (centre + sweep * (sinR * ca + cosR * sa));
        k = q | 0;
        f = q - k;
        a = lineR[(k - 1) & mask];
        b = lineR[k & mask];
        c = lineR[(k + 1) & mask];
        e = lineR[(k + 2) & mask];
        wetR += (((0.5 * (e - a) + 1.5 * (b - c)) * f + (a - 2.5 * b + 2 * c - 0.5 * e)) * f + 0.5 * (c - a)) * f + b;
      }
      const m = mc ? mv : mb[i];
      outL[i] = (1 - m) * xl + m * gain * wetL;
      outR[i] = (1 - m) * xr + m * gain * wetR;
      phase += (rc ? rv : rb[i]) * invFs;
      if (phase >= 1) phase -= 1;
      write = (write + 1) & mask;
    }
    st[S_WRITE] = write;
    st[S_PHASE] = phase;
    st[S_SPREAD] = spread;
    st[S_SPREAD_COS] = spreadCos;
    st[S_SPREAD_SIN] = spreadSin;
  }
}

export const chorusModule = decl.withKernel(ChorusKernel);
