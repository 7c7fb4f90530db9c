// lfo: low-frequency control oscillator (naive, not band-limited).
//
// out = offset + depth · wave, wave in [-1, 1], phase p in [0, 1) starting at 0 and advanced
// by rate/fs after each sample (per sample, for every shape). Shapes (all start at the phase-0
// value on the first sample):
//   sine      sin(2πp) at control rate, see below (0, rising)
//   triangle  0 → +1 at p=¼ → -1 at p=¾ → 0 (in phase with the sine), exact per sample
//   square    +1 for p < ½, -1 after, exact per sample
//   saw       2p - 1 (rising ramp), exact per sample
//   sh        sample and hold: a new uniform value in [-1, 1) each time the phase wraps
//   smooth    smooth random: from the held value h (sh's) to the next draw n over each cycle,
//             h + (n - h)·S(p) with the smoothstep S(p) = p²(3 - 2p) (cubic Hermite interpolation
//             with zero end slopes, as in value noise: Perlin, "An image synthesizer", SIGGRAPH
//             1985; Ebert et al., "Texturing & Modeling", 3rd ed., 2003, ch. 2). It passes
//             through sh's held value at every wrap; continuous, slope-continuous at the knots,
//             and |S'| ≤ 1.5, so a sample moves at most 1.5·|n - h|·inc ≤ 3·depth·rate/fs.
// The S&H generator advances at every wrap whatever the shape, so the sequence of held values
// depends only on the seed and the cycle count. It is seeded from ctx.seed in `init()`. The
// generator is additive (lib/random.ts), so shapes other than sh count their wraps and advance
// it once per call.
//
// Tempo sync: `period` (ms, tempoSync: note values such as 1/4, 1/8., 1/16t follow the
// transport's tempo, src/engine/tempo-sync.ts) replaces `rate` when > 0: rate = 1000 / period
// (periods under 20 ms act as 20 ms, the 50 Hz top of `rate`). 0 (default) = `rate` applies.
// Retrigger: with `retrig` = transport (default), Kernel.transportStart (the exact frame the
// transport starts: /seq/start or /transport/start while stopped) puts the lfo back in its
// initial state: phase 0 and the random sequence from its seed, so a live take and its offline
// render agree whenever the patch was loaded. `off`: free running.
//
// Sine at control rate: sin is evaluated once per CONTROL_PERIOD (16) samples (by lib/fast-math.ts's
// polynomial, within 1e-11 of Math.sin at a third of its cost), at control
// points on a sample counter kept in state (not on block boundaries: block-size invariant).
// At a control point with phase p and increment inc = rate/fs (both at that sample), the
// target sin(2π(p + 16·inc)) — the value 16 samples ahead if the rate holds — is computed,
// and the output moves linearly from the previous target to it over the next 16 samples
// (piecewise linear and continuous; at constant rate it passes through sin(2πp) at every
// control point up to rounding, with no lag). Error vs the exact per-sample sine at constant
// rate: at most h²/8 with h = 2π·16·rate/fs radians, i.e. 0.0014 at 50 Hz and 48 kHz (0.0016
// at 44.1 kHz), 1e-6 at 1 Hz. While the rate moves, the segment follows the control point's
// rate, and the next control point resumes from the actual phase without a step.
// When a control point falls in a run of another shape, the segment is instead computed when
// the sine resumes, from the phase and rate stored at that control point (starting at
// sin(2πp_cp)): still a function of the state only.

import { Kernel, stateArray } from '../kernel.js';
import type { KernelContext, KernelIo } from '../kernel.js';
import { defineModule } from '../define.js';
import { enumIndexAt, enumRunEnd } from '../lib/enum-param.js';
import { bipolar, nextState, seedState, stepHeldBipolar } from '../lib/random.js';
import {
  SIN_S3 as LIB_S3, SIN_S5 as LIB_S5, SIN_S7 as LIB_S7, SIN_S9 as LIB_S9, SIN_S11 as LIB_S11, SIN_S13 as LIB_S13, SIN_S15 as LIB_S15,
} from '../lib/fast-math.js';
import * as layout from './lfo.layout.js';

