// reverb: stereo feedback-delay-network reverberator.
//
// Structure (Stautner & Puckette, "Designing Multi-Channel Reverberators", CMJ 6(1), 1982;
// Jot & Chaigne, "Digital Delay Networks for Designing Artificial Reverberators", AES 90th
// Convention, 1991; J. O. Smith, "Physical Audio Signal Processing", sections "Feedback Delay
// Networks" and "First-Order Delay-Filter Design"):
//   input → predelay (integer samples, round(predelay·fs/1000)) → four allpasses per side
//   (input diffusion: Schroeder, "Natural Sounding Artificial Reverberation", JAES 10(3), 1962;
//   lengths and gains after Dattorro, "Effect Design Part 1", JAES 45(9), 1997) → added to the 8×8 Hadamard mix (orthogonal, /√8) of the delay lines' outputs →
//   per-line absorption filter → 8 delay lines of mutually prime lengths (distinct primes,
//   scaled by `size`). (Filter and delay of a line commute: placing the filter at the line's
//   input makes its state the very value written, so one flush per line covers both.)
// The wet output is tapped at the mix (feedback plus injected input, before the filters), so
// the network adds no delay of its own: the first wet sample comes exactly
// round(predelay·fs/1000) samples after the input (fixed offset 0), whatever `size`.
//
// Decay (Jot's method, solved exactly as in Smith's first-order design): line k of length m
// samples gets H_k(z) = g_k·(1 − p_k)/(1 − p_k·z⁻¹). With R = 10^(−3/(fs·T)) per sample for
// T = decay and r_k = (R_π/R)^m for R_π that of T·damp, p_k = (1 − r_k)/(1 + r_k), so the
// gain at Nyquist over the gain at DC is exactly r_k; g_k = R^(m + τ_k), where τ_k = p/(1 − p)
// is the filter's delay at DC, so every mode near DC decays at exactly R per sample (all poles
// of the loop scaled by R: RT60 = decay at low frequencies for any size). p is capped at
// POLE_MAX (the high-frequency decay then stays longer than asked at very short decays with
// strong damping). Freeze: g = 1, p = 0 (the loop is exactly orthogonal: lossless) and the
// input is muted into the lines.
//
// Denormals: every value written to a line or allpass (the filter states included) and the tank
// input are flushed to 0 below FLUSH_LEVEL, far above float32's subnormal range (a NaN input
// becomes 0 too), so a dying tail ends in exact zeros and never goes subnormal; the flush is the
// same few compares per sample whether the tail rings or not, so cost does not change.
// Control rate: decay, size and damp are read every 32 samples of the sample clock (a counter
// in state, so block cuts do not matter) and the coefficients held in between (recomputing
// them costs a few hundred ns); freeze, predelay, mix and width apply at their exact sample.
// Changing `size` moves the lines' read points (integer lengths; a sweep sounds grainy).
//
// Threading: render thread. The constructor allocates every buffer (lines for the largest
// size at this sample rate); process() allocates nothing. Doubles never cross a call: the
// coefficient update reads and writes `state`.

import { Kernel } from '../kernel.js';
import type { KernelContext, KernelIo } from '../kernel.js';
import { defineModule } from '../define.js';
import {
  EXP2_C1 as LIB_C1, EXP2_C2 as LIB_C2, EXP2_C3 as LIB_C3, EXP2_C4 as LIB_C4, EXP2_C5 as LIB_C5, EXP2_C6 as LIB_C6,
  EXP2_C7 as LIB_C7, EXP2_INT as LIB_EXP2_INT, EXP2_RANGE as LIB_EXP2_RANGE,
} from '../lib/fast-math.js';

const MAX_PREDELAY_MS = 1000;
const SIZE_MIN = 0.25;
const SIZE_MAX = 2;

