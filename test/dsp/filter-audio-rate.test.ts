// filter's audio-rate coefficient path (`fm_rate` audio, src/dsp/modules/filter-audio-rate.ts),
// issue 14: with a cutoff that moves at every sample (an audio-rate fm and a cutoff curve) the
// output equals an SVF whose coefficients are computed per sample (Simper's trapezoidal SVF,
// written out here from the paper's equations); block-size invariance; the control path lags.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { filterModule } from '../../src/dsp/modules/filter.js';
import { KernelHarness } from '../helpers/kernel-harness.js';

const FS = 48000;
/** Output against the per-sample reference (issue 14). */
const REFERENCE_TOLERANCE = 1e-9;
const MODES = ['lp', 'hp', 'bp', 'notch'] as const;

/** Simper's linear trapezoidal SVF with per-sample g, k (reference; double precision). */
function referenceSvf(x: Float32Array, fc: Float64Array, q: number, mode: number): Float64Array {
  const y = new Float64Array(x.length);
  let ic1 = 0;
  let ic2 = 0;
  const k = 1 / q;
  for (let n = 0; n < x.length; n++) {
    const f = Math.min(Math.max(fc[n]!, 10), 0.49 * FS);
    const g = Math.tan((Math.PI * f) / FS);
    const a1 = 1 / (1 + g * (g + k));
    const a2 = g * a1;
    const a3 = g * a2;
    const v0 = x[n]!;
    const v3 = v0 - ic2;
    const v1 = a1 * ic1 + a2 * v3;
    const v2 = ic2 + a2 * ic1 + a3 * v3;
    ic1 = 2 * v1 - ic1;
    ic2 = 2 * v2 - ic2;
    y[n] = [v2, v0 - k * v1 - v2, k * v1, v0 - k * v1][mode]!;
  }
  return y;
}

function signals(frames: number): { x: Float32Array; fm: Float32Array; cutoff: Float64Array; fc: Float64Array } {
  const x = new Float32Array(frames);
  const fm = new Float32Array(frames);
  const cutoff = new Float64Array(frames);
  const fc = new Float64Array(frames);
  let seed = 12345;
  for (let n = 0; n < frames; n++) {
    seed = (seed * 1103515245 + 12345) >>> 0;
    x[n] = (seed / 2 ** 32 - 0.5) * 0.8 + 0.3 * Math.sin(n * 0.031);
    fm[n] = 1.5 * Math.sin((2 * Math.PI * 440 * n) / FS); // audio-rate FM, ±1.5 octaves
    cutoff[n] = 800 * Math.pow(2, 2 * Math.sin(n / 900)); // and a moving cutoff
    fc[n] = cutoff[n]! * Math.pow(2, fm[n]!);
  }
  return { x, fm, cutoff, fc };
}

test('fm_rate audio: output = a per-sample-coefficient SVF within 1e-9 (audio-rate fm and cutoff curve, every mode)', () => {
  const frames = 12000;
  const { x, fm, cutoff, fc } = signals(frames);
  for (let mode = 0; mode < 4; mode++) {
    for (const q of [0.707, 5]) {
      const h = new KernelHarness(filterModule, { sampleRate: FS, params: { mode, q, fm_rate: 1 } });
      const y = h.render(frames, { block: 128, inputs: { in: x, fm }, paramCurves: { cutoff } })[0]!;
      const ref = referenceSvf(x, fc, q, mode);
      let worst = 0;
      for (let n = 0; n < frames; n++) worst = Math.max(worst, Math.abs(y[n]! - Math.fround(ref[n]!)));
      assert.ok(worst <= REFERENCE_TOLERANCE, `${MODES[mode]} q ${q}: worst difference ${worst}`);
      // The control-rate path is not this (16-sample lag, interpolated): the test can tell.
      const c = new KernelHarness(filterModule, { sampleRate: FS, params: { mode, q } }).render(frames, { block: 128, inputs: { in: x, fm }, paramCurves: { cutoff } })[0]!;
      let controlWorst = 0;
      for (let n = 0; n < frames; n++) controlWorst = Math.max(controlWorst, Math.abs(c[n]! - ref[n]!));
      assert.ok(controlWorst > 1e-3, `${MODES[mode]} q ${q}: control path differs by ${controlWorst}`);
    }
  }
});

test('fm_rate audio: block-size invariance and constant vs buffered params', () => {
  const frames = 6000;
  const { x, fm, cutoff } = signals(frames);
  const params = { mode: 0, q: 3, fm_rate: 1 };
  const whole = new KernelHarness(filterModule, { sampleRate: FS, params }).render(frames, { block: 128, inputs: { in: x, fm }, paramCurves: { cutoff } })[0]!;
  for (const block of [1, 7, 64, 100]) {
    const cut = new KernelHarness(filterModule, { sampleRate: FS, params }).render(frames, { block, inputs: { in: x, fm }, paramCurves: { cutoff } })[0]!;
    assert.deepEqual(cut, whole, `block ${block}`);
  }
  const q = new Float64Array(frames).fill(3);
  const buffered = new KernelHarness(filterModule, { sampleRate: FS, params }).render(frames, { block: 77, inputs: { in: x, fm }, paramCurves: { cutoff, q } })[0]!;
  assert.deepEqual(buffered, whole, 'q as a buffer of the same value');
});
