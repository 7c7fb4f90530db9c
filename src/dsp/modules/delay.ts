// delay: stereo echo with feedback, tone filters inside the loop, mono / stereo / ping-pong
// routing, tape-style glide on time changes and optional wow. A loop-breaking module
// (spec.loopDelayMs): a patch may feed its output back into its input through other modules.
//
// Signal flow (x = input, r = what a line returns at the read delay, fb = feedback):
//   mono      u = xm + fb·rL → tone → written to both lines;     wet L = wet R = rL
//   stereo    uL = xL + fb·rL, uR = xR + fb·rR, each → tone → its line;   wet = rL, rR
//   pingpong  uL = xm + fb·rR, uR = fb·rL, each → tone → its line;       wet = rL, rR
//             (an impulse gives echo k at k·D on the left for odd k, on the right for even k)
//   xm = (xL + xR)/2. An unconnected `right` input takes `left` (normalled, like the L/MONO jack
//   of a stereo pedal). out = (1 − mix)·dry + mix·wet.
// Tone: u → one-pole high-pass at `lowcut` → one-pole low-pass at `highcut` → line. Both are
// trapezoidal (TPT) one-poles, G = g/(1 + g), g = tan(π·fc/fs) (V. Zavalishin, "The Art of VA
// Filter Design", ch. 3), |H| ≤ 1 at every frequency; the Hermite read never exceeds 1 either
// (lib/delay-line.ts), so the loop gain is at most fb ≤ 0.99 and the echoes never grow. Echo k
// has passed the filters k times: its level is fb^(k−1)·|H_tone|^k (at the defaults, 20 Hz and
// 20 kHz, |H_tone| at 1 kHz is −0.003 dB: wide open). Each repeat darkens, as on a tape echo.
//
// Time changes glide (interpolated read with a slewed delay, the "repitch" behaviour of a tape
// echo): the read delay d follows the target T = time·fs/1000 per sample,
//   d ← d + clamp((T − d)·(1 − e^(−1/(τ·fs))), ±MAX_GLIDE_SPEED),  τ = GLIDE_TIME_MS,
// snapped to T once within 1e-6 samples; d starts at T. Why a glide and not a crossfade between
// two read heads: it is the one mechanism that stays continuous under any motion of `time`
// (tempo changes, knob ramps, LFO modulation) with one read per side, it shares its path with
// wow, and it never sums two copies of the signal (a crossfade combs for its duration). The
// speed limit bounds the pitch excursion to ×0.5…×1.5 and the output's sample-to-sample step to
// (1 + MAX_GLIDE_SPEED) times the input's (tested), whatever the jump; the price is that a large
// jump takes |ΔT|/0.5 samples to complete (2 s → 10 ms glides for 4 s). Wow: the read delay is
// d + wow·sin(2π·φ) ms, φ advancing by wow_rate/fs (sin: lfoSinTurns, lib/delay-line.ts).
// References: J. Dattorro, "Effect Design Part 2: Delay-Line Modulation and Chorus", JAES 45(10),
// 1997; U. Zölzer (ed.), "DAFX" (2nd ed.), ch. 2-3; J. O. Smith, "Physical Audio Signal
// Processing" (interpolated delay lines); fractional read: lib/delay-line.ts.
//
// Loop breaking (kernel.ts LoopBreakingKernel): L = loopDelaySamples = floor(fs/1000) (48 at
// 48 kHz, 44 at 44.1 kHz). renderOutput reads the lines only, never the inputs; acceptInput
// writes inputs plus feedback into them. The read delay is clamped to ≥ L + 2 samples, so the
// newest Hermite tap, floor(n − d) + 2, is at most n − L: the SHORTEST DELAY is L + 2 samples
// (1.042 ms at 48 kHz, 1.043 ms at 44.1 kHz); `time` below that reads as that. The dry signal
// of `mix` cannot come from the inputs either: it is read from a short ring, L samples late
// (1 ms). The wet path is unaffected (echo times count from the input).
// Scratch: renderOutput keeps each sample's line reads in readL/readR for acceptInput of the
// same range (feedback); nothing else touches them in between. Not state: the engine snapshots
// between blocks, never between the two halves.
//
// Threading: render thread. The constructor allocates the lines (10 s + wow at fs, Float32);
// renderOutput, acceptInput and reset allocate nothing. Line values below 1e-30, and NaN, are
// stored as 0, and so are filter states (denormals; no NaN recirculates for ever).

