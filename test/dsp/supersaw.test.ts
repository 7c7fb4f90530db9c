// supersaw: detune 0 is one saw, voice frequencies on Szabo's JP-8000 curve, level flat across
// detune (power normalisation), stereo spread, pitch input, seeded phases.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createRegistry } from '../../src/dsp/modules/index.js';
import { supersawModule, SupersawKernel } from '../../src/dsp/modules/supersaw.js';
import { oscModule } from '../../src/dsp/modules/osc.js';
import { KernelHarness } from '../helpers/kernel-harness.js';
import { blackmanHarris, cents, goertzelAmplitude, magnitudeSpectrum, rms, toDb } from '../helpers/analysis.js';
import { measureFrequency } from '../helpers/frequency.js';

const FS = 48000;
/** Max |difference| between the supersaw at detune 0 and osc's saw (−120 dB re full scale). */
const ONE_SAW_TOLERANCE = 1e-6;
/** Voice frequencies: ± cents of the curve. */
const VOICE_CENTS = 0.1;
/** RMS flatness across detune, ± dB. */
const RMS_DB = 1;

// Reference values, written out here from the paper (not imported from the module):
// A. Szabo, "How to Emulate the Super Saw" (2010): detune polynomial and the seven offsets.
const SZABO_POLY = [
  10028.7312891634, -50818.8652045924, 111363.4808729368, -138150.6761080548, 106649.6679158292,
  -53046.9642751875, 17019.951858008, -3425.0836591318, 404.2703938388, -24.1878824391, 0.6717417634, 0.0030115596,
];
const szabo = (x: number): number => SZABO_POLY.reduce((acc, c) => acc * x + c, 0);
/** The module's documented curve: Szabo's, its constant term faded out towards 0. */
const detuneAmount = (x: number): number => szabo(x) - SZABO_POLY[11]! * (1 - x);
/** Offsets in the module's voice order: centre, then (flat, sharp) pairs inside out; 8, 9 ours. */
const OFFSETS = [0, -0.01952356, 0.01991221, -0.06288439, 0.06216538, -0.11002313, 0.10745242, -0.1571, 0.1533];

function supersaw(params: Record<string, number>, seed = 12345): KernelHarness {
  return new KernelHarness(supersawModule, { sampleRate: FS, seed, params });
}

test('supersaw: detune 0 is one saw: equal to osc saw (same freq, gain) for every voice count, mix and spread', () => {
  const frames = 9600;
  for (const freq of [110, 440, 1234.5, 5000]) {
    const saw = new KernelHarness(oscModule, { sampleRate: FS, params: { waveform: 1, freq, gain: 0.7 } }).render(frames)[0]!;
    for (const voices of [1, 2, 7, 9]) {
      for (const [mix, spread] of [[0.5, 0.5], [0, 1], [1, 0]] as const) {
        const [left, right] = supersaw({ freq, detune: 0, voices, mix, spread, gain: 0.7 }).render(frames);
        let worst = 0;
        for (let i = 0; i < frames; i++) worst = Math.max(worst, Math.abs(left![i]! - saw[i]!), Math.abs(right![i]! - saw[i]!));
        assert.ok(worst < ONE_SAW_TOLERANCE, `f ${freq} voices ${voices} mix ${mix} spread ${spread}: differs from one saw by ${worst}`);
      }
    }
  }
});

test(`supersaw: each voice runs at f·(1 + r·A(detune)) within ±${VOICE_CENTS} cent (voices measured one at a time)`, () => {
  const f = 1000;
  for (const detune of [0.05, 0.3, 0.5, 0.8, 1]) {
    for (let v = 0; v < 9; v++) {
      const h = supersaw({ freq: f, detune, voices: 9, gain: 1 });
      (h.kernel as SupersawKernel).soloVoiceForTest(v);
      const y = h.render(40000)[0]!;
      const expected = f * (1 + OFFSETS[v]! * detuneAmount(detune));
      const measured = measureFrequency(y, FS, { start: 1000, minHz: expected - 30, maxHz: expected + 30, fftSize: 32768, size: 16384, hop: 16384 });
      const off = cents(measured, expected);
      assert.ok(Math.abs(off) < VOICE_CENTS, `detune ${detune} voice ${v}: ${measured.toFixed(5)} Hz, expected ${expected.toFixed(5)} (${off.toFixed(4)} cents)`);
    }
  }
});

