// crush: bit-depth and sample-rate reduction ("bitcrusher"), mono.
//
// Per sample, in this order:
//   1. Sample-rate reduction by sample-and-hold (a zero-order hold with no anti-alias filter:
//      the aliasing is the effect). The hold period is P = fs / rate samples; a
//      countdown t (in samples, kept in state) takes a new input sample when t ≤ 0 and then
//      adds P; every sample subtracts 1. For integer P (fs a multiple of `rate`) every hold run
//      is exactly P samples long (t only ever holds integers); otherwise runs are ⌊P⌋ or ⌈P⌉
//      samples, averaging P. rate ≥ fs takes every sample (no reduction).
//   2. Quantisation like a b-bit two's-complement converter (uniform mid-tread quantiser,
//      round to nearest; U. Zölzer, "Digital Audio Signal Processing", 2nd ed. 2008, ch. 2):
//      step Δ = 2^(1 − b), y = clamp(round(x / Δ), −2^(b−1), 2^(b−1) − 1)·Δ, i.e. levels k·Δ
//      in [−1, 1 − Δ]. That is at most 2^b distinct levels (fractional b allowed: the level
//      count is 2^b rounded down); 0 maps to 0 (silence stays silent); 24 bits reproduce any
//      input in [−1, 1] within 2⁻²³ (round-off Δ/2 = 2⁻²⁴, 1.0 itself clips to 1 − 2⁻²³).
//      Math.round rounds halves upwards (deterministic, same bits everywhere).
//   3. out = (1 − mix)·in + mix·y (mix = 1 gives y exactly).
// `bits` and `rate` may move per sample (smoothed ramps or modulation): Δ and P are
// recomputed only on samples where the value differs from the previous one, Δ by the exp2
// approximation of lib/fast-math.ts (exact powers of two for integer bits, relative error
// < 1e-8 otherwise).

import { Kernel } from '../kernel.js';
import { defineModule } from '../define.js';
import {
  EXP2_C1 as LIB_C1, EXP2_C2 as LIB_C2, EXP2_C3 as LIB_C3, EXP2_C4 as LIB_C4, EXP2_C5 as LIB_C5, EXP2_C6 as LIB_C6,
  EXP2_C7 as LIB_C7, EXP2_INT as LIB_EXP2_INT, EXP2_RANGE as LIB_EXP2_RANGE,
} from '../lib/fast-math.js';

const decl = defineModule({
  type: 'crush',
  doc:
    'Bitcrusher: sample-and-hold down to `rate` Hz (no anti-aliasing: hold runs of fs/rate samples, exact for integer ratios), ' +
    'then quantisation to `bits` like a two\'s-complement converter (at most 2^bits levels k·2^(1−bits) in [−1, 1 − 2^(1−bits)]). Mono.',
  params: [
    { id: 'bits', unit: 'ratio', min: 1, max: 24, default: 8, smoothingMs: 20, doc: 'Bit depth: at most 2^bits output levels (fractional values allowed; 24 = transparent within 2⁻²³).' },
    { id: 'rate', unit: 'Hz', min: 20, max: 96000, default: 96000, smoothingMs: 20, scale: 'exp', doc: 'Sample-and-hold rate; at or above the engine rate nothing is held.' },
    { id: 'mix', unit: 'ratio', min: 0, max: 1, default: 1, smoothingMs: 20, doc: 'Dry/wet: 0 = dry only, 1 = crushed only.' },
  ],
  inputs: [{ id: 'in', doc: 'Audio to crush.' }],
  outputs: [{ id: 'out', doc: 'Crushed audio (within [−1, 1] at mix 1).' }],
  silentInSilentOut: true,
});

const P = decl.param;
// lib/fast-math.ts exp2 constants as module-local bindings (V8 folds those in hot code).
const EXP2_RANGE = 64;
const EXP2_C1 = LIB_C1;
const EXP2_C2 = LIB_C2;
const EXP2_C3 = LIB_C3;
const EXP2_C4 = LIB_C4;
const EXP2_C5 = LIB_C5;
const EXP2_C6 = LIB_C6;
const EXP2_C7 = LIB_C7;
const EXP2_INT = LIB_EXP2_INT;
if (EXP2_RANGE !== LIB_EXP2_RANGE) throw new Error('crush: exp2 range out of sync with lib/fast-math.ts');
const IN = decl.input;
const OUT = decl.output;