import { LoopBreakingKernel } from '../kernel.js';
import type { KernelContext, KernelIo } from '../kernel.js';
import { defineModule } from '../define.js';
import { enumIndexAt, enumRunEnd } from '../lib/enum-param.js';
import {
  FLUSH_LEVEL as LIB_FLUSH_LEVEL, ringLength, LFO_S3 as LIB_LFO_S3, LFO_S5 as LIB_LFO_S5, LFO_S7 as LIB_LFO_S7, LFO_S9 as LIB_LFO_S9,
  LFO_S11 as LIB_LFO_S11,
} from '../lib/delay-line.js';

export const DELAY_MODES = ['mono', 'stereo', 'pingpong'] as const;
const MODE_MONO = 0;
const MODE_STEREO = 1;

/** The declared loop delay (spec.loopDelayMs): L = floor(LOOP_DELAY_MS·fs/1000) samples. */
const LOOP_DELAY_MS = 1;
const MAX_TIME_MS = 10000;
const MAX_WOW_MS = 5;
/** Glide time constant of the read delay (ms). */
const GLIDE_TIME_MS = 30;
/** Largest change of the read delay per sample while gliding (read speed within ×0.5…×1.5). */
const MAX_GLIDE_SPEED = 0.5;
/** The glide stops (d = T) once within this many samples of the target. */
const GLIDE_SNAP = 1e-6;
/** The filters' cutoffs stay below this fraction of fs (tan's approximation range). */
const MAX_CUTOFF_RATIO = 0.49;

const decl = defineModule({
  type: 'delay',
  doc:
    'Stereo echo: `time` (ms or a note value), `feedback`, one-pole `lowcut`/`highcut` inside the loop (each repeat darker), ' +
    'mode mono | stereo | pingpong, tape-style glide on time changes, optional `wow`. A patch may close a feedback loop through it: ' +
    'loop delay 1 ms; shortest echo floor(fs/1000) + 2 samples (1.04 ms); the dry part of `mix` is 1 ms late (floor(fs/1000) samples).',
  params: [
    {
      id: 'time', unit: 'ms', min: 1, max: MAX_TIME_MS, default: 300, smoothingMs: 0, scale: 'exp', tempoSync: true,
      doc: 'Delay time, or a note value (`1/8.`) that follows the tempo. Changes glide (time constant 30 ms, read speed ×0.5…×1.5). Below floor(fs/1000) + 2 samples it reads as that.',
    },
    { id: 'feedback', unit: 'ratio', min: 0, max: 0.99, default: 0.4, smoothingMs: 10, doc: 'Level of each repeat relative to the previous one (before the tone filters).' },
    { id: 'mix', unit: 'ratio', min: 0, max: 1, default: 0.35, smoothingMs: 10, doc: 'Dry/wet: 0 = dry only (1 ms late), 1 = echoes only.' },
    { id: 'lowcut', unit: 'Hz', min: 20, max: 2000, default: 20, smoothingMs: 20, scale: 'exp', doc: 'One-pole high-pass inside the loop (each repeat thinner); 20 = open.' },
    { id: 'highcut', unit: 'Hz', min: 500, max: 20000, default: 20000, smoothingMs: 20, scale: 'exp', doc: 'One-pole low-pass inside the loop (each repeat darker); 20000 = open.' },
    {
      id: 'mode', unit: 'enum', min: 0, max: 2, default: 1, smoothingMs: 0, labels: DELAY_MODES, modulatable: false,
      doc: 'mono: one echo on both sides from (left + right)/2; stereo: each side its own; pingpong: echoes alternate left, right from (left + right)/2.',
    },
    { id: 'wow', unit: 'ms', min: 0, max: MAX_WOW_MS, default: 0, smoothingMs: 20, doc: 'Depth of the sine modulation of the read delay (tape wow/flutter); 0 = off.' },
    { id: 'wow_rate', unit: 'Hz', min: 0.05, max: 20, default: 1, smoothingMs: 20, scale: 'exp', doc: 'Rate of the wow modulation (below 4 Hz wow, above flutter).' },
  ],
  inputs: [
    { id: 'left', doc: 'Left (or mono) audio in.' },
    { id: 'right', doc: 'Right audio in; when not connected it takes `left`.' },
  ],
  outputs: [
    { id: 'left', doc: 'Left: dry and echoes.' },
    { id: 'right', doc: 'Right: dry and echoes.' },
  ],
  silentInSilentOut: true,
  loopDelayMs: LOOP_DELAY_MS,
  // The dry path comes out of the line too (renderOutput never reads the inputs): L samples late.
  latency: { ms: LOOP_DELAY_MS },
});

