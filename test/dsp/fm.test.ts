// fm: Chowning's Bessel sidebands, Tomisawa's feedback series, pitch and level.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fmModule } from '../../src/dsp/modules/fm.js';
import { KernelHarness } from '../helpers/kernel-harness.js';
import { cents, goertzelAmplitude, peakAbs, toDb } from '../helpers/analysis.js';
import { measureFrequency } from '../helpers/frequency.js';

const FS = 48000;
/** Sideband levels: ± dB of the Bessel prediction. */
const SIDEBAND_DB = 0.5;

/** J_n(x), Bessel function of the first kind, integer n ≥ 0: its power series (converges for all x). */
function besselJ(n: number, x: number): number {
  let term = (x / 2) ** n;
  for (let k = 1; k <= n; k++) term /= k;
  let sum = 0;
  for (let m = 0; m < 60; m++) {
    sum += term;
    term *= -(x * x) / 4 / ((m + 1) * (m + 1 + n));
  }
  return sum;
}

/** J_n for any integer n: J_−n = (−1)^n J_n. */
const besselAny = (n: number, x: number): number => (n >= 0 ? besselJ(n, x) : (n % 2 === 0 ? 1 : -1) * besselJ(-n, x));

function fm(params: Record<string, number>): KernelHarness {
  return new KernelHarness(fmModule, { sampleRate: FS, params });
}

/** Amplitude of the partial at `hz` over a 1 s Hann window (Goertzel). */
const partial = (y: Float32Array, hz: number): number => goertzelAmplitude(y, hz, FS, 0, FS);

test('fm: J_n(x) series is right (J_0(1), J_1(1), J_2(2.4048) and the first zero of J_0)', () => {
  assert.ok(Math.abs(besselJ(0, 1) - 0.7651976865579666) < 1e-13);
  assert.ok(Math.abs(besselJ(1, 1) - 0.44005058574493355) < 1e-13);
  assert.ok(Math.abs(besselJ(3, 1) - 0.019563353982668407) < 1e-13);
  assert.ok(Math.abs(besselJ(0, 2.404825557695773)) < 1e-12);
});

test(`fm: sidebands n = −3 … 3 within ±${SIDEBAND_DB} dB of |J_n(I)| at I = 1 (ratio 3: no two sidebands overlap)`, () => {
  // Partials at fc + n·fm = 1 kHz + n·3 kHz; negative ones fold to |…| Hz (2, 5, 8 kHz), all distinct.
  for (const index of [1, 2.5]) {
    const y = fm({ freq: 1000, ratio: 3, index, feedback: 0, gain: 1 }).render(FS)[0]!;
    for (let n = -3; n <= 3; n++) {
      const hz = Math.abs(1000 + 3000 * n);
      const expected = Math.abs(besselAny(n, index));
      const db = toDb(partial(y, hz)) - toDb(expected);
      assert.ok(Math.abs(db) < SIDEBAND_DB, `I ${index} n ${n} (${hz} Hz): ${toDb(partial(y, hz)).toFixed(2)} dB, Bessel ${toDb(expected).toFixed(2)} dB`);
    }
  }
});

test(`fm: ratio 1, I = 1: the overlapping sidebands sum as Bessel terms with their signs, within ±${SIDEBAND_DB} dB`, () => {
  // sin(θ + I·sin θ) = Σ_n J_n(I)·sin((1 + n)θ): harmonic h gets J_(h−1) from n = h − 1 and
  // −J_(−h−1) from n = −h − 1 (sin(−hθ) = −sin(hθ)).
  const f = 440;
  const y = fm({ freq: f, ratio: 1, index: 1, feedback: 0, gain: 1 }).render(FS)[0]!;
  for (let h = 1; h <= 4; h++) {
    const expected = Math.abs(besselAny(h - 1, 1) - besselAny(-h - 1, 1));
    const db = toDb(partial(y, h * f)) - toDb(expected);
    assert.ok(Math.abs(db) < SIDEBAND_DB, `harmonic ${h}: ${toDb(partial(y, h * f)).toFixed(2)} dB, Bessel ${toDb(expected).toFixed(2)} dB`);
  }
});

