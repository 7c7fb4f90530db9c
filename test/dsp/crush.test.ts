// crush: level count and grid of the quantiser, hold runs of the sample-rate reduction, 24-bit
// transparency, mix.

import { createRegistry as registryForName } from '../../src/dsp/modules/index.js';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { crushModule } from '../../src/dsp/modules/crush.js';
import { KernelHarness } from '../helpers/kernel-harness.js';
import { TestRandom } from '../helpers/random.js';

const FS = 48000;
/** 24 bits at full rate reproduce the input within this. */
const TRANSPARENT_24_BIT = 2 ** -23;

function crush(params: Record<string, number>, sampleRate = FS): KernelHarness {
  return new KernelHarness(crushModule, { sampleRate, params: { mix: 1, ...params } });
}

function render(h: KernelHarness, input: Float32Array, block = 128): Float32Array {
  return h.render(input.length, { block, inputs: { in: input } })[0]!;
}

/** Noise beyond full scale (to reach the clamps) plus a slow full-range sweep. */
function probeSignal(frames: number): Float32Array {
  const rng = new TestRandom(21);
  const x = new Float32Array(frames);
  for (let i = 0; i < frames; i++) x[i] = i % 2 === 0 ? rng.range(-1.3, 1.3) : -1.1 + (2.2 * i) / frames;
  return x;
}

test('at most 2^bits distinct levels, all on the grid k·2^(1−bits) in [−1, 1 − 2^(1−bits)]', () => {
  const x = probeSignal(200000);
  for (const bits of [1, 2, 3, 4, 5, 8, 12]) {
    const y = render(crush({ bits, rate: FS }), x);
    const levels = new Set(y);
    const step = 2 ** (1 - bits);
    assert.ok(levels.size <= 2 ** bits, `${bits} bits: ${levels.size} levels`);
    // Small depths are fully exercised by this signal: every level of the grid appears.
    if (bits <= 8) assert.equal(levels.size, 2 ** bits, `${bits} bits: ${levels.size} levels`);
    for (const v of levels) {
      assert.ok(Number.isInteger(v / step), `${bits} bits: ${v} is off the grid`);
      assert.ok(v >= -1 && v <= 1 - step, `${bits} bits: ${v} outside [−1, 1 − Δ]`);
    }
  }
});

test('fractional bits: at most 2^bits levels (rounded down)', () => {
  const x = probeSignal(100000);
  for (const bits of [1.5, 2.7, 3.5, 6.3]) {
    const y = render(crush({ bits, rate: FS }), x);
    const count = new Set(y).size;
    assert.ok(count <= Math.floor(2 ** bits), `${bits} bits: ${count} levels`);
    assert.ok(count >= Math.floor(2 ** bits) - 1, `${bits} bits: only ${count} levels`);
  }
});

test('quantisation is round-to-nearest on the grid (mid-tread): y = round(x/Δ)·Δ inside the range', () => {
  const x = probeSignal(20000);
  for (const bits of [3, 7, 16]) {
    const step = 2 ** (1 - bits);
    const y = render(crush({ bits, rate: FS }), x);
    for (let i = 0; i < x.length; i++) {
      const k = Math.min(2 ** (bits - 1) - 1, Math.max(-(2 ** (bits - 1)), Math.round(x[i]! / step)));
      assert.equal(y[i], k * step, `${bits} bits, x = ${x[i]}`);
    }
  }
});

/** Lengths of the runs of equal consecutive values. */
function runs(y: Float32Array): number[] {
  const lengths: number[] = [];
  let length = 1;
  for (let i = 1; i < y.length; i++) {
    if (y[i] === y[i - 1]) length++;
    else {
      lengths.push(length);
      length = 1;
    }
  }
  return lengths;
}