/**
 * Constants for tests and docs, as one frozen object: hot loops read the module-local bindings
 * (an exported binding is a module cell, and a double read from one was measured to box).
 */
export const DELAY_CONSTANTS = Object.freeze({ glideTimeMs: GLIDE_TIME_MS, maxGlideSpeed: MAX_GLIDE_SPEED });

const P = decl.param;
const IN = decl.input;
const OUT = decl.output;

// State layout.
const S_WRITE = 0; // ring index of the next sample acceptInput writes
const S_DELAY = 1; // glided read delay d (samples)
const S_STARTED = 2; // 1 once d has been set to the first target
const S_WOW_PHASE = 3; // wow phase φ in [0, 1)
const S_HP_L = 4; // filter integrator states
const S_LP_L = 5;
const S_HP_R = 6;
const S_LP_R = 7;
const S_LOWCUT_HZ = 8; // the cutoffs the cached coefficients belong to
const S_HP_G = 9;
const S_HIGHCUT_HZ = 10;
const S_LP_G = 11;
const STATE_SIZE = 12;

// Module-local copies of imported constants (V8 folds these in hot loops, not imported ones).
const FLUSH = LIB_FLUSH_LEVEL;
const LFO_S3 = LIB_LFO_S3;
const LFO_S5 = LIB_LFO_S5;
const LFO_S7 = LIB_LFO_S7;
const LFO_S9 = LIB_LFO_S9;
const LFO_S11 = LIB_LFO_S11;
const TWO_PI = 2 * Math.PI;

export class DelayKernel extends LoopBreakingKernel {
  readonly state = new Float64Array(STATE_SIZE);
  readonly loopDelaySamples: number;
  private readonly lineL: Float32Array;
  private readonly lineR: Float32Array;
  private readonly mask: number;
  /** Rings holding the dry input for L samples (same write index, smaller mask). */
  private readonly dryL: Float32Array;
  private readonly dryR: Float32Array;
  private readonly dryMask: number;
  /** Line reads of the current chunk: written by renderOutput, read by acceptInput. */
  private readonly readL: Float64Array;
  private readonly readR: Float64Array;
  /** Read delay per sample of the current chunk (scratch of renderOutput). */
  private readonly delays: Float64Array;
  private readonly extra: readonly Float32Array[];
  private readonly msToSamples: number;
  private readonly invSampleRate: number;
  /** Shortest read delay, L + 2 samples. */
  private readonly minDelay: number;
  /** Longest target delay (the `time` maximum) and longest read delay (plus wow). */
  private readonly maxTarget: number;
  private readonly maxRead: number;
  private readonly glideCoef: number;
  private readonly maxCutoff: number;

  constructor(ctx: KernelContext, io: KernelIo) {
    super(ctx, io);
    const fs = ctx.sampleRate;
    this.loopDelaySamples = Math.max(1, Math.floor((LOOP_DELAY_MS * fs) / 1000));
    this.msToSamples = fs / 1000;
    this.invSampleRate = 1 / fs;
    this.minDelay = this.loopDelaySamples + 2;
    this.maxTarget = MAX_TIME_MS * this.msToSamples;
    this.maxRead = (MAX_TIME_MS + MAX_WOW_MS) * this.msToSamples;
    const size = ringLength(Math.ceil(this.maxRead));
    this.mask = size - 1;
    this.lineL = new Float32Array(size);
    this.lineR = new Float32Array(size);
    const drySize = ringLength(this.loopDelaySamples);
    this.dryMask = drySize - 1;
    this.dryL = new Float32Array(drySize);
    this.dryR = new Float32Array(drySize);
    this.readL = new Float64Array(ctx.maxBlock);
    this.readR = new Float64Array(ctx.maxBlock);
    this.delays = new Float64Array(ctx.maxBlock);
    this.extra = [this.lineL, this.lineR, this.dryL, this.dryR];
    this.glideCoef = 1 - Math.exp(-1000 / (GLIDE_TIME_MS * fs));
    this.maxCutoff = MAX_CUTOFF_RATIO * fs;
  }

