// Hand-written reference for the W2 workload (test/fixtures/w2.ts): the same per-sample math as the
// engine's lfo → osc → filter → adsr → out modules, written as one flat loop over voices with
// all state in typed arrays (struct of arrays), no module system, no allocation per block.
// It is what the engine is measured against (bench/engine.ts), so it must stay both fast and
// exactly equivalent; test/bench/w2-equivalence.test.ts checks it against the engine (outputs and
// float64 state, after every block).
//
// Per voice and sub-block, two loops:
//   1. lfo: the sine at control rate (as the lfo module computes it: a sin (fast-math) every 16 samples on
//      the sample clock, linear interpolation in between), every sample into a float32
//      scratch, as the module outputs it. (The filter reads fm only at its own control points,
//      which coincide with the lfo's, so a fused loop could skip 15 of 16 lfo samples; that
//      would be dead-output elimination across modules, which the engine cannot do, so the
//      reference does the lfo's work in full, like the other modules'.)
//   2. fused osc (saw + BLEP ring) → filter (TPT SVF, control point every 16 samples) →
//      adsr (linear) → summed into the float32 `out` bus.
// Then the out stage (level, centre pan, non-finite guard, peak limiter, soft clipper).
// Where the engine stores a value in a Float32Array (a module output or a mixed input), the
// reference rounds it with Math.fround at the same point, so the two agree sample for sample
// (compared numerically; the only possible difference is the sign of a zero, from the engine
// adding its silent left/right inputs: 0 + -0 = +0).
// Specialised to W2's constant params (constant freq, rate, cutoff, q, ADSR times, forward saw,
// lp mode) as a hand-writer would, with the same expressions so the results are bit-identical:
// e.g. the filter's k = 1/q never moves (its coefficients are computed with the constant k).

import { BLEP_HALF, BLEP_MASK, BLEP_TABLE, BLEP_TAPS } from '../src/dsp/lib/blep.js';
import {
  EXP2_C1 as LIB_C1, EXP2_C2 as LIB_C2, EXP2_C3 as LIB_C3, EXP2_C4 as LIB_C4, EXP2_C5 as LIB_C5, EXP2_C6 as LIB_C6,
  EXP2_C7 as LIB_C7, EXP2_INT, EXP2_RANGE as LIB_EXP2_RANGE,
  SIN_S3 as LIB_S3, SIN_S5 as LIB_S5, SIN_S7 as LIB_S7, SIN_S9 as LIB_S9, SIN_S11 as LIB_S11, SIN_S13 as LIB_S13, SIN_S15 as LIB_S15,
} from '../src/dsp/lib/fast-math.js';
import { W2, type W2Build, type W2Gates, type W2Voices } from '../test/fixtures/w2.js';

// BLEP ring geometry and table resolution, as literals (V8 folds literals in hot loops, not
// imported bindings), checked against lib/blep.ts at load.
const HALF = 8;
const TAPS = 16;
const MASK = 15;
const PHASES = 32;
if (HALF !== BLEP_HALF || TAPS !== BLEP_TAPS || MASK !== BLEP_MASK || BLEP_TABLE.length !== (PHASES + 1) * TAPS) {
  throw new Error('w2-reference: BLEP geometry out of sync with src/dsp/lib/blep.ts');
}

