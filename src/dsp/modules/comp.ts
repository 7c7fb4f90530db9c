// comp: feed-forward dynamic range compressor, stereo linked, with a sidechain input.
//
// Source: D. Giannoulis, M. Massberg, J. D. Reiss, "Digital Dynamic Range Compressor Design —
// A Tutorial and Analysis", J. Audio Eng. Soc. 60(6), 2012. Per sample:
//   1. Level: peak detector: level = max(|left|, |right|) (stereo link), or |sc| when the `sc`
//      input is connected; x_G = 20·log10(level) dB.
//      RMS detector: ms ← β·ms + (1 − β)·level² (one pole on the squared level, time constant
//      RMS_MS = 10 ms, the paper's RMS detector in the linear domain ahead of the gain
//      computer); x_G = 10·log10(ms). A 1 kHz sine then reads its RMS (peak − 3.01 dB) with
//      ±0.04 dB of ripple.
//   2. Gain computer (the paper's soft-knee static characteristic; knee width W around the
//      threshold T, ratio R):
//        y_G = x_G                                          2(x_G − T) < −W
//        y_G = x_G + (1/R − 1)(x_G − T + W/2)² / (2W)       2|x_G − T| ≤ W
//        y_G = T + (x_G − T)/R                              2(x_G − T) > W
//      and the gain reduction x_L = x_G − y_G ≥ 0 dB. `limit` on sets 1/R = 0 (ratio ∞:1).
//      Levels below the knee are recognised in the linear domain, so silence and quiet
//      passages cost no logarithm (x_L = 0 there, as the equation gives).
//   3. Level detector in the log domain, placed after the gain computer: the paper's smooth
//      branching peak detector:
//        y_L ← α_A·y_L + (1 − α_A)·x_L   when x_L > y_L   (attack)
//        y_L ← α_R·y_L + (1 − α_R)·x_L   otherwise         (release)
//      with α = exp(−1 / (τ·fs)), τ = `attack` or `release` in ms: as the paper defines it, the
//      time the gain reduction (in dB) takes to cover 1 − 1/e (63 %) of a step; the 10–90 %
//      time is 2.2·τ. The branching (rather than decoupled) form keeps attack and release each
//      one exponential in dB, with its own constant. y_L below 1e-12 dB snaps to 0 (no
//      subnormal tail; unity gain again after release).
//   4. Gain: 10^((makeup − y_L)/20) on both channels, so ratio 1 (or any level below the knee)
//      gives input × 10^(makeup/20) (within 1e-8 relative, then float32 rounding).
// Logarithm and power by lib/fast-math.ts's log2Approx (abs. error < 2e-9 octave = 1.2e-8 dB)
// and exp2Approx (rel. error < 1e-8), written out inline: Math.log and Math.exp would cost
// ~11 ns each per sample.
//
// Threading: render thread. process() allocates nothing: coefficients are cached in `state`
// keyed by the param value they came from (a pure function of it, so the cache never changes
// a result: block-size invariant and bit-identical for constant or per-sample params).

import { Kernel } from '../kernel.js';
import type { KernelContext, KernelIo } from '../kernel.js';
import { defineModule } from '../define.js';
import {
  EXP2_C1 as LIB_E1, EXP2_C2 as LIB_E2, EXP2_C3 as LIB_E3, EXP2_C4 as LIB_E4, EXP2_C5 as LIB_E5, EXP2_C6 as LIB_E6, EXP2_C7 as LIB_E7,
  EXP2_INT, EXP2_RANGE, HIGH_WORD,
  LOG2_C1 as LIB_L1, LOG2_C3 as LIB_L3, LOG2_C5 as LIB_L5, LOG2_C7 as LIB_L7, LOG2_C9 as LIB_L9,
} from '../lib/fast-math.js';

export const COMP_DETECTORS = ['peak', 'rms'] as const;

