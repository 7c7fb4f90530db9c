import { test } from 'node:test';
import assert from 'node:assert/strict';
import { oscModule } from '../../src/dsp/modules/osc.js';
import { specProblems } from '../../src/dsp/spec.js';
import { KernelHarness } from '../helpers/kernel-harness.js';
import type { HarnessOptions } from '../helpers/kernel-harness.js';
import { blackmanHarris, cents, goertzelAmplitude, magnitudeSpectrum, maxStep, peakFrequency, toDb } from '../helpers/analysis.js';

const FS = 48000;
const SINE = 0;
const SAW = 1;
const SQUARE = 2;
const TRIANGLE = 3;
/** Output latency of the band-limiting ring (lib/blep.ts BLEP_HALF). */
const LATENCY = 8;

function osc(params: Record<string, number>, options: HarnessOptions = {}): KernelHarness {
  return new KernelHarness(oscModule, { sampleRate: FS, ...options, params });
}

function render(params: Record<string, number>, frames: number, fm?: Float32Array): Float32Array {
  const h = osc(params);
  return h.render(frames, fm === undefined ? {} : { inputs: { fm } })[0]!;
}

/**
 * Like KernelHarness.render but with block sizes cycling through `sizes`, and each block
 * placed at a varying offset inside the engine-sized buffers (process(start, end), start > 0).
 */
function renderCuts(
  h: KernelHarness,
  frames: number,
  sizes: readonly number[],
  opts: { inputs?: Record<string, Float32Array>; paramCurves?: Record<string, Float64Array> } = {},
): Float32Array {
  const result = new Float32Array(frames);
  for (const [id, signal] of Object.entries(opts.inputs ?? {})) h.inputs[h.inputIndex(id)]!.connected = signal.length > 0;
  let pos = 0;
  let k = 0;
  while (pos < frames) {
    const n = Math.min(sizes[k % sizes.length]!, frames - pos, h.maxBlock);
    const start = (k * 37) % (h.maxBlock - n + 1);
    k++;
    for (const [id, signal] of Object.entries(opts.inputs ?? {})) {
      h.inputs[h.inputIndex(id)]!.buffer.set(signal.subarray(pos, pos + n), start);
    }
    for (const [id, curve] of Object.entries(opts.paramCurves ?? {})) {
      const p = h.params[h.paramIndex(id)]!;
      p.isConstant = false;
      p.buffer.set(curve.subarray(pos, pos + n), start);
      p.value = curve[pos + n - 1]!;
    }
    h.kernel.process(start, start + n);
    result.set(h.outputs[0]!.subarray(start, start + n), pos);
    pos += n;
  }
  return result;
}

/** Worst spectral peak not within `guard` bins of a harmonic of f0 (or DC), in dB re the fundamental. */
function worstAliasDb(x: Float32Array, f0: number, start = 256, size = 65536, guard = 8): { db: number; at: number } {
  const mags = magnitudeSpectrum(x, size, start, blackmanHarris);
  const binHz = FS / size;
  const f0Bin = Math.round(f0 / binHz);
  let fundamental = 0;
  for (let k = f0Bin - 3; k <= f0Bin + 3; k++) fundamental = Math.max(fundamental, mags[k]!);
  let worst = 0;
  let at = 0;
  for (let k = 1; k < mags.length - 1; k++) {
    const hz = k * binHz;
    const harmonic = Math.round(hz / f0) * f0;
    if (Math.abs(hz - harmonic) <= guard * binHz) continue;
    if (mags[k]! > mags[k - 1]! && mags[k]! >= mags[k + 1]! && mags[k]! > worst) {
      worst = mags[k]!;
      at = hz;
    }
  }
  return { db: toDb(worst / fundamental), at };
}

function ramp(frames: number, from: number, to: number): Float64Array {
  const c = new Float64Array(frames);
  for (let i = 0; i < frames; i++) c[i] = from + ((to - from) * i) / (frames - 1);
  return c;
}

test('spec is valid', () => {
  assert.deepEqual(specProblems(oscModule.spec), []);
});