const TWO_PI = 2 * Math.PI;
const QUARTER_PI = Math.PI / 4;
// filter.ts and lfo.ts constants (both have a 16-sample control period).
const CONTROL_PERIOD = 16;
const INV_CONTROL_PERIOD = 1 / CONTROL_PERIOD;
const MIN_CUTOFF_HZ = 10;
const DENORMAL = 1e-20;
// lib/fast-math.ts's exp2 and sin constants, module-local (folded in hot code), checked at load.
const EXP2_RANGE = 64;
const SIN_S3 = LIB_S3;
const SIN_S5 = LIB_S5;
const SIN_S7 = LIB_S7;
const SIN_S9 = LIB_S9;
const SIN_S11 = LIB_S11;
const SIN_S13 = LIB_S13;
const SIN_S15 = LIB_S15;
const EXP2_C1 = LIB_C1;
const EXP2_C2 = LIB_C2;
const EXP2_C3 = LIB_C3;
const EXP2_C4 = LIB_C4;
const EXP2_C5 = LIB_C5;
const EXP2_C6 = LIB_C6;
const EXP2_C7 = LIB_C7;
if (EXP2_RANGE !== LIB_EXP2_RANGE) throw new Error('w2-reference: exp2 range out of sync with src/dsp/lib/fast-math.ts');
// adsr.ts stages and end tolerance.
const IDLE = 0;
const ATTACK = 1;
const DECAY = 2;
const SUSTAIN = 3;
const RELEASE = 4;
const END_EPS = 1e-9;
// out.ts limiter and clipper.
const THRESHOLD = 0.95;
const KNEE = THRESHOLD;
const CLIP_SPAN = 1 - KNEE;
const MAX_OUT = 1 - 2 ** -24;
const REDUCTION_SNAP = 1e-9;

// Scalars of the out stage and the clock, in a typed array (doubles stay unboxed).
const M_FRAME = 0;
const M_REDUCTION = 1;
const M_LIMITED = 2;
const M_NON_FINITE = 3;

/**
 * Read-only view of the reference's state for the equivalence test (W2Reference.stateView):
 * the per-voice arrays are the live struct-of-arrays (voice v at index v; the BLEP ring at
 * [v·16, v·16 + 16)), typed read-only; the out stage's scalars are read at the call.
 * The constants are the ones the reference derives once where a module keeps them in state.
 */
export interface W2ReferenceState {
  readonly lfoPhase: ArrayLike<number>;
  readonly lfoCount: ArrayLike<number>;
  readonly lfoA: ArrayLike<number>;
  readonly lfoD: ArrayLike<number>;
  readonly lfoB: ArrayLike<number>;
  readonly oscPhase: ArrayLike<number>;
  readonly oscPos: ArrayLike<number>;
  readonly oscRing: ArrayLike<number>;
  readonly oscDt: ArrayLike<number>;
  readonly fIc1: ArrayLike<number>;
  readonly fIc2: ArrayLike<number>;
  readonly fPhase: ArrayLike<number>;
  readonly fB11: ArrayLike<number>;
  readonly fDb11: ArrayLike<number>;
  readonly fB11t: ArrayLike<number>;
  readonly fB12: ArrayLike<number>;
  readonly fDb12: ArrayLike<number>;
  readonly fB12t: ArrayLike<number>;
  readonly fB20: ArrayLike<number>;
  readonly fDb20: ArrayLike<number>;
  readonly fB20t: ArrayLike<number>;
  readonly fLastFc: ArrayLike<number>;
  readonly fReady: ArrayLike<number>;
  readonly envStage: ArrayLike<number>;
  readonly envLevel: ArrayLike<number>;
  readonly envRelStep: ArrayLike<number>;
  readonly k: number;
  readonly attackStep: number;
  readonly decayStep: number;
  readonly outReduction: number;
  readonly outLimited: number;
  readonly outNonFinite: number;
}

export class W2Reference {
  readonly voices: number;
  private readonly maxBlock: number;
  private readonly gateFrames: Float64Array;
  private readonly gateOn: Uint8Array;
  private gateNext = 0;
  private readonly misc = new Float64Array(4);

  // Constants derived exactly as the modules derive them.
  private readonly lfoInc: Float64Array; // rate / fs per voice
  private readonly oscDt: Float64Array; // freq / fs per voice
  private readonly gain: Float64Array; // voice amount into out.in
  private readonly oscGain: number;
  private readonly fmAmount: number;
  private readonly cutoff: number;
  private readonly k: number; // 1/q
  private readonly piOverFs: number;
  private readonly maxCutoff: number;
  private readonly attackStep: number;
  private readonly decayStep: number;
  private readonly sustain: number;
  private readonly releaseSamples: number;
  private readonly outLevel: number;
  private readonly panLeft: number;
  private readonly panRight: number;
  private readonly releaseCoef: number;

