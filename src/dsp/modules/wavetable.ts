// wavetable: mip-mapped band-limited wavetable oscillator with a morph between built-in tables
// (R. Bristow-Johnson, "Wavetable Synthesis 101, A Fundamental Perspective", AES 101st
// Convention, 1996: tables of band-limited harmonics, interpolation, one table per pitch range;
// P. Burk, "Band Limited Oscillators Using Wave Table Synthesis", Audio Anecdotes II, 2004:
// octave-spaced tables whose top harmonic stays below Nyquist, crossfaded between octaves).
//
// Tables (built by the first construction on a thread, shared by every instance after it; they
// do not depend on the sample rate, so one set serves every rate). Each shape has LEVELS = 11
// mip levels of SIZE = 4096 points (+1 guard point for interpolation); level m holds harmonics
// 1 … K_m, K_m = 1024/2^m (level 0: 1024 harmonics, 2× oversampled; level 10: the fundamental). Fourier series (θ = 2π·phase),
// matching osc's waveforms:
//   sine      sin θ
//   saw       −(2/π) Σ sin(kθ)/k                 (2·phase − 1, rising)
//   square    (4/π) Σ_{k odd} sin(kθ)/k          (+1 for phase < ½)
//   triangle  −(8/π²) Σ_{k odd} cos(kθ)/k²       (−1 at phase 0, +1 at ½)
//   formant   Σ a_k sin(kθ), a_k = 0.5/k + e^(−(k−5)²/(2·1.2²)) + 0.6·e^(−(k−12)²/(2·2²)),
//             scaled to peak 1 at level 0: a bright 1/k base with two resonances at the 5th and
//             12th harmonics (on a 150 Hz note, 750 Hz and 1.8 kHz: an "ah"-like vowel)
// (the truncated series of the first four overshoot like osc's band-limited ones, Gibbs).
// Built by adding each harmonic once, from level 10 down to 0, over half of each table (the
// rest by symmetry), with sines read exactly from a 4096-point table ((k·n) mod 4096): 6.3 M
// multiply-adds, measured 35-50 ms of CPU on the (heavily loaded) 2-core build machine, paid by
// the first patch that adds a wavetable on a thread (not at module load, so processes that never
// play one, such as the CLI, do not pay it).
// Level choice and crossfade: with x = f·2048/fs, level m is alias-free iff x ≤ 2^m (its top
// harmonic K_m·f ≤ fs/2). For x in (2^e, 2^(e+1)] the oscillator reads level e + 1, crossfading
// linearly (in x) to level e + 2 over the top half-octave x ∈ [√2·2^e, 2^(e+1)], so it is pure
// level e + 2 where the next octave starts: no step in brightness, and both levels are
// alias-free wherever they sound. Below x = 1 level 0 is used alone; level 10 is the top.
// Interpolation: linear between table points (with 4096 points its error is below −110 dB for
// a sine; the top harmonic of level 0 sits at a quarter of the table's rate).
// Morph: `position` crossfades (linear) from `table` to the next built-in table in the list
// (sine → saw → square → triangle → formant → sine): 0 = `table`, 1 = the next one.
// f = freq·2^(pitch + transpose/12 + fine/1200), limited to [0, 0.49·fs]; phase in [0, 1) starts at 0.
//
// Render thread; the first construction on a thread builds the tables (allocates); process and
// reset allocate nothing. No double crosses a call; the level and crossfade are recomputed only
// when the phase increment changes.

import { Kernel } from '../kernel.js';
import type { KernelContext, KernelIo } from '../kernel.js';
import { defineModule } from '../define.js';
import {
  EXP2_C1 as LIB_C1, EXP2_C2 as LIB_C2, EXP2_C3 as LIB_C3, EXP2_C4 as LIB_C4, EXP2_C5 as LIB_C5,
  EXP2_C6 as LIB_C6, EXP2_C7 as LIB_C7, EXP2_INT, EXP2_RANGE, HIGH_WORD,
} from '../lib/fast-math.js';
import { enumIndexAt, enumRunEnd } from '../lib/enum-param.js';

export const WAVETABLE_SHAPES = ['sine', 'saw', 'square', 'triangle', 'formant'] as const;
export const WAVETABLE_SIZE = 4096;
export const WAVETABLE_LEVELS = 11;
const SIZE = 4096;
const SIZE_MASK = 4095;
const STRIDE = SIZE + 1; // one guard point per table
const LEVELS = 11;
const SHAPES = 5;
const TOP_LEVEL = LEVELS - 1;

/** Harmonics in mip level m. */
export function wavetableHarmonics(level: number): number {
  return 1024 >> level;
}