test('hold runs are exactly fs/rate samples for integer ratios, starting at the first sample', () => {
  const rng = new TestRandom(5);
  const x = new Float32Array(48000);
  for (let i = 0; i < x.length; i++) x[i] = rng.range(-0.9, 0.9); // distinct consecutive values
  for (const [sampleRate, rate] of [[48000, 8000], [48000, 3000], [48000, 1000], [44100, 11025], [48000, 24000], [48000, 47]] as const) {
    const ratio = sampleRate / rate;
    const y = render(crush({ bits: 24, rate }, sampleRate), x, 100);
    const lengths = runs(y);
    lengths.pop(); // the last run may be cut by the end of the signal
    if (Number.isInteger(ratio)) {
      assert.ok(lengths.every((n) => n === ratio), `${sampleRate}/${rate}: runs ${[...new Set(lengths)]}`);
      // Each run holds the input sample taken at its start (within the 24-bit grid).
      for (let i = 0; i < y.length; i += ratio) assert.ok(Math.abs(y[i]! - x[i]!) <= TRANSPARENT_24_BIT, `sample ${i}`);
    } else {
      // Non-integer ratio: runs of ⌊P⌋ or ⌈P⌉ samples averaging P.
      assert.ok(lengths.every((n) => n === Math.floor(ratio) || n === Math.ceil(ratio)), `${sampleRate}/${rate}: runs ${[...new Set(lengths)]}`);
      const mean = lengths.reduce((a, b) => a + b, 0) / lengths.length;
      assert.ok(Math.abs(mean - ratio) < 0.01 * ratio, `${sampleRate}/${rate}: mean run ${mean}`);
    }
  }
});

test('non-integer ratio: runs of ⌊fs/rate⌋ or ⌈fs/rate⌉ samples, averaging fs/rate', () => {
  const rng = new TestRandom(6);
  const x = new Float32Array(96000);
  for (let i = 0; i < x.length; i++) x[i] = rng.range(-0.9, 0.9);
  for (const rate of [7000, 13000, 30000]) {
    const ratio = FS / rate;
    const lengths = runs(render(crush({ bits: 24, rate }), x));
    lengths.pop();
    assert.ok(lengths.every((n) => n === Math.floor(ratio) || n === Math.ceil(ratio)), `${rate} Hz: runs ${[...new Set(lengths)]}`);
    const total = lengths.reduce((a, b) => a + b, 0);
    // The k-th capture is at sample ⌈k·P⌉: the count of runs over `total` samples is within 1 of total/P.
    assert.ok(Math.abs(lengths.length - total / ratio) <= 1, `${rate} Hz: ${lengths.length} runs over ${total} samples`);
  }
});

test('24 bits at full rate is a pass-through within 2⁻²³ (rate at or above fs holds nothing)', () => {
  const rng = new TestRandom(8);
  const x = new Float32Array(50000);
  for (let i = 0; i < x.length; i++) x[i] = rng.range(-1, 1);
  x[0] = 1;
  x[1] = -1;
  x[2] = 0.9999999;
  for (const rate of [48000, 96000]) {
    const y = render(crush({ bits: 24, rate }), x);
    let worst = 0;
    for (let i = 0; i < x.length; i++) worst = Math.max(worst, Math.abs(y[i]! - x[i]!));
    assert.ok(worst <= TRANSPARENT_24_BIT, `rate ${rate}: error ${worst}`);
  }
});

test('mix 0 is the dry input exactly; mix ½ is the mean of dry and crushed', () => {
  const x = probeSignal(5000);
  assert.deepEqual(render(crush({ bits: 3, rate: 4000, mix: 0 }), x), x);
  const wet = render(crush({ bits: 3, rate: 4000 }), x);
  const half = render(crush({ bits: 3, rate: 4000, mix: 0.5 }), x);
  for (let i = 0; i < x.length; i++) assert.ok(Math.abs(half[i]! - 0.5 * (x[i]! + wet[i]!)) < 1e-6, `sample ${i}`);
});

test("the registry resolves 'crush' to this module", () => {
  assert.equal(registryForName().get('crush')?.kernel, crushModule.kernel);
});