export const LFO_SHAPES = ['sine', 'triangle', 'square', 'saw', 'sh', 'smooth'] as const;
export const LFO_RETRIG = ['off', 'transport'] as const;
/** `period` below this acts as this (ms): the top of `rate`, 50 Hz. */
export const LFO_MIN_PERIOD_MS = 20;

export const lfoDecl = defineModule({
  type: 'lfo',
  doc:
    'Low-frequency oscillator for modulation: out = offset + depth × shape (sine, triangle, square, saw, sample-and-hold, smooth random). ' +
    'Tempo-synced through `period` (a note value such as 1/4, 1/8., 1/16t); restarts at phase 0 when the transport starts (`retrig`). ' +
    'The sine is evaluated every 16 samples and interpolated linearly in between (at most 0.0014 from the exact sine at 50 Hz and 48 kHz); ' +
    'the other shapes are exact per sample.',
  params: [
    {
      id: 'shape', unit: 'enum', min: 0, max: 5, default: 0, smoothingMs: 0, labels: LFO_SHAPES, modulatable: false,
      doc: 'Waveform; `sh` holds a new random value each cycle; `smooth` glides (smoothstep) from that value to the next one over each cycle (seeded).',
    },
    { id: 'rate', unit: 'Hz', min: 0.01, max: 50, default: 1, smoothingMs: 5, scale: 'exp', doc: 'Cycles per second (when `period` is 0).' },
    {
      id: 'period', unit: 'ms', min: 0, max: 100000, default: 0, smoothingMs: 0, modulatable: false, tempoSync: true,
      doc: 'Length of one cycle; a note value (1/4, 1/8., 1/16t) follows the transport tempo. 0 = use `rate`; under 20 ms acts as 20 ms.',
    },
    {
      id: 'retrig', unit: 'enum', min: 0, max: 1, default: 1, smoothingMs: 0, labels: LFO_RETRIG, modulatable: false,
      doc: '`transport`: restart at phase 0 (and the random sequence from its seed) at the frame the transport starts; `off`: free running.',
    },
    { id: 'depth', unit: 'level', min: 0, max: 1, default: 1, smoothingMs: 5, doc: 'Amplitude of the shape.' },
    { id: 'offset', unit: 'level', min: -1, max: 1, default: 0, smoothingMs: 5, doc: 'Added to the output (centre value).' },
  ],
  inputs: [],
  outputs: [{ id: 'out', doc: 'Control signal offset + depth × shape, within [offset - depth, offset + depth].' }],
  silentInSilentOut: false,
});

const P = lfoDecl.param;

// The state layout, shape indices and control period live in lfo.layout.ts (shared with the
// batch kernel wasm/lfo.ts), copied into module-local constants: V8 constant-folds those in hot
// loops, not imported bindings.
const {
  S_PHASE, S_RNG, S_HELD, S_COUNT, S_SIN_A, S_SIN_D, S_SIN_B, S_CP_PHASE, S_CP_INC, S_STALE, S_SMOOTH_NEXT, STATE_SIZE,
  SHAPE_SINE, SHAPE_TRIANGLE, SHAPE_SQUARE, SHAPE_SAW, SHAPE_SMOOTH, SHAPE_COUNT, CONTROL_PERIOD,
} = layout;
/** 1 / CONTROL_PERIOD (exact: a power of two). */
export const LFO_INV_CONTROL_PERIOD = 1 / layout.CONTROL_PERIOD;
const INV_CONTROL_PERIOD = LFO_INV_CONTROL_PERIOD;
/** Below this, phase + 16 increments (each rounded, error < 2^-53 each) stays below 1. */
const NO_WRAP_LIMIT = 1 - 1e-9;
const MIN_PERIOD_MS = LFO_MIN_PERIOD_MS;
/** LFO_RETRIG index of `transport`. */
const RETRIG_TRANSPORT = 1;