const decl = defineModule({
  type: 'reverb',
  doc:
    'Stereo reverb: 8-line feedback delay network (Jot & Chaigne 1991) with Hadamard feedback, input diffusion and ' +
    'per-line absorption filters: RT60 = `decay` at low frequencies, `damp` × decay at high frequencies. ' +
    'The wet signal starts exactly `predelay` after the input; `freeze` holds the tail forever. ' +
    '`decay`, `size` and `damp` are read every 32 samples.',
  params: [
    { id: 'decay', unit: 's', min: 0.1, max: 60, default: 2, smoothingMs: 50, scale: 'exp', aliases: ['rt60'], doc: 'Reverberation time RT60 (time to fall by 60 dB) at low frequencies.' },
    { id: 'size', unit: 'ratio', min: SIZE_MIN, max: SIZE_MAX, default: 1, smoothingMs: 50, scale: 'exp', doc: 'Room size: scales the delay-line lengths (27-64 ms at 1). Decay time is unaffected; sweeping it sounds grainy.' },
    { id: 'damp', unit: 'ratio', min: 0.05, max: 1, default: 0.5, smoothingMs: 50, doc: 'High-frequency decay ratio: RT60 at Nyquist / RT60 at low frequencies (1 = no damping).' },
    { id: 'predelay', unit: 'ms', min: 0, max: MAX_PREDELAY_MS, default: 0, smoothingMs: 0, tempoSync: true, doc: 'Delay before the wet signal, rounded to whole samples.' },
    { id: 'mix', unit: 'level', min: 0, max: 1, default: 0.3, smoothingMs: 20, aliases: ['wet'], doc: 'Dry/wet: 0 = dry only (exactly), 1 = wet only.' },
    { id: 'width', unit: 'ratio', min: 0, max: 1, default: 1, smoothingMs: 20, doc: 'Stereo width of the wet signal: 0 = mono (mid only), 1 = full.' },
    { id: 'freeze', unit: 'enum', min: 0, max: 1, default: 0, smoothingMs: 0, labels: ['off', 'on'], modulatable: false, doc: 'on: the tail sustains without loss and new input is kept out of it.' },
  ],
  inputs: [
    { id: 'left', doc: 'Audio in, left (a mono source connected without a port name feeds both sides).' },
    { id: 'right', doc: 'Audio in, right.' },
  ],
  outputs: [
    { id: 'left', doc: 'Dry/wet mix, left.' },
    { id: 'right', doc: 'Dry/wet mix, right.' },
  ],
  silentInSilentOut: true,
});

const P = decl.param;
const IN = decl.input;
const OUT = decl.output;

/** Number of delay lines (the kernel's loop is written out for exactly 8). */
const LINES = 8;
/** Line lengths at size 1, in ms, shortest first (made distinct primes in samples). */
const LINE_MS = [27.1, 30.7, 34.1, 39.3, 43.3, 49.9, 55.3, 63.7];
/** Input allpasses, per side, in ms (Dattorro's 142, 107, 379, 277 samples at 29761 Hz; right side detuned). */
const DIFFUSER_MS = [4.771, 3.595, 12.735, 9.307, 4.463, 3.847, 11.923, 9.941];
/** Allpass gains (Dattorro's input diffusion 1 and 2), same order as DIFFUSER_MS. */
const DIFFUSER_GAIN = [0.75, 0.75, 0.625, 0.625, 0.75, 0.75, 0.625, 0.625];
/** decay, size and damp are read every CONTROL_MASK + 1 samples of the sample clock. */
const CONTROL_MASK = 31;
/** Largest filter pole (DC delay τ = p/(1 − p) ≤ 19 samples). */
const POLE_MAX = 0.95;
/** Magnitudes below this are flushed to 0 (denormal guard). */
const FLUSH_LEVEL = 1e-30;
/**
 * What a flushed value becomes: −0, a heap number, so V8's type feedback for the tank's
 * arithmetic is "double" from the first sample (a literal 0 is a small integer: the code
 * optimised on silent samples then deoptimises when the signal arrives).
 */
const FLUSHED = -0;
/** Tank input clamp: keeps an infinite input from poisoning the lines. */
const INPUT_LIMIT = 1e9;
const INV_SQRT8 = 1 / Math.sqrt(8);
const LOG2_10 = Math.log2(10);
/**
 * Injection and output sign vectors (the patterns below in the loop): orthogonal between the
 * sides (c_L·c_R = 0, so a diffuse tail is uncorrelated left/right), none close to a Hadamard
 * row, and b·c = 4/8 on the same side, 0 across. Scales include the 1/√8 normalisation.
 * c_L = + − − + + + + +   c_R = − + + − + + + +   b_L = + − + + − + + +   b_R = − + + + + − + +
 */
const INPUT_SCALE = INV_SQRT8;
const OUTPUT_SCALE = INV_SQRT8;