  // Per-voice state.
  private readonly lfoPhase: Float64Array;
  private readonly lfoCount: Int32Array; // position in the lfo's control period
  private readonly lfoA: Float64Array; // sine segment: value at the control point
  private readonly lfoD: Float64Array; // sine segment: per-sample increment
  private readonly lfoB: Float64Array; // sine segment: target 16 samples on
  private readonly oscPhase: Float64Array;
  private readonly oscPos: Int32Array;
  private readonly oscRing: Float64Array; // TAPS per voice
  private readonly fIc1: Float64Array;
  private readonly fIc2: Float64Array;
  private readonly fPhase: Int32Array; // position in the control period
  // Update coefficients b11, b12, b20 (filter.ts): start, per-sample increment, target.
  private readonly fB11: Float64Array;
  private readonly fDb11: Float64Array;
  private readonly fB11t: Float64Array;
  private readonly fB12: Float64Array;
  private readonly fDb12: Float64Array;
  private readonly fB12t: Float64Array;
  private readonly fB20: Float64Array;
  private readonly fDb20: Float64Array;
  private readonly fB20t: Float64Array;
  private readonly fLastFc: Float64Array;
  private readonly fReady: Int32Array;
  private readonly envStage: Int32Array;
  private readonly envLevel: Float64Array;
  private readonly envRelStep: Float64Array;

  // Scratch (float32, like the engine's buffers): one voice's lfo output, and the out bus.
  private readonly lfoBuf: Float32Array;
  private readonly mix: Float32Array;

  constructor(voices: W2Voices, gates: W2Gates, maxBlock: number) {
    const n = voices.count;
    const fs = W2.sampleRate;
    const inv = 1 / fs;
    this.voices = n;
    this.maxBlock = maxBlock;
    this.gateFrames = gates.frames;
    this.gateOn = gates.on;
    this.lfoInc = new Float64Array(n);
    this.oscDt = new Float64Array(n);
    this.gain = Float64Array.from(voices.gain);
    for (let v = 0; v < n; v++) {
      this.lfoInc[v] = voices.lfoRate[v]! * inv;
      const dt = voices.freq[v]! * 1 * inv; // osc: freq · 2^(0/1200) · (1/fs)
      if (!(dt > 0 && dt <= 0.5)) throw new Error('w2-reference: the saw must run forwards below fs/2');
      this.oscDt[v] = dt;
    }
    this.oscGain = W2.oscGain;
    this.fmAmount = W2.fmOctaves;
    this.cutoff = W2.cutoffHz;
    this.k = 1 / W2.q;
    this.piOverFs = Math.PI / fs;
    this.maxCutoff = 0.49 * fs;
    const spm = fs / 1000;
    this.attackStep = 1 / Math.max(W2.attackMs * spm, 1);
    this.decayStep = (1 - W2.sustain) / Math.max(W2.decayMs * spm, 1);
    this.sustain = W2.sustain;
    this.releaseSamples = Math.max(W2.releaseMs * spm, 1);
    this.outLevel = W2.outLevel;
    this.panLeft = Math.sin((1 - 0) * QUARTER_PI);
    this.panRight = Math.sin((1 + 0) * QUARTER_PI);
    this.releaseCoef = Math.exp(-1000 / (50 * fs));

    this.lfoPhase = new Float64Array(n);
    this.lfoCount = new Int32Array(n);
    this.lfoA = new Float64Array(n);
    this.lfoD = new Float64Array(n);
    this.lfoB = new Float64Array(n); // sin(2π·0): the value at the initial phase
    this.oscPhase = new Float64Array(n);
    this.oscPos = new Int32Array(n);
    this.oscRing = new Float64Array(n * TAPS);
    this.fIc1 = new Float64Array(n);
    this.fIc2 = new Float64Array(n);
    this.fPhase = new Int32Array(n);
    this.fB11 = new Float64Array(n);
    this.fDb11 = new Float64Array(n);
    this.fB11t = new Float64Array(n);
    this.fB12 = new Float64Array(n);
    this.fDb12 = new Float64Array(n);
    this.fB12t = new Float64Array(n);
    this.fB20 = new Float64Array(n);
    this.fDb20 = new Float64Array(n);
    this.fB20t = new Float64Array(n);
    this.fLastFc = new Float64Array(n);
    this.fReady = new Int32Array(n);
    this.envStage = new Int32Array(n);
    this.envLevel = new Float64Array(n);
    this.envRelStep = new Float64Array(n);
    this.lfoBuf = new Float32Array(maxBlock);
    this.mix = new Float32Array(maxBlock);
  }

