// Pitch (YIN) against signals with known answers: sines and a band-limited sawtooth at known
// frequencies within ±1 cent; noise, a chord and a melody are "not measurable" with a reason.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { analyzeAudio } from '../../src/analysis/analyze.js';
import { isMeasured } from '../../src/analysis/types.js';
import { noteOf } from '../../src/analysis/notes.js';

const RATE = 48000;
const F0_TOLERANCE_CENTS = 1;

function tone(freqs: readonly number[], seconds = 2, harmonics = 1): Float32Array {
  const x = new Float32Array(Math.round(seconds * RATE));
  for (const f of freqs) {
    for (let h = 1; h <= harmonics && h * f < RATE / 2; h++) {
      for (let i = 0; i < x.length; i++) x[i]! += (0.3 / h / freqs.length) * Math.sin((2 * Math.PI * h * f * i) / RATE);
    }
  }
  return x;
}

const cents = (a: number, b: number): number => 1200 * Math.log2(a / b);

test('f0 of sines from 41.2 Hz to 3520 Hz within ±1 cent, with the right note name', () => {
  for (const f of [41.2, 55, 110, 220, 261.63, 440.5, 1000, 1760, 3520]) {
    const p = analyzeAudio({ channels: [tone([f])], sampleRate: RATE }).pitch;
    assert.ok(isMeasured(p), `${f} Hz: ${JSON.stringify(p)}`);
    assert.ok(Math.abs(cents(p.f0Hz, f)) <= F0_TOLERANCE_CENTS, `${f} Hz measured ${p.f0Hz} (${cents(p.f0Hz, f).toFixed(2)} cents)`);
    assert.equal(p.note, noteOf(f).note);
    assert.ok(p.confidence > 0.9);
  }
});

test('f0 of a band-limited sawtooth (all harmonics) at 98 Hz within ±1 cent', () => {
  const p = analyzeAudio({ channels: [tone([98], 2, 200)], sampleRate: RATE }).pitch;
  assert.ok(isMeasured(p) && Math.abs(cents(p.f0Hz, 98)) <= F0_TOLERANCE_CENTS, JSON.stringify(p));
  assert.equal(p.note, 'G2');
});

test('white noise has no pitch: not measurable because not periodic', () => {
  let s = 1;
  const x = new Float32Array(RATE * 2).map(() => {
    s = (s * 16807) % 2147483647;
    return (s / 2147483647 - 0.5) * 0.5;
  });
  const p = analyzeAudio({ channels: [x], sampleRate: RATE }).pitch;
  assert.ok(!isMeasured(p) && /not periodic/.test(p.reason), JSON.stringify(p));
});

test('an equal-tempered C major triad is not measurable (polyphonic), not a guessed f0', () => {
  const p = analyzeAudio({ channels: [tone([261.63, 329.63, 392], 2, 3)], sampleRate: RATE }).pitch;
  assert.ok(!isMeasured(p), JSON.stringify(p));
});

test('a melody of four notes is not measurable as one f0 (the pitch moves)', () => {
  const parts = [220, 277.18, 329.63, 440].map((f) => tone([f], 0.5));
  const x = new Float32Array(parts.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of parts) {
    x.set(p, o);
    o += p.length;
  }
  const p = analyzeAudio({ channels: [x], sampleRate: RATE }).pitch;
  assert.ok(!isMeasured(p) && /moves/.test(p.reason), JSON.stringify(p));
});