// exp2 as in lib/fast-math.ts, restated as module-local bindings (see filter.ts).
const EXP2_RANGE = 64;
const EXP2_C1 = LIB_C1;
const EXP2_C2 = LIB_C2;
const EXP2_C3 = LIB_C3;
const EXP2_C4 = LIB_C4;
const EXP2_C5 = LIB_C5;
const EXP2_C6 = LIB_C6;
const EXP2_C7 = LIB_C7;
const EXP2_INT = LIB_EXP2_INT;
if (EXP2_RANGE !== LIB_EXP2_RANGE) throw new Error('reverb: exp2 range out of sync with lib/fast-math.ts');

// State layout.
const S_POS = 0; // tank write counter, wraps at the line capacity
const S_PRE_POS = 1; // predelay write position
const S_DECAY = 2; // decay, size, damp, freeze values the coefficients belong to (NaN: none yet)
const S_SIZE = 3;
const S_DAMP = 4;
const S_FREEZE = 5;
const S_IN_GAIN = 6; // 1, or 0 when frozen
const S_FILTER = 8; // 8 absorption filter states (the values last written to the lines)
const S_LEN = S_FILTER + LINES; // 8 line lengths in samples
const S_GAIN = S_LEN + LINES; // 8 filter input gains g·(1 − p)/√8
const S_POLE = S_GAIN + LINES; // 8 filter poles p
const STATE_SIZE = S_POLE + LINES;

function nextPowerOfTwo(n: number): number {
  let p = 1;
  while (p < n) p *= 2;
  return p;
}

/** prev[n] = largest prime ≤ n (1 for n < 2). */
function previousPrimes(limit: number): Int32Array {
  const composite = new Uint8Array(limit + 1);
  const prev = new Int32Array(limit + 1);
  let last = 1;
  for (let n = 0; n <= limit; n++) {
    if (n >= 2 && composite[n] === 0) {
      last = n;
      for (let k = n * n; k <= limit; k += n) composite[k] = 1;
    }
    prev[n] = last;
  }
  return prev;
}

export class ReverbKernel extends Kernel {
  readonly state = new Float64Array(STATE_SIZE);
  /** 8 delay lines of `capacity` samples each, one after the other. */
  private readonly lines: Float32Array;
  private readonly capacity: number;
  /** 8 allpass buffers of `diffuserCapacity` samples each. */
  private readonly diffusers: Float64Array;
  private readonly diffuserCapacity: number;
  private readonly diffuserLength: Int32Array;
  private readonly predelayLeft: Float32Array;
  private readonly predelayRight: Float32Array;
  private readonly predelayCapacity: number;
  private readonly primeAtOrBelow: Int32Array;
  private readonly samplesPerMs: number;

  constructor(ctx: KernelContext, io: KernelIo) {
    super(ctx, io);
    const fs = ctx.sampleRate;
    this.samplesPerMs = fs / 1000;
    const longest = Math.round(LINE_MS[LINES - 1] * SIZE_MAX * this.samplesPerMs);
    this.capacity = nextPowerOfTwo(longest + 1);
    this.lines = new Float32Array(LINES * this.capacity);
    this.primeAtOrBelow = previousPrimes(this.capacity - 1);
    this.diffuserLength = new Int32Array(DIFFUSER_MS.length);
    let longestDiffuser = 1;
    DIFFUSER_MS.forEach((ms, k) => {
      const target = Math.min(this.capacity - 1, Math.max(1, Math.round(ms * this.samplesPerMs)));
      this.diffuserLength[k] = Math.max(1, this.primeAtOrBelow[target]);
      longestDiffuser = Math.max(longestDiffuser, this.diffuserLength[k]);
    });
    this.diffuserCapacity = nextPowerOfTwo(longestDiffuser + 1);
    this.diffusers = new Float64Array(DIFFUSER_MS.length * this.diffuserCapacity);
    this.predelayCapacity = Math.ceil(MAX_PREDELAY_MS * this.samplesPerMs) + 1;
    this.predelayLeft = new Float32Array(this.predelayCapacity);
    this.predelayRight = new Float32Array(this.predelayCapacity);
    this.init();
  }

