// The dashboard's streaming short-term loudness (src/dashboard/loudness.ts) against ITU-R
// BS.1770-4: the reference tone (a 0 dBFS 997 Hz sine in one channel reads −3.01 LKFS) at
// several rates, fed block by block; the 3 s window; silence. (The K-weighting coefficients are
// tested with src/analysis.)

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ShortTermLoudness } from '../../src/dashboard/loudness.js';
import { sine } from '../helpers/signals.js';

/** Loudness readings, LU. */
const LU_TOL = 0.02;

function measure(sampleRate: number, left: Float32Array, right: Float32Array, block = 128): number {
  const meter = new ShortTermLoudness(sampleRate, block);
  for (let at = 0; at + block <= left.length; at += block) meter.push(left, right, at, block);
  return meter.shortTerm;
}

for (const rate of [44100, 48000, 96000]) {
  test(`a 0 dBFS 997 Hz sine reads −3.01 LUFS in one channel and 0.00 in both (${rate} Hz)`, () => {
    const tone = sine(4 * rate, 997, rate, 1);
    const silence = new Float32Array(tone.length);
    const one = measure(rate, tone, silence);
    assert.ok(Math.abs(one - -3.01) < LU_TOL, `one channel: ${one} LUFS`);
    const both = measure(rate, tone, tone);
    assert.ok(Math.abs(both - 0) < LU_TOL + 0.01, `both channels: ${both} LUFS`);
  });
}

test('the window is the last 3 s: a tone followed by 3 s of silence reads silence; −20 dB reads 20 LU less', () => {
  const rate = 48000;
  const tone = sine(2 * rate, 997, rate, 0.1);
  const meter = new ShortTermLoudness(rate, 128);
  for (let at = 0; at + 128 <= tone.length; at += 128) meter.push(tone, tone, at, 128);
  assert.ok(Math.abs(meter.shortTerm - -20) < LU_TOL + 0.01, `−20 dBFS tone: ${meter.shortTerm}`);
  const silence = new Float32Array(128);
  for (let k = 0; k < Math.ceil((3 * rate) / 128) + 2; k++) meter.push(silence, silence, 0, 128);
  assert.ok(meter.shortTerm < -70, `after 3 s of silence (the filters' tails decay below EBU's −70 LUFS gate): ${meter.shortTerm}`);
  assert.equal(new ShortTermLoudness(rate, 128).shortTerm, Number.NEGATIVE_INFINITY);
});
