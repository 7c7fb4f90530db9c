// out: pan law, level, transparency below the threshold, limiter/clipper ceiling, non-finite
// handling and counters, channel linking, block-size invariance, snapshot/restore.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { outModule, OutKernel, OUT_THRESHOLD } from '../../src/dsp/modules/out.js';
import { KernelHarness } from '../helpers/kernel-harness.js';
import { peakAbs, toDb } from '../helpers/analysis.js';

const SR = 48000;
const CUTTING = [1, 7, 64, 128, 3, 100, 17, 128, 2, 55];
/** Equal-power law: gL² + gR² = 1 to double precision. */
const POWER_TOLERANCE = 1e-12;
/** The limiter's instant attack lands on the threshold up to float rounding. */
const CEILING_TOLERANCE = 1e-6;

function sine(n: number, amp: number, w = 0.031): Float32Array {
  const x = new Float32Array(n);
  for (let i = 0; i < n; i++) x[i] = amp * Math.sin(i * w);
  return x;
}

function renderCut(
  h: KernelHarness,
  n: number,
  blocks: number[],
  inputs: Record<string, Float32Array>,
  curves: Record<string, Float64Array> = {},
): [Float32Array, Float32Array] {
  const l = new Float32Array(n);
  const r = new Float32Array(n);
  for (let pos = 0, b = 0; pos < n; ) {
    const len = Math.min(blocks[b++ % blocks.length]!, n - pos);
    const ins: Record<string, Float32Array> = {};
    for (const [id, s] of Object.entries(inputs)) ins[id] = s.subarray(pos, pos + len);
    const cs: Record<string, Float64Array> = {};
    for (const [id, c] of Object.entries(curves)) cs[id] = c.subarray(pos, pos + len);
    const [yl, yr] = h.render(len, { block: len, inputs: ins, paramCurves: cs });
    l.set(yl!, pos);
    r.set(yr!, pos);
    pos += len;
  }
  return [l, r];
}

function counters(h: KernelHarness): { limited: number; nonFinite: number } {
  const k = h.kernel as OutKernel;
  return { limited: k.limitedSamples, nonFinite: k.nonFiniteSamples };
}

test('out: constant-power pan law, −3 dB per side at centre, exact hard pans', () => {
  const x = new Float32Array(64).fill(0.5);
  for (const pan of [-1, -0.5, 0, 0.3, 1]) {
    const level = 1;
    const [l, r] = new KernelHarness(outModule, { params: { level, pan } }).render(64, { inputs: { in: x } });
    const gl = Math.sin(((1 - pan) * Math.PI) / 4);
    const gr = Math.sin(((1 + pan) * Math.PI) / 4);
    assert.equal(l![10], Math.fround(0.5 * level * gl));
    assert.equal(r![10], Math.fround(0.5 * level * gr));
    assert.ok(Math.abs(gl * gl + gr * gr - 1) < POWER_TOLERANCE);
    if (pan === 0) {
      assert.equal(l![10], r![10]);
      assert.ok(Math.abs(toDb(l![10] / 0.5) - -3.0103) < 1e-3, 'centre is −3 dB');
    }
    if (pan === -1) assert.equal(r![10], 0);
    if (pan === 1) assert.equal(l![10], 0);
  }
});

test('out: bit-transparent scaling below the threshold (in·level·gain + side·level)', () => {
  const n = 4000;
  const level = 0.8;
  const pan = 0.3;
  const mono = sine(n, 0.6);
  const left = sine(n, 0.2, 0.017);
  const right = sine(n, 0.25, 0.011);
  const h = new KernelHarness(outModule, { params: { level, pan } });
  const [l, r] = h.render(n, { inputs: { in: mono, left, right } });
  const gl = Math.sin(((1 - pan) * Math.PI) / 4);
  const gr = Math.sin(((1 + pan) * Math.PI) / 4);
  for (let i = 0; i < n; i++) {
    assert.equal(l![i], Math.fround(mono[i]! * level * gl + left[i]! * level), `left ${i}`);
    assert.equal(r![i], Math.fround(mono[i]! * level * gr + right[i]! * level), `right ${i}`);
  }
  assert.deepEqual(counters(h), { limited: 0, nonFinite: 0 });
});

