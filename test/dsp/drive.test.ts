// drive: static curves (at the documented wet delay: ADAA's half sample at the doubled rate
// plus the linear-phase oversampling filters), odd symmetry (no even harmonics), alias
// suppression against the naive curve, peak normalisation, tone low-pass, mix, silence under
// bias modulation.

import { createRegistry as registryForName } from '../../src/dsp/modules/index.js';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DRIVE_MODES, DRIVE_OVERSAMPLING, driveModule } from '../../src/dsp/modules/drive.js';
import { KernelHarness } from '../helpers/kernel-harness.js';
import { goertzelAmplitude, magnitudeSpectrum, peakAbs, toDb } from '../helpers/analysis.js';

const FS = 48000;
const MODE = { tanh: 0, hard: 1, asym: 2, fold: 3 } as const;
type Mode = keyof typeof MODE;

/** Tolerance of the static-curve test (absolute, output units). */
const STATIC_TOLERANCE = 1e-4;
/** Even harmonics of the odd curves at bias 0, relative to the fundamental. */
const EVEN_HARMONIC_LIMIT_DBC = -100;
/** Alias power reduction required against the naive curve at the engine rate. */
const ALIAS_REDUCTION_DB = 10;
/** ... and of ADAA against the naive curve through the same 2× oversampling. */
const ADAA_SHARE_DB = 5;
/** Wet-path delay (samples) and latency (dry delay) as documented in drive.ts. */
const WET_DELAY = 10.75;
const LATENCY = 11;

// Reference curves, written from the module's documentation (not imported from it).
function curve(mode: Mode, x: number): number {
  switch (mode) {
    case 'tanh': return Math.tanh(x);
    case 'hard': return Math.max(-1, Math.min(1, x));
    case 'asym': return x >= 0 ? Math.tanh(x) : 0.5 * Math.tanh(2 * x);
    case 'fold': {
      // Reflect at ±1 until inside.
      let y = x;
      while (y > 1 || y < -1) y = y > 1 ? 2 - y : -2 - y;
      return y;
    }
  }
}

/** Documented peak normalisation: 1 / max_{|x| ≤ g} f(x). */
function compensation(mode: Mode, gain: number): number {
  return mode === 'tanh' || mode === 'asym' ? 1 / Math.tanh(gain) : 1;
}

function drive(params: Record<string, number>): KernelHarness {
  return new KernelHarness(driveModule, { sampleRate: FS, params: { tone: 20000, mix: 1, bias: 0, ...params } });
}

function render(h: KernelHarness, input: Float32Array, block = 128): Float32Array {
  return h.render(input.length, { block, inputs: { in: input } })[0]!;
}

function sine(freq: number, amplitude: number, frames: number): Float32Array {
  const x = new Float32Array(frames);
  for (let i = 0; i < frames; i++) x[i] = amplitude * Math.sin((2 * Math.PI * freq * i) / FS);
  return x;
}

test('the documented mode labels are the module\'s', () => {
  assert.deepEqual([...DRIVE_MODES], Object.keys(MODE));
});

test('the documented delays are the module\'s', () => {
  assert.equal(DRIVE_OVERSAMPLING.wetDelay, WET_DELAY);
  assert.equal(DRIVE_OVERSAMPLING.latency, LATENCY);
  assert.deepEqual(driveModule.spec.latency, { samples: LATENCY });
});

/** x at fractional time t, linearly interpolated between samples. */
function at(x: Float32Array, t: number): number {
  const k = Math.floor(t);
  return x[k]! + (t - k) * (x[k + 1]! - x[k]!);
}

test('a slow input follows the static curve c·(f(g·x + b) − f(b)) within 1e-4, delayed by 10.75 samples', () => {
  for (const mode of Object.keys(MODE) as Mode[]) {
    for (const driveDb of [0, 12, 24]) {
      for (const bias of [0, 0.3, -0.55]) {
        const g = Math.pow(10, driveDb / 20);
        // A ramp from −1.2 to 1.2 slow enough that g·x moves by 2e-5 per sample: the ADAA box
        // and the oversampling filters then round the curve's kinks by well under 1e-4.
        const frames = Math.ceil((2.4 * g) / 2e-5);
        const x = new Float32Array(frames);
        for (let i = 0; i < frames; i++) x[i] = -1.2 + (2.4 * i) / (frames - 1);
        const y = render(drive({ mode: MODE[mode], drive: driveDb, bias }), x);
        const c = compensation(mode, g);
        const fb = curve(mode, bias);
        let worst = 0;
        let where = 0;
        for (let i = 40; i < frames; i++) {
          const expected = c * (curve(mode, g * at(x, i - WET_DELAY) + bias) - fb);
          const err = Math.abs(y[i]! - expected);
          if (err > worst) {
            worst = err;
            where = i;
          }
        }
        assert.ok(worst < STATIC_TOLERANCE, `${mode} drive ${driveDb} dB bias ${bias}: error ${worst} at x = ${x[where]}`);
      }
    }
  }
});

