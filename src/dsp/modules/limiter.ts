// limiter: stereo-linked lookahead brickwall limiter. No output sample ever exceeds the ceiling.
//
// Sources: U. Zölzer (ed.), DAFX: Digital Audio Effects, 2nd ed., Wiley 2011, ch. 4 "Nonlinear
// processing" (the limiter: a gain computed from the peak level, applied to the signal delayed
// by a lookahead); the gain smoothing that makes it a true brickwall (a moving minimum, then
// cascaded moving averages no longer than it) after G. Luff, "Designing a straightforward
// limiter", Signalsmith Audio 2022, https://signalsmith-audio.co.uk/writing/2022/limiter/; the
// moving minimum by a monotonic deque (D. Lemire, "Streaming maximum-minimum filter using no
// more than three comparisons per element", Nordic J. Computing 13(4), 2006).
// With D = round(lookahead · fs / 1000) samples, per sample n:
//   1. r[n] = min(1, ct / max(|left[n]|, |right[n]|)): the gain that keeps sample n under the
//      ceiling (ct = the ceiling, see "Bounds" below).
//   2. Release: e[n] = min(r[n], 2^(α_R · log2 e[n−1])), α_R = exp(−1/(release·fs)): the gain
//      recovers towards unity as a one-pole in the log domain (its dB reduction covers 1 − 1/e
//      of the way back in `release` ms); log2 e above −1e-9 snaps to 0 (exact unity again, no
//      subnormal tail). log2 and 2^x by lib/fast-math.ts's log2Approx and exp2Approx written
//      out (their errors only shape the release curve: the min with r[n] is exact).
//   3. Hold: m[n] = min(e[n−D] … e[n]) (a monotonic deque, amortised O(1)).
//   4. Attack ramp: two moving averages in cascade, of a = ⌊D/2⌋ + 1 and b = D − ⌊D/2⌋ + 1
//      samples ((a − 1) + (b − 1) = D): g[n] = mean over i < b, j < a of m[n − i − j], a
//      piecewise-quadratic (C¹) ramp of D samples ahead of every peak.
//   5. y[n] = g[n] · x[n − D].
// Why it is a brickwall: every m[n − i − j] with i + j ≤ D holds the minimum over a window that
// contains sample n − D, so each is ≤ r[n − D], and so is their mean: |y[n]| ≤ ct.
// Exactness: the moving sums run on m quantised down to multiples of 2^−Q (Q chosen so every
// partial sum is an integer multiple below 2^53: exact in doubles, no drift however long it
// runs). Below the ceiling every m is 1, the sums are exactly a and a·b, g = 1 and the output
// is the input delayed by exactly D samples, bit for bit.
// Bounds: cf = a float32 one or two ulp below 10^(ceiling/20) (fround(c·(1 − 2^−23))), and
// ct = cf·(1 − 2^−40): the rounding of steps 1–5 (a few 2^−53) stays below that margin, so the
// float32 output never exceeds cf, which is below the ceiling.
// A final clamp to ±cf (at the ceiling of the output sample's time) only acts when the ceiling
// was lowered during the last D samples; it counts those samples in `clampedSamples`.
//
// Latency: D samples, D = round(lookahead·fs/1000), at most round(20 ms·fs/1000). A change of
// `lookahead` takes effect at the next multiple of 32 samples of the module's running time
// (the hold and averages are rebuilt then from the stored gains, exactly as if D had always
// been the new value, so the ceiling still holds; the delay jumps, which is audible, as with
// any latency change).
//
// Threading: render thread. process() allocates nothing; all memory is allocated in the
// constructor and returned by extraStateArrays() (snapshot/restore and reset are exact).

import { Kernel } from '../kernel.js';
import type { KernelContext, KernelIo } from '../kernel.js';
import { defineModule } from '../define.js';
import {
  EXP2_C1 as LIB_E1, EXP2_C2 as LIB_E2, EXP2_C3 as LIB_E3, EXP2_C4 as LIB_E4, EXP2_C5 as LIB_E5, EXP2_C6 as LIB_E6, EXP2_C7 as LIB_E7,
  EXP2_INT, EXP2_RANGE, HIGH_WORD,
  LOG2_C1 as LIB_L1, LOG2_C3 as LIB_L3, LOG2_C5 as LIB_L5, LOG2_C7 as LIB_L7, LOG2_C9 as LIB_L9,
} from '../lib/fast-math.js';

