// lib/fast-math.ts: the documented error bounds of the control-rate approximations.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { EXP2_RANGE, exp2Approx, tanApprox } from '../../src/dsp/lib/fast-math.js';

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
