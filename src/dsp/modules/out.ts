// out: the stereo master (exactly one per patch, id `out`).
//
// Signal path, per sample (both channels linked):
//   L = in·level·gL + left·level,  R = in·level·gR + right·level
//   pan law: constant-power sine/cosine law (C. Roads, "The Computer Music Tutorial", 1996,
//   ch. 9 "Sound spatialization": gL² + gR² = 1): gL = sin((1 − pan)·π/4),
//   gR = sin((1 + pan)·π/4); centre = sin(π/4) = 0.7071 = −3 dB per side; hard left/right
//   = exactly 1 and 0.
//   1. Non-finite samples (NaN/±Inf) become 0 and are counted.
//   2. Peak limiter: gain = min(1, THRESHOLD / max(|L|, |R|)) applied instantly (no
//      overshoot), released exponentially towards 1 with a 50 ms time constant; the reduction
//      snaps to 0 when below 1e-9, so the path returns to exact unity gain.
//   3. Soft clipper per channel: identity for |y| ≤ KNEE (= THRESHOLD), above it
//      KNEE + (1 − KNEE)·u/(1 + u) with u = (|y| − KNEE)/(1 − KNEE) (C¹ at the knee,
//      asymptotic to 1), capped at 1 − 2⁻²⁴ so that even the float32 output never reaches 1.
// Below the threshold the output is exactly in·level·gL (+ left·level): analytic tests through
// `out` stay exact.
//
// Counters for the engine (in `state`, so snapshots carry them; reset() zeroes them):
//   `limitedSamples`  — sample frames in which the limiter gain was below 1;
//   `nonFiniteSamples` — channel samples that were NaN/±Inf and replaced by 0.

import { Kernel } from '../kernel.js';
import { defineModule } from '../define.js';

const decl = defineModule({
  type: 'out',
  doc:
    'Stereo master output (one per patch, id `out`). `in` is placed by `pan` (constant-power sine law, −3 dB per side at centre); ' +
    '`left`/`right` are added straight to each side. After `level`: non-finite samples are replaced by 0, a linked peak limiter ' +
    '(threshold 0.95 = −0.45 dBFS, instant attack, 50 ms release) and a soft clipper guarantee |out| < 1.',
  params: [
    { id: 'level', unit: 'level', min: 0, max: 1, default: 0.8, smoothingMs: 20, aliases: ['gain', 'volume'], doc: 'Master level (linear gain).' },
    { id: 'pan', unit: 'ratio', min: -1, max: 1, default: 0, smoothingMs: 20, doc: 'Position of the mono `in`: −1 left, 0 centre (−3 dB each side), 1 right.' },
  ],
  inputs: [
    { id: 'in', doc: 'Mono input, placed by `pan`.' },
    { id: 'left', doc: 'Added to the left channel (not panned).' },
    { id: 'right', doc: 'Added to the right channel (not panned).' },
  ],
  outputs: [
    { id: 'left', doc: 'Left channel, |x| < 1.' },
    { id: 'right', doc: 'Right channel, |x| < 1.' },
  ],
  silentInSilentOut: true,
});

const P = decl.param;
const IN = decl.input;

/** Limiter threshold: 0.95 = −0.45 dBFS. */
export const OUT_THRESHOLD = 0.95;
const KNEE = OUT_THRESHOLD;
const CLIP_SPAN = 1 - KNEE;
/** Largest float32 below 1. */
const MAX_OUT = 1 - 2 ** -24;
const RELEASE_MS = 50;
const REDUCTION_SNAP = 1e-9;
const QUARTER_PI = Math.PI / 4;

// State layout. The limiter keeps its gain reduction r = 1 − gain (0 = unity), so a zeroed
// state is the initial state.
const S_REDUCTION = 0;
const S_LIMITED = 1;
const S_NON_FINITE = 2;
const STATE_SIZE = 3;

export class OutKernel extends Kernel {
  readonly state = new Float64Array(STATE_SIZE);
  /** Per-sample decay of the gain reduction: exp(−1 / (50 ms · fs)). */
  private readonly releaseCoef = Math.exp(-1000 / (RELEASE_MS * this.ctx.sampleRate));

  /** Sample frames in which the limiter reduced the gain (since construction or reset). */
  get limitedSamples(): number {
    return this.state[S_LIMITED];
  }

  /** Channel samples that were NaN/±Inf after the level stage and were replaced by 0. */
  get nonFiniteSamples(): number {
    return this.state[S_NON_FINITE];
  }

  process(start: number, end: number): void {
    const outL = this.io.outputs[0];
    const outR = this.io.outputs[1];
    const inputs = this.io.inputs;
    const mono = inputs[IN.in].buffer;
    const left = inputs[IN.left].buffer;
    const right = inputs[IN.right].buffer;
    const levelP = this.io.params[P.level];
    const panP = this.io.params[P.pan];
    const levelConst = levelP.isConstant;
    const levelValue = levelP.value;
    const levelBuf = levelP.buffer;
    const panConst = panP.isConstant;
    const panBuf = panP.buffer;
    const rho = this.releaseCoef;

    let gl = Math.sin((1 - panP.value) * QUARTER_PI);
    let gr = Math.sin((1 + panP.value) * QUARTER_PI);

    const s = this.state;
    let r = s[S_REDUCTION];
    let limited = s[S_LIMITED];
    let nonFinite = s[S_NON_FINITE];

    for (let i = start; i < end; i++) {
      const level = levelConst ? levelValue : levelBuf[i];
      if (!panConst) {
        const pan = panBuf[i];
        gl = Math.sin((1 - pan) * QUARTER_PI);
        gr = Math.sin((1 + pan) * QUARTER_PI);
      }
      const m = mono[i] * level;
      let l = m * gl + left[i] * level;
      let rr = m * gr + right[i] * level;
      if (l - l !== 0) {
        l = 0;
        nonFinite++;
      }
      if (rr - rr !== 0) {
        rr = 0;
        nonFinite++;
      }

      // Linked peak limiter: release towards unity, then instant attack to the threshold.
      r *= rho;
      if (r < REDUCTION_SNAP) r = 0;
      const al = l < 0 ? -l : l;
      const ar = rr < 0 ? -rr : rr;
      const peak = al > ar ? al : ar;
      let g = 1 - r;
      if (peak * g > OUT_THRESHOLD) {
        g = OUT_THRESHOLD / peak;
        r = 1 - g;
      }
      if (r !== 0) {
        limited++;
        l *= g;
        rr *= g;
      }

      // Soft clipper, written out twice rather than called: a call that is not inlined
      // boxes its double argument and result (one allocation per sample).
      // Identity up to KNEE, then knee + span·u/(1 + u), asymptotic to 1, capped at MAX_OUT.
      const aL = l < 0 ? -l : l;
      if (aL > KNEE) {
        const u = (aL - KNEE) / CLIP_SPAN;
        let y = KNEE + (CLIP_SPAN * u) / (1 + u);
        if (y > MAX_OUT) y = MAX_OUT;
        l = l < 0 ? -y : y;
      }
      const aR = rr < 0 ? -rr : rr;
      if (aR > KNEE) {
        const u = (aR - KNEE) / CLIP_SPAN;
        let y = KNEE + (CLIP_SPAN * u) / (1 + u);
        if (y > MAX_OUT) y = MAX_OUT;
        rr = rr < 0 ? -y : y;
      }
      outL[i] = l;
      outR[i] = rr;
    }

    s[S_REDUCTION] = r;
    s[S_LIMITED] = limited;
    s[S_NON_FINITE] = nonFinite;
  }
}

export const outModule = decl.withKernel(OutKernel);