/**
 * Coherent sampling: a sine of `bin` cycles (odd) in N = 2^16 samples, so every harmonic and
 * every aliased harmonic falls exactly on a bin (rectangular window, no leakage), and since
 * `bin` is odd and N a power of two, no odd harmonic (aliased or not) ever lands on a bin
 * that an even one occupies.
 */
const N = 65536;

function steadySpectrum(h: KernelHarness, bin: number, amplitude: number): Float64Array {
  const x = new Float32Array(2 * N);
  for (let i = 0; i < x.length; i++) x[i] = amplitude * Math.sin((2 * Math.PI * bin * (i % N)) / N);
  const y = render(h, x);
  return magnitudeSpectrum(y, N, N, () => 1);
}

/** Folded bin of harmonic h of `bin`. */
function harmonicBin(h: number, bin: number): number {
  const b = (h * bin) % N;
  return b <= N / 2 ? b : N - b;
}

test('bias 0: tanh, hard and fold make no even harmonics (< −100 dBc, aliased ones included); asym does', () => {
  const bin = 1365; // 999.76 Hz
  for (const mode of Object.keys(MODE) as Mode[]) {
    for (const driveDb of [6, 24]) {
      const mags = steadySpectrum(drive({ mode: MODE[mode], drive: driveDb }), bin, 0.8);
      const fundamental = mags[bin]!;
      let worst = 0;
      for (let h = 2; h <= 400; h += 2) worst = Math.max(worst, mags[harmonicBin(h, bin)]!);
      const dbc = toDb(worst / fundamental);
      if (mode === 'asym') assert.ok(dbc > -40, `asym drive ${driveDb} dB: even harmonics expected, strongest ${dbc.toFixed(1)} dBc`);
      else assert.ok(dbc < EVEN_HARMONIC_LIMIT_DBC, `${mode} drive ${driveDb} dB: even harmonic at ${dbc.toFixed(1)} dBc`);
    }
  }
});

/**
 * Alias power: the power (sum of squared bin magnitudes, rectangular window, coherent sampling)
 * of every bin in 1 … N/2 other than the harmonics h·f0 < fs/2 themselves. For a memoryless
 * curve every such bin holds an aliased harmonic (h·f0 ≥ fs/2 folded back).
 */
function aliasPower(mags: Float64Array, bin: number): number {
  const harmonic = new Set<number>();
  for (let h = 1; h * bin <= N / 2; h++) harmonic.add(h * bin);
  let p = 0;
  for (let k = 1; k <= N / 2; k++) if (!harmonic.has(k)) p += mags[k]! * mags[k]!;
  return p;
}

/** The documented halfband filter run over `x` (zero history), full rate. */
function fir(x: Float64Array): Float64Array {
  const h = DRIVE_OVERSAMPLING.taps;
  const y = new Float64Array(x.length);
  for (let n = 0; n < x.length; n++) {
    let acc = 0;
    for (let k = 0; k < h.length && k <= n; k++) acc += h[k]! * x[n - k]!;
    y[n] = acc;
  }
  return y;
}

test('alias power: ≥ 10 dB below the naive curve, ≥ 5 dB below naive 2× oversampling (2.5 kHz full-scale sine, drive 24 dB, 48 kHz)', () => {
  const bin = 3413; // 2499.76 Hz
  const g = Math.pow(10, 24 / 20);
  for (const mode of Object.keys(MODE) as Mode[]) {
    const module = steadySpectrum(drive({ mode: MODE[mode], drive: 24 }), bin, 1);
    const c = compensation(mode, g);
    const x = new Float64Array(2 * N);
    for (let i = 0; i < x.length; i++) x[i] = Math.fround(Math.sin((2 * Math.PI * bin * (i % N)) / N));
    // The naive curve at the engine rate.
    const naive = new Float32Array(N);
    for (let i = 0; i < N; i++) naive[i] = c * curve(mode, g * x[i]!);
    const naiveAlias = aliasPower(magnitudeSpectrum(naive, N, 0, () => 1), bin);
    // The naive curve at twice the rate, through the module's filters (zero-stuffing ×2 gain).
    const stuffed = new Float64Array(2 * x.length);
    for (let i = 0; i < x.length; i++) stuffed[2 * i] = 2 * g * x[i]!;
    const shaped = fir(stuffed).map((e) => c * curve(mode, e));
    const down = fir(shaped);
    const oversampled = new Float32Array(N);
    for (let i = 0; i < N; i++) oversampled[i] = down[2 * (N + i)]!;
    const oversampledAlias = aliasPower(magnitudeSpectrum(oversampled, N, 0, () => 1), bin);
    const moduleAlias = aliasPower(module, bin);
    const reduction = 10 * Math.log10(naiveAlias / moduleAlias);
    const share = 10 * Math.log10(oversampledAlias / moduleAlias);
    assert.ok(reduction >= ALIAS_REDUCTION_DB, `${mode}: alias power ${reduction.toFixed(1)} dB below the naive curve`);
    assert.ok(share >= ADAA_SHARE_DB, `${mode}: alias power ${share.toFixed(1)} dB below naive 2× oversampling`);
  }
});