  protected override init(): void {
    const st = this.state;
    st[S_DECAY] = Number.NaN;
    st[S_SIZE] = Number.NaN;
    st[S_DAMP] = Number.NaN;
    st[S_FREEZE] = Number.NaN;
  }

  protected override extraStateArrays(): readonly (Float64Array | Float32Array)[] {
    return [this.lines, this.diffusers, this.predelayLeft, this.predelayRight];
  }

  /** Line lengths, e.g. for tests: the current length of line k in samples. */
  lineLength(k: number): number {
    return this.state[S_LEN + k];
  }

  /** Line lengths, filter gains and poles for the decay, size, damp and freeze in `state`. */
  private updateCoefficients(): void {
    const st = this.state;
    const fs = this.ctx.sampleRate;
    const frozen = Math.round(st[S_FREEZE]) >= 1;
    // Lengths: distinct primes (hence mutually prime), longest first.
    let limit = this.capacity - 1;
    for (let k = LINES - 1; k >= 0; k--) {
      const target = Math.round(LINE_MS[k] * st[S_SIZE] * this.samplesPerMs);
      const m = this.primeAtOrBelow[target < limit ? (target > 1 ? target : 1) : limit];
      st[S_LEN + k] = m;
      limit = m > 1 ? m - 1 : 1;
    }
    st[S_IN_GAIN] = frozen ? 0 : 1;
    const log2R = (-3 * LOG2_10) / (fs * st[S_DECAY]); // log2 of the per-sample decay R
    const hfExponent = 1 / st[S_DAMP] - 1; // r = (R^m)^hfExponent
    for (let k = 0; k < LINES; k++) {
      if (frozen) {
        st[S_GAIN + k] = INV_SQRT8;
        st[S_POLE + k] = 0;
        continue;
      }
      const m = st[S_LEN + k];
      let x = m * log2R * hfExponent;
      if (!(x > -EXP2_RANGE)) x = -EXP2_RANGE;
      let n = Math.round(x);
      let t = x - n;
      const r = (1 + t * (EXP2_C1 + t * (EXP2_C2 + t * (EXP2_C3 + t * (EXP2_C4 + t * (EXP2_C5 + t * (EXP2_C6 + t * EXP2_C7))))))) * EXP2_INT[n + EXP2_RANGE];
      let pole = (1 - r) / (1 + r);
      if (pole > POLE_MAX) pole = POLE_MAX;
      x = (m + pole / (1 - pole)) * log2R;
      if (!(x > -EXP2_RANGE)) x = -EXP2_RANGE;
      n = Math.round(x);
      t = x - n;
      const g = (1 + t * (EXP2_C1 + t * (EXP2_C2 + t * (EXP2_C3 + t * (EXP2_C4 + t * (EXP2_C5 + t * (EXP2_C6 + t * EXP2_C7))))))) * EXP2_INT[n + EXP2_RANGE];
      st[S_GAIN + k] = g * (1 - pole) * INV_SQRT8;
      st[S_POLE + k] = pole;
    }
  }