/** Amplitude and phase (0: sin, 1: cos) of harmonic k of a shape, before normalisation. */
function harmonic(shape: number, k: number): { amp: number; cos: boolean } {
  const odd = (k & 1) === 1;
  switch (shape) {
    case 0: return { amp: k === 1 ? 1 : 0, cos: false };
    case 1: return { amp: -2 / (Math.PI * k), cos: false };
    case 2: return { amp: odd ? 4 / (Math.PI * k) : 0, cos: false };
    case 3: return { amp: odd ? -8 / (Math.PI * Math.PI * k * k) : 0, cos: true };
    default: return { amp: 0.5 / k + Math.exp(-((k - 5) ** 2) / (2 * 1.2 * 1.2)) + 0.6 * Math.exp(-((k - 12) ** 2) / (2 * 2 * 2)), cos: false };
  }
}

const HALF = SIZE / 2;

/**
 * acc[n] += Σ_j amps[j]·sin(2π·(ks[j]·n + offsets[j])/SIZE), j < 4, for n in [0, SIZE/2] (the other
 * half follows by symmetry), the sines read exactly from `sine`: four harmonics per pass over
 * acc. Construction time.
 */
function addHarmonics(acc: Float64Array, sine: Float64Array, amps: Float64Array, ks: Int32Array, offsets: Int32Array): void {
  const a0 = amps[0];
  const a1 = amps[1];
  const a2 = amps[2];
  const a3 = amps[3];
  const k0 = ks[0];
  const k1 = ks[1];
  const k2 = ks[2];
  const k3 = ks[3];
  let i0 = offsets[0];
  let i1 = offsets[1];
  let i2 = offsets[2];
  let i3 = offsets[3];
  for (let n = 0; n <= HALF; n++) {
    acc[n] += a0 * sine[i0] + a1 * sine[i1] + a2 * sine[i2] + a3 * sine[i3];
    i0 = (i0 + k0) & SIZE_MASK;
    i1 = (i1 + k1) & SIZE_MASK;
    i2 = (i2 + k2) & SIZE_MASK;
    i3 = (i3 + k3) & SIZE_MASK;
  }
}

/**
 * All tables: shape s, level m at offset (s·LEVELS + m)·STRIDE. First construction on a thread.
 * Sine series are odd about phase 0 (t(SIZE − n) = −t(n)), the triangle's cosine series even:
 * half of each table is summed, the rest mirrored.
 */
function buildTables(): Float32Array {
  const tables = new Float32Array(SHAPES * LEVELS * STRIDE);
  const sine = new Float64Array(SIZE);
  for (let n = 0; n < SIZE; n++) sine[n] = Math.sin((2 * Math.PI * n) / SIZE);
  const acc = new Float64Array(HALF + 1);
  const levelsOfShape = new Float64Array(LEVELS * (HALF + 1));
  const amps = new Float64Array(4);
  const ks = new Int32Array(4);
  const offsets = new Int32Array(4);
  for (let s = 0; s < SHAPES; s++) {
    acc.fill(0);
    const even = harmonic(s, 1).cos;
    let done = 0; // harmonics 1 … done are in acc
    for (let m = TOP_LEVEL; m >= 0; m--) {
      const top = wavetableHarmonics(m);
      let batch = 0; // harmonics queued in amps/ks/offsets
      for (let k = done + 1; k <= top; k++) {
        const { amp, cos } = harmonic(s, k);
        if (amp === 0) continue;
        amps[batch] = amp;
        ks[batch] = k;
        offsets[batch] = cos ? SIZE / 4 : 0;
        if (++batch === 4 || k === top) {
          amps.fill(0, batch); // unused slots add 0·sin(0)
          ks.fill(0, batch);
          offsets.fill(0, batch);
          addHarmonics(acc, sine, amps, ks, offsets);
          batch = 0;
        }
      }
      if (batch > 0) {
        amps.fill(0, batch);
        ks.fill(0, batch);
        offsets.fill(0, batch);
        addHarmonics(acc, sine, amps, ks, offsets);
      }
      done = top;
      levelsOfShape.set(acc, m * (HALF + 1));
    }
    // The formant recipe is scaled to peak 1 at level 0; the others keep their series' scale.
    let scale = 1;
    if (s === 4) {
      let peak = 0;
      for (let n = 0; n <= HALF; n++) peak = Math.max(peak, Math.abs(levelsOfShape[n]));
      scale = 1 / peak;
    }
    for (let m = 0; m < LEVELS; m++) storeLevel(tables, (s * LEVELS + m) * STRIDE, levelsOfShape, m * (HALF + 1), scale, even);
  }
  return tables;
}

/**
 * Writes one table: half[from … from + SIZE/2] × scale, mirrored (even: t(SIZE − n) = t(n),
 * else −t(n) with exact zeros at 0 and SIZE/2), and the guard point. Construction time.
 */
