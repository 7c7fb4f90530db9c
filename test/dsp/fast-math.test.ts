// lib/fast-math.ts: the documented error bounds of the control-rate approximations.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { EXP2_RANGE, exp2Approx, sinTurnsApprox, tanApprox } from '../../src/dsp/lib/fast-math.js';

/** Documented bounds (relative). */
const EXP2_BOUND = 1e-8;
const TAN_BOUND = 1e-7;

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