export const LIMITER_MAX_LOOKAHEAD_MS = 20;

const decl = defineModule({
  type: 'limiter',
  doc:
    'Lookahead brickwall limiter, stereo linked: no output sample exceeds `ceiling`. The gain is held at the ' +
    'minimum needed over the lookahead and ramped smoothly ahead of each peak; output is delayed by ' +
    'round(lookahead · fs / 1000) samples and is an exact delayed copy of the input while below the ceiling.',
  params: [
    { id: 'ceiling', unit: 'dB', min: -40, max: 0, default: -1, smoothingMs: 20, doc: 'Highest output level (dBFS), never exceeded.' },
    { id: 'lookahead', unit: 'ms', min: 0, max: LIMITER_MAX_LOOKAHEAD_MS, default: 5, smoothingMs: 0, modulatable: false, doc: 'Lookahead = latency: D = round(lookahead · fs / 1000) samples; the gain ramps down over these D samples before a peak. Changes apply at the next multiple of 32 samples.' },
    { id: 'release', unit: 'ms', min: 1, max: 5000, default: 100, smoothingMs: 0, scale: 'exp', doc: 'Release time constant: the gain reduction (dB) covers 1 − 1/e (63 %) of its way back to 0 dB in this time.' },
  ],
  inputs: [
    { id: 'left', doc: 'Left audio input (a mono source feeds both sides).' },
    { id: 'right', doc: 'Right audio input.' },
  ],
  outputs: [
    { id: 'left', doc: 'Limited left channel, delayed by the lookahead.' },
    { id: 'right', doc: 'Limited right channel, delayed by the lookahead.' },
  ],
  silentInSilentOut: true,
  latency: { param: 'lookahead' },
});

const P = decl.param;
const IN = decl.input;
const OUT = decl.output;

/** Lookahead changes are picked up when the running sample count is a multiple of this. */
export const LIMITER_CONTROL_PERIOD = 32;
const CONTROL_MASK = LIMITER_CONTROL_PERIOD - 1;
/** log2(gain) above −this snaps to 0 (unity). */
const LOG_GAIN_SNAP = 1e-9;
// lib/fast-math.ts constants as module-local bindings (V8 folds those in hot code, not imported ones).
const E1 = LIB_E1;
const E2 = LIB_E2;
const E3 = LIB_E3;
const E4 = LIB_E4;
const E5 = LIB_E5;
const E6 = LIB_E6;
const E7 = LIB_E7;
const EXP2_TABLE = EXP2_INT;
const EXP2_LIMIT = 64;
const L1 = LIB_L1;
const L3 = LIB_L3;
const L5 = LIB_L5;
const L7 = LIB_L7;
const L9 = LIB_L9;
const HI = 1;
const SQRT2 = Math.SQRT2;
if (EXP2_LIMIT !== EXP2_RANGE || HI !== HIGH_WORD) throw new Error('limiter: fast-math constants out of sync');
const NEPER_PER_DB = Math.LN10 / 20;
/** ct = cf · CEILING_MARGIN: room for the rounding of the gain path (a few 2^−53). */
const CEILING_MARGIN = 1 - 2 ** -40;
/** Takes a ceiling ≥ 2 float32 ulp down before rounding, so cf ≤ the ceiling. */
const FLOAT32_DOWN = 1 - 2 ** -23;