function storeLevel(tables: Float32Array, base: number, half: Float64Array, from: number, scale: number, even: boolean): void {
  for (let n = 0; n <= HALF; n++) tables[base + n] = half[from + n] * scale;
  const sign = even ? 1 : -1;
  for (let n = HALF + 1; n < SIZE; n++) tables[base + n] = sign * tables[base + SIZE - n];
  if (!even) {
    tables[base] = 0;
    tables[base + HALF] = 0;
  }
  tables[base + SIZE] = tables[base]!;
}

let sharedTables: Float32Array | undefined;

/**
 * Every shape's mip levels (see buildTables), built by the first call on a thread and shared by
 * all instances after it. Construction time only (allocates the first time).
 */
export function wavetables(): Float32Array {
  if (sharedTables === undefined) sharedTables = buildTables();
  return sharedTables;
}

/** Table of `shape` at mip `level` (a view: for tests and tools). */
export function wavetableLevel(shape: number, level: number): Float32Array {
  const base = (shape * LEVELS + level) * STRIDE;
  return wavetables().subarray(base, base + SIZE);
}

const decl = defineModule({
  type: 'wavetable',
  doc:
    'Wavetable oscillator: mip-mapped band-limited tables (one per octave, crossfaded) of sine, saw, square, triangle and a formant wave; ' +
    '`position` morphs from `table` to the next table in that list.',
  params: [
    { id: 'table', unit: 'enum', min: 0, max: 4, default: 1, smoothingMs: 0, labels: WAVETABLE_SHAPES, modulatable: false, doc: 'Table at position 0.' },
    { id: 'position', unit: 'ratio', min: 0, max: 1, default: 0, smoothingMs: 10, doc: 'Morph from `table` (0) to the next table in the list (1), linear crossfade.' },
    { id: 'freq', unit: 'Hz', min: 0.1, max: 20000, default: 220, smoothingMs: 5, scale: 'exp', doc: 'Frequency before `pitch`, transpose and fine.' },
    { id: 'transpose', unit: 'semitones', min: -48, max: 48, default: 0, smoothingMs: 0, doc: 'Pitch offset in semitones.' },
    { id: 'fine', unit: 'cents', min: -100, max: 100, default: 0, smoothingMs: 5, doc: 'Pitch offset in cents.' },
    { id: 'gain', unit: 'level', min: 0, max: 1, default: 0.5, smoothingMs: 5, doc: 'Output level (peak of the waveform, Gibbs overshoot aside).' },
  ],
  inputs: [{ id: 'pitch', doc: 'Pitch in octaves, added per sample: f = freq · 2^pitch.' }],
  outputs: [{ id: 'out', doc: 'Audio, within about ±gain.' }],
  silentInSilentOut: false,
});

const P = decl.param;
const IN = decl.input;
const OUT = decl.output;

const C1 = LIB_C1;
const C2 = LIB_C2;
const C3 = LIB_C3;
const C4 = LIB_C4;
const C5 = LIB_C5;
const C6 = LIB_C6;
const C7 = LIB_C7;
const RANGE = EXP2_RANGE;
const HIGH = HIGH_WORD;
const SQRT2 = Math.SQRT2;
const CROSSFADE_SCALE = 1 / (2 - Math.SQRT2);

// State layout.
const S_PHASE = 0; // phase in [0, 1)
const S_OCT = 1; // octave offset the cached factor belongs to (NaN: none yet)
const S_FACTOR = 2;
const S_KEY_DT = 3; // increment the level choice belongs to (NaN: none yet)
const S_LEVEL = 4; // offset of the richer level (level · STRIDE)
const S_FADE = 5; // weight of the next level
const STATE_SIZE = 6;

export class WavetableKernel extends Kernel {
  readonly state = new Float64Array(STATE_SIZE);
  /** Scratch for reading a double's exponent (level choice). */
  private readonly bitsF64 = new Float64Array(1);
  private readonly bitsI32 = new Int32Array(this.bitsF64.buffer);

  /** The shared tables (wavetables()). */
  private readonly tables: Float32Array;

  constructor(ctx: KernelContext, io: KernelIo) {
    super(ctx, io);
    this.tables = wavetables();
    this.init();
  }

  protected override init(): void {
    this.state[S_OCT] = NaN;
    this.state[S_KEY_DT] = NaN;
  }

  process(start: number, end: number): void {
    this.outputCheck[0] = 0;
    const tableP = this.io.params[P.table];
    let i = start;
    while (i < end) {
      const runEnd = enumRunEnd(tableP, i, end);
      this.render(i, runEnd, enumIndexAt(tableP, i, SHAPES));
      i = runEnd;
    }
  }