test(`supersaw: the full 9-voice mix has its spectral peaks on the curve within ±${VOICE_CENTS} cent (no test hook)`, () => {
  // detune 1: neighbours ≥ 19 Hz apart at 1 kHz; Blackman-Harris windows of 32768 samples
  // (main lobe ±5.9 Hz) separate them.
  const f = 1000;
  const y = supersaw({ freq: f, detune: 1, voices: 9, spread: 0, gain: 1 }).render(120000)[0]!;
  for (let v = 0; v < 9; v++) {
    const expected = f * (1 + OFFSETS[v]! * detuneAmount(1));
    const measured = measureFrequency(y, FS, { start: 1000, minHz: expected - 5, maxHz: expected + 5, fftSize: 65536, size: 32768, hop: 32768 });
    const off = cents(measured, expected);
    assert.ok(Math.abs(off) < VOICE_CENTS, `voice ${v}: ${measured.toFixed(4)} Hz, expected ${expected.toFixed(4)} (${off.toFixed(4)} cents)`);
  }
});

test('supersaw: the detune curve is Szabo\'s: A(1) = poly(1), A(0) = 0, the outer voice spans about ±1.8 semitones at detune 1', () => {
  assert.ok(Math.abs(detuneAmount(1) - szabo(1)) < 1e-12);
  assert.equal(detuneAmount(0), 0);
  const outerFlat = 12 * Math.log2(1 + OFFSETS[5]! * detuneAmount(1));
  const outerSharp = 12 * Math.log2(1 + OFFSETS[6]! * detuneAmount(1));
  assert.ok(outerFlat < -1.9 && outerFlat > -2.1 && outerSharp > 1.7 && outerSharp < 1.9, `${outerFlat}, ${outerSharp}`);
});

/** Long-term RMS of both outputs over `seconds` after the start-up. */
function stereoRms(params: Record<string, number>, seconds: number, seed = 12345): { left: number; right: number } {
  const frames = Math.round(seconds * FS);
  const [left, right] = supersaw(params, seed).render(frames + 480);
  return { left: rms(left!, 480), right: rms(right!, 480) };
}

test(`supersaw: RMS flat within ±${RMS_DB} dB across detune (power-normalised voices), for 3, 7 and 9 voices`, () => {
  // 3 kHz: the slowest beat (inner voice against the centre) is 0.02·A·3 kHz, ≥ 0.4 Hz from
  // detune 0.05 up; 6 s hold ≥ 2.5 of them, so the cross terms average out.
  const reference = rms(new KernelHarness(oscModule, { sampleRate: FS, params: { waveform: 1, freq: 3000, gain: 0.5 } }).render(48000)[0]!, 480);
  for (const voices of [3, 7, 9]) {
    for (const detune of [0, 0.05, 0.1, 0.2, 0.3, 0.5, 0.7, 0.9, 1]) {
      const { left, right } = stereoRms({ freq: 3000, detune, voices, mix: 0.6, spread: 0.7, gain: 0.5 }, 6);
      for (const [side, value] of [['left', left], ['right', right]] as const) {
        const db = toDb(value / reference);
        assert.ok(Math.abs(db) < RMS_DB, `voices ${voices} detune ${detune} ${side}: ${db.toFixed(2)} dB re one saw`);
      }
    }
  }
});

test(`supersaw: RMS flat within ±${RMS_DB} dB across mix`, () => {
  const reference = rms(new KernelHarness(oscModule, { sampleRate: FS, params: { waveform: 1, freq: 3000, gain: 0.5 } }).render(48000)[0]!, 480);
  for (const mix of [0, 0.25, 0.5, 0.75, 1]) {
    const { left, right } = stereoRms({ freq: 3000, detune: 0.7, voices: 7, mix, spread: 0.3, gain: 0.5 }, 8);
    for (const value of [left, right]) assert.ok(Math.abs(toDb(value / reference)) < RMS_DB, `mix ${mix}: ${toDb(value / reference).toFixed(2)} dB`);
  }
});

test('supersaw: mix moves power from the centre voice to the side voices along Szabo\'s curves', () => {
  // Amplitude of the centre voice's fundamental vs one side voice's (Goertzel at the exact
  // frequencies over 1 s: the neighbours, ≥ 40 Hz away, leak less than −100 dB), at detune 1.
  const f = 1000;
  for (const mix of [0.1, 0.5, 0.9]) {
    const y = supersaw({ freq: f, detune: 1, voices: 7, mix, spread: 0, gain: 1 }).render(FS + 1000)[0]!;
    const centre = goertzelAmplitude(y, f, FS, 1000, FS + 1000);
    const side = goertzelAmplitude(y, f * (1 + OFFSETS[3]! * detuneAmount(1)), FS, 1000, FS + 1000);
    const expected = (-0.73764 * mix * mix + 1.2841 * mix + 0.044372) / (-0.55366 * mix + 0.99785);
    const db = toDb(side / centre) - toDb(expected);
    assert.ok(Math.abs(db) < 0.2, `mix ${mix}: side/centre ${toDb(side / centre).toFixed(2)} dB, Szabo ${toDb(expected).toFixed(2)} dB`);
  }
});