  protected override extraStateArrays(): readonly Float32Array[] {
    return this.extra;
  }

  renderOutput(start: number, end: number): void {
    this.computeDelays(start, end);
    const mode = this.io.params[P.mode];
    let i = start;
    while (i < end) {
      const runEnd = enumRunEnd(mode, i, end);
      this.renderRun(start, i, runEnd, enumIndexAt(mode, i, 3));
      i = runEnd;
    }
  }

  acceptInput(start: number, end: number): void {
    const mode = this.io.params[P.mode];
    let i = start;
    while (i < end) {
      const runEnd = enumRunEnd(mode, i, end);
      this.acceptRun(start, i, runEnd, enumIndexAt(mode, i, 3));
      i = runEnd;
    }
    const st = this.state;
    st[S_WRITE] = (st[S_WRITE] + (end - start)) & this.mask;
  }

  /** The read delay of every sample of [start, end) into `delays`: glide, then wow. */
  private computeDelays(start: number, end: number): void {
    const st = this.state;
    const params = this.io.params;
    const time = params[P.time];
    const tc = time.isConstant;
    const tv = time.value;
    const tb = time.buffer;
    const wowP = params[P.wow];
    const wc = wowP.isConstant;
    const wv = wowP.value;
    const wb = wowP.buffer;
    const rateP = params[P.wow_rate];
    const rc = rateP.isConstant;
    const rv = rateP.value;
    const rb = rateP.buffer;
    const delays = this.delays;
    const msToSamples = this.msToSamples;
    const invFs = this.invSampleRate;
    const minDelay = this.minDelay;
    const maxTarget = this.maxTarget;
    const maxRead = this.maxRead;
    const glideCoef = this.glideCoef;
    let d = st[S_DELAY];
    let started = st[S_STARTED];
    let phase = st[S_WOW_PHASE];
    for (let i = start; i < end; i++) {
      let target = (tc ? tv : tb[i]) * msToSamples;
      target = target < minDelay ? minDelay : target > maxTarget ? maxTarget : target;
      if (started === 0) {
        d = target;
        started = 1;
      } else if (d !== target) {
        let step = (target - d) * glideCoef;
        step = step > MAX_GLIDE_SPEED ? MAX_GLIDE_SPEED : step < -MAX_GLIDE_SPEED ? -MAX_GLIDE_SPEED : step;
        d += step;
        if (d - target < GLIDE_SNAP && target - d < GLIDE_SNAP) d = target;
      }
      let delay = d;
      const wowMs = wc ? wv : wb[i];
      if (wowMs > 0) {
        // sin(2π·phase): lfoSinTurns (lib/delay-line.ts) written out; phase ∈ [0, 1).
        let r = phase < 0.5 ? phase : phase - 1;
        if (r > 0.25) r = 0.5 - r;
        else if (r < -0.25) r = -0.5 - r;
        const t = TWO_PI * r;
        const y = t * t;
        const s = t * (1 + LFO_S3 * y + y * y * (LFO_S5 + LFO_S7 * y + y * y * (LFO_S9 + LFO_S11 * y)));
        delay += wowMs * msToSamples * s;
        delay = delay < minDelay ? minDelay : delay > maxRead ? maxRead : delay;
      }
      delays[i] = delay;
      phase += (rc ? rv : rb[i]) * invFs;
      if (phase >= 1) phase -= 1;
    }
    st[S_DELAY] = d;
    st[S_STARTED] = started;
    st[S_WOW_PHASE] = phase;
  }