test('MUS-01: sine frequency within ±1 cent at 55, 440, 4000, 12000 Hz', () => {
  for (const f of [55, 440, 4000, 12000]) {
    const x = render({ waveform: SINE, freq: f, gain: 0.5 }, 65536 + 64);
    const peak = peakFrequency(x, FS, { size: 65536, start: 64 });
    const error = cents(peak.freq, f);
    assert.ok(Math.abs(error) <= 1, `${f} Hz measured ${peak.freq.toFixed(4)} Hz (${error.toFixed(3)} cents)`);
    assert.ok(Math.abs(peak.amplitude - 0.5) < 0.05, `${f} Hz amplitude ${peak.amplitude}`);
  }
});

test('MUS-01: no discontinuity at block boundaries (odd block sizes)', () => {
  const gain = 0.8;
  for (const f of [440, 3000, 12000]) {
    const h = osc({ waveform: SINE, freq: f, gain });
    const x = renderCuts(h, 20000, [1, 7, 13, 37, 64, 127, 128, 3]);
    const bound = 1.1 * 2 * Math.sin((Math.PI * f) / FS) * gain;
    assert.ok(maxStep(x) <= bound, `${f} Hz: step ${maxStep(x)} > ${bound}`);
  }
});

test('MUS-01: a per-sample frequency ramp gives no step larger than the sine bound', () => {
  const gain = 0.7;
  const frames = 24000;
  const h = osc({ waveform: SINE, gain });
  const x = renderCuts(h, frames, [128, 5, 61], { paramCurves: { freq: ramp(frames, 100, 4000) } });
  const bound = 1.1 * 2 * Math.sin((Math.PI * 4000) / FS) * gain;
  assert.ok(maxStep(x) <= bound, `step ${maxStep(x)} > ${bound}`);
  // And the ramp really changed the frequency: the last 4096 samples average (3334 + 4000) / 2 Hz.
  const end = peakFrequency(x, FS, { size: 4096, start: frames - 4096 });
  assert.ok(Math.abs(end.freq - 3667) < 100, `end frequency ${end.freq}`);
});

test('band-limiting: saw, square and triangle at 5 kHz have every alias ≥ 40 dB down', () => {
  for (const [name, waveform] of [['saw', SAW], ['square', SQUARE], ['triangle', TRIANGLE]] as const) {
    const x = render({ waveform, freq: 5000, gain: 0.5 }, 65536 + 256);
    const alias = worstAliasDb(x, 5000);
    assert.ok(alias.db <= -40, `${name}: alias ${alias.db.toFixed(1)} dB at ${alias.at.toFixed(0)} Hz`);
  }
});

test('band-limiting holds for negative frequency (FM pushing a 5 kHz saw to -5 kHz)', () => {
  const frames = 65536 + 256;
  const fm = new Float32Array(frames).fill(-10000);
  const x = render({ waveform: SAW, freq: 5000, gain: 0.5 }, frames, fm);
  const alias = worstAliasDb(x, 5000);
  assert.ok(alias.db <= -40, `alias ${alias.db.toFixed(1)} dB at ${alias.at.toFixed(0)} Hz`);
  const peak = peakFrequency(x, FS, { size: 65536, start: 256 });
  assert.ok(Math.abs(cents(peak.freq, 5000)) < 1, `peak at ${peak.freq}`);
});

test('saw at 100 Hz has harmonic amplitudes 2·gain/(πk) (±0.5 dB up to 12 kHz)', () => {
  const gain = 0.5;
  const x = render({ waveform: SAW, freq: 100, gain }, 48000 + 64);
  for (let k = 1; k <= 120; k += k < 10 ? 1 : 7) {
    const measured = goertzelAmplitude(x, 100 * k, FS, 64, 48064);
    const expected = (2 * gain) / (Math.PI * k);
    const db = toDb(measured / expected);
    assert.ok(Math.abs(db) < 0.5, `harmonic ${k}: ${db.toFixed(2)} dB`);
  }
});