  /** Renders [from, to) from table `shape` (constant over the run). */
  private render(from: number, to: number, shape: number): void {
    const st = this.state;
    const params = this.io.params;
    const posP = params[P.position];
    const posC = posP.isConstant;
    const posV = posP.value;
    const posB = posP.buffer;
    const freqP = params[P.freq];
    const freqC = freqP.isConstant;
    const freqV = freqP.value;
    const freqB = freqP.buffer;
    const trP = params[P.transpose];
    const trC = trP.isConstant;
    const trV = trP.value;
    const trB = trP.buffer;
    const fineP = params[P.fine];
    const fineC = fineP.isConstant;
    const fineV = fineP.value;
    const fineB = fineP.buffer;
    const gainP = params[P.gain];
    const gainC = gainP.isConstant;
    const gainV = gainP.value;
    const gainB = gainP.buffer;
    const pitch = this.io.inputs[IN.pitch];
    const pitchC = pitch.connected;
    const pitchB = pitch.buffer;
    const out = this.io.outputs[OUT.out];
    const tables = this.tables;
    const inv = 1 / this.ctx.sampleRate;
    const bitsF = this.bitsF64;
    const bitsI = this.bitsI32;
    const shapeBase = shape * LEVELS * STRIDE;
    const nextBase = (shape === SHAPES - 1 ? 0 : shape + 1) * LEVELS * STRIDE;
    let phase = st[S_PHASE];
    let sq = 0; // Kernel.outputCheck: sum of squares written
    for (let i = from; i < to; i++) {
      const oct = (pitchC ? pitchB[i] : 0) + (trC ? trV : trB[i]) / 12 + (fineC ? fineV : fineB[i]) / 1200;
      let factor = st[S_FACTOR];
      if (oct !== st[S_OCT]) {
        // 2^x as lib/fast-math.ts exp2Approx (relative error < 1e-8).
        let x = oct;
        if (!(x > -RANGE)) x = -RANGE;
        else if (x > RANGE) x = RANGE;
        const n = Math.round(x);
        const fr = x - n;
        factor = (1 + fr * (C1 + fr * (C2 + fr * (C3 + fr * (C4 + fr * (C5 + fr * (C6 + fr * C7))))))) * EXP2_INT[n + RANGE];
        st[S_OCT] = oct;
        st[S_FACTOR] = factor;
      }
      let dt = (freqC ? freqV : freqB[i]) * factor * inv;
      dt = dt < 0.49 ? dt : 0.49;
      if (dt !== st[S_KEY_DT]) {
        // x = dt·2048 = m·2^e (m in [1, 2)): read level e + 1, fade to e + 2 as m goes √2 → 2.
        st[S_KEY_DT] = dt;
        const x = dt * 2048;
        let level = 0;
        let fade = 0;
        if (x > 1) {
          bitsF[0] = x;
          const hi = bitsI[HIGH];
          const e = (hi >> 20) - 1023;
          bitsI[HIGH] = (hi & 0x000fffff) | 0x3ff00000;
          const mant = bitsF[0];
          level = e + 1;
          fade = mant > SQRT2 ? (mant - SQRT2) * CROSSFADE_SCALE : 0;
          if (level >= TOP_LEVEL) {
            level = TOP_LEVEL;
            fade = 0;
          }
        } else if (x > SQRT2 / 2) {
          fade = (2 * x - SQRT2) * CROSSFADE_SCALE;
        }
        st[S_LEVEL] = level * STRIDE;
        st[S_FADE] = fade;
      }
      const morph = posC ? posV : posB[i];
      const u = morph > 0 ? (morph < 1 ? morph : 1) : 0;
      const levelOffset = st[S_LEVEL];
      const fade = st[S_FADE];
      const idx = phase * SIZE;
      const i0 = idx | 0;
      const frac = idx - i0;
      let base = shapeBase + levelOffset + i0;
      let a = tables[base];
      let v = a + frac * (tables[base + 1] - a);
      if (fade > 0) {
        a = tables[base + STRIDE];
        v += fade * (a + frac * (tables[base + STRIDE + 1] - a) - v);
      }
      if (u > 0) {
        base = nextBase + levelOffset + i0;
        a = tables[base];
        let vn = a + frac * (tables[base + 1] - a);
        if (fade > 0) {
          a = tables[base + STRIDE];
          vn += fade * (a + frac * (tables[base + STRIDE + 1] - a) - vn);
        }
        v += u * (vn - v);
      }
      const y = (gainC ? gainV : gainB[i]) * v;
      out[i] = y;
      sq += y * y;
      let p = phase + dt;
      if (p >= 1) p -= 1;
      phase = p;
    }
    st[S_PHASE] = phase;
    this.outputCheck[0] += sq;
  }
}

export const wavetableModule = decl.withKernel(WavetableKernel);