// State layout.
const S_COUNTDOWN = 0; // samples until the next capture (≤ 0: capture at this sample)
const S_HELD = 1; // the held input sample
const S_BITS = 2; // bits value the cached step belongs to (0 before the first sample)
const S_STEP = 3; // Δ = 2^(1 − bits)
const S_KMIN = 4; // lowest level index: −floor(1/Δ)
const S_KMAX = 5; // highest level index: floor(1/Δ − 1)
const S_RATE = 6; // rate value the cached period belongs to (0 before the first sample)
const S_PERIOD = 7; // P = max(1, fs / rate)
const STATE_SIZE = 8;

export class CrushKernel extends Kernel {
  readonly state = new Float64Array(STATE_SIZE);

  process(start: number, end: number): void {
    const st = this.state;
    const out = this.io.outputs[OUT.out];
    const input = this.io.inputs[IN.in].buffer;
    const bitsP = this.io.params[P.bits];
    const rateP = this.io.params[P.rate];
    const mixP = this.io.params[P.mix];
    const bitsConst = bitsP.isConstant;
    const bitsValue = bitsP.value;
    const bitsBuffer = bitsP.buffer;
    const rateConst = rateP.isConstant;
    const rateValue = rateP.value;
    const rateBuffer = rateP.buffer;
    const mixConst = mixP.isConstant;
    const mixValue = mixP.value;
    const mixBuffer = mixP.buffer;
    const fs = this.ctx.sampleRate;
    let countdown = st[S_COUNTDOWN];
    let held = st[S_HELD];
    let lastBits = st[S_BITS];
    let step = st[S_STEP];
    let kMin = st[S_KMIN];
    let kMax = st[S_KMAX];
    let lastRate = st[S_RATE];
    let period = st[S_PERIOD];
    let sq = 0; // Kernel.outputCheck
    for (let i = start; i < end; i++) {
      const b = bitsConst ? bitsValue : bitsBuffer[i];
      if (b !== lastBits) {
        lastBits = b;
        // Δ = 2^(1 − b) by exp2Approx (lib/fast-math.ts) written out: exact for integer b (the
        // polynomial is 1 at 0), relative error < 1e-8 otherwise; bits may be modulated per sample.
        let x = 1 - b;
        if (!(x > -EXP2_RANGE)) x = -EXP2_RANGE; // also NaN
        else if (x > EXP2_RANGE) x = EXP2_RANGE;
        const n = Math.round(x);
        const r = x - n;
        step = (1 + r * (EXP2_C1 + r * (EXP2_C2 + r * (EXP2_C3 + r * (EXP2_C4 + r * (EXP2_C5 + r * (EXP2_C6 + r * EXP2_C7))))))) * EXP2_INT[n + EXP2_RANGE];
        const levelsPerSide = 1 / step;
        kMin = -Math.floor(levelsPerSide);
        kMax = Math.floor(levelsPerSide - 1);
      }
      const r = rateConst ? rateValue : rateBuffer[i];
      if (r !== lastRate) {
        lastRate = r;
        const p = fs / r;
        period = p > 1 ? p : 1;
      }
      const x = input[i];
      if (countdown <= 0) {
        held = x;
        countdown += period;
      }
      countdown -= 1;
      let k = Math.round(held / step);
      if (k < kMin) k = kMin;
      else if (k > kMax) k = kMax;
      else if (k !== k) k = 0; // NaN input
      const wet = k * step;
      const m = mixConst ? mixValue : mixBuffer[i];
      const y = (1 - m) * x + m * wet;
      out[i] = y;
      sq += y * y;
    }
    st[S_COUNTDOWN] = countdown;
    st[S_HELD] = held;
    st[S_BITS] = lastBits;
    st[S_STEP] = step;
    st[S_KMIN] = kMin;
    st[S_KMAX] = kMax;
    st[S_RATE] = lastRate;
    st[S_PERIOD] = period;
    this.outputCheck[0] = sq;
  }
}

export const crushModule = decl.withKernel(CrushKernel);
