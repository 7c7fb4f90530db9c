// mixer: exact sums over connected inputs, per-channel and master gains, block-size
// invariance, constant vs buffer gains.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mixerModule } from '../../src/dsp/modules/mixer.js';
import { KernelHarness } from '../helpers/kernel-harness.js';

const FRAMES = 3000;
const CUTTING = [1, 7, 64, 128, 3, 100, 17, 128, 2, 55];

function signal(seed: number): Float32Array {
  const x = new Float32Array(FRAMES);
  for (let i = 0; i < FRAMES; i++) x[i] = Math.sin(i * (0.01 + 0.007 * seed) + seed) * (0.3 + 0.1 * seed);
  return x;
}

function renderCut(
  h: KernelHarness,
  blocks: number[],
  inputs: Record<string, Float32Array>,
  curves: Record<string, Float64Array> = {},
): Float32Array {
  const out = new Float32Array(FRAMES);
  for (let pos = 0, b = 0; pos < FRAMES; ) {
    const len = Math.min(blocks[b++ % blocks.length]!, FRAMES - pos);
    const ins: Record<string, Float32Array> = {};
    for (const [id, s] of Object.entries(inputs)) ins[id] = s.subarray(pos, pos + len);
    const cs: Record<string, Float64Array> = {};
    for (const [id, c] of Object.entries(curves)) cs[id] = c.subarray(pos, pos + len);
    out.set(h.render(len, { block: len, inputs: ins, paramCurves: cs })[0]!, pos);
    pos += len;
  }
  return out;
}

test('mixer sums connected inputs exactly: out = gain × Σ gainN·inN', () => {
  const gains = { gain1: 0.5, gain3: 2, gain4: 1, gain8: 0.25, gain: 1.5 };
  const h = new KernelHarness(mixerModule, { params: gains });
  const inputs = { in1: signal(1), in3: signal(3), in4: signal(4), in8: signal(8) };
  const [y] = h.render(FRAMES, { inputs });
  for (let i = 0; i < FRAMES; i++) {
    const sum = 0.5 * inputs.in1[i]! + 2 * inputs.in3[i]! + 1 * inputs.in4[i]! + 0.25 * inputs.in8[i]!;
    assert.equal(y![i], Math.fround(1.5 * sum), `sample ${i}`);
  }
});

test('mixer: unconnected inputs are ignored; nothing connected gives silence', () => {
  const h = new KernelHarness(mixerModule);
  const [silent] = h.render(256);
  assert.ok(silent!.every((v) => v === 0));
  const x = signal(2);
  const [y] = new KernelHarness(mixerModule, { params: { gain2: 1, gain: 1 } }).render(FRAMES, { inputs: { in2: x } });
  assert.deepEqual(y, x, 'unity gains pass a single input bit-exactly');
});

test('mixer: block-size invariance and constant vs buffer gains', () => {
  const inputs = { in1: signal(1), in2: signal(2), in5: signal(5) };
  const curves = { gain1: new Float64Array(FRAMES), gain: new Float64Array(FRAMES) };
  for (let i = 0; i < FRAMES; i++) {
    curves.gain1[i] = 1 + Math.sin(i / 300);
    curves.gain[i] = 0.5 + 0.5 * Math.cos(i / 500);
  }
  const ref = renderCut(new KernelHarness(mixerModule), [128], inputs, curves);
  const cut = renderCut(new KernelHarness(mixerModule), CUTTING, inputs, curves);
  assert.deepEqual(cut, ref);

  const params = { gain1: 0.3, gain2: 1.7, gain5: 0.9, gain: 0.8 };
  const constant = renderCut(new KernelHarness(mixerModule, { params }), [128], inputs);
  const flat: Record<string, Float64Array> = {};
  for (const [id, v] of Object.entries(params)) flat[id] = new Float64Array(FRAMES).fill(v);
  assert.deepEqual(renderCut(new KernelHarness(mixerModule, { params }), CUTTING, inputs, flat), constant);
});