  /** Outputs over [from, to) of the chunk that starts at `chunkStart`, all in `mode`. */
  private renderRun(chunkStart: number, from: number, to: number, mode: number): void {
    const st = this.state;
    const mixP = this.io.params[P.mix];
    const mc = mixP.isConstant;
    const mv = mixP.value;
    const mb = mixP.buffer;
    const outL = this.io.outputs[OUT.left];
    const outR = this.io.outputs[OUT.right];
    const lineL = this.lineL;
    const lineR = this.lineR;
    const mask = this.mask;
    const dryL = this.dryL;
    const dryR = this.dryR;
    const dryMask = this.dryMask;
    const readL = this.readL;
    const readR = this.readR;
    const delays = this.delays;
    // Ring position of sample i is base + i (mod size); base ≥ size keeps read positions > 0.
    const base = (st[S_WRITE] | 0) + mask + 1 - chunkStart;
    const dryBase = base - this.loopDelaySamples;
    if (mode === MODE_MONO) {
      for (let i = from; i < to; i++) {
        // Hermite read at base + i − delay (lib/delay-line.ts hermite4 written out).
        const q = base + i - delays[i];
        const k = q | 0;
        const f = q - k;
        const a = lineL[(k - 1) & mask];
        const b = lineL[k & mask];
        const c = lineL[(k + 1) & mask];
        const e = lineL[(k + 2) & mask];
        const r = (((0.5 * (e - a) + 1.5 * (b - c)) * f + (a - 2.5 * b + 2 * c - 0.5 * e)) * f + 0.5 * (c - a)) * f + b;
        readL[i] = r;
        const m = mc ? mv : mb[i];
        const dryIndex = (dryBase + i) & dryMask;
        outL[i] = (1 - m) * dryL[dryIndex] + m * r;
        outR[i] = (1 - m) * dryR[dryIndex] + m * r;
      }
      return;
    }
    for (let i = from; i < to; i++) {
      const q = base + i - delays[i];
      const k = q | 0;
      const f = q - k;
      let a = lineL[(k - 1) & mask];
      let b = lineL[k & mask];
      let c = lineL[(k + 1) & mask];
      let e = lineL[(k + 2) & mask];
      const rl = (((0.5 * (e - a) + 1.5 * (b - c)) * f + (a - 2.5 * b + 2 * c - 0.5 * e)) * f + 0.5 * (c - a)) * f + b;
      a = lineR[(k - 1) & mask];
      b = lineR[k & mask];
      c = lineR[(k + 1) & mask];
      e = lineR[(k + 2) & mask];
      const rr = (((0.5 * (e - a) + 1.5 * (b - c)) * f + (a - 2.5 * b + 2 * c - 0.5 * e)) * f + 0.5 * (c - a)) * f + b;
      readL[i] = rl;
      readR[i] = rr;
      const m = mc ? mv : mb[i];
      const dryIndex = (dryBase + i) & dryMask;
      outL[i] = (1 - m) * dryL[dryIndex] + m * rl;
      outR[i] = (1 - m) * dryR[dryIndex] + m * rr;
    }
  }

