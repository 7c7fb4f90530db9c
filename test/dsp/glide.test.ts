// glide: the exponential law (63 % at τ = time / ln 1000, −60 dB at `time`), the linear law's
// exact rate, constant_time landing on the exact sample whatever the jump, no overshoot in any
// mode, and the output starting at the input.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createRegistry as registryForName } from '../../src/dsp/modules/index.js';
import { glideModule } from '../../src/dsp/modules/glide.js';
import { KernelHarness } from '../helpers/kernel-harness.js';
import { TestRandom } from '../helpers/random.js';

const SR = 48000;
/** 63 %-at-τ and −60 dB-at-time points: within 1 % in samples (issue 14). */
const TIME_TOLERANCE = 0.01;
/** The linear law against (k + 1)·rate: float32 output of values up to 4 octaves. */
const LINEAR_TOLERANCE = 1e-6;
const MODES = { exponential: 0, linear: 1, constant_time: 2 } as const;

function glide(params: Record<string, number>, input: Float32Array): Float32Array {
  const h = new KernelHarness(glideModule, { params, sampleRate: SR });
  return h.render(input.length, { inputs: { in: input }, block: 100 })[0]!;
}

/** `from` until frame `at`, then `to`. */
function step(frames: number, at: number, from: number, to: number): Float32Array {
  const x = new Float32Array(frames).fill(from);
  x.fill(to, at);
  return x;
}

/**
 * Samples from the last sample before the step (at − 1) to where |y − from| crosses
 * fraction·|to − from| (fractional: linear interpolation between the samples either side).
 */
function samplesToFraction(y: Float32Array, at: number, from: number, to: number, fraction: number): number {
  const level = fraction * Math.abs(to - from);
  for (let i = at; i < y.length; i++) {
    const v = Math.abs(y[i]! - from);
    if (v >= level) {
      const prev = Math.abs(y[i - 1]! - from);
      return i - (at - 1) - (v - level) / (v - prev);
    }
  }
  return Number.POSITIVE_INFINITY;
}

test('glide exponential: 63.2 % of a step after τ = time / ln 1000, within 1 %', () => {
  for (const [time, from, to] of [[50, 0, 1], [200, 1, -1], [1000, -0.5, 2.5], [3000, 0, 1 / 12]] as const) {
    const tauSamples = ((time / Math.log(1000)) * SR) / 1000;
    const at = 1000;
    const y = glide({ mode: MODES.exponential, time }, step(at + Math.ceil(1.2 * (time * SR) / 1000), at, from, to));
    const k63 = samplesToFraction(y, at, from, to, 1 - Math.exp(-1));
    assert.ok(Math.abs(k63 / tauSamples - 1) < TIME_TOLERANCE, `time ${time}: 63 % after ${k63.toFixed(2)} samples, τ = ${tauSamples.toFixed(1)}`);
    // −60 dB: the distance left falls below 0.1 % of the step after `time`.
    const k60 = samplesToFraction(y, at, from, to, 1 - 1e-3);
    const timeSamples = (time * SR) / 1000;
    assert.ok(Math.abs(k60 / timeSamples - 1) < TIME_TOLERANCE, `time ${time}: −60 dB after ${k60.toFixed(2)} samples, expected ${timeSamples}`);
    assert.equal(y[at - 1], Math.fround(from), 'nothing moves before the step');
  }
});

test('glide linear: a constant 1/time octaves per ms, exact, stopping on the target', () => {
  for (const [time, from, to] of [[100, 0, 2], [250, 1, -3], [10, 0.25, 0.5]] as const) {
    const rate = 1000 / (time * SR); // octaves per sample
    const at = 500;
    const travel = Math.abs(to - from) / rate; // samples
    const y = glide({ mode: MODES.linear, time }, step(at + Math.ceil(travel) + 500, at, from, to));
    const dir = Math.sign(to - from);
    for (let k = 0; k + 1 < travel; k++) {
      const expected = from + dir * (k + 1) * rate;
      assert.ok(Math.abs(y[at + k]! - expected) < LINEAR_TOLERANCE, `time ${time}: sample ${k} of the ramp at ${y[at + k]}, expected ${expected}`);
    }
    const landed = at + Math.ceil(travel) - 1;
    assert.equal(y[landed], Math.fround(to), `time ${time}: on the target ${Math.ceil(travel)} samples after the step`);
    assert.notEqual(y[landed - 1], Math.fround(to));
    for (let i = landed; i < y.length; i++) assert.equal(y[i], Math.fround(to));
  }
});

test('glide constant_time: every jump lands on its target on sample at + N − 1, N = time·fs, whatever its size', () => {
  const time = 50;
  const n = (time * SR) / 1000;
  // Jumps of very different sizes, each held longer than the glide.
  const targets = [0.1, 3, 2.9, -1, -1 + 1 / 12, 0];
  const hold = n + 700;
  const x = new Float32Array(hold * (targets.length + 1));
  targets.forEach((t, j) => x.fill(t, (j + 1) * hold));
  const y = glide({ mode: MODES.constant_time, time }, x);
  targets.forEach((t, j) => {
    const at = (j + 1) * hold;
    const start = y[at - 1]!;
    const target = Math.fround(t);
    assert.equal(y[at + n - 1], target, `jump ${j} lands on the sample`);
    assert.notEqual(y[at + n - 2], target, `jump ${j} is not there a sample early`);
    // Straight: each sample moves by (target − start)/N.
    for (let k = 0; k < n; k++) {
      const expected = start + ((k + 1) * (target - start)) / n;
      assert.ok(Math.abs(y[at + k]! - expected) < 1e-6, `jump ${j} sample ${k}: ${y[at + k]}, expected ${expected}`);
    }
  });
});

test('glide: no overshoot in any mode (random steps, held for random times)', () => {
  const rng = new TestRandom(31);
  const frames = 48000;
  const x = new Float32Array(frames);
  for (let i = 0; i < frames;) {
    const len = rng.int(1, 3000);
    x.fill(rng.range(-4, 4), i, i + len);
    i += len;
  }
  for (const mode of Object.values(MODES)) {
    for (const time of [0, 1, 30, 400]) {
      const y = glide({ mode, time }, x);
      for (let i = 1; i < frames; i++) {
        const lo = Math.min(y[i - 1]!, x[i]!);
        const hi = Math.max(y[i - 1]!, x[i]!);
        assert.ok(y[i]! >= lo && y[i]! <= hi, `mode ${mode} time ${time}: sample ${i} at ${y[i]} leaves [${lo}, ${hi}]`);
      }
      if (time === 0) assert.deepEqual(y, x, `mode ${mode}: time 0 is the input`);
    }
  }
});

test('glide: the output starts at the input (no glide up from 0 at start or after reset)', () => {
  const x = new Float32Array(2000).fill(1.5);
  for (const mode of Object.values(MODES)) {
    const h = new KernelHarness(glideModule, { params: { mode, time: 500 }, sampleRate: SR });
    assert.ok(h.render(2000, { inputs: { in: x } })[0]!.every((v) => v === 1.5), `mode ${mode}`);
    h.kernel.reset();
    const after = h.render(2000, { inputs: { in: new Float32Array(2000).fill(-2) } })[0]!;
    assert.ok(after.every((v) => v === -2), `mode ${mode} after reset`);
  }
});

test("the registry resolves 'glide' to this module", () => {
  assert.equal(registryForName().get('glide')?.kernel, glideModule.kernel);
});