test('supersaw: spread 0 gives left = right; spread 1 places the voices apart with equal power per side', () => {
  const [l0, r0] = supersaw({ freq: 330, detune: 0.6, spread: 0 }).render(4800);
  assert.deepEqual(l0, r0);
  const [l1, r1] = supersaw({ freq: 330, detune: 0.6, spread: 1 }).render(4800);
  assert.notDeepEqual(l1, r1);
  // Hard-panned outer pair: the flat outer voice (pair 3, odd) is on the left only.
  const f = 1000;
  const [left, right] = supersaw({ freq: f, detune: 1, voices: 7, spread: 1, mix: 0.5, gain: 1 }).render(70000);
  const outerFlat = f * (1 + OFFSETS[5]! * detuneAmount(1));
  const peak = (x: Float32Array): number => {
    const mags = magnitudeSpectrum(x, 65536, 2000, blackmanHarris);
    const bin = Math.round((outerFlat * 65536) / FS);
    let m = 0;
    for (let k = bin - 3; k <= bin + 3; k++) m = Math.max(m, mags[k]!);
    return m;
  };
  assert.ok(toDb(peak(right!) / peak(left!)) < -80, `outer flat voice leaks right: ${toDb(peak(right!) / peak(left!)).toFixed(1)} dB`);
});

test('supersaw: pitch input and transpose move every voice exactly (1 octave = 12 semitones = ×2)', () => {
  const frames = 20000;
  const pitch = new Float32Array(frames).fill(1);
  const h = supersaw({ freq: 300, detune: 0.5 });
  const byPitch = h.render(frames, { inputs: { pitch } });
  const byTranspose = supersaw({ freq: 300, detune: 0.5, transpose: 12 }).render(frames);
  assert.deepEqual(byPitch, byTranspose);
  const one = supersaw({ freq: 300, voices: 1, fine: -50, gain: 1 }).render(frames, { inputs: { pitch: new Float32Array(frames).fill(-0.5) } })[0]!;
  const expected = 300 * 2 ** (-0.5 - 50 / 1200);
  const measured = measureFrequency(one, FS, { start: 1000, minHz: 150, maxHz: 250, fftSize: 16384 });
  assert.ok(Math.abs(cents(measured, expected)) < 0.01, `${measured} vs ${expected}`);
});

test('supersaw: side phases come from the seed (same seed identical, another seed different); the centre starts at 0', () => {
  const a = supersaw({ detune: 0.4 }, 1).render(2048);
  const b = supersaw({ detune: 0.4 }, 1).render(2048);
  const c = supersaw({ detune: 0.4 }, 2).render(2048);
  assert.deepEqual(a, b);
  assert.notDeepEqual(a[0], c[0]);
  // One voice: no seed dependence at all.
  assert.deepEqual(supersaw({ voices: 1 }, 1).render(512), supersaw({ voices: 1 }, 2).render(512));
});

test('supersaw: finite and bounded at the extremes: |out| ≤ gain · Σ voice gains · 1.2 (≤ √9 · 1.2)', () => {
  // Power normalisation bounds the sum of the 9 gains by √9; 1.2 covers the band-limited saw's
  // overshoot (Gibbs) and the clamped increment at fs/2.
  for (const [freq, transpose] of [[1, -48], [1, 0], [20000, 48], [5000, 0]] as const) {
    const [l, r] = supersaw({ freq, transpose, detune: 1, voices: 9, mix: 1, spread: 1, gain: 1 }).render(9600);
    for (const x of [l!, r!]) for (const v of x) assert.ok(Number.isFinite(v) && Math.abs(v) <= 3 * 1.2, `freq ${freq} transpose ${transpose}: sample ${v}`);
  }
});

test("the registry resolves type 'supersaw' to this module (one registry line, src/dsp/modules/index.ts)", () => {
  assert.deepEqual(createRegistry().get('supersaw')?.spec, supersawModule.spec);
});
