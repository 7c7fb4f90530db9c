// clockdiv: ÷N pulses rise on exactly every Nth clock edge's sample (first edge included);
// a reset on the same sample as a clock edge restarts the count there; ×N pulses are evenly
// spaced within 1 sample over the measured period (only the edge pulses during the first
// period); pulse width; block cutting never moves an edge.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createRegistry as registryForName } from '../../src/dsp/modules/index.js';
import { clockdivModule } from '../../src/dsp/modules/clockdiv.js';
import { KernelHarness } from '../helpers/kernel-harness.js';
import { TestRandom } from '../helpers/random.js';

const SR = 48000;
/** ×N pulses: each within 1 sample of the even subdivision (issue 14). */
const SPACING_TOLERANCE_SAMPLES = 1;

function run(params: Record<string, number>, trig: Float32Array, reset?: Float32Array, blocks: readonly number[] = [128]): Float32Array {
  const h = new KernelHarness(clockdivModule, { params, sampleRate: SR });
  const out = new Float32Array(trig.length);
  let pos = 0;
  let b = 0;
  while (pos < trig.length) {
    const n = Math.min(blocks[b++ % blocks.length]!, trig.length - pos);
    const inputs: Record<string, Float32Array> = { trig: trig.subarray(pos, pos + n) };
    if (reset !== undefined) inputs.reset = reset.subarray(pos, pos + n);
    out.set(h.render(n, { inputs, block: n })[0]!, pos);
    pos += n;
  }
  return out;
}

/** Samples where x rises (> 0 after ≤ 0; the sample before 0 counts as 0). */
function risingEdges(x: Float32Array): number[] {
  const edges: number[] = [];
  for (let i = 0; i < x.length; i++) if (x[i]! > 0 && (i === 0 ? 0 : x[i - 1]!) <= 0) edges.push(i);
  return edges;
}

/** A clock with pulses of 1..width samples at the given starts. */
function pulses(frames: number, starts: readonly number[], width = 5): Float32Array {
  const x = new Float32Array(frames);
  for (const s of starts) x.fill(0.8, s, Math.min(frames, s + width));
  return x;
}

/** An irregular clock: edges 20..800 samples apart, pulse widths 1..15 samples. */
function irregularClock(frames: number, seed: number): { signal: Float32Array; edges: number[] } {
  const rng = new TestRandom(seed);
  const signal = new Float32Array(frames);
  const edges: number[] = [];
  for (let at = rng.int(0, 50); at < frames - 20; at += rng.int(20, 800)) {
    edges.push(at);
    signal.fill(rng.range(0.1, 1), at, at + rng.int(1, 15));
  }
  return { signal, edges };
}

test('clockdiv ÷N: output edges on exactly every Nth clock edge sample, from the first, however the blocks are cut', () => {
  const { signal, edges } = irregularClock(60000, 3);
  for (const div of [1, 2, 3, 7, 32]) {
    const expected = edges.filter((_, k) => k % div === 0);
    for (const blocks of [[128], [1, 7, 128], [61]]) {
      const out = run({ div, mult: 1, width: 0.05 }, signal, undefined, blocks);
      assert.deepEqual(risingEdges(out), expected, `÷${div}, blocks ${blocks}`);
    }
  }
});

test('clockdiv: a reset on the same sample as a clock edge restarts the count there (that edge pulses)', () => {
  const { signal, edges } = irregularClock(40000, 4);
  const div = 4;
  for (const resetAt of [5, 6, 13]) {
    const reset = pulses(signal.length, [edges[resetAt]!], 3);
    const out = run({ div, width: 0.05 }, signal, reset, [100]);
    const expected = [
      ...edges.slice(0, resetAt).filter((_, k) => k % div === 0),
      ...edges.slice(resetAt).filter((_, k) => k % div === 0),
    ];
    assert.deepEqual(risingEdges(out), expected, `reset on edge ${resetAt}`);
  }
  // A reset between two edges: the next clock edge pulses.
  const between = Math.floor((edges[6]! + edges[7]!) / 2);
  const out = run({ div, width: 0.05 }, signal, pulses(signal.length, [between], 2), [128]);
  assert.deepEqual(risingEdges(out), [edges[0]!, edges[4]!, ...edges.slice(7).filter((_, k) => k % div === 0)]);
});

test('clockdiv ×N: N evenly spaced edges per clock period (within 1 sample), only the edge pulses in the first period', () => {
  for (const [period, mult, div] of [[1000, 3, 1], [4800, 8, 1], [777, 2, 1], [600, 3, 2], [2400, 5, 3]] as const) {
    const starts = Array.from({ length: 12 }, (_, k) => 300 + k * period);
    const out = run({ div, mult, width: 0.1 }, pulses(300 + 12 * period + 10, starts, 4), undefined, [128, 5]);
    const got = risingEdges(out);
    // First group (starts[0]): the period is unknown, only the edge pulse; groups start at
    // every div-th edge from there, so the second group starts at starts[div].
    assert.equal(got[0], starts[0]);
    assert.ok(got[1]! >= starts[div]!, `×${mult} ÷${div}: nothing between the first edges (got ${got[1]})`);
    const span = div * period;
    for (let g = div; g + div < starts.length; g += div) {
      const groupEdges = got.filter((e) => e >= starts[g]! && e < starts[g]! + span);
      assert.equal(groupEdges.length, mult, `period ${period} ×${mult} ÷${div}: group at ${starts[g]} has ${groupEdges.length} edges`);
      groupEdges.forEach((e, k) => {
        const ideal = starts[g]! + (k * span) / mult;
        assert.ok(Math.abs(e - ideal) <= SPACING_TOLERANCE_SAMPLES / 2, `pulse ${k} at ${e}, ideal ${ideal}`);
      });
      for (let k = 1; k < groupEdges.length; k++) {
        const gap = groupEdges[k]! - groupEdges[k - 1]!;
        assert.ok(Math.abs(gap - span / mult) <= SPACING_TOLERANCE_SAMPLES, `gap ${gap}, expected ${span / mult}`);
      }
    }
  }
});

test('clockdiv: pulses are `width` ms of 1, at most half the output period', () => {
  const period = 4800;
  const starts = Array.from({ length: 6 }, (_, k) => 100 + k * period);
  const clock = pulses(100 + 6 * period, starts, 3);
  const lengthAt = (out: Float32Array, at: number): number => {
    let n = 0;
    while (out[at + n] === 1) n++;
    return n;
  };
  // 5 ms = 240 samples, each ÷2 pulse (period 9600) at full width.
  const out = run({ div: 2, width: 5 }, clock);
  assert.ok(out.every((v) => v === 0 || v === 1));
  for (const e of risingEdges(out)) assert.equal(lengthAt(out, e), 240);
  // 80 ms would cover 3840 samples; ×4 pulses 1200 apart are limited to 600 once the period is known.
  const wide = run({ mult: 4, div: 1, width: 80 }, clock);
  const edges = risingEdges(wide);
  assert.equal(lengthAt(wide, edges[0]!), 3840, 'first pulse: period unknown, full width');
  for (const e of edges.slice(1)) assert.equal(lengthAt(wide, e), 600);
  // Width 0: one sample.
  for (const e of risingEdges(run({ div: 1, width: 0 }, clock))) assert.equal(lengthAt(run({ div: 1, width: 0 }, clock), e), 1);
});

test("the registry resolves 'clockdiv' to this module", () => {
  assert.equal(registryForName().get('clockdiv')?.kernel, clockdivModule.kernel);
});