/**
 * The rate in Hz a `period` of `periodMs` > 0 gives (the batch host computes its increments
 * with this too, so both paths agree bit for bit). Construction/param-write time, not per sample.
 */
export function lfoRateOfPeriod(periodMs: number): number {
  return 1000 / (periodMs < MIN_PERIOD_MS ? MIN_PERIOD_MS : periodMs);
}

/** st[S_SMOOTH_NEXT] = the generator's next draw (bipolar(nextState(st[S_RNG])), lib/random.ts written out). */
function drawSmoothNext(st: Float64Array): void {
  const s = (st[S_RNG] + 0x9e3779b9) >>> 0;
  let h = s | 0;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  st[S_SMOOTH_NEXT] = h * (1 / 2147483648);
}

/** 2π, also written into the batch kernel's constants (lfo-batch.ts). */
export const LFO_TWO_PI = 2 * Math.PI;
const TWO_PI = LFO_TWO_PI;
// fast-math constants as module-local bindings (V8 folds those in hot code, not imported ones).
const SIN_S3 = LIB_S3;
const SIN_S5 = LIB_S5;
const SIN_S7 = LIB_S7;
const SIN_S9 = LIB_S9;
const SIN_S11 = LIB_S11;
const SIN_S13 = LIB_S13;
const SIN_S15 = LIB_S15;

export class LfoKernel extends Kernel {
  readonly state: Float64Array = stateArray(this.ctx, STATE_SIZE);
  private readonly invSampleRate: number;
  /** State after seeding; `init()` copies it (a typed-array copy: reset allocates nothing). */
  private readonly initialState = new Float64Array(STATE_SIZE);
  // The rate the render loops read for the current call (resolveRate): `rate`'s signal, or the
  // rate `period` gives (constant, or per sample in rateScratch).
  private rateConstant = true;
  private rateValue = 1;
  private rateBuffer: Float64Array;
  private readonly rateScratch: Float64Array;

  constructor(ctx: KernelContext, io: KernelIo) {
    super(ctx, io);
    this.invSampleRate = 1 / ctx.sampleRate;
    this.rateScratch = new Float64Array(ctx.maxBlock);
    this.rateBuffer = this.rateScratch;
    const s = nextState(seedState(ctx.seed));
    this.initialState[S_RNG] = s;
    this.initialState[S_HELD] = bipolar(s);
    this.init();
  }

  protected override init(): void {
    this.state.set(this.initialState);
  }

  /** The transport starts now (render thread, between sub-blocks): retrig = transport restarts. */
  override transportStart(): void {
    if (Math.round(this.io.params[P.retrig].value) === RETRIG_TRANSPORT) this.init();
  }

  /** Sets rateConstant / rateValue / rateBuffer for [start, end) from `period` and `rate`. */
  private resolveRate(start: number, end: number): void {
    const period = this.io.params[P.period];
    const rate = this.io.params[P.rate];
    if (period.isConstant) {
      const ms = period.value;
      if (ms > 0) {
        this.rateConstant = true;
        this.rateValue = 1000 / (ms < MIN_PERIOD_MS ? MIN_PERIOD_MS : ms);
        return;
      }
      this.rateConstant = rate.isConstant;
      this.rateValue = rate.value;
      this.rateBuffer = rate.buffer;
      return;
    }
    // A moving period (a ramp, or the same value as a buffer): per sample, same expression.
    const periods = period.buffer;
    const scratch = this.rateScratch;
    const rateConstant = rate.isConstant;
    const rateValue = rate.value;
    const rateBuffer = rate.buffer;
    for (let i = start; i < end; i++) {
      const ms = periods[i];
      scratch[i] = ms > 0 ? 1000 / (ms < MIN_PERIOD_MS ? MIN_PERIOD_MS : ms) : rateConstant ? rateValue : rateBuffer[i];
    }
    this.rateConstant = false;
    this.rateValue = end > start ? scratch[end - 1] : rateValue;
    this.rateBuffer = scratch;
  }

