// lib/fast-math.ts: the documented error bounds of the control-rate approximations.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { EXP2_RANGE, exp2Approx, log2Approx, sinTurnsApprox, tanApprox } from '../../src/dsp/lib/fast-math.js';

/** Documented bounds (relative). */
const EXP2_BOUND = 1e-8;
const TAN_BOUND = 1e-7;
/** Documented bound (absolute, in octaves). */
const LOG2_BOUND = 2e-9;

test('exp2Approx: relative error < 1e-8 over ±20 octaves, clamped beyond ±64, NaN to the low end', () => {
  let worst = 0;
  for (let i = 0; i <= 400000; i++) {
    const x = -20 + (40 * i) / 400000;
    worst = Math.max(worst, Math.abs(exp2Approx(x) / 2 ** x - 1));
  }
  assert.ok(worst < EXP2_BOUND, `worst relative error ${worst}`);
  for (const n of [-64, -10, -1, 0, 1, 10, 64]) assert.equal(exp2Approx(n), 2 ** n, `2^${n} exact`);
  assert.equal(exp2Approx(1000), 2 ** EXP2_RANGE);
  assert.equal(exp2Approx(-1000), 2 ** -EXP2_RANGE);
  assert.equal(exp2Approx(Number.NaN), 2 ** -EXP2_RANGE);
});

test('tanApprox: relative error < 1e-7 on (0, 0.49π] (the filter cutoff range up to 0.49·fs)', () => {
  let worst = 0;
  const top = 0.49 * Math.PI;
  for (let i = 1; i <= 400000; i++) {
    const w = (top * i) / 400000;
    worst = Math.max(worst, Math.abs(tanApprox(w) / Math.tan(w) - 1));
  }
  // Near 0 as well (10 Hz at 192 kHz is w ≈ 1.6e-4).
  for (const w of [1e-6, 1.6e-4, 1e-3, 0.01]) worst = Math.max(worst, Math.abs(tanApprox(w) / Math.tan(w) - 1));
  assert.ok(worst < TAN_BOUND, `worst relative error ${worst}`);
});

test('sinTurnsApprox: sin(2πx) within 1e-11 over several turns, never beyond ±1, exactly 0 at whole and half turns', () => {
  let worst = 0;
  for (let i = -400000; i <= 400000; i++) {
    const x = (3 * i) / 400000; // −3 … 3 turns
    worst = Math.max(worst, Math.abs(sinTurnsApprox(x) - Math.sin(2 * Math.PI * x)));
  }
  assert.ok(worst < 1e-11, `worst absolute error ${worst}`);
  for (const x of [-2, -1.5, -1, -0.5, 0, 0.5, 1, 1.5, 2]) assert.equal(Math.abs(sinTurnsApprox(x)), 0, `x = ${x}`);
  let peak = 0;
  for (let i = 0; i <= 100000; i++) peak = Math.max(peak, Math.abs(sinTurnsApprox(0.2 + (0.1 * i) / 100000)));
  assert.ok(peak <= 1 && peak > 1 - 1e-11, `peak ${peak}`);
});

test('log2Approx: absolute error < 2e-9 from 2^-126 to 2^128, exact at powers of two', () => {
  let worst = 0;
  for (let i = 0; i <= 400000; i++) {
    const x = 2 ** (-126 + (254 * i) / 400000) * (1 + 1e-7 * (i % 7));
    worst = Math.max(worst, Math.abs(log2Approx(x) - Math.log2(x)));
  }
  // Dense over one octave around 1 (where the fold at √2 and t = 0 are).
  for (let i = 0; i <= 400000; i++) {
    const x = 0.6 + (0.9 * i) / 400000;
    worst = Math.max(worst, Math.abs(log2Approx(x) - Math.log2(x)));
  }
  assert.ok(worst < LOG2_BOUND, `worst absolute error ${worst}`);
  for (const e of [-126, -20, -1, 0, 1, 20, 127]) assert.equal(log2Approx(2 ** e), e, `log2(2^${e}) exact`);
  assert.equal(log2Approx(1), 0);
});