test('square pulse width sets the duty cycle; square and triangle have odd harmonics', () => {
  const gain = 0.5;
  const x = render({ waveform: SQUARE, freq: 100, gain, pw: 0.25 }, 48000 + 64);
  let sum = 0;
  for (let i = 64; i < 48064; i++) sum += x[i]!;
  assert.ok(Math.abs(sum / 48000 - gain * (2 * 0.25 - 1)) < 1e-3, `mean ${sum / 48000}`);
  for (const waveform of [SQUARE, TRIANGLE]) {
    const y = render({ waveform, freq: 100, gain }, 48000 + 64);
    const h1 = goertzelAmplitude(y, 100, FS, 64, 48064);
    const h2 = goertzelAmplitude(y, 200, FS, 64, 48064);
    const h3 = goertzelAmplitude(y, 300, FS, 64, 48064);
    const expected3 = waveform === SQUARE ? 1 / 3 : 1 / 9;
    const expected1 = waveform === SQUARE ? (4 * gain) / Math.PI : (8 * gain) / (Math.PI * Math.PI);
    assert.ok(Math.abs(toDb(h1 / expected1)) < 0.2, `fundamental ${h1}`);
    assert.ok(toDb(h2 / h1) < -80, `even harmonic ${toDb(h2 / h1)}`);
    assert.ok(Math.abs(toDb(h3 / h1 / expected3)) < 0.2, `third harmonic ratio ${h3 / h1}`);
  }
});

test('detune and linear FM shift the frequency', () => {
  const a = render({ waveform: SINE, freq: 440, detune: 700 }, 65536 + 64);
  const fa = peakFrequency(a, FS, { size: 65536, start: 64 }).freq;
  assert.ok(Math.abs(cents(fa, 440 * Math.pow(2, 7 / 12))) < 1, `detune: ${fa}`);
  const frames = 65536 + 64;
  const fm = new Float32Array(frames).fill(100);
  const b = render({ waveform: SINE, freq: 440 }, frames, fm);
  const fb = peakFrequency(b, FS, { size: 65536, start: 64 }).freq;
  assert.ok(Math.abs(cents(fb, 540)) < 1, `fm: ${fb}`);
  // A 200 Hz modulator at ±200 Hz deviation: sidebands at the Bessel amplitudes (index 1).
  const mod = new Float32Array(frames);
  for (let i = 0; i < frames; i++) mod[i] = 200 * Math.sin((2 * Math.PI * 200 * i) / FS);
  const c = render({ waveform: SINE, freq: 1000, gain: 1 }, frames, mod);
  const carrier = goertzelAmplitude(c, 1000, FS, 64, frames);
  const side = goertzelAmplitude(c, 1200, FS, 64, frames);
  assert.ok(Math.abs(carrier - 0.7652) < 0.01, `J0(1) carrier ${carrier}`);
  assert.ok(Math.abs(side - 0.4401) < 0.01, `J1(1) sideband ${side}`);
});

test('output starts after the fixed latency and stays within ±gain (plus band-limited overshoot)', () => {
  for (const waveform of [SINE, SAW, SQUARE, TRIANGLE]) {
    const x = render({ waveform, freq: 1000, gain: 0.5 }, 4800);
    for (let i = 0; i < LATENCY; i++) assert.equal(x[i], 0);
    let peak = 0;
    for (const v of x) {
      assert.ok(Number.isFinite(v));
      peak = Math.max(peak, Math.abs(v));
    }
    // Gibbs overshoot of a band-limited jump: ≤ 9% of the jump height (2) per edge.
    assert.ok(peak <= 0.5 * 1.2, `waveform ${waveform}: peak ${peak}`);
  }
});