// State layout (scalars).
const S_COUNT = 0; // samples processed (the deque's time index)
const S_POS = 1; // ring slot of the current sample: count & ringMask
const S_D = 2; // current lookahead in samples (−1 before the first sample)
const S_A = 3; // first moving-average length
const S_B = 4; // second moving-average length
const S_AB = 5; // a·b
const S_HEAD = 6; // deque head (ring slot counter)
const S_TAIL = 7; // deque tail (one past the last entry)
const S_SUM1 = 8; // Σ_{j<a} mq[n − j]
const S_SUM2 = 9; // Σ_{i<b} sum1[n − i]
const S_LOG_GAIN = 10; // log2 e[n] (≤ 0)
const S_REL_KEY = 11; // release ms → α_R
const S_REL = 12;
const S_CEIL_KEY = 13; // ceiling dB → cf, ct
const S_CF = 14;
const S_CT = 15;
const S_CLAMPED = 16; // samples whose output the final clamp changed
const STATE_SIZE = 17;

function nextPowerOfTwo(n: number): number {
  let p = 1;
  while (p < n) p *= 2;
  return p;
}

export class LimiterKernel extends Kernel {
  readonly state = new Float64Array(STATE_SIZE);
  /** Largest lookahead in samples at this rate. */
  readonly maxLookahead: number;
  private readonly samplesPerMs: number;
  private readonly invSampleRate: number;
  private readonly ringMask: number;
  private readonly dequeMask: number;
  /** 2^Q and 2^−Q: the quantum of the held gains (see the header). */
  private readonly quantScale: number;
  private readonly quantStep: number;
  private readonly delayL: Float32Array;
  private readonly delayR: Float32Array;
  /** e[n] (gain after release) by ring slot. */
  private readonly gains: Float64Array;
  /** mq[n] (held gain, quantised) by ring slot. */
  private readonly held: Float64Array;
  /** sum1[n] by ring slot. */
  private readonly sums: Float64Array;
  private readonly dequeValue: Float64Array;
  private readonly dequeTime: Float64Array;
  private readonly memory: readonly (Float64Array | Float32Array)[];
  /** One double and its two 32-bit words, for log2Approx's exponent and mantissa (scratch). */
  private readonly bitsValue = new Float64Array(1);
  private readonly bitsWords = new Int32Array(this.bitsValue.buffer);

  constructor(ctx: KernelContext, io: KernelIo) {
    super(ctx, io);
    this.samplesPerMs = ctx.sampleRate / 1000;
    this.invSampleRate = 1 / ctx.sampleRate;
    this.maxLookahead = Math.round(LIMITER_MAX_LOOKAHEAD_MS * this.samplesPerMs);
    const ringSize = nextPowerOfTwo(Math.max(2 * this.maxLookahead + 2, 2 * LIMITER_CONTROL_PERIOD));
    const dequeSize = nextPowerOfTwo(this.maxLookahead + 2);
    this.ringMask = ringSize - 1;
    this.dequeMask = dequeSize - 1;
    // Partial sums reach (a + 1)·b ≤ (maxLookahead + 2)² quanta: keep them below 2^53.
    const q = Math.min(40, 52 - Math.ceil(Math.log2((this.maxLookahead + 2) * (this.maxLookahead + 2))));
    this.quantScale = 2 ** q;
    this.quantStep = 2 ** -q;
    this.delayL = new Float32Array(ringSize);
    this.delayR = new Float32Array(ringSize);
    this.gains = new Float64Array(ringSize);
    this.held = new Float64Array(ringSize);
    this.sums = new Float64Array(ringSize);
    this.dequeValue = new Float64Array(dequeSize);
    this.dequeTime = new Float64Array(dequeSize);
    this.memory = [this.delayL, this.delayR, this.gains, this.held, this.sums, this.dequeValue, this.dequeTime];
    this.init();
  }

  /** Output samples the final clamp changed (a ceiling lowered within the lookahead). */
  get clampedSamples(): number {
    return this.state[S_CLAMPED];
  }

  /** Current latency in samples (−1 before the first sample). */
  get lookaheadSamples(): number {
    return this.state[S_D];
  }

  protected override extraStateArrays(): readonly (Float64Array | Float32Array)[] {
    return this.memory;
  }

  protected override init(): void {
    const s = this.state;
    s[S_D] = -1;
    s[S_REL_KEY] = -1;
    s[S_CEIL_KEY] = 1; // above the param range: never matches
    this.gains.fill(1); // the past before the first sample: unity gain
  }