test('fm: index 0 is a pure sine at freq (feedback has no effect on it)', () => {
  for (const feedback of [0, 1]) {
    const y = fm({ freq: 1000, ratio: 2, index: 0, feedback, gain: 0.8 }).render(FS)[0]!;
    assert.ok(Math.abs(toDb(partial(y, 1000) / 0.8)) < 0.01);
    for (const h of [2, 3, 4]) assert.ok(toDb(partial(y, h * 1000)) < -120, `harmonic ${h}: ${toDb(partial(y, h * 1000))}`);
  }
});

test(`fm: modulator feedback follows Tomisawa's series 2·J_k(kβ)/(kβ) (k = 1 … 3, within ±${SIDEBAND_DB} dB)`, () => {
  // m = sin(θ + β·m) solves Kepler's equation: m = Σ_k 2·J_k(kβ)/(kβ)·sin(kθ). A small index
  // (I = 0.02) writes m's spectrum into the carrier's sidebands at fc + k·fm with amplitude
  // (I/2)·b_k (first order in I). fm = 150 Hz keeps the loop's 1.5-sample lag (the DX7 average)
  // small against the period. Sidebands at 50 + 150k Hz, mirror images at 150k − 50 Hz.
  const index = 0.02;
  for (const beta of [0.5, 0.9]) {
    const y = fm({ freq: 50, ratio: 3, index, feedback: beta / Math.PI, gain: 1 }).render(2 * FS)[0]!;
    for (let k = 1; k <= 3; k++) {
      const expected = (index / 2) * ((2 * besselJ(k, k * beta)) / (k * beta));
      const hz = 50 + 150 * k;
      const measured = goertzelAmplitude(y, hz, FS, 0, 2 * FS);
      const db = toDb(measured) - toDb(expected);
      assert.ok(Math.abs(db) < SIDEBAND_DB, `β ${beta} k ${k}: ${toDb(measured).toFixed(2)} dB, series ${toDb(expected).toFixed(2)} dB`);
    }
  }
});

test('fm: feedback at its maximum stays bounded by gain (a sine of a bounded phase)', () => {
  const y = fm({ freq: 3000, ratio: 7, index: 20, feedback: 1, gain: 0.6 }).render(FS)[0]!;
  assert.ok(peakAbs(y) <= 0.6 + 1e-6);
});

test('fm: pitch input, transpose and fine set the carrier (and the modulator follows the ratio)', () => {
  const frames = FS;
  const byPitch = fm({ freq: 300, ratio: 2, index: 1 }).render(frames, { inputs: { pitch: new Float32Array(frames).fill(1) } });
  const byTranspose = fm({ freq: 300, ratio: 2, index: 1, transpose: 12 }).render(frames);
  assert.deepEqual(byPitch, byTranspose);
  const y = fm({ freq: 300, ratio: 1, index: 0, fine: 37, gain: 1 }).render(frames, { inputs: { pitch: new Float32Array(frames).fill(-0.25) } })[0]!;
  const expected = 300 * 2 ** (-0.25 + 37 / 1200);
  const measured = measureFrequency(y, FS, { start: 0, minHz: 200, maxHz: 300, fftSize: 32768 });
  assert.ok(Math.abs(cents(measured, expected)) < 0.01, `${measured} vs ${expected}`);
  // Modulator at ratio·f: with ratio 4 the first upper sideband is at 5f (nothing folds onto it).
  const z = fm({ freq: 500, ratio: 4, index: 1, gain: 1 }).render(frames)[0]!;
  assert.ok(Math.abs(toDb(partial(z, 2500)) - toDb(besselJ(1, 1))) < SIDEBAND_DB);
});
