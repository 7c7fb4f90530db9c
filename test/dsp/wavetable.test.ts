// wavetable: table contents (Fourier series per mip level), sine THD, aliasing, mip crossfade,
// morph, pitch.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createRegistry } from '../../src/dsp/modules/index.js';
import { wavetableHarmonics, wavetableLevel, wavetableModule, WAVETABLE_LEVELS, WAVETABLE_SIZE } from '../../src/dsp/modules/wavetable.js';
import { KernelHarness } from '../helpers/kernel-harness.js';
import { blackmanHarris, cents, goertzelAmplitude, magnitudeSpectrum, toDb } from '../helpers/analysis.js';
import { measureFrequency } from '../helpers/frequency.js';

const FS = 48000;
/** Sine THD bound, dB. */
const SINE_THD_DB = -90;
/** Aliases re the fundamental, dBc. */
const ALIAS_DBC = -60;
const SINE = 0;
const SAW = 1;
const SQUARE = 2;
const TRIANGLE = 3;
const FORMANT = 4;

function wavetable(params: Record<string, number>): KernelHarness {
  return new KernelHarness(wavetableModule, { sampleRate: FS, params });
}

/** The formant recipe as documented. */
const formantAmp = (k: number): number => 0.5 / k + Math.exp(-((k - 5) ** 2) / (2 * 1.2 ** 2)) + 0.6 * Math.exp(-((k - 12) ** 2) / (2 * 2 ** 2));

/** Expected |amplitude| of harmonic k of the classic shapes (amplitude-1 waveforms). */
function seriesAmp(shape: number, k: number): number {
  const odd = k % 2 === 1;
  switch (shape) {
    case SINE: return k === 1 ? 1 : 0;
    case SAW: return 2 / (Math.PI * k);
    case SQUARE: return odd ? 4 / (Math.PI * k) : 0;
    case TRIANGLE: return odd ? 8 / (Math.PI * Math.PI * k * k) : 0;
    default: throw new Error('not a classic shape');
  }
}

test('wavetable: every mip level holds exactly harmonics 1 … 1024/2^m of its Fourier series', () => {
  const rect = (): number => 1;
  for (const shape of [SINE, SAW, SQUARE, TRIANGLE]) {
    for (let m = 0; m < WAVETABLE_LEVELS; m++) {
      const mags = magnitudeSpectrum(wavetableLevel(shape, m), WAVETABLE_SIZE, 0, rect);
      const top = wavetableHarmonics(m);
      for (let k = 1; k < mags.length - 1; k++) {
        const expected = k <= top ? seriesAmp(shape, k) : 0;
        // Within 0.001 dB, or 1e-8 absolute (−160 dB: float32 rounding of the table) for tiny ones.
        if (expected > 0) assert.ok(Math.abs(mags[k]! - expected) < Math.max(1.2e-4 * expected, 1e-8), `shape ${shape} level ${m} harmonic ${k}: ${toDb(mags[k]! / expected)} dB`);
        else assert.ok(mags[k]! < 1e-6, `shape ${shape} level ${m} harmonic ${k} should be absent: ${toDb(mags[k]!).toFixed(1)} dB`);
      }
    }
  }
});

test('wavetable: the formant table follows its recipe (harmonics re the 5th within 0.001 dB) and peaks at 1', () => {
  const rect = (): number => 1;
  const table = wavetableLevel(FORMANT, 0);
  const mags = magnitudeSpectrum(table, WAVETABLE_SIZE, 0, rect);
  for (let k = 1; k <= 40; k++) {
    const db = toDb(mags[k]! / mags[5]!) - toDb(formantAmp(k) / formantAmp(5));
    assert.ok(Math.abs(db) < 0.001, `harmonic ${k}: ${db} dB off the recipe`);
  }
  let peak = 0;
  for (const v of table) peak = Math.max(peak, Math.abs(v));
  assert.ok(Math.abs(peak - 1) < 1e-6, `peak ${peak}`);
});