test('out: a +20 dB input never exceeds full scale; the limiter releases back to transparent', () => {
  const n = 2 * SR;
  const loud = sine(n, 10);
  const h = new KernelHarness(outModule, { params: { level: 1 } });
  const [l, r] = h.render(n, { inputs: { in: loud, left: loud } });
  const peak = Math.max(peakAbs(l!), peakAbs(r!));
  assert.ok(peak < 1, `peak ${peak}`);
  assert.ok(peak <= OUT_THRESHOLD + CEILING_TOLERANCE, `peak ${peak} above the threshold`);
  assert.ok(peak > OUT_THRESHOLD - 0.01, 'loud input is limited to the threshold, not far below');
  assert.ok(counters(h).limited > 0);

  // Extreme values: still below 1 (the soft clipper caps anything the limiter lets through).
  const huge = new Float32Array(256).fill(3e38);
  huge[7] = -3e38;
  const [hl] = h.render(256, { inputs: { in: huge, left: huge } });
  assert.ok(peakAbs(hl!) < 1);

  // After 1.5 s of quiet material the path is exactly unity again.
  const quiet = sine(SR * 1.5, 0.5);
  const [ql] = h.render(quiet.length, { inputs: { in: quiet, left: new Float32Array(quiet.length) } });
  const gl = Math.sin(Math.PI / 4);
  const last = quiet.length - 1;
  assert.equal(ql![last], Math.fround(quiet[last]! * 1 * gl + 0));
  assert.equal(h.kernel.state[0], 0, 'gain reduction snapped back to 0');
});

test('out: both channels share the limiter gain', () => {
  const n = 4800;
  const h = new KernelHarness(outModule, { params: { level: 1 } });
  const [l, r] = h.render(n, { inputs: { left: sine(n, 10), right: sine(n, 0.1) } });
  for (let i = 100; i < n; i += 97) {
    if (Math.abs(l![i]!) > 0.1) assert.ok(Math.abs(r![i]! / l![i]! - 0.01) < 1e-4, `sample ${i}`);
  }
});

test('out: NaN/Inf inputs give finite output and are counted', () => {
  const n = 512;
  const mono = sine(n, 0.3);
  mono[5] = NaN;
  mono[9] = Infinity;
  const left = new Float32Array(n);
  left[20] = -Infinity;
  const h = new KernelHarness(outModule);
  const [l, r] = h.render(n, { inputs: { in: mono, left } });
  assert.ok(l!.every(Number.isFinite) && r!.every(Number.isFinite));
  assert.equal(l![5], 0);
  assert.equal(r![9], 0);
  // mono NaN/Inf hit both channels (2 × 2); the left Inf hits one.
  assert.equal(counters(h).nonFinite, 5);
  assert.ok(peakAbs(l!) < 1 && peakAbs(r!) < 1);
});

test('out: block-size invariance, constant vs buffer, snapshot/restore', () => {
  const n = 20000;
  const inputs = { in: sine(n, 3), left: sine(n, 0.4, 0.013), right: sine(n, 0.9, 0.005) };
  for (let i = 0; i < n; i++) if (i % 5000 > 2500) inputs.in[i]! *= 0.05; // limiter attack and release
  const curves = { pan: new Float64Array(n), level: new Float64Array(n) };
  for (let i = 0; i < n; i++) {
    curves.pan[i] = Math.sin(i / 800);
    curves.level[i] = 0.5 + 0.5 * Math.sin(i / 1900);
  }
  const ref = renderCut(new KernelHarness(outModule), n, [128], inputs, curves);
  const cut = renderCut(new KernelHarness(outModule), n, CUTTING, inputs, curves);
  assert.deepEqual(cut, ref);

  const params = { level: 0.7, pan: -0.4 };
  const constant = renderCut(new KernelHarness(outModule, { params }), n, [128], inputs);
  const flat = { level: new Float64Array(n).fill(params.level), pan: new Float64Array(n).fill(params.pan) };
  assert.deepEqual(renderCut(new KernelHarness(outModule, { params }), n, CUTTING, inputs, flat), constant);

  const a = new KernelHarness(outModule, { params });
  const b = new KernelHarness(outModule, { params });
  const head = { in: inputs.in.subarray(0, 2600), left: inputs.left.subarray(0, 2600), right: inputs.right.subarray(0, 2600) };
  renderCut(a, 2600, [128], head);
  b.kernel.state.set(a.kernel.state);
  const tail = { in: inputs.in.subarray(2600, 8000), left: inputs.left.subarray(2600, 8000), right: inputs.right.subarray(2600, 8000) };
  assert.deepEqual(renderCut(b, 5400, CUTTING, tail), renderCut(a, 5400, [128], tail));
  assert.deepEqual(counters(b), counters(a));
});
