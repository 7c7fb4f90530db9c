// The dashboard's spectrum (src/dashboard/spectrum.ts): a full-scale sine on a bin reads 0 dBFS
// at that bin; a −40 dB one reads −40; far from the tone the Hann window's leakage is gone;
// the transform matches a direct DFT.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SPECTRUM_FLOOR_DB, Spectrum } from '../../src/dashboard/spectrum.js';
import { sine } from '../helpers/signals.js';

const SIZE = 2048;
const RATE = 48000;
/** Levels read from the byte encoding: half-dB steps. */
const DB_TOL = 0.5;
const dbAt = (bins: Uint8Array, k: number): number => SPECTRUM_FLOOR_DB + bins[k]! / 2;

test('a sine on bin k reads its level at bin k, and the peak is there', () => {
  const spectrum = new Spectrum(SIZE);
  const bins = new Uint8Array(SIZE / 2);
  for (const [k, amplitude, db] of [[64, 1, 0], [300, 0.01, -40]] as const) {
    spectrum.analyse(sine(SIZE, (k * RATE) / SIZE, RATE, amplitude), 0, bins);
    assert.ok(Math.abs(dbAt(bins, k) - db) <= DB_TOL, `bin ${k}: ${dbAt(bins, k)} dB`);
    let best = 0;
    for (let i = 1; i < bins.length; i++) if (bins[i]! > bins[best]!) best = i;
    assert.equal(best, k);
    // Hann leakage: −6 dB at the neighbours, nothing left 20 bins away.
    assert.ok(Math.abs(dbAt(bins, k + 1) - (db - 6.02)) <= DB_TOL);
    assert.ok(dbAt(bins, k + 20) < db - 80, `20 bins away: ${dbAt(bins, k + 20)}`);
  }
});

test('the FFT equals a direct DFT of the windowed signal', () => {
  const n = 64;
  const spectrum = new Spectrum(n);
  const x = new Float32Array(n);
  for (let i = 0; i < n; i++) x[i] = Math.sin(i * 0.7) * 0.5 + Math.cos(i * 2.1) * 0.25;
  const bins = new Uint8Array(n / 2);
  spectrum.analyse(x, 0, bins);
  let windowSum = 0;
  for (let i = 0; i < n; i++) windowSum += 0.5 - 0.5 * Math.cos((2 * Math.PI * i) / n);
  for (let k = 0; k < n / 2; k++) {
    let re = 0;
    let im = 0;
    for (let i = 0; i < n; i++) {
      const w = (0.5 - 0.5 * Math.cos((2 * Math.PI * i) / n)) * x[i]!;
      re += w * Math.cos((2 * Math.PI * k * i) / n);
      im -= w * Math.sin((2 * Math.PI * k * i) / n);
    }
    const db = 20 * Math.log10((2 * Math.hypot(re, im)) / windowSum);
    const expected = Math.max(0, Math.min(255, Math.round((db - SPECTRUM_FLOOR_DB) * 2)));
    assert.ok(Math.abs(bins[k]! - expected) <= 1, `bin ${k}: ${bins[k]} vs ${expected}`);
  }
});