/** Peak magnitude within ±3 bins of `hz`. */
function peakNear(mags: Float64Array, hz: number, size: number): number {
  const bin = Math.round((hz * size) / FS);
  let m = 0;
  for (let k = Math.max(1, bin - 3); k <= Math.min(mags.length - 1, bin + 3); k++) m = Math.max(m, mags[k]!);
  return m;
}

test(`wavetable: sine THD < ${SINE_THD_DB} dB`, () => {
  const size = 65536;
  for (const freq of [50, 440, 997, 4321.7, 10000]) {
    const y = wavetable({ table: SINE, freq, gain: 1 }).render(size + 100)[0]!;
    const mags = magnitudeSpectrum(y, size, 100, blackmanHarris);
    const fundamental = peakNear(mags, freq, size);
    let distortion = 0;
    for (let k = 2; k * freq < FS / 2; k++) distortion += peakNear(mags, k * freq, size) ** 2;
    const thd = 10 * Math.log10(distortion / fundamental ** 2 + 1e-30);
    assert.ok(thd < SINE_THD_DB, `${freq} Hz: THD ${thd.toFixed(1)} dB`);
  }
});

/**
 * Power in the bins that are not within `guard` bins of a harmonic of f0 (or DC), re the power
 * around the fundamental, in dB; and the worst single such peak in dBc.
 */
function aliasing(y: Float32Array, f0: number, size = 65536, guard = 8): { totalDb: number; worstDb: number; at: number } {
  const mags = magnitudeSpectrum(y, size, 256, blackmanHarris);
  const binHz = FS / size;
  let fundamental = 0;
  let fundamentalPeak = 0;
  const f0Bin = Math.round(f0 / binHz);
  for (let k = f0Bin - guard; k <= f0Bin + guard; k++) {
    fundamental += mags[k]! ** 2;
    fundamentalPeak = Math.max(fundamentalPeak, mags[k]!);
  }
  let alias = 0;
  let worst = 0;
  let at = 0;
  for (let k = guard + 1; k < mags.length - 1; k++) {
    const hz = k * binHz;
    if (Math.abs(hz - Math.round(hz / f0) * f0) <= guard * binHz) continue;
    alias += mags[k]! ** 2;
    if (mags[k]! > worst) {
      worst = mags[k]!;
      at = hz;
    }
  }
  return { totalDb: 10 * Math.log10(alias / fundamental), worstDb: toDb(worst / fundamentalPeak), at };
}

test(`wavetable: saw at 4 kHz (48 kHz): power at non-harmonic bins < ${ALIAS_DBC} dBc`, () => {
  const y = wavetable({ table: SAW, freq: 4000, gain: 1 }).render(70000)[0]!;
  const { totalDb, worstDb, at } = aliasing(y, 4000);
  assert.ok(totalDb < ALIAS_DBC, `total alias power ${totalDb.toFixed(1)} dBc`);
  assert.ok(worstDb < ALIAS_DBC, `worst alias ${worstDb.toFixed(1)} dBc at ${at.toFixed(0)} Hz`);
});

test(`wavetable: every shape, 100 Hz … 11 kHz, position 0 and 0.5: aliases < ${ALIAS_DBC} dBc`, () => {
  for (const table of [SAW, SQUARE, TRIANGLE, FORMANT]) {
    for (const freq of [101.3, 187.4, 1111, 2999, 4000, 5555, 7777, 11000]) {
      for (const position of [0, 0.5]) {
        const y = wavetable({ table, freq, position, gain: 1 }).render(70000)[0]!;
        const { totalDb } = aliasing(y, freq);
        assert.ok(totalDb < ALIAS_DBC, `table ${table} ${freq} Hz position ${position}: ${totalDb.toFixed(1)} dBc`);
      }
    }
  }
});

