// Levels of sines with known answers: sample peak exact, RMS of a sine −3.01 dB below its
// peak, true peak of inter-sample peaks (BS.1770-4 Annex 2, 4× oversampling) within 0.2 dB,
// stereo correlation and width.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { analyzeAudio } from '../../src/analysis/analyze.js';
import { isMeasured, type Measured } from '../../src/analysis/types.js';

const RATE = 48000;
const TRUE_PEAK_TOLERANCE_DB = 0.2;

function sine(freq: number, amp: number, phase = 0, seconds = 1): Float32Array {
  const x = new Float32Array(Math.round(seconds * RATE));
  for (let i = 0; i < x.length; i++) x[i] = amp * Math.sin((2 * Math.PI * freq * i) / RATE + phase);
  return x;
}

const value = (m: Measured<number>): number => {
  assert.ok(isMeasured(m), JSON.stringify(m));
  return m;
};

test('sample peak is exact and RMS of a sine is 3.01 dB below it', () => {
  const x = sine(997, 0.5);
  let peak = 0;
  for (const v of x) peak = Math.max(peak, Math.abs(v));
  const r = analyzeAudio({ channels: [x], sampleRate: RATE });
  assert.equal(value(r.levels.samplePeakDbfs), Math.round(2000 * Math.log10(peak)) / 100);
  assert.ok(Math.abs(value(r.levels.rmsDbfs) - (20 * Math.log10(0.5) - 3.0103)) < 0.02);
  assert.ok(Math.abs(value(r.levels.crestDb) - 3.01) < 0.02);
});

test('true peak: a sine at fs/4 with 45° phase has samples at ±0.707 of its peak; true peak within 0.2 dB of the real peak', () => {
  const x = sine(RATE / 4, 1, Math.PI / 4);
  const r = analyzeAudio({ channels: [x, x], sampleRate: RATE });
  assert.ok(Math.abs(value(r.levels.samplePeakDbfs) + 3.01) < 0.01, `sample peak ${JSON.stringify(r.levels.samplePeakDbfs)}`);
  const tp = value(r.levels.truePeakDbtp);
  assert.ok(Math.abs(tp) <= TRUE_PEAK_TOLERANCE_DB, `true peak ${tp} dBTP, expected 0`);
});

test('true peak of inter-sample peaks at other frequencies (1–19 kHz, arbitrary phases, faded in and out) within 0.2 dB', () => {
  for (const [f, phase] of [[1000, 0.3], [5512.5, 1.1], [11025, 0.7], [15000, 2.0], [19000, 0.4]] as const) {
    // 10 ms raised-cosine fades: an abrupt start would add a real (Gibbs) overshoot of its own.
    const x = sine(f, 0.8, phase, 0.25);
    const fade = Math.round(0.01 * RATE);
    for (let i = 0; i < fade; i++) {
      const g = 0.5 - 0.5 * Math.cos((Math.PI * i) / fade);
      x[i]! *= g;
      x[x.length - 1 - i]! *= g;
    }
    const tp = value(analyzeAudio({ channels: [x], sampleRate: RATE }).levels.truePeakDbtp);
    assert.ok(Math.abs(tp - 20 * Math.log10(0.8)) <= TRUE_PEAK_TOLERANCE_DB, `${f} Hz: ${tp} dBTP`);
  }
});

test('stereo: identical channels correlate 1 with no width; opposite channels −1; a quarter-period shift 0', () => {
  const a = sine(440, 0.5);
  const same = analyzeAudio({ channels: [a, a], sampleRate: RATE }).levels.stereo;
  assert.ok(isMeasured(same) && same.correlation === 1 && !isMeasured(same.widthDb));
  const inverted = analyzeAudio({ channels: [a, a.map((v) => -v)], sampleRate: RATE }).levels.stereo;
  assert.ok(isMeasured(inverted) && inverted.correlation === -1);
  const quadrature = analyzeAudio({ channels: [a, sine(440, 0.5, Math.PI / 2)], sampleRate: RATE }).levels.stereo;
  assert.ok(isMeasured(quadrature) && Math.abs(quadrature.correlation) < 0.01 && isMeasured(quadrature.widthDb) && Math.abs(quadrature.widthDb) < 0.1);
  assert.ok(!isMeasured(analyzeAudio({ channels: [a], sampleRate: RATE }).levels.stereo));
});
