// Keeps the benchmark's hand-written W2 reference (bench/w2-reference.ts) honest: it must
// compute exactly what the engine computes for the W2 patch and score, or the engine/reference
// ratio printed by `npm run bench -- engine` compares different work.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { renderToArrays } from '../../src/control/offline-render.js';
import { buildW2, W2 } from '../../bench/w2.js';
import { compareOutputs, renderReferenceToArrays } from '../../bench/w2-reference.js';

/** RMS of x[from, to). */
function rms(x: Float32Array, from: number, to: number): number {
  let sum = 0;
  for (let i = from; i < to; i++) sum += x[i]! * x[i]!;
  return Math.sqrt(sum / (to - from));
}

for (const [voices, block] of [
  [8, 128],
  [5, 100], // a block size that is no multiple of the filter's 16-sample control period
] as const) {
  test(`W2 reference matches the engine sample for sample (${voices} voices, 1 s, block ${block})`, () => {
    const build = buildW2(voices, 1);
    const engine = renderToArrays({
      patch: build.patch,
      score: build.score,
      frames: build.frames,
      sampleRate: W2.sampleRate,
      blockSize: block,
    });
    assert.deepEqual(engine.faults, []);
    const ref = renderReferenceToArrays(build, block);

    assert.deepEqual(compareOutputs(engine.left, ref.left), { maxAbsDiff: 0, differing: 0 });
    assert.deepEqual(compareOutputs(engine.right, ref.right), { maxAbsDiff: 0, differing: 0 });

    // The comparison is not vacuous: the voices sound while gated (the filter sweeps, the
    // envelope moves) and fall silent between notes (release ends at 230 ms, next gate 250 ms).
    const ms = (t: number): number => Math.round((t * W2.sampleRate) / 1000);
    assert.ok(rms(ref.left, ms(20), ms(150)) > 0.02, 'audible while gated');
    assert.equal(rms(ref.left, ms(235), ms(250)), 0, 'silent after the release');
    assert.ok(rms(ref.left, ms(270), ms(400)) > 0.02, 'retriggered at 250 ms');
    assert.equal(ref.limitedSamples, 0, 'the limiter stays idle');
  });
}

test('W2 score gates every voice together, 150 ms every 250 ms', () => {
  const build = buildW2(3, 1);
  assert.equal(build.score.length, 3 * 8);
  assert.deepEqual([...build.gates.frames], [0, 6615, 11025, 17640, 22050, 28665, 33075, 39690]);
  assert.deepEqual([...build.gates.on], [1, 0, 1, 0, 1, 0, 1, 0]);
});
