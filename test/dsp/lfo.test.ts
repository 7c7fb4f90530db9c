import { test } from 'node:test';
import assert from 'node:assert/strict';
import { lfoModule } from '../../src/dsp/modules/lfo.js';
import { specProblems } from '../../src/dsp/spec.js';
import { KernelHarness } from '../helpers/kernel-harness.js';

const FS = 48000;
const SINE = 0;
const TRIANGLE = 1;
const SQUARE = 2;
const SAW = 3;
const SH = 4;

function lfo(params: Record<string, number>, seed = 12345, maxBlock = 128): KernelHarness {
  return new KernelHarness(lfoModule, { sampleRate: FS, seed, params, maxBlock });
}

/** KernelHarness.render with block sizes cycling through `sizes` at varying buffer offsets. */
function renderCuts(h: KernelHarness, frames: number, sizes: readonly number[], paramCurves: Record<string, Float64Array> = {}): Float32Array {
  const result = new Float32Array(frames);
  let pos = 0;
  let k = 0;
  while (pos < frames) {
    const n = Math.min(sizes[k % sizes.length]!, frames - pos, h.maxBlock);
    const start = (k * 37) % (h.maxBlock - n + 1);
    k++;
    for (const [id, curve] of Object.entries(paramCurves)) {
      const p = h.params[h.paramIndex(id)]!;
      p.isConstant = false;
      p.buffer.set(curve.subarray(pos, pos + n), start);
      p.value = curve[pos + n - 1]!;
    }
    h.kernel.process(start, start + n);
    result.set(h.outputs[0]!.subarray(start, start + n), pos);
    pos += n;
  }
  return result;
}

/** Sample indices where x crosses `level` upwards. */
function risingCrossings(x: Float32Array, level: number): number[] {
  const at: number[] = [];
  for (let i = 1; i < x.length; i++) if (x[i - 1]! < level && x[i]! >= level) at.push(i);
  return at;
}

test('spec is valid', () => {
  assert.deepEqual(specProblems(lfoModule.spec), []);
});

test('every periodic shape has period 0.5 s at rate 2 Hz', () => {
  for (const shape of [SINE, TRIANGLE, SQUARE, SAW]) {
    const x = lfo({ shape, rate: 2 }).render(3 * FS)[0]!;
    const crossings = risingCrossings(x, 0);
    assert.ok(crossings.length >= 5, `shape ${shape}: ${crossings.length} crossings`);
    for (let i = 1; i < crossings.length; i++) {
      const period = crossings[i]! - crossings[i - 1]!;
      assert.ok(Math.abs(period - FS / 2) <= 1, `shape ${shape}: period ${period} samples`);
    }
  }
});

test('shapes start at phase 0 and map through depth and offset', () => {
  const depth = 0.5;
  const offset = 0.2;
  const rate = 2;
  const waves: Record<number, (p: number) => number> = {
    [SINE]: (p) => Math.sin(2 * Math.PI * p),
    [TRIANGLE]: (p) => (p < 0.25 ? 4 * p : p < 0.75 ? 2 - 4 * p : 4 * p - 4),
    [SQUARE]: (p) => (p < 0.5 ? 1 : -1),
    [SAW]: (p) => 2 * p - 1,
  };
  for (const shape of [SINE, TRIANGLE, SQUARE, SAW]) {
    const x = lfo({ shape, rate, depth, offset }).render(FS / 2)[0]!;
    // Sample 0 is phase 0; then every 1/8 cycle, nudged off the square/saw edges.
    for (const n of [0, 100, 3100, 6100, 9100, 12100, 15100, 18100, 21100]) {
      const expected = offset + depth * waves[shape]!(((n * rate) / FS) % 1);
      assert.ok(Math.abs(x[n]! - expected) < 1e-4, `shape ${shape} sample ${n}: ${x[n]} vs ${expected}`);
    }
    let min = Infinity;
    let max = -Infinity;
    for (const v of x) {
      min = Math.min(min, v);
      max = Math.max(max, v);
    }
    assert.ok(max <= offset + depth + 1e-6 && min >= offset - depth - 1e-6, `shape ${shape}: range [${min}, ${max}]`);
    assert.ok(max > offset + depth - 1e-3 && min < offset - depth + 1e-3, `shape ${shape}: range [${min}, ${max}]`);
  }
});