  process(start: number, end: number): void {
    const io = this.io;
    const outL = io.outputs[OUT.left];
    const outR = io.outputs[OUT.right];
    const inL = io.inputs[IN.left].buffer;
    const inR = io.inputs[IN.right].buffer;
    const ceilP = io.params[P.ceiling];
    const lookP = io.params[P.lookahead];
    const relP = io.params[P.release];
    const ceilConst = ceilP.isConstant;
    const ceilValue = ceilP.value;
    const ceilBuf = ceilP.buffer;
    const lookConst = lookP.isConstant;
    const lookValue = lookP.value;
    const lookBuf = lookP.buffer;
    const relConst = relP.isConstant;
    const relValue = relP.value;
    const relBuf = relP.buffer;
    const delayL = this.delayL;
    const delayR = this.delayR;
    const gains = this.gains;
    const held = this.held;
    const sums = this.sums;
    const dqValue = this.dequeValue;
    const dqTime = this.dequeTime;
    const ringMask = this.ringMask;
    const dqMask = this.dequeMask;
    const quantScale = this.quantScale;
    const quantStep = this.quantStep;
    const samplesPerMs = this.samplesPerMs;
    const maxD = this.maxLookahead;
    const inv = this.invSampleRate;
    const bitsValue = this.bitsValue;
    const bitsWords = this.bitsWords;

    const s = this.state;
    let count = s[S_COUNT];
    let pos = s[S_POS] | 0;
    let d = s[S_D] | 0;
    let a = s[S_A] | 0;
    let b = s[S_B] | 0;
    let ab = s[S_AB];
    let head = s[S_HEAD] | 0;
    let tail = s[S_TAIL] | 0;
    let sum1 = s[S_SUM1];
    let sum2 = s[S_SUM2];
    let logGain = s[S_LOG_GAIN];
    let relKey = s[S_REL_KEY];
    let aR = s[S_REL];
    let ceilKey = s[S_CEIL_KEY];
    let cf = s[S_CF];
    let ct = s[S_CT];
    let clamped = s[S_CLAMPED];
    let sq = 0; // Kernel.outputCheck: sum of the squares written

    for (let i = start; i < end; i++) {
      const xl = inL[i];
      const xr = inR[i];
      delayL[pos] = xl;
      delayR[pos] = xr;

      const c = ceilConst ? ceilValue : ceilBuf[i];
      if (c !== ceilKey) {
        ceilKey = c;
        cf = Math.fround(Math.exp(c * NEPER_PER_DB) * FLOAT32_DOWN);
        ct = cf * CEILING_MARGIN;
      }

      // 1–2: release towards unity (log domain), then the gain this sample needs.
      let gain = 1;
      if (logGain !== 0) {
        const r = relConst ? relValue : relBuf[i];
        if (r !== relKey) {
          relKey = r;
          aR = Math.exp(-1000 * inv / r);
        }
        logGain *= aR;
        if (logGain > -LOG_GAIN_SNAP) {
          logGain = 0;
        } else {
          // gain = exp2Approx(logGain) (lib/fast-math.ts) written out.
          const x = logGain > -EXP2_LIMIT ? logGain : -EXP2_LIMIT;
          const n = Math.round(x);
          const f = x - n;
          gain = (1 + f * (E1 + f * (E2 + f * (E3 + f * (E4 + f * (E5 + f * (E6 + f * E7))))))) * EXP2_TABLE[n + EXP2_LIMIT];
        }
      }
      const al = xl < 0 ? -xl : xl;
      const ar = xr < 0 ? -xr : xr;
      const peak = al > ar ? al : ar;
      if (peak > ct) {
        const needed = ct / peak;
        if (needed < gain) {
          gain = needed;
          // logGain = log2Approx(needed) (lib/fast-math.ts) written out (needed is a normal double).
          bitsValue[0] = needed;
          const hi = bitsWords[HI];
          let e = (hi >> 20) - 1023;
          bitsWords[HI] = (hi & 0x000fffff) | 0x3ff00000;
          let m = bitsValue[0];
          if (m > SQRT2) {
            m *= 0.5;
            e += 1;
          }
          const z = (m - 1) / (m + 1);
          const z2 = z * z;
          logGain = e + z * (L1 + z2 * (L3 + z2 * (L5 + z2 * (L7 + z2 * L9))));
        }
      }
      gains[pos] = gain;

      // 3–4: hold and moving averages; rebuilt when the lookahead changes.
      let rebuild = false;
      if ((pos & CONTROL_MASK) === 0) {
        let wanted = Math.round((lookConst ? lookValue : lookBuf[i]) * samplesPerMs);
        wanted = wanted < 0 ? 0 : wanted > maxD ? maxD : wanted;
        if (wanted !== d) {
          d = wanted;
          a = (d >> 1) + 1;
          b = d - (a - 1) + 1;
          ab = a * b;
          rebuild = true;
        }
      }
      if (rebuild) {
        // Replay e[n − 2D … n] through a fresh deque: m, mq, sum1, sum2 as if D had always held.
        head = 0;
        tail = 0;
        sum1 = 0;
        sum2 = 0;
        for (let k = -2 * d; k <= 0; k++) {
          const slot = (pos + k) & ringMask;
          const v = gains[slot];
          const time = count + k;
          while (tail > head && dqValue[(tail - 1) & dqMask] >= v) tail--;
          dqValue[tail & dqMask] = v;
          dqTime[tail & dqMask] = time;
          tail++;
          while (dqTime[head & dqMask] < time - d) head++;
          if (k >= -d) {
            const mq = Math.floor(dqValue[head & dqMask] * quantScale) * quantStep;
            held[slot] = mq;
            sum1 += mq;
            if (k - a >= -d) sum1 -= held[(pos + k - a) & ringMask];
            if (k > -b) {
              sums[slot] = sum1;
              sum2 += sum1;
            }
          }
        }
      } else {
        while (tail > head && dqValue[(tail - 1) & dqMask] >= gain) tail--;
        dqValue[tail & dqMask] = gain;
        dqTime[tail & dqMask] = count;
        tail++;
        while (dqTime[head & dqMask] < count - d) head++;
        const mq = Math.floor(dqValue[head & dqMask] * quantScale) * quantStep;
        held[pos] = mq;
        sum1 += mq - held[(pos - a) & ringMask];
        sums[pos] = sum1;
        sum2 += sum1 - sums[(pos - b) & ringMask];
      }
      if (head > dqMask) {
        head -= dqMask + 1;
        tail -= dqMask + 1;
      }
      const g = sum2 / ab;

      // 5: the delayed sample under the smoothed gain; the clamp guards a lowered ceiling.
      const from = (pos - d) & ringMask;
      let yl = g * delayL[from];
      let yr = g * delayR[from];
      if (yl > cf || yl < -cf || yr > cf || yr < -cf) {
        clamped++;
        yl = yl > cf ? cf : yl < -cf ? -cf : yl;
        yr = yr > cf ? cf : yr < -cf ? -cf : yr;
      }
      outL[i] = yl;
      outR[i] = yr;
      sq += yl * yl + yr * yr;
      count++;
      pos = (pos + 1) & ringMask;
    }

    s[S_COUNT] = count;
    s[S_POS] = pos;
    s[S_D] = d;
    s[S_A] = a;
    s[S_B] = b;
    s[S_AB] = ab;
    s[S_HEAD] = head;
    s[S_TAIL] = tail;
    s[S_SUM1] = sum1;
    s[S_SUM2] = sum2;
    s[S_LOG_GAIN] = logGain;
    s[S_REL_KEY] = relKey;
    s[S_REL] = aR;
    s[S_CEIL_KEY] = ceilKey;
    s[S_CF] = cf;
    s[S_CT] = ct;
    s[S_CLAMPED] = clamped;
    this.outputCheck[0] = sq;
  }
}

export const limiterModule = decl.withKernel(LimiterKernel);