  /** Frames rendered so far. */
  get frame(): number {
    return this.misc[M_FRAME]!;
  }

  /** Sample frames in which the out limiter reduced the gain. */
  get limitedSamples(): number {
    return this.misc[M_LIMITED]!;
  }

  /** The state, read-only (tests; allocates the view object). See W2ReferenceState. */
  stateView(): W2ReferenceState {
    return {
      lfoPhase: this.lfoPhase, lfoCount: this.lfoCount, lfoA: this.lfoA, lfoD: this.lfoD, lfoB: this.lfoB,
      oscPhase: this.oscPhase, oscPos: this.oscPos, oscRing: this.oscRing, oscDt: this.oscDt,
      fIc1: this.fIc1, fIc2: this.fIc2, fPhase: this.fPhase,
      fB11: this.fB11, fDb11: this.fDb11, fB11t: this.fB11t,
      fB12: this.fB12, fDb12: this.fDb12, fB12t: this.fB12t,
      fB20: this.fB20, fDb20: this.fDb20, fB20t: this.fB20t,
      fLastFc: this.fLastFc, fReady: this.fReady,
      envStage: this.envStage, envLevel: this.envLevel, envRelStep: this.envRelStep,
      k: this.k, attackStep: this.attackStep, decayStep: this.decayStep,
      outReduction: this.misc[M_REDUCTION]!, outLimited: this.misc[M_LIMITED]!, outNonFinite: this.misc[M_NON_FINITE]!,
    };
  }

  /** Renders the next `frames` (≤ maxBlock) frames, splitting at gate frames like the engine. */
  render(left: Float32Array, right: Float32Array, frames: number): void {
    if (frames > this.maxBlock) throw new Error('w2-reference: block too large');
    const blockStart = this.misc[M_FRAME]!;
    const gateFrames = this.gateFrames;
    let pos = 0;
    while (pos < frames) {
      const now = blockStart + pos;
      while (this.gateNext < gateFrames.length && gateFrames[this.gateNext]! <= now) {
        this.gate(this.gateOn[this.gateNext] === 1);
        this.gateNext++;
      }
      const nextEvent = this.gateNext < gateFrames.length ? gateFrames[this.gateNext]! - blockStart : frames;
      const end = (nextEvent < frames ? nextEvent : frames) | 0;
      this.renderRange(left, right, pos, end);
      pos = end;
    }
    this.misc[M_FRAME] = blockStart + frames;
  }

  /** Gate edge for every voice (adsr.gate). */
  private gate(on: boolean): void {
    const stage = this.envStage;
    const level = this.envLevel;
    const relStep = this.envRelStep;
    const relN = this.releaseSamples;
    for (let v = 0; v < this.voices; v++) {
      if (on) stage[v] = ATTACK;
      else if (stage[v] !== IDLE && stage[v] !== RELEASE) {
        stage[v] = RELEASE;
        relStep[v] = level[v]! / relN; // adsr: step = relStart / n at the first release sample
      }
    }
  }