  /** Writes inputs and feedback over [from, to) of the chunk that starts at `chunkStart`. */
  private acceptRun(chunkStart: number, from: number, to: number, mode: number): void {
    const st = this.state;
    const params = this.io.params;
    const fbP = params[P.feedback];
    const fc = fbP.isConstant;
    const fv = fbP.value;
    const fbb = fbP.buffer;
    const lowP = params[P.lowcut];
    const lc = lowP.isConstant;
    const lv = lowP.value;
    const lb = lowP.buffer;
    const highP = params[P.highcut];
    const hc = highP.isConstant;
    const hv = highP.value;
    const hb = highP.buffer;
    const inL = this.io.inputs[IN.left].buffer;
    const rightPort = this.io.inputs[IN.right];
    const inR = rightPort.connected ? rightPort.buffer : inL;
    const lineL = this.lineL;
    const lineR = this.lineR;
    const mask = this.mask;
    const dryL = this.dryL;
    const dryR = this.dryR;
    const dryMask = this.dryMask;
    const readL = this.readL;
    const readR = this.readR;
    const piOverFs = Math.PI * this.invSampleRate;
    const maxCutoff = this.maxCutoff;
    const base = (st[S_WRITE] | 0) + mask + 1 - chunkStart;
    let lowHz = st[S_LOWCUT_HZ];
    let gHp = st[S_HP_G];
    let highHz = st[S_HIGHCUT_HZ];
    let gLp = st[S_LP_G];
    let hpL = st[S_HP_L];
    let lpL = st[S_LP_L];
    let hpR = st[S_HP_R];
    let lpR = st[S_LP_R];
    for (let i = from; i < to; i++) {
      // Cached coefficients: G = g/(1 + g), g = tan(π·fc/fs) by lib/fast-math.ts's Padé form.
      const lowNow = lc ? lv : lb[i];
      if (lowNow !== lowHz) {
        lowHz = lowNow;
        const w = piOverFs * (lowNow < maxCutoff ? lowNow : maxCutoff);
        const y = w * w;
        const g = (w * (135135 + y * (-17325 + y * (378 - y)))) / (135135 + y * (-62370 + y * (3150 - 28 * y)));
        gHp = g / (1 + g);
      }
      const highNow = hc ? hv : hb[i];
      if (highNow !== highHz) {
        highHz = highNow;
        const w = piOverFs * (highNow < maxCutoff ? highNow : maxCutoff);
        const y = w * w;
        const g = (w * (135135 + y * (-17325 + y * (378 - y)))) / (135135 + y * (-62370 + y * (3150 - 28 * y)));
        gLp = g / (1 + g);
      }
      const xl = inL[i];
      const xr = inR[i];
      const pos = (base + i) & mask;
      const dryIndex = pos & dryMask;
      dryL[dryIndex] = xl;
      dryR[dryIndex] = xr;
      const fb = fc ? fv : fbb[i];
      let uL: number;
      let uR: number;
      if (mode === MODE_MONO) {
        uL = 0.5 * (xl + xr) + fb * readL[i];
        uR = 0;
      } else if (mode === MODE_STEREO) {
        uL = xl + fb * readL[i];
        uR = xr + fb * readR[i];
      } else {
        uL = 0.5 * (xl + xr) + fb * readR[i];
        uR = fb * readL[i];
      }
      // Left (or mono) tone: high-pass (u − its low-pass), then low-pass; TPT one-poles.
      let v = (uL - hpL) * gHp;
      let lo = v + hpL;
      hpL = lo + v;
      const h = uL - lo;
      v = (h - lpL) * gLp;
      let wL = v + lpL;
      lpL = wL + v;
      if (!(wL >= FLUSH || wL <= -FLUSH)) wL = 0;
      if (!(hpL >= FLUSH || hpL <= -FLUSH)) hpL = 0;
      if (!(lpL >= FLUSH || lpL <= -FLUSH)) lpL = 0;
      lineL[pos] = wL;
      if (mode === MODE_MONO) {
        lineR[pos] = wL;
        continue;
      }
      v = (uR - hpR) * gHp;
      lo = v + hpR;
      hpR = lo + v;
      const hr = uR - lo;
      v = (hr - lpR) * gLp;
      let wR = v + lpR;
      lpR = wR + v;
      if (!(wR >= FLUSH || wR <= -FLUSH)) wR = 0;
      if (!(hpR >= FLUSH || hpR <= -FLUSH)) hpR = 0;
      if (!(lpR >= FLUSH || lpR <= -FLUSH)) lpR = 0;
      lineR[pos] = wR;
    }
    // Mono runs keep the right side's filters in step with the left (a later switch continues).
    if (mode === MODE_MONO) {
      hpR = hpL;
      lpR = lpL;
    }
    st[S_LOWCUT_HZ] = lowHz;
    st[S_HP_G] = gHp;
    st[S_HIGHCUT_HZ] = highHz;
    st[S_LP_G] = gLp;
    st[S_HP_L] = hpL;
    st[S_LP_L] = lpL;
    st[S_HP_R] = hpR;
    st[S_LP_R] = lpR;
  }
}

export const delayModule = decl.withKernel(DelayKernel);