const decl = defineModule({
  type: 'comp',
  doc:
    'Feed-forward compressor after Giannoulis, Massberg & Reiss (JAES 2012): soft-knee gain computer in dB, ' +
    'smooth branching peak detector on the gain reduction (log domain), makeup gain. Stereo linked (detector on ' +
    'max(|left|, |right|)); the `sc` input, when connected, drives the detector instead. No latency.',
  params: [
    { id: 'threshold', unit: 'dB', min: -80, max: 0, default: -20, smoothingMs: 20, doc: 'Level (dBFS) where compression starts (centre of the knee).' },
    { id: 'ratio', unit: 'ratio', min: 1, max: 20, default: 4, smoothingMs: 20, doc: 'Compression ratio R:1 above the threshold (1 = no compression). For ∞:1 set `limit` on.' },
    { id: 'limit', unit: 'enum', min: 0, max: 1, default: 0, smoothingMs: 0, labels: ['off', 'on'], modulatable: false, doc: 'on = ratio ∞:1 (output level held at the threshold above the knee); `ratio` is then ignored.' },
    { id: 'knee', unit: 'dB', min: 0, max: 24, default: 6, smoothingMs: 20, doc: 'Width of the quadratic soft knee, centred on the threshold (0 = hard knee).' },
    { id: 'attack', unit: 'ms', min: 0.01, max: 500, default: 10, smoothingMs: 0, scale: 'exp', doc: 'Attack time constant: the gain reduction covers 1 − 1/e (63 %) of a rise in this time (10–90 %: 2.2×).' },
    { id: 'release', unit: 'ms', min: 1, max: 5000, default: 100, smoothingMs: 0, scale: 'exp', doc: 'Release time constant: the gain reduction covers 1 − 1/e (63 %) of a fall in this time (10–90 %: 2.2×).' },
    { id: 'makeup', unit: 'dB', min: -24, max: 40, default: 0, smoothingMs: 20, doc: 'Gain added after compression.' },
    { id: 'detector', unit: 'enum', min: 0, max: 1, default: 0, smoothingMs: 0, labels: COMP_DETECTORS, modulatable: false, doc: 'Level detector: peak (instantaneous |x|) or rms (mean square over a 10 ms time constant).' },
  ],
  inputs: [
    { id: 'left', doc: 'Left audio input (a mono source feeds both sides).' },
    { id: 'right', doc: 'Right audio input.' },
    { id: 'sc', doc: 'Sidechain (mono): when connected, its level drives the compression instead of the main input.' },
  ],
  outputs: [
    { id: 'left', doc: 'Compressed left channel.' },
    { id: 'right', doc: 'Compressed right channel.' },
  ],
  silentInSilentOut: true,
});

const P = decl.param;
const IN = decl.input;
const OUT = decl.output;

/** Time constant of the RMS detector's mean square (ms). */
export const RMS_MS = 10;
/** Detector state (dB of reduction) below which it snaps to 0. */
const REDUCTION_SNAP = 1e-12;
/** Mean square below which the RMS state snaps to 0 (no subnormals in silence). */
const MS_SNAP = 1e-30;
const DB_PER_OCTAVE_AMPLITUDE = 20 * Math.log10(2); // 20·log10(x) = log2(x)·this
const DB_PER_OCTAVE_POWER = 10 * Math.log10(2); // 10·log10(x) = log2(x)·this
const OCTAVES_PER_DB = Math.log2(10) / 20; // 10^(d/20) = 2^(d·this)
const NEPER_PER_DB = Math.LN10 / 20; // 10^(d/20) = exp(d·this)
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
if (EXP2_LIMIT !== EXP2_RANGE || HI !== HIGH_WORD) throw new Error('comp: fast-math constants out of sync');

// State layout. Caches hold (key, value) pairs with value = f(key) exactly; init() fills them
// with keys no param can take.
const S_YL = 0; // detector output y_L (dB of gain reduction, ≥ 0)
const S_MS = 1; // RMS detector's mean square
const S_ATK_KEY = 2; // attack ms → α_A
const S_ATK = 3;
const S_REL_KEY = 4; // release ms → α_R
const S_REL = 5;
const S_KNEE_T = 6; // (threshold, knee) → linear level and mean square where the knee starts
const S_KNEE_W = 7;
const S_KNEE_LIN = 8;
const S_KNEE_MS = 9;
const S_GAIN_KEY = 10; // makeup − y_L (dB) → linear gain
const S_GAIN = 11;
const STATE_SIZE = 12;

