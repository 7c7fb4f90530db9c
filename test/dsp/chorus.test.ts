import { createRegistry as registryForName } from '../../src/dsp/modules/index.js';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chorusModule } from '../../src/dsp/modules/chorus.js';
import { KernelHarness } from '../helpers/kernel-harness.js';
import { TestRandom } from '../helpers/random.js';

const FS = 48000;
/**
 * Read delay measured from a ramp input (the Hermite read reproduces a line exactly, so the
 * output is n − d(n)): float32 resolution of the output near 65536 is 1/128 sample.
 */
const DELAY_TOLERANCE_SAMPLES = 0.01;

function chorus(params: Record<string, number>): KernelHarness {
  return new KernelHarness(chorusModule, { sampleRate: FS, params: { mix: 1, ...params } });
}

function ramp(frames: number): Float32Array {
  const x = new Float32Array(frames);
  for (let n = 0; n < frames; n++) x[n] = n;
  return x;
}

/** The documented read delay (samples) of voice v of N on side s. */
function documentedDelay(n: number, p: { delay: number; depth: number; rate: number; spread: number }, v: number, voices: number, side: number): number {
  const phase = (n * p.rate) / FS + v / voices - (side * p.spread) / 2;
  return ((p.delay + p.depth * Math.sin(2 * Math.PI * phase)) * FS) / 1000;
}

test('chorus: mix 0 is the dry input exactly, on both sides', () => {
  const rng = new TestRandom(1);
  const left = rng.noise(20000);
  const right = rng.noise(20000);
  const [l, r] = chorus({ mix: 0, voices: 3 }).render(20000, { inputs: { left, right } });
  assert.deepEqual(l, left);
  assert.deepEqual(r, right);
});

test('chorus: one voice reads at delay + depth·sin(2π·rate·t), within [delay − depth, delay + depth], the right side spread/2 turns behind', () => {
  const frames = 65536;
  const start = 2400; // past the longest delay: the line holds the ramp
  for (const p of [{ delay: 12, depth: 2, rate: 1.5, spread: 1 }, { delay: 6, depth: 5, rate: 4.3, spread: 0.5 }, { delay: 40, depth: 5, rate: 0.7, spread: 0 }]) {
    const [l, r] = chorus({ ...p, voices: 1 }).render(frames, { inputs: { left: ramp(frames) } });
    for (const [side, out] of [[0, l!], [1, r!]] as const) {
      let lo = Infinity;
      let hi = -Infinity;
      for (let n = start; n < frames; n++) {
        const measured = n - out[n]!;
        const expected = documentedDelay(n, p, 0, 1, side);
        assert.ok(Math.abs(measured - expected) <= DELAY_TOLERANCE_SAMPLES, `${JSON.stringify(p)} side ${side} at ${n}: ${measured} vs ${expected}`);
        lo = Math.min(lo, measured);
        hi = Math.max(hi, measured);
      }
      const bounds = [((p.delay - p.depth) * FS) / 1000, ((p.delay + p.depth) * FS) / 1000];
      assert.ok(lo >= bounds[0]! - DELAY_TOLERANCE_SAMPLES && hi <= bounds[1]! + DELAY_TOLERANCE_SAMPLES, `within bounds: [${lo}, ${hi}]`);
      assert.ok(lo <= bounds[0]! + 0.05 && hi >= bounds[1]! - 0.05, `sweeps the whole range: [${lo}, ${hi}] of [${bounds}]`);
    }
  }
});

test('chorus: two and three voices are spread evenly over the cycle (their delays average to `delay` at every sample)', () => {
  const frames = 65536;
  for (const voices of [2, 3]) {
    const p = { delay: 15, depth: 4, rate: 2.2, spread: 0.37 };
    const [l, r] = chorus({ ...p, voices }).render(frames, { inputs: { left: ramp(frames) } });
    for (const out of [l!, r!]) {
      for (let n = 2400; n < frames; n++) {
        assert.ok(Math.abs(n - out[n]! - (p.delay * FS) / 1000) <= DELAY_TOLERANCE_SAMPLES, `${voices} voices at ${n}: mean delay ${n - out[n]!}`);
      }
    }
    // Not a constant delay: the voices do move (the mean is constant only because they are spread).
    const [single] = chorus({ ...p, voices: 1 }).render(frames, { inputs: { left: ramp(frames) } });
    assert.ok(Math.abs(10000 - single![10000]! - (p.delay * FS) / 1000) > 1);
  }
});

test('chorus: every voice stays within [delay − depth, delay + depth] (an impulse train, three voices)', () => {
  const p = { delay: 10, depth: 4, rate: 3.1, spread: 0.7 };
  const period = 1200; // wider than the longest delay plus the interpolator's reach
  const frames = 120 * period;
  const x = new Float32Array(frames);
  for (let n = 0; n < frames; n += period) x[n] = 1;
  const [l, r] = chorus({ ...p, voices: 3 }).render(frames, { inputs: { left: x } });
  const lo = ((p.delay - p.depth) * FS) / 1000;
  const hi = ((p.delay + p.depth) * FS) / 1000;
  let nearLo = Infinity;
  let nearHi = -Infinity;
  for (const out of [l!, r!]) {
    for (let n = 0; n < frames; n++) {
      if (out[n] === 0) continue;
      const after = n % period; // samples after the latest impulse
      // The Hermite read of an impulse at delay d is non-zero for |after − d| < 2 only.
      assert.ok(after > lo - 2 && after < hi + 2, `output ${after} samples after an impulse, outside (${lo - 2}, ${hi + 2})`);
      nearLo = Math.min(nearLo, after);
      nearHi = Math.max(nearHi, after);
    }
  }
  assert.ok(nearLo < lo + 4 && nearHi > hi - 4, `the voices cover the range: [${nearLo}, ${nearHi}]`);
});

test('chorus: an unconnected right input takes the left; spread 0 gives identical sides', () => {
  const rng = new TestRandom(4);
  const left = rng.noise(10000);
  const [l, r] = chorus({ voices: 3, spread: 0, mix: 0.5 }).render(10000, { inputs: { left } });
  assert.deepEqual(r, l);
  const [l2, r2] = chorus({ voices: 3, spread: 0.5, mix: 0.5 }).render(10000, { inputs: { left } });
  assert.notDeepEqual(r2, l2);
  assert.deepEqual(l2, l, 'spread moves the right side only');
});

test("the registry resolves 'chorus' to this module", () => {
  assert.equal(registryForName().get('chorus')?.kernel, chorusModule.kernel);
});