  process(start: number, end: number): void {
    const shapeParam = this.io.params[P.shape];
    this.resolveRate(start, end);
    // Kernel.outputCheck: the renderers add a bound of their samples' sum of squares.
    this.outputCheck[0] = 0;
    let i = start;
    while (i < end) {
      const runEnd = enumRunEnd(shapeParam, i, end);
      const shape = enumIndexAt(shapeParam, i, SHAPE_COUNT);
      if (shape === SHAPE_SINE) this.renderSine(i, runEnd);
      else this.renderOther(i, runEnd, shape);
      i = runEnd;
    }
  }

  /** Sine run [from, to): control-rate evaluation (see the header). */
  private renderSine(from: number, to: number): void {
    const st = this.state;
    const out = this.io.outputs[0];
    const params = this.io.params;
    const depth = params[P.depth];
    const offset = params[P.offset];
    const rateConstant = this.rateConstant;
    const rateValue = this.rateValue;
    const rateBuffer = this.rateBuffer;
    const depthConstant = depth.isConstant;
    const depthValue = depth.value;
    const depthBuffer = depth.buffer;
    const offsetConstant = offset.isConstant;
    const offsetValue = offset.value;
    const offsetBuffer = offset.buffer;
    const inv = this.invSampleRate;
    let phase = st[S_PHASE];
    let count = st[S_COUNT] | 0;
    let wraps = 0;
    let i = from;

    let a = st[S_SIN_A];
    let d = st[S_SIN_D];
    let b = st[S_SIN_B];
    let stale = st[S_STALE];
    let sq = 0; // Kernel.outputCheck contribution
    const allConstant = rateConstant && depthConstant && offsetConstant;
    const constantInc = rateValue * inv;
    if (count !== 0 && stale !== 0) {
      // Resuming mid-period after another shape: this period's segment from its control point.
      const p0 = st[S_CP_PHASE];
      // a = sin(2π·(p0)): sinTurnsApprox (lib/fast-math.ts) written out.
      {
        const x = p0;
        let r = x - Math.round(x);
        if (r > 0.25) r = 0.5 - r;
        else if (r < -0.25) r = -0.5 - r;
        const t = TWO_PI * r;
        const y = t * t;
        a = t * (1 + y * (SIN_S3 + y * (SIN_S5 + y * (SIN_S7 + y * (SIN_S9 + y * (SIN_S11 + y * (SIN_S13 + y * SIN_S15)))))));
      }
      // b = sin(2π·(p0 + CONTROL_PERIOD * st[S_CP_INC])): sinTurnsApprox (lib/fast-math.ts) written out.
      {
        const x = p0 + CONTROL_PERIOD * st[S_CP_INC];
        let r = x - Math.round(x);
        if (r > 0.25) r = 0.5 - r;
        else if (r < -0.25) r = -0.5 - r;
        const t = TWO_PI * r;
        const y = t * t;
        b = t * (1 + y * (SIN_S3 + y * (SIN_S5 + y * (SIN_S7 + y * (SIN_S9 + y * (SIN_S11 + y * (SIN_S13 + y * SIN_S15)))))));
      }
      d = (b - a) * INV_CONTROL_PERIOD;
      stale = 0;
    }
    while (i < to) {
      if (count === 0) {
        const inc = (rateConstant ? rateValue : rateBuffer[i]) * inv;
        if (stale !== 0) {
          // a = sin(2π·(phase)): sinTurnsApprox (lib/fast-math.ts) written out.
          {
            const x = phase;
            let r = x - Math.round(x);
            if (r > 0.25) r = 0.5 - r;
            else if (r < -0.25) r = -0.5 - r;
            const t = TWO_PI * r;
            const y = t * t;
            a = t * (1 + y * (SIN_S3 + y * (SIN_S5 + y * (SIN_S7 + y * (SIN_S9 + y * (SIN_S11 + y * (SIN_S13 + y * SIN_S15)))))));
          }
        } else {
          a = b;
        }
        // b = sin(2π·(phase + CONTROL_PERIOD * inc)): sinTurnsApprox (lib/fast-math.ts) written out.
        {
          const x = phase + CONTROL_PERIOD * inc;
          let r = x - Math.round(x);
          if (r > 0.25) r = 0.5 - r;
          else if (r < -0.25) r = -0.5 - r;
          const t = TWO_PI * r;
          const y = t * t;
          b = t * (1 + y * (SIN_S3 + y * (SIN_S5 + y * (SIN_S7 + y * (SIN_S9 + y * (SIN_S11 + y * (SIN_S13 + y * SIN_S15)))))));
        }
        d = (b - a) * INV_CONTROL_PERIOD;
        st[S_CP_PHASE] = phase;
        st[S_CP_INC] = inc;
        stale = 0;
      }
      let stop = i + (CONTROL_PERIOD - count);
      if (stop > to) stop = to;
      if (allConstant) {
        // The loop below with every param constant (same expressions, same bits). When the
        // phase cannot reach 1 within this chunk (the margin dwarfs 16 roundings), the wrap
        // test is left out: the same sums, fewer branches.
        // Output check: every sample is offset + depth·(a + d·count) with count < 16, so
        // |y| ≤ B = |offset| + |depth|·(|a| + 16|d|) (also as rounded: rounding is monotonic)
        // and n·B² bounds the chunk's sum of squares (NaN/Infinity anywhere make it so too).
        const bound = Math.abs(offsetValue) + Math.abs(depthValue) * (Math.abs(a) + CONTROL_PERIOD * Math.abs(d));
        sq += (stop - i) * (bound * bound);
        if (phase + CONTROL_PERIOD * constantInc < NO_WRAP_LIMIT) {
          for (; i < stop; i++, count++) {
            out[i] = offsetValue + depthValue * (a + d * count);
            phase += constantInc;
          }
        } else {
          for (; i < stop; i++, count++) {
            out[i] = offsetValue + depthValue * (a + d * count);
            const next = phase + constantInc;
            const wrap = next >= 1 ? 1 : 0;
            phase = next - wrap;
            wraps += wrap;
          }
        }
      } else {
        for (; i < stop; i++, count++) {
          const y = (offsetConstant ? offsetValue : offsetBuffer[i]) + (depthConstant ? depthValue : depthBuffer[i]) * (a + d * count);
          out[i] = y;
          sq += y * y;
          const next = phase + (rateConstant ? rateValue : rateBuffer[i]) * inv;
          const wrap = next >= 1 ? 1 : 0;
          phase = next - wrap;
          wraps += wrap;
        }
      }
      count &= CONTROL_PERIOD - 1;
    }
    st[S_SIN_A] = a;
    st[S_SIN_D] = d;
    st[S_SIN_B] = b;
    st[S_STALE] = stale;
    this.outputCheck[0] += sq;
    // Shapes other than sh: all of this call's wraps at once (the held value is the draw of
    // the last one, as if stepped per wrap).
    stepHeldBipolar(st, S_RNG, S_HELD, wraps);
    st[S_PHASE] = phase;
    st[S_COUNT] = count;
  }