const DETECTOR_RMS = 1;

export class CompKernel extends Kernel {
  readonly state = new Float64Array(STATE_SIZE);
  private readonly invSampleRate: number;
  /** 1 − β of the RMS detector: weight of the new squared level. */
  private readonly rmsWeight: number;
  /** One double and its two 32-bit words, for log2Approx's exponent and mantissa (scratch). */
  private readonly bitsValue = new Float64Array(1);
  private readonly bitsWords = new Int32Array(this.bitsValue.buffer);

  constructor(ctx: KernelContext, io: KernelIo) {
    super(ctx, io);
    this.invSampleRate = 1 / ctx.sampleRate;
    this.rmsWeight = 1 - Math.exp(-1000 / (RMS_MS * ctx.sampleRate));
    this.init();
  }

  protected override init(): void {
    const s = this.state;
    s[S_ATK_KEY] = -1;
    s[S_REL_KEY] = -1;
    s[S_KNEE_W] = -1;
    s[S_GAIN_KEY] = 0;
    s[S_GAIN] = 1;
  }

  process(start: number, end: number): void {
    const io = this.io;
    const outL = io.outputs[OUT.left];
    const outR = io.outputs[OUT.right];
    const inL = io.inputs[IN.left].buffer;
    const inR = io.inputs[IN.right].buffer;
    const scPort = io.inputs[IN.sc];
    const useSc = scPort.connected;
    const sc = scPort.buffer;
    const params = io.params;
    const thrP = params[P.threshold];
    const ratioP = params[P.ratio];
    const limitP = params[P.limit];
    const kneeP = params[P.knee];
    const atkP = params[P.attack];
    const relP = params[P.release];
    const makeupP = params[P.makeup];
    const detP = params[P.detector];
    const thrConst = thrP.isConstant;
    const thrValue = thrP.value;
    const thrBuf = thrP.buffer;
    const ratioConst = ratioP.isConstant;
    const ratioValue = ratioP.value;
    const ratioBuf = ratioP.buffer;
    const limitConst = limitP.isConstant;
    const limitValue = limitP.value;
    const limitBuf = limitP.buffer;
    const kneeConst = kneeP.isConstant;
    const kneeValue = kneeP.value;
    const kneeBuf = kneeP.buffer;
    const atkConst = atkP.isConstant;
    const atkValue = atkP.value;
    const atkBuf = atkP.buffer;
    const relConst = relP.isConstant;
    const relValue = relP.value;
    const relBuf = relP.buffer;
    const makeupConst = makeupP.isConstant;
    const makeupValue = makeupP.value;
    const makeupBuf = makeupP.buffer;
    const detConst = detP.isConstant;
    const detValue = detP.value;
    const detBuf = detP.buffer;
    const inv = this.invSampleRate;
    const rmsWeight = this.rmsWeight;
    const bitsValue = this.bitsValue;
    const bitsWords = this.bitsWords;

    const s = this.state;
    let yl = s[S_YL];
    let ms = s[S_MS];
    let atkKey = s[S_ATK_KEY];
    let aA = s[S_ATK];
    let relKey = s[S_REL_KEY];
    let aR = s[S_REL];
    let kneeT = s[S_KNEE_T];
    let kneeW = s[S_KNEE_W];
    let kneeLin = s[S_KNEE_LIN];
    let kneeMs = s[S_KNEE_MS];
    let gainKey = s[S_GAIN_KEY];
    let gain = s[S_GAIN];
    let sq = 0; // Kernel.outputCheck: sum of the squares written

    for (let i = start; i < end; i++) {
      const xl = inL[i];
      const xr = inR[i];
      let level: number;
      if (useSc) {
        const v = sc[i];
        level = v < 0 ? -v : v;
      } else {
        const al = xl < 0 ? -xl : xl;
        const ar = xr < 0 ? -xr : xr;
        level = al > ar ? al : ar;
      }
      ms += rmsWeight * (level * level - ms);
      if (ms < MS_SNAP) ms = 0;

      const t = thrConst ? thrValue : thrBuf[i];
      const w = kneeConst ? kneeValue : kneeBuf[i];
      if (t !== kneeT || w !== kneeW) {
        kneeT = t;
        kneeW = w;
        kneeLin = Math.exp((t - 0.5 * w) * NEPER_PER_DB); // the knee's lower edge, linear
        kneeMs = kneeLin * kneeLin;
      }
      const rms = Math.round(detConst ? detValue : detBuf[i]) === DETECTOR_RMS;

      // Gain computer: reduction x_L (dB) from the level x_G (dB).
      let reduction = 0;
      if (rms ? ms > kneeMs : level > kneeLin) {
        // x_G = log2Approx(level or ms) (lib/fast-math.ts) written out, in dB.
        bitsValue[0] = rms ? ms : level;
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
        const log2 = e + z * (L1 + z2 * (L3 + z2 * (L5 + z2 * (L7 + z2 * L9))));
        const xg = log2 * (rms ? DB_PER_OCTAVE_POWER : DB_PER_OCTAVE_AMPLITUDE);
        const limit = (limitConst ? limitValue : limitBuf[i]) >= 0.5;
        const slope = limit ? 1 : 1 - 1 / (ratioConst ? ratioValue : ratioBuf[i]); // 1 − 1/R
        const d = xg - t;
        if (2 * d >= w) {
          reduction = slope * d;
        } else if (2 * d > -w) {
          const u = d + 0.5 * w;
          reduction = (slope * u * u) / (2 * w);
        }
      }

      // Smooth branching peak detector (log domain).
      if (reduction > yl) {
        const a = atkConst ? atkValue : atkBuf[i];
        if (a !== atkKey) {
          atkKey = a;
          aA = Math.exp(-1000 * inv / a);
        }
        yl = aA * yl + (1 - aA) * reduction;
      } else {
        const r = relConst ? relValue : relBuf[i];
        if (r !== relKey) {
          relKey = r;
          aR = Math.exp(-1000 * inv / r);
        }
        yl = aR * yl + (1 - aR) * reduction;
        if (yl < REDUCTION_SNAP) yl = 0;
      }

      const g = (makeupConst ? makeupValue : makeupBuf[i]) - yl;
      if (g !== gainKey) {
        gainKey = g;
        // gain = exp2Approx(g · log2(10)/20) (lib/fast-math.ts) written out: 10^(g/20).
        let x = g * OCTAVES_PER_DB;
        if (!(x > -EXP2_LIMIT)) x = -EXP2_LIMIT;
        else if (x > EXP2_LIMIT) x = EXP2_LIMIT;
        const n = Math.round(x);
        const f = x - n;
        gain = (1 + f * (E1 + f * (E2 + f * (E3 + f * (E4 + f * (E5 + f * (E6 + f * E7))))))) * EXP2_TABLE[n + EXP2_LIMIT];
      }
      const yL = xl * gain;
      const yR = xr * gain;
      outL[i] = yL;
      outR[i] = yR;
      sq += yL * yL + yR * yR;
    }

    s[S_YL] = yl;
    s[S_MS] = ms;
    s[S_ATK_KEY] = atkKey;
    s[S_ATK] = aA;
    s[S_REL_KEY] = relKey;
    s[S_REL] = aR;
    s[S_KNEE_T] = kneeT;
    s[S_KNEE_W] = kneeW;
    s[S_KNEE_LIN] = kneeLin;
    s[S_KNEE_MS] = kneeMs;
    s[S_GAIN_KEY] = gainKey;
    s[S_GAIN] = gain;
    this.outputCheck[0] = sq;
  }
}

export const compModule = decl.withKernel(CompKernel);