/**
 * Peak normalisation: a ±1 input peaks at ±1, up to the band-limiting's ripple at the corners
 * a square-ish wave has at high drive (documented: up to +0.9 dB at 48 dB).
 */
const PEAK_BELOW_DB = -0.5;
const PEAK_ABOVE_DB = 1;

test('peak normalisation: a full-scale 100 Hz sine peaks between −0.5 and +1 dBFS at every drive', () => {
  for (const mode of Object.keys(MODE) as Mode[]) {
    for (const driveDb of [0, 12, 24, 36, 48]) {
      const y = render(drive({ mode: MODE[mode], drive: driveDb }), sine(100, 1, 4800));
      const peak = toDb(peakAbs(y, 480));
      assert.ok(peak <= PEAK_ABOVE_DB && peak > PEAK_BELOW_DB, `${mode} drive ${driveDb}: peak ${peak.toFixed(3)} dBFS`);
    }
  }
});

test('tone: one-pole low-pass, −3.01 dB at its cutoff (±0.05 dB, relative to tone off)', () => {
  for (const cutoff of [500, 2000, 8000]) {
    // Hard clip below ±1 is linear: the wet path is exactly the oversampling filters, ADAA's
    // averaging and the tone filter, so the ratio to tone off is the low-pass alone.
    const x = sine(cutoff, 0.5, 48000);
    const on = goertzelAmplitude(render(drive({ mode: MODE.hard, drive: 0, tone: cutoff }), x), cutoff, FS, 24000, 48000);
    const off = goertzelAmplitude(render(drive({ mode: MODE.hard, drive: 0 }), x), cutoff, FS, 24000, 48000);
    const db = toDb(on / off);
    assert.ok(Math.abs(db + 10 * Math.log10(2)) < 0.05, `tone ${cutoff} Hz: ${db.toFixed(3)} dB`);
  }
});

test('mix 0 is the dry input delayed by the latency (11 samples) exactly; mix ½ is the mean of that and the wet', () => {
  const x = sine(330, 0.9, 4096);
  const dry = render(drive({ mode: MODE.tanh, drive: 30, mix: 0 }), x);
  for (let i = 0; i < x.length; i++) assert.equal(dry[i], i < LATENCY ? 0 : x[i - LATENCY], `sample ${i}`);
  const wet = render(drive({ mode: MODE.tanh, drive: 30, mix: 1 }), x);
  const half = render(drive({ mode: MODE.tanh, drive: 30, mix: 0.5 }), x);
  for (let i = 0; i < x.length; i++) assert.ok(Math.abs(half[i]! - 0.5 * (dry[i]! + wet[i]!)) < 1e-6, `sample ${i}`);
});

test('silent input stays exactly silent while bias and drive are swept per sample (every mode)', () => {
  const frames = 4096;
  const bias = new Float64Array(frames);
  const driveCurve = new Float64Array(frames);
  for (let i = 0; i < frames; i++) {
    bias[i] = Math.sin(i / 100);
    driveCurve[i] = 24 + 24 * Math.sin(i / 77);
  }
  for (const mode of Object.keys(MODE) as Mode[]) {
    const h = drive({ mode: MODE[mode] });
    const y = h.render(frames, { inputs: { in: new Float32Array(frames) }, paramCurves: { bias, drive: driveCurve } })[0]!;
    assert.ok(y.every((v) => v === 0), `${mode}: non-zero output`);
  }
});

test('ill-conditioned steps (|Δe| < 1e-5) use the midpoint: a DC input at 1e-7 steps gives the static curve', () => {
  // Input creeping by 1e-7 per sample at drive 24 dB: Δu ≈ 1.6e-6, below the threshold.
  const frames = 2000;
  const x = new Float32Array(frames);
  for (let i = 0; i < frames; i++) x[i] = 0.06 + i * 1e-7;
  for (const mode of Object.keys(MODE) as Mode[]) {
    const y = render(drive({ mode: MODE[mode], drive: 24 }), x);
    const g = Math.pow(10, 24 / 20);
    const c = compensation(mode, g);
    for (let i = 40; i < frames; i++) {
      const expected = c * curve(mode, g * at(x, i - WET_DELAY));
      assert.ok(Math.abs(y[i]! - expected) < 1e-6, `${mode} sample ${i}: ${y[i]} vs ${expected}`);
    }
  }
});

test("the registry resolves 'drive' to this module", () => {
  assert.equal(registryForName().get('drive')?.kernel, driveModule.kernel);
});