function modulatedCase(frames: number): { curves: Record<string, Float64Array>; fm: Float32Array } {
  const freq = new Float64Array(frames);
  const detune = new Float64Array(frames);
  const pw = new Float64Array(frames);
  const gain = new Float64Array(frames);
  const fm = new Float32Array(frames);
  for (let i = 0; i < frames; i++) {
    freq[i] = 300 + 250 * Math.sin((2 * Math.PI * 3 * i) / FS);
    detune[i] = i < frames / 2 ? 0 : 50;
    pw[i] = 0.5 + 0.4 * Math.sin((2 * Math.PI * 5 * i) / FS);
    gain[i] = 0.5 + 0.2 * Math.sin((2 * Math.PI * 7 * i) / FS);
    fm[i] = 900 * Math.sin((2 * Math.PI * 170 * i) / FS); // drives the frequency negative at times
  }
  return { curves: { freq, detune, pw, gain }, fm };
}

test('block-size invariance: every waveform, modulated params and FM, block 128 vs mixed cuts', () => {
  const frames = 10000;
  const { curves, fm } = modulatedCase(frames);
  for (const waveform of [SINE, SAW, SQUARE, TRIANGLE]) {
    const a = osc({ waveform }).render(frames, { block: 128, inputs: { fm }, paramCurves: curves })[0]!;
    const b = renderCuts(osc({ waveform }), frames, [1, 37, 128, 5, 64, 2, 99], { inputs: { fm }, paramCurves: curves });
    assert.deepEqual(b, a, `waveform ${waveform}`);
    assert.ok(a.some((v) => v !== 0));
  }
  // Waveform switching mid-block (enum presented as a per-sample buffer).
  const wave = new Float64Array(frames);
  for (let i = 0; i < frames; i++) wave[i] = Math.floor(i / 1234) % 4;
  const withWave = { ...curves, waveform: wave };
  const a = osc({}).render(frames, { block: 128, inputs: { fm }, paramCurves: withWave })[0]!;
  const b = renderCuts(osc({}), frames, [1, 37, 128, 5, 64, 2, 99], { inputs: { fm }, paramCurves: withWave });
  assert.deepEqual(b, a);
});

test('constant params and buffers holding the same values give identical output', () => {
  const frames = 5000;
  for (const waveform of [SINE, SAW, SQUARE, TRIANGLE]) {
    const params = { waveform, freq: 1234.5, detune: 33, gain: 0.6, pw: 0.3 };
    const a = osc(params).render(frames)[0]!;
    const curves: Record<string, Float64Array> = {};
    for (const [id, v] of Object.entries(params)) curves[id] = new Float64Array(frames).fill(v);
    const b = renderCuts(osc({}), frames, [128, 17, 3], { paramCurves: curves });
    assert.deepEqual(b, a, `waveform ${waveform}`);
  }
});

test('snapshot/restore continues bit-identically; reset returns to the initial state', () => {
  const frames = 6000;
  const { curves, fm } = modulatedCase(2 * frames);
  const half = (c: Float64Array | Float32Array, second: boolean): typeof c => c.subarray(second ? frames : 0, second ? 2 * frames : frames);
  for (const waveform of [SINE, SAW, SQUARE, TRIANGLE]) {
    const whole = osc({ waveform }).render(2 * frames, { inputs: { fm }, paramCurves: curves })[0]!;
    const first = osc({ waveform });
    const firstCurves = Object.fromEntries(Object.entries(curves).map(([k, c]) => [k, half(c, false) as Float64Array]));
    first.render(frames, { inputs: { fm: half(fm, false) as Float32Array }, paramCurves: firstCurves });
    const second = osc({ waveform });
    first.kernel.stateArrays().forEach((a, i) => second.kernel.stateArrays()[i]!.set(a));
    const secondCurves = Object.fromEntries(Object.entries(curves).map(([k, c]) => [k, half(c, true) as Float64Array]));
    const rest = second.render(frames, { block: 77, inputs: { fm: half(fm, true) as Float32Array }, paramCurves: secondCurves })[0]!;
    assert.deepEqual(rest, whole.subarray(frames), `waveform ${waveform}`);
    first.kernel.reset();
    const fresh = osc({ waveform });
    assert.deepEqual(first.kernel.state, fresh.kernel.state);
  }
});