  private renderRange(left: Float32Array, right: Float32Array, start: number, end: number): void {
    const mix = this.mix;
    const lfoBuf = this.lfoBuf;
    for (let i = start; i < end; i++) mix[i] = 0;

    const lfoPhase = this.lfoPhase;
    const lfoInc = this.lfoInc;
    const lfoCount = this.lfoCount;
    const lfoA = this.lfoA;
    const lfoD = this.lfoD;
    const lfoB = this.lfoB;
    const oscPhase = this.oscPhase;
    const oscPos = this.oscPos;
    const oscDt = this.oscDt;
    const ring = this.oscRing;
    const table = BLEP_TABLE;
    const exp2Int = EXP2_INT;
    const fIc1 = this.fIc1;
    const fIc2 = this.fIc2;
    const fPhase = this.fPhase;
    const fB11 = this.fB11;
    const fDb11 = this.fDb11;
    const fB11t = this.fB11t;
    const fB12 = this.fB12;
    const fDb12 = this.fDb12;
    const fB12t = this.fB12t;
    const fB20 = this.fB20;
    const fDb20 = this.fDb20;
    const fB20t = this.fB20t;
    const fLastFc = this.fLastFc;
    const fReady = this.fReady;
    const envStage = this.envStage;
    const envLevel = this.envLevel;
    const envRelStep = this.envRelStep;
    const gains = this.gain;
    const oscGain = this.oscGain;
    const fmAmount = this.fmAmount;
    const cutoff = this.cutoff;
    const k = this.k;
    const piOverFs = this.piOverFs;
    const maxCutoff = this.maxCutoff;
    const attackStep = this.attackStep;
    const decayStep = this.decayStep;
    const sus = this.sustain;
    const susEnd = sus + END_EPS;
    const attackEnd = 1 - END_EPS;

    for (let v = 0; v < this.voices; v++) {
      // 1. lfo (sine, depth 1, offset 0): at each control point the target sin(2π(p + 16·inc)),
      // then linear from the previous target to it over 16 samples; phase per sample.
      let lp = lfoPhase[v]!;
      const linc = lfoInc[v]!;
      let lc = lfoCount[v]!;
      let la = lfoA[v]!;
      let ld = lfoD[v]!;
      let lb = lfoB[v]!;
      for (let i = start; i < end; ) {
        if (lc === 0) {
          la = lb;
          // lb = sin(2π·(lp + CONTROL_PERIOD * linc)): sinTurnsApprox (lib/fast-math.ts) written out.
          {
            const x = lp + CONTROL_PERIOD * linc;
            let r = x - Math.round(x);
            if (r > 0.25) r = 0.5 - r;
            else if (r < -0.25) r = -0.5 - r;
            const t = TWO_PI * r;
            const y = t * t;
            lb = t * (1 + y * (SIN_S3 + y * (SIN_S5 + y * (SIN_S7 + y * (SIN_S9 + y * (SIN_S11 + y * (SIN_S13 + y * SIN_S15)))))));
          }
          ld = (lb - la) * INV_CONTROL_PERIOD;
        }
        let stop = i + CONTROL_PERIOD - lc;
        if (stop > end) stop = end;
        for (; i < stop; i++, lc++) {
          lfoBuf[i] = la + ld * lc;
          lp += linc;
          if (lp >= 1) lp -= 1;
        }
        lc &= CONTROL_PERIOD - 1;
      }
      lfoPhase[v] = lp;
      lfoCount[v] = lc;
      lfoA[v] = la;
      lfoD[v] = ld;
      lfoB[v] = lb;

      // 2. osc → filter → adsr → bus.
      let phase = oscPhase[v]!;
      const dt = oscDt[v]!;
      let pos = oscPos[v]!;
      const r0 = v * TAPS;
      let ic1 = fIc1[v]!;
      let ic2 = fIc2[v]!;
      let cph = fPhase[v]!;
      let b11 = fB11[v]!;
      let db11 = fDb11[v]!;
      let b11T = fB11t[v]!;
      let b12 = fB12[v]!;
      let db12 = fDb12[v]!;
      let b12T = fB12t[v]!;
      let b20 = fB20[v]!;
      let db20 = fDb20[v]!;
      let b20T = fB20t[v]!;
      let lastFc = fLastFc[v]!;
      let ready = fReady[v]!;
      let stage = envStage[v]!;
      let y = envLevel[v]!;
      const relStep = envRelStep[v]!;
      const gain = gains[v]!;
      for (let i = start; i < end; i++) {
        // osc: naive saw 2p - 1 into the ring, BLEP residual (step -2) at each wrap, output
        // BLEP_HALF samples later.
        const base = (pos + HALF) & MASK;
        let p = phase + dt;
        if (p >= 1) {
          p -= 1;
          let x = (p / dt) * PHASES; // tau · PHASES
          if (!(x > 0)) x = 0;
          else if (x > PHASES) x = PHASES;
          let row = x | 0;
          if (row === PHASES) row = PHASES - 1;
          const frac = x - row;
          const t0 = row * TAPS;
          for (let j = 0; j < TAPS; j++) {
            const a = table[t0 + j]!;
            const b = table[t0 + TAPS + j]!;
            ring[r0 + ((base + j) & MASK)]! += -2 * (a + frac * (b - a));
          }
        }
        phase = p;
        ring[r0 + pos]! += 2 * p - 1;
        const o = r0 + base;
        const v0 = Math.fround(oscGain * ring[o]!);
        ring[o] = 0;
        pos = (pos + 1) & MASK;

        // filter: control point every 16 samples (cutoff · 2^fm, g = tan(π·fc/fs), update
        // coefficients b11 = 2a1 − 1, b12 = 2a2, b20 = 2a3 from g and the constant k = 1/q),
        // the coefficients interpolated linearly in between; expanded state update, lp output.
        if (cph === 0) {
          // cutoff · 2^fm, 2^fm and tan by lib/fast-math.ts's approximations (as filter.ts).
          let x = Math.fround(fmAmount * lfoBuf[i]!);
          if (!(x > -EXP2_RANGE)) x = -EXP2_RANGE;
          else if (x > EXP2_RANGE) x = EXP2_RANGE;
          const e = Math.round(x);
          const f = x - e;
          let fc = cutoff * ((1 + f * (EXP2_C1 + f * (EXP2_C2 + f * (EXP2_C3 + f * (EXP2_C4 + f * (EXP2_C5 + f * (EXP2_C6 + f * EXP2_C7))))))) * exp2Int[e + EXP2_RANGE]!);
          if (!(fc > MIN_CUTOFF_HZ)) fc = MIN_CUTOFF_HZ;
          else if (fc > maxCutoff) fc = maxCutoff;
          b11 = b11T;
          b12 = b12T;
          b20 = b20T;
          if (fc !== lastFc) {
            lastFc = fc;
            const w = fc * piOverFs;
            const y2 = w * w;
            const g = (w * (135135 + y2 * (-17325 + y2 * (378 - y2)))) / (135135 + y2 * (-62370 + y2 * (3150 - 28 * y2)));
            const a1 = 1 / (1 + g * (g + k));
            b11T = 2 * a1 - 1;
            b12T = 2 * (g * a1);
            b20T = g * b12T;
          }
          if (ready === 0) {
            b11 = b11T;
            b12 = b12T;
            b20 = b20T;
            ready = 1;
          }
          db11 = (b11T - b11) * INV_CONTROL_PERIOD;
          db12 = (b12T - b12) * INV_CONTROL_PERIOD;
          db20 = (b20T - b20) * INV_CONTROL_PERIOD;
          if (!(Math.abs(ic1) >= DENORMAL)) ic1 = 0;
          else if (ic1 - ic1 !== 0) ic1 = 0;
          if (!(Math.abs(ic2) >= DENORMAL)) ic2 = 0;
          else if (ic2 - ic2 !== 0) ic2 = 0;
        }
        const c11 = b11 + db11 * cph;
        const c12 = b12 + db12 * cph;
        const c20 = b20 + db20 * cph;
        const v3 = v0 - ic2;
        const next1 = c11 * ic1 + c12 * v3;
        const next2 = c20 * v0 + c12 * ic1 + (1 - c20) * ic2;
        const lp2 = 0.5 * (ic2 + next2);
        ic1 = next1;
        ic2 = next2;
        cph = (cph + 1) & (CONTROL_PERIOD - 1);
        const filtered = Math.fround(lp2);

        // adsr, linear segments.
        if (stage === SUSTAIN) {
          y = sus;
        } else if (stage === ATTACK) {
          y = y + attackStep;
          if (y >= attackEnd) {
            y = 1;
            stage = DECAY;
          }
        } else if (stage === DECAY) {
          if (y <= susEnd) {
            y = sus;
            stage = SUSTAIN;
          } else {
            y = y - decayStep;
            if (y <= susEnd) {
              y = sus;
              stage = SUSTAIN;
            }
          }
        } else if (stage === RELEASE) {
          y = y - relStep;
          if (y <= END_EPS) {
            y = 0;
            stage = IDLE;
          }
        }
        mix[i]! += gain * Math.fround(filtered * y);
      }
      oscPhase[v] = phase;
      oscPos[v] = pos;
      fIc1[v] = ic1;
      fIc2[v] = ic2;
      fPhase[v] = cph;
      fB11[v] = b11;
      fDb11[v] = db11;
      fB11t[v] = b11T;
      fB12[v] = b12;
      fDb12[v] = db12;
      fB12t[v] = b12T;
      fB20[v] = b20;
      fDb20[v] = db20;
      fB20t[v] = b20T;
      fLastFc[v] = lastFc;
      fReady[v] = ready;
      envStage[v] = stage;
      envLevel[v] = y;
    }

    // out: level, centre pan, non-finite guard, linked peak limiter, soft clipper (out.ts).
    const misc = this.misc;
    const level = this.outLevel;
    const gl = this.panLeft;
    const gr = this.panRight;
    const rho = this.releaseCoef;
    let r = misc[M_REDUCTION]!;
    let limited = misc[M_LIMITED]!;
    let nonFinite = misc[M_NON_FINITE]!;
    for (let i = start; i < end; i++) {
      const m = mix[i]! * level;
      let l = m * gl;
      let rr = m * gr;
      if (l - l !== 0) {
        l = 0;
        nonFinite++;
      }
      if (rr - rr !== 0) {
        rr = 0;
        nonFinite++;
      }
      r *= rho;
      if (r < REDUCTION_SNAP) r = 0;
      const al = l < 0 ? -l : l;
      const ar = rr < 0 ? -rr : rr;
      const peak = al > ar ? al : ar;
      let g = 1 - r;
      if (peak * g > THRESHOLD) {
        g = THRESHOLD / peak;
        r = 1 - g;
      }
      if (r !== 0) {
        limited++;
        l *= g;
        rr *= g;
      }
      const aL = l < 0 ? -l : l;
      if (aL > KNEE) {
        const u = (aL - KNEE) / CLIP_SPAN;
        let c = KNEE + (CLIP_SPAN * u) / (1 + u);
        if (c > MAX_OUT) c = MAX_OUT;
        l = l < 0 ? -c : c;
      }
      const aR = rr < 0 ? -rr : rr;
      if (aR > KNEE) {
        const u = (aR - KNEE) / CLIP_SPAN;
        let c = KNEE + (CLIP_SPAN * u) / (1 + u);
        if (c > MAX_OUT) c = MAX_OUT;
        rr = rr < 0 ? -c : c;
      }
      left[i] = l;
      right[i] = rr;
    }
    misc[M_REDUCTION] = r;
    misc[M_LIMITED] = limited;
    misc[M_NON_FINITE] = nonFinite;
  }
}