  /** Triangle, square, saw, sh or smooth run [from, to): exact per sample. Does not vouch (outputCheck). */
  private renderOther(from: number, to: number, shape: number): void {
    const st = this.state;
    this.outputCheck[0] = Number.POSITIVE_INFINITY;
    const out = this.io.outputs[0];
    const params = this.io.params;
    const depth = params[P.depth];
    const offset = params[P.offset];
    const rateConstant = this.rateConstant;
    const rateValue = this.rateValue;
    const rateBuffer = this.rateBuffer;
    const depthConstant = depth.isConstant;
    const depthValue = depth.value;
    const depthBuffer = depth.buffer;
    const offsetConstant = offset.isConstant;
    const offsetValue = offset.value;
    const offsetBuffer = offset.buffer;
    const inv = this.invSampleRate;
    let phase = st[S_PHASE];
    let count = st[S_COUNT] | 0;
    let wraps = 0;
    let i = from;

    while (i < to) {
      if (count === 0) {
        // A control point outside the sine: keep what the sine needs to resume in this period.
        st[S_CP_PHASE] = phase;
        st[S_CP_INC] = (rateConstant ? rateValue : rateBuffer[i]) * inv;
        st[S_STALE] = 1;
      }
      let stop = i + (CONTROL_PERIOD - count);
      if (stop > to) stop = to;
      count = (count + (stop - i)) & (CONTROL_PERIOD - 1);
      if (shape === SHAPE_TRIANGLE) {
        for (; i < stop; i++) {
          const q = phase + 0.25; // triangle = 1 - 4·|((p + ¼) mod 1) - ½|, branch-free
          const w = 1 - 4 * Math.abs(q - (q >= 1 ? 1 : 0) - 0.5);
          out[i] = (offsetConstant ? offsetValue : offsetBuffer[i]) + (depthConstant ? depthValue : depthBuffer[i]) * w;
          const next = phase + (rateConstant ? rateValue : rateBuffer[i]) * inv;
          const wrap = next >= 1 ? 1 : 0;
          phase = next - wrap;
          wraps += wrap;
        }
      } else if (shape === SHAPE_SQUARE) {
        for (; i < stop; i++) {
          const w = phase < 0.5 ? 1 : -1;
          out[i] = (offsetConstant ? offsetValue : offsetBuffer[i]) + (depthConstant ? depthValue : depthBuffer[i]) * w;
          const next = phase + (rateConstant ? rateValue : rateBuffer[i]) * inv;
          const wrap = next >= 1 ? 1 : 0;
          phase = next - wrap;
          wraps += wrap;
        }
      } else if (shape === SHAPE_SAW) {
        for (; i < stop; i++) {
          const w = 2 * phase - 1;
          out[i] = (offsetConstant ? offsetValue : offsetBuffer[i]) + (depthConstant ? depthValue : depthBuffer[i]) * w;
          const next = phase + (rateConstant ? rateValue : rateBuffer[i]) * inv;
          const wrap = next >= 1 ? 1 : 0;
          phase = next - wrap;
          wraps += wrap;
        }
      } else if (shape === SHAPE_SMOOTH) {
        // From the held value to the next draw (smoothstep); at a wrap the generator steps
        // (held = that draw) and the next draw is taken.
        let held = st[S_HELD];
        drawSmoothNext(st);
        let target = st[S_SMOOTH_NEXT];
        for (; i < stop; i++) {
          const w = held + (target - held) * (phase * phase * (3 - 2 * phase));
          out[i] = (offsetConstant ? offsetValue : offsetBuffer[i]) + (depthConstant ? depthValue : depthBuffer[i]) * w;
          const next = phase + (rateConstant ? rateValue : rateBuffer[i]) * inv;
          const wrap = next >= 1 ? 1 : 0;
          phase = next - wrap;
          if (wrap !== 0) {
            stepHeldBipolar(st, S_RNG, S_HELD, 1);
            drawSmoothNext(st);
            held = target;
            target = st[S_SMOOTH_NEXT];
          }
        }
      } else {
        // sh: the held value changes at each wrap, so the generator steps per sample
        // (branch-free, no rarely-taken code in the loop; see osc.ts).
        for (; i < stop; i++) {
          out[i] = (offsetConstant ? offsetValue : offsetBuffer[i]) + (depthConstant ? depthValue : depthBuffer[i]) * st[S_HELD];
          const next = phase + (rateConstant ? rateValue : rateBuffer[i]) * inv;
          const wrap = next >= 1 ? 1 : 0;
          phase = next - wrap;
          stepHeldBipolar(st, S_RNG, S_HELD, wrap);
        }
      }
    }
    // Shapes other than sh: all of this call's wraps at once (the held value is the draw of
    // the last one, as if stepped per wrap; sh stepped per wrap above and counted none).
    stepHeldBipolar(st, S_RNG, S_HELD, wraps);
    st[S_PHASE] = phase;
    st[S_COUNT] = count;
  }
}

export const lfoModule = lfoDecl.withKernel(LfoKernel);