  process(start: number, end: number): void {
    const st = this.state;
    const io = this.io;
    const inLeft = io.inputs[IN.left].buffer;
    const inRight = io.inputs[IN.right].buffer;
    const outLeft = io.outputs[OUT.left];
    const outRight = io.outputs[OUT.right];
    const decay = io.params[P.decay];
    const size = io.params[P.size];
    const damp = io.params[P.damp];
    const freeze = io.params[P.freeze];
    const predelay = io.params[P.predelay];
    const mix = io.params[P.mix];
    const width = io.params[P.width];
    const freezeConstant = freeze.isConstant, freezeValue = freeze.value, freezeBuffer = freeze.buffer;
    const predelayConstant = predelay.isConstant, predelayValue = predelay.value, predelayBuffer = predelay.buffer;
    const mixConstant = mix.isConstant, mixValue = mix.value, mixBuffer = mix.buffer;
    const widthConstant = width.isConstant, widthValue = width.value, widthBuffer = width.buffer;
    // Constant params equal to the ones in use make every control point of this call a no-op.
    const steady = decay.isConstant && size.isConstant && damp.isConstant
      && decay.value === st[S_DECAY] && size.value === st[S_SIZE] && damp.value === st[S_DAMP];
    let curFreeze = st[S_FREEZE];

    const lines = this.lines;
    const cap = this.capacity;
    const mask = cap - 1;
    const o1 = cap, o2 = 2 * cap, o3 = 3 * cap, o4 = 4 * cap, o5 = 5 * cap, o6 = 6 * cap, o7 = 7 * cap;
    let m0 = st[S_LEN] | 0, m1 = st[S_LEN + 1] | 0, m2 = st[S_LEN + 2] | 0, m3 = st[S_LEN + 3] | 0;
    let m4 = st[S_LEN + 4] | 0, m5 = st[S_LEN + 5] | 0, m6 = st[S_LEN + 6] | 0, m7 = st[S_LEN + 7] | 0;
    let a0 = st[S_GAIN], a1 = st[S_GAIN + 1], a2 = st[S_GAIN + 2], a3 = st[S_GAIN + 3];
    let a4 = st[S_GAIN + 4], a5 = st[S_GAIN + 5], a6 = st[S_GAIN + 6], a7 = st[S_GAIN + 7];
    let p0 = st[S_POLE], p1 = st[S_POLE + 1], p2 = st[S_POLE + 2], p3 = st[S_POLE + 3];
    let p4 = st[S_POLE + 4], p5 = st[S_POLE + 5], p6 = st[S_POLE + 6], p7 = st[S_POLE + 7];
    let f0 = st[S_FILTER], f1 = st[S_FILTER + 1], f2 = st[S_FILTER + 2], f3 = st[S_FILTER + 3];
    let f4 = st[S_FILTER + 4], f5 = st[S_FILTER + 5], f6 = st[S_FILTER + 6], f7 = st[S_FILTER + 7];
    let inGain = st[S_IN_GAIN] * INPUT_SCALE;

    const dif = this.diffusers;
    const dcap = this.diffuserCapacity;
    const dmask = dcap - 1;
    const dl = this.diffuserLength;
    const d0 = dl[0], d1 = dl[1], d2 = dl[2], d3 = dl[3], d4 = dl[4], d5 = dl[5], d6 = dl[6], d7 = dl[7];
    const g0 = DIFFUSER_GAIN[0], g1 = DIFFUSER_GAIN[1], g2 = DIFFUSER_GAIN[2], g3 = DIFFUSER_GAIN[3];
    const g4 = DIFFUSER_GAIN[4], g5 = DIFFUSER_GAIN[5], g6 = DIFFUSER_GAIN[6], g7 = DIFFUSER_GAIN[7];

    const preL = this.predelayLeft;
    const preR = this.predelayRight;
    const preCap = this.predelayCapacity;
    const perMs = this.samplesPerMs;
    const constantDelay = Math.round(predelayValue * perMs);
    let w = st[S_POS] | 0;
    let pp = st[S_PRE_POS] | 0;
    let energy = 0;
    for (let i = start; i < end; i++) {
      const frozen = freezeConstant ? freezeValue : freezeBuffer[i];
      if ((!steady && (w & CONTROL_MASK) === 0) || frozen !== curFreeze) {
        // A control point (or freeze changed): decay, size and damp are read here.
        const d = decay.isConstant ? decay.value : decay.buffer[i];
        const s = size.isConstant ? size.value : size.buffer[i];
        const p = damp.isConstant ? damp.value : damp.buffer[i];
        if (d !== st[S_DECAY] || s !== st[S_SIZE] || p !== st[S_DAMP] || frozen !== curFreeze) {
          st[S_DECAY] = d;
          st[S_SIZE] = s;
          st[S_DAMP] = p;
          st[S_FREEZE] = curFreeze = frozen;
          this.updateCoefficients();
          m0 = st[S_LEN] | 0; m1 = st[S_LEN + 1] | 0; m2 = st[S_LEN + 2] | 0; m3 = st[S_LEN + 3] | 0;
          m4 = st[S_LEN + 4] | 0; m5 = st[S_LEN + 5] | 0; m6 = st[S_LEN + 6] | 0; m7 = st[S_LEN + 7] | 0;
          a0 = st[S_GAIN]; a1 = st[S_GAIN + 1]; a2 = st[S_GAIN + 2]; a3 = st[S_GAIN + 3];
          a4 = st[S_GAIN + 4]; a5 = st[S_GAIN + 5]; a6 = st[S_GAIN + 6]; a7 = st[S_GAIN + 7];
          p0 = st[S_POLE]; p1 = st[S_POLE + 1]; p2 = st[S_POLE + 2]; p3 = st[S_POLE + 3];
          p4 = st[S_POLE + 4]; p5 = st[S_POLE + 5]; p6 = st[S_POLE + 6]; p7 = st[S_POLE + 7];
          inGain = st[S_IN_GAIN] * INPUT_SCALE;
        }
      }
      const xL = inLeft[i];
      const xR = inRight[i];
      // Predelay (the tank input is flushed, NaN → 0, and clamped).
      preL[pp] = xL >= FLUSH_LEVEL ? (xL < INPUT_LIMIT ? xL : INPUT_LIMIT) : xL <= -FLUSH_LEVEL ? (xL > -INPUT_LIMIT ? xL : -INPUT_LIMIT) : 0;
      preR[pp] = xR >= FLUSH_LEVEL ? (xR < INPUT_LIMIT ? xR : INPUT_LIMIT) : xR <= -FLUSH_LEVEL ? (xR > -INPUT_LIMIT ? xR : -INPUT_LIMIT) : 0;
      const delay = predelayConstant ? constantDelay : Math.round(predelayBuffer[i] * perMs);
      let r = pp - (delay < preCap ? (delay > 0 ? delay : 0) : preCap - 1);
      if (r < 0) r += preCap;
      let uL = preL[r];
      let uR = preR[r];
      pp = pp + 1 === preCap ? 0 : pp + 1;

      // Input diffusion: Schroeder allpasses v = u + g·z, y = z − g·v (z: v delayed).
      const dw = w & dmask;
      let z = dif[(w - d0) & dmask];
      let v = uL + g0 * z;
      v = v >= FLUSH_LEVEL || v <= -FLUSH_LEVEL ? v : FLUSHED;
      dif[dw] = v;
      uL = z - g0 * v;
      z = dif[dcap + ((w - d1) & dmask)];
      v = uL + g1 * z;
      v = v >= FLUSH_LEVEL || v <= -FLUSH_LEVEL ? v : FLUSHED;
      dif[dcap + dw] = v;
      uL = z - g1 * v;
      z = dif[2 * dcap + ((w - d2) & dmask)];
      v = uL + g2 * z;
      v = v >= FLUSH_LEVEL || v <= -FLUSH_LEVEL ? v : FLUSHED;
      dif[2 * dcap + dw] = v;
      uL = z - g2 * v;
      z = dif[3 * dcap + ((w - d3) & dmask)];
      v = uL + g3 * z;
      v = v >= FLUSH_LEVEL || v <= -FLUSH_LEVEL ? v : FLUSHED;
      dif[3 * dcap + dw] = v;
      uL = (z - g3 * v) * inGain;
      z = dif[4 * dcap + ((w - d4) & dmask)];
      v = uR + g4 * z;
      v = v >= FLUSH_LEVEL || v <= -FLUSH_LEVEL ? v : FLUSHED;
      dif[4 * dcap + dw] = v;
      uR = z - g4 * v;
      z = dif[5 * dcap + ((w - d5) & dmask)];
      v = uR + g5 * z;
      v = v >= FLUSH_LEVEL || v <= -FLUSH_LEVEL ? v : FLUSHED;
      dif[5 * dcap + dw] = v;
      uR = z - g5 * v;
      z = dif[6 * dcap + ((w - d6) & dmask)];
      v = uR + g6 * z;
      v = v >= FLUSH_LEVEL || v <= -FLUSH_LEVEL ? v : FLUSHED;
      dif[6 * dcap + dw] = v;
      uR = z - g6 * v;
      z = dif[7 * dcap + ((w - d7) & dmask)];
      v = uR + g7 * z;
      v = v >= FLUSH_LEVEL || v <= -FLUSH_LEVEL ? v : FLUSHED;
      dif[7 * dcap + dw] = v;
      uR = (z - g7 * v) * inGain;

      // Hadamard on the line outputs (Sylvester order, fast Walsh-Hadamard butterflies; the
      // 1/√8 is in the filter gains), plus the injected input.
      const s0 = lines[(w - m0) & mask], s1 = lines[o1 + ((w - m1) & mask)];
      const s2 = lines[o2 + ((w - m2) & mask)], s3 = lines[o3 + ((w - m3) & mask)];
      const s4 = lines[o4 + ((w - m4) & mask)], s5 = lines[o5 + ((w - m5) & mask)];
      const s6 = lines[o6 + ((w - m6) & mask)], s7 = lines[o7 + ((w - m7) & mask)];
      const t0 = s0 + s1, t1 = s0 - s1, t2 = s2 + s3, t3 = s2 - s3;
      const t4 = s4 + s5, t5 = s4 - s5, t6 = s6 + s7, t7 = s6 - s7;
      const q0 = t0 + t2, q1 = t1 + t3, q2 = t0 - t2, q3 = t1 - t3;
      const q4 = t4 + t6, q5 = t5 + t7, q6 = t4 - t6, q7 = t5 - t7;
      const sum = uL + uR, diff = uL - uR;
      // Injection b_L = + − + + − + + +, b_R = − + + + + − + +.
      const v0 = q0 + q4 + diff;
      const v1 = q1 + q5 - diff;
      const v2 = q2 + q6 + sum;
      const v3 = q3 + q7 + sum;
      const v4 = q0 - q4 - diff;
      const v5 = q1 - q5 + diff;
      const v6 = q2 - q6 + sum;
      const v7 = q3 - q7 + sum;
      // Absorption filters at the lines' inputs; what they write is their (flushed) state.
      f0 = a0 * v0 + p0 * f0;
      f1 = a1 * v1 + p1 * f1;
      f2 = a2 * v2 + p2 * f2;
      f3 = a3 * v3 + p3 * f3;
      f4 = a4 * v4 + p4 * f4;
      f5 = a5 * v5 + p5 * f5;
      f6 = a6 * v6 + p6 * f6;
      f7 = a7 * v7 + p7 * f7;
      f0 = f0 >= FLUSH_LEVEL || f0 <= -FLUSH_LEVEL ? f0 : FLUSHED;
      f1 = f1 >= FLUSH_LEVEL || f1 <= -FLUSH_LEVEL ? f1 : FLUSHED;
      f2 = f2 >= FLUSH_LEVEL || f2 <= -FLUSH_LEVEL ? f2 : FLUSHED;
      f3 = f3 >= FLUSH_LEVEL || f3 <= -FLUSH_LEVEL ? f3 : FLUSHED;
      f4 = f4 >= FLUSH_LEVEL || f4 <= -FLUSH_LEVEL ? f4 : FLUSHED;
      f5 = f5 >= FLUSH_LEVEL || f5 <= -FLUSH_LEVEL ? f5 : FLUSHED;
      f6 = f6 >= FLUSH_LEVEL || f6 <= -FLUSH_LEVEL ? f6 : FLUSHED;
      f7 = f7 >= FLUSH_LEVEL || f7 <= -FLUSH_LEVEL ? f7 : FLUSHED;
      const wi = w & mask;
      lines[wi] = f0;
      lines[o1 + wi] = f1;
      lines[o2 + wi] = f2;
      lines[o3 + wi] = f3;
      lines[o4 + wi] = f4;
      lines[o5 + wi] = f5;
      lines[o6 + wi] = f6;
      lines[o7 + wi] = f7;
      w = (w + 1) & mask;

      // Outputs c_L = + − − + + + + +, c_R = − + + − + + + +; then width (mid/side) and mix.
      const shared = v4 + v5 + v6 + v7;
      const own = v0 - v1 - v2 + v3;
      const mid = shared * OUTPUT_SCALE;
      const side = own * OUTPUT_SCALE * (widthConstant ? widthValue : widthBuffer[i]);
      const m = mixConstant ? mixValue : mixBuffer[i];
      const yL = (1 - m) * xL + m * (mid + side);
      const yR = (1 - m) * xR + m * (mid - side);
      outLeft[i] = yL;
      outRight[i] = yR;
      energy += yL * yL + yR * yR;
    }
    st[S_FILTER] = f0; st[S_FILTER + 1] = f1; st[S_FILTER + 2] = f2; st[S_FILTER + 3] = f3;
    st[S_FILTER + 4] = f4; st[S_FILTER + 5] = f5; st[S_FILTER + 6] = f6; st[S_FILTER + 7] = f7;
    st[S_POS] = w;
    st[S_PRE_POS] = pp;
    this.outputCheck[0] = energy;
  }
}

export const reverbModule = decl.withKernel(ReverbKernel);