test('wavetable: mip crossfade: half-way through the top half-octave the next octave\'s harmonics are at half level', () => {
  // x = f·2048/fs = 8·(√2 + (2 − √2)/2): level 4 (64 harmonics) faded half-way to level 5 (32).
  const x = 8 * (Math.SQRT2 + (2 - Math.SQRT2) / 2);
  const f = (x * FS) / 2048;
  const y = wavetable({ table: SAW, freq: f, gain: 1 }).render(FS)[0]!;
  const amp = (k: number): number => goertzelAmplitude(y, k * f, FS, 0, FS);
  for (const k of [1, 10, 31]) assert.ok(Math.abs(toDb(amp(k) / seriesAmp(SAW, k))) < 0.01, `harmonic ${k}: ${toDb(amp(k) / seriesAmp(SAW, k))} dB`);
  for (const k of [40, 50, 64]) assert.ok(Math.abs(toDb(amp(k) / (0.5 * seriesAmp(SAW, k)))) < 0.05, `harmonic ${k}: ${toDb(amp(k) / seriesAmp(SAW, k))} dB (expected −6.02)`);
  assert.ok(toDb(amp(65) / amp(1)) < -100, 'nothing above harmonic 64');
});

test('wavetable: no step in brightness across a mip boundary (harmonics equal just below and above it)', () => {
  const boundary = (8 * FS) / 2048; // x = 8: level 3 → 4
  const below = wavetable({ table: SAW, freq: boundary * (1 - 1e-7), gain: 1 }).render(FS)[0]!;
  const above = wavetable({ table: SAW, freq: boundary * (1 + 1e-7), gain: 1 }).render(FS)[0]!;
  for (const k of [1, 20, 33, 50, 64]) {
    const a = goertzelAmplitude(below, k * boundary, FS, 0, FS);
    const b = goertzelAmplitude(above, k * boundary, FS, 0, FS);
    assert.ok(Math.abs(toDb(a / b)) < 0.01, `harmonic ${k}: ${toDb(a / b)} dB`);
  }
});

test('wavetable: position crossfades linearly from `table` to the next one (formant → sine wraps)', () => {
  const frames = 4096;
  for (const [table, next] of [[SINE, SAW], [TRIANGLE, FORMANT], [FORMANT, SINE]] as const) {
    const a = wavetable({ table, freq: 321, gain: 1 }).render(frames)[0]!;
    const b = wavetable({ table: next, freq: 321, gain: 1 }).render(frames)[0]!;
    const mid = wavetable({ table, freq: 321, position: 0.5, gain: 1 }).render(frames)[0]!;
    const end = wavetable({ table, freq: 321, position: 1, gain: 1 }).render(frames)[0]!;
    for (let i = 0; i < frames; i++) {
      assert.ok(Math.abs(mid[i]! - 0.5 * (a[i]! + b[i]!)) < 1e-6, `table ${table} sample ${i}`);
      assert.ok(Math.abs(end[i]! - b[i]!) < 1e-6, `table ${table} sample ${i}`);
    }
  }
});

test('wavetable: frequency exact within 0.01 cent; pitch input = transpose', () => {
  const frames = 30000;
  const byPitch = wavetable({ table: SQUARE, freq: 220 }).render(frames, { inputs: { pitch: new Float32Array(frames).fill(1) } });
  const byTranspose = wavetable({ table: SQUARE, freq: 220, transpose: 12 }).render(frames);
  assert.deepEqual(byPitch, byTranspose);
  const y = wavetable({ table: SINE, freq: 1000, fine: -13, gain: 1 }).render(frames, { inputs: { pitch: new Float32Array(frames).fill(0.25) } })[0]!;
  const expected = 1000 * 2 ** (0.25 - 13 / 1200);
  const measured = measureFrequency(y, FS, { minHz: 1100, maxHz: 1250, fftSize: 16384 });
  assert.ok(Math.abs(cents(measured, expected)) < 0.01, `${measured} vs ${expected}`);
});

test('wavetable: tables are shared by every instance (built once per thread)', () => {
  assert.equal(wavetableLevel(SAW, 3).buffer, wavetableLevel(SINE, 0).buffer);
  const a = wavetable({}).kernel as unknown as { tables: Float32Array };
  const b = wavetable({}).kernel as unknown as { tables: Float32Array };
  assert.equal(a.tables, b.tables);
});

test("the registry resolves type 'wavetable' to this module (one registry line, src/dsp/modules/index.ts)", () => {
  assert.deepEqual(createRegistry().get('wavetable')?.spec, wavetableModule.spec);
});