test('sh holds one value per cycle, new each cycle, deterministic per seed', () => {
  const rate = 2;
  const x = lfo({ shape: SH, rate }, 99).render(3 * FS)[0]!;
  const period = FS / rate;
  const values: number[] = [];
  for (let c = 0; c < 6; c++) {
    const v = x[c * period + 1]!;
    for (let i = c * period + 1; i < (c + 1) * period - 1; i++) assert.equal(x[i], v, `cycle ${c} sample ${i}`);
    assert.ok(v >= -1 && v < 1);
    values.push(v);
  }
  assert.equal(new Set(values).size, values.length, `values ${values}`);
  assert.deepEqual(lfo({ shape: SH, rate }, 99).render(3 * FS)[0]!, x);
  const other = lfo({ shape: SH, rate }, 100).render(3 * FS)[0]!;
  assert.notDeepEqual(other, x);
  // Depth and offset apply to the held value too.
  const scaled = lfo({ shape: SH, rate, depth: 0.5, offset: -0.25 }, 99).render(FS)[0]!;
  assert.ok(Math.abs(scaled[10]! - (-0.25 + 0.5 * x[10]!)) < 1e-6);
});

test('block-size invariance, constant vs buffer params, shape switching mid-block', () => {
  const frames = 20000;
  const rate = new Float64Array(frames);
  const depth = new Float64Array(frames);
  const offset = new Float64Array(frames);
  const shape = new Float64Array(frames);
  for (let i = 0; i < frames; i++) {
    rate[i] = 20 + 15 * Math.sin((2 * Math.PI * 3 * i) / FS);
    depth[i] = 0.6 + 0.3 * Math.sin((2 * Math.PI * 5 * i) / FS);
    offset[i] = 0.1 * Math.sin((2 * Math.PI * 7 * i) / FS);
    shape[i] = Math.floor(i / 1500) % 5;
  }
  const curves = { rate, depth, offset, shape };
  const a = lfo({}).render(frames, { block: 128, paramCurves: curves })[0]!;
  const b = renderCuts(lfo({}), frames, [1, 37, 128, 5, 64, 2, 99], curves);
  assert.deepEqual(b, a);
  for (const s of [SINE, TRIANGLE, SQUARE, SAW, SH]) {
    const params = { shape: s, rate: 13.7, depth: 0.8, offset: 0.1 };
    const constant = lfo(params).render(frames)[0]!;
    const bufferCurves: Record<string, Float64Array> = {};
    for (const [id, v] of Object.entries(params)) bufferCurves[id] = new Float64Array(frames).fill(v);
    assert.deepEqual(renderCuts(lfo({}), frames, [128, 11], bufferCurves), constant, `shape ${s}`);
  }
});

test('snapshot/restore continues bit-identically; reset re-seeds', () => {
  for (const shape of [SINE, SH]) {
    const whole = lfo({ shape, rate: 30 }).render(20000)[0]!;
    const first = lfo({ shape, rate: 30 });
    first.render(7000);
    const second = lfo({ shape, rate: 30 });
    first.kernel.stateArrays().forEach((a, i) => second.kernel.stateArrays()[i]!.set(a));
    assert.deepEqual(second.render(13000, { block: 51 })[0]!, whole.subarray(7000));
    first.kernel.reset();
    assert.deepEqual(first.render(20000)[0]!, whole);
  }
});

test('sine at control rate: within h²/8 of the exact sine (0.0014 at 50 Hz, 48 kHz), exact at phase 0', () => {
  // Linear interpolation between control points 16 samples apart: error ≤ h²/8 with
  // h = 2π·16·rate/fs (plus the float32 output rounding).
  for (const [rate, bound] of [[50, 0.0014], [13.7, 1.1e-4], [1, 1e-6]] as const) {
    const x = lfo({ shape: SINE, rate }).render(FS)[0]!;
    assert.equal(x[0], 0);
    let phase = 0;
    let worst = 0;
    for (let i = 0; i < x.length; i++) {
      worst = Math.max(worst, Math.abs(x[i]! - Math.sin(2 * Math.PI * phase)));
      phase += rate / FS;
      if (phase >= 1) phase -= 1;
    }
    assert.ok(worst <= bound, `rate ${rate}: max error ${worst}`);
  }
});

test('sh after other shapes holds the same values as sh from the start (generator steps once per wrap)', () => {
  // Other shapes advance the generator once per call by their wrap count; the held values must
  // match per-wrap stepping, whatever the shape history and block cutting. Large blocks (as
  // offline rendering may use) so that one call spans several wraps.
  const frames = 60000;
  const rate = new Float64Array(frames).fill(47.3);
  const shape = new Float64Array(frames);
  for (let i = 0; i < frames; i++) shape[i] = i < 40000 ? Math.floor(i / 9001) % 4 : SH;
  const sh = renderCuts(lfo({ shape: SH }), frames, [128, 5, 77], { rate, shape: new Float64Array(frames).fill(SH) });
  const mixed = renderCuts(lfo({}, 12345, 8192), frames, [8192, 1, 4000, 3333], { rate, shape });
  assert.deepEqual(mixed.subarray(40000), sh.subarray(40000));
});