/** Renders a whole W2 build with the reference into memory (tests, checks; allocates). */
export function renderReferenceToArrays(build: W2Build, block: number): { left: Float32Array; right: Float32Array; limitedSamples: number } {
  const ref = new W2Reference(build.voices, build.gates, block);
  const left = new Float32Array(build.frames);
  const right = new Float32Array(build.frames);
  const l = new Float32Array(block);
  const r = new Float32Array(block);
  for (let done = 0; done < build.frames; ) {
    const n = Math.min(block, build.frames - done);
    ref.render(l, r, n);
    left.set(l.subarray(0, n), done);
    right.set(r.subarray(0, n), done);
    done += n;
  }
  return { left, right, limitedSamples: ref.limitedSamples };
}

/** Largest |a[i] - b[i]| and how many samples differ (compared as numbers: +0 equals -0). */
export function compareOutputs(a: Float32Array, b: Float32Array): { maxAbsDiff: number; differing: number } {
  if (a.length !== b.length) throw new Error('compareOutputs: length mismatch');
  let maxAbsDiff = 0;
  let differing = 0;
  for (let i = 0; i < a.length; i++) {
    const x = a[i]!;
    const y = b[i]!;
    if (x !== y) {
      differing++;
      const d = Math.abs(x - y);
      if (d > maxAbsDiff || d !== d) maxAbsDiff = d;
    }
  }
  return { maxAbsDiff, differing };
}
