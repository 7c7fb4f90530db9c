// follower: the peak step response reaches 63 % at `attack` (±1 % in samples), release decays as
// e^(−t/release) (37 % at release, −60 dB at release·ln 1000, ±1 %), RMS of a sine of amplitude
// A settles to A/√2 within 0.1 dB (also with very asymmetric attack/release), and a decayed
// envelope is flushed to exact zeros.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createRegistry as registryForName } from '../../src/dsp/modules/index.js';
import { followerModule } from '../../src/dsp/modules/follower.js';
import { KernelHarness } from '../helpers/kernel-harness.js';
import { toDb } from '../helpers/analysis.js';

const SR = 48000;
/** Time points (63 % at attack, 37 % at release, −60 dB): within 1 % in samples (issue 14). */
const TIME_TOLERANCE = 0.01;
/** RMS of a sine: within 0.1 dB of A/√2 (issue 14). */
const RMS_TOLERANCE_DB = 0.1;
const MODES = { peak: 0, rms: 1 } as const;

function follow(params: Record<string, number>, input: Float32Array): Float32Array {
  const h = new KernelHarness(followerModule, { params, sampleRate: SR });
  return h.render(input.length, { inputs: { in: input }, block: 128 })[0]!;
}

/**
 * Samples from the last one before `at` to where y crosses `level` (fractional: linear
 * interpolation between the samples either side, so a 1 % tolerance means something for
 * short times too).
 */
function crossing(y: Float32Array, at: number, level: number): number {
  const rising = y[at - 1]! < level;
  for (let i = at; i < y.length; i++) {
    const v = y[i]!;
    if (rising ? v >= level : v <= level) {
      const prev = y[i - 1]!;
      return i - (at - 1) - (v - level) / (v - prev);
    }
  }
  return Number.POSITIVE_INFINITY;
}

test('follower peak: a step reaches 63.2 % after `attack`, within 1 % (in samples)', () => {
  for (const attack of [1, 10, 100, 700]) {
    const at = 1000;
    const a = 0.5;
    const x = new Float32Array(at + Math.ceil((3 * attack * SR) / 1000)).fill(a, at);
    // A negative step is rectified: the same envelope.
    for (const sign of [1, -1]) {
      const y = follow({ mode: MODES.peak, attack, release: 1000 }, x.map((v) => sign * v));
      const k = crossing(y, at, a * (1 - Math.exp(-1)));
      const expected = (attack * SR) / 1000;
      assert.ok(Math.abs(k / expected - 1) < TIME_TOLERANCE, `attack ${attack} ms: 63 % after ${k.toFixed(2)} samples, expected ${expected}`);
    }
  }
});

test('follower peak: release decays as e^(−t/release): 36.8 % after `release`, −60 dB after release·ln 1000 (±1 %)', () => {
  for (const release of [5, 50, 400]) {
    const fall = 24000;
    const a = 0.9;
    const x = new Float32Array(fall + Math.ceil((8 * release * SR) / 1000)).fill(a, 0, fall);
    const y = follow({ mode: MODES.peak, attack: 1, release }, x);
    assert.ok(Math.abs(y[fall - 1]! - a) < 1e-6, 'at the level before the fall');
    const r = (release * SR) / 1000;
    const k37 = crossing(y, fall, a * Math.exp(-1));
    assert.ok(Math.abs(k37 / r - 1) < TIME_TOLERANCE, `release ${release}: 36.8 % after ${k37.toFixed(2)} samples, expected ${r}`);
    const k60 = crossing(y, fall, a * 1e-3);
    assert.ok(Math.abs(k60 / (r * Math.log(1000)) - 1) < TIME_TOLERANCE, `release ${release}: −60 dB after ${k60.toFixed(2)} samples, expected ${(r * Math.log(1000)).toFixed(0)}`);
  }
});

test('follower rms: a sine of amplitude A settles to A/√2 within 0.1 dB (every sample once settled)', () => {
  const seconds = 1.5;
  for (const freq of [200, 1000, 5000]) {
    for (const [attack, release] of [[10, 100], [1, 1000], [100, 5]] as const) {
      const amp = 0.6;
      const x = new Float32Array(seconds * SR);
      for (let i = 0; i < x.length; i++) x[i] = amp * Math.sin((2 * Math.PI * freq * i) / SR);
      const y = follow({ mode: MODES.rms, attack, release, window: 50 }, x);
      let worst = 0;
      for (let i = SR; i < x.length; i++) worst = Math.max(worst, Math.abs(toDb(y[i]! / (amp / Math.SQRT2))));
      assert.ok(worst < RMS_TOLERANCE_DB, `${freq} Hz, attack ${attack} release ${release}: off by up to ${worst.toFixed(4)} dB`);
    }
  }
});

test('follower: a decayed envelope is flushed to exact zeros (no subnormal tail)', () => {
  for (const mode of Object.values(MODES)) {
    const x = new Float32Array(SR).fill(1, 0, 100);
    const h = new KernelHarness(followerModule, { params: { mode, attack: 0, release: 1, window: 1 }, sampleRate: SR });
    const y = h.render(x.length, { inputs: { in: x } })[0]!;
    assert.equal(y[y.length - 1], 0, `mode ${mode}`);
    for (const v of h.kernel.state) assert.ok(v === 0 || Math.abs(v) > 1e-300, `mode ${mode}: state ${v}`);
  }
});

test("the registry resolves 'follower' to this module", () => {
  assert.equal(registryForName().get('follower')?.kernel, followerModule.kernel);
});
