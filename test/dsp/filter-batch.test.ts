// The filter's SIMD batch kernel (wasm/filter.ts via src/dsp/modules/filter-batch.ts) against
// FilterKernel.process, through the batch conformance suite (test/helpers/batch-conformance.ts:
// twins, random cuts, 2..4 lanes, moves between the paths, bitwise comparison of outputs, state
// and outputCheck). This file gives the filter's lanes: random modes, cutoffs and q, fm on or
// off with random scales (including ±64-octave clamps and NaN fm), tiny inputs (denormal
// flush), lanes at different control phases. The batch kernel accepts every such lane.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createFilterBatch } from '../../src/dsp/modules/filter-batch.js';
import { filterModule } from '../../src/dsp/modules/filter.js';
import { INPUT_FM, INPUT_IN } from '../../src/dsp/modules/filter.layout.js';
import { runBatchConformance } from '../helpers/batch-conformance.js';

const MAX_BLOCK = 128;

interface Lane {
  mode: number;
  cutoff: number;
  q: number;
  fm: boolean;
  scale: number;
  nanFm: boolean;
  amp: number;
}

test('filter batch kernel = FilterKernel.process, outputs, state and outputCheck bit for bit (random lanes, cuts, lane counts)', () => {
  const stats = runBatchConformance<Lane>({
    module: filterModule,
    factory: createFilterBatch,
    seed: 20250301,
    trials: 40,
    blocks: 60,
    maxBlock: MAX_BLOCK,
    lanes(rng, trial, count) {
      const lanes: Lane[] = [];
      for (let l = 0; l < count; l++) {
        lanes.push({
          mode: trial % 3 === 0 ? 0 : rng.int(0, 3), cutoff: Math.exp(rng.range(Math.log(20), Math.log(20000))), q: Math.exp(rng.range(Math.log(0.1), Math.log(20))),
          fm: rng.next() < 0.7, scale: rng.next() < 0.1 ? 200 : rng.range(-4, 4), nanFm: rng.next() < 0.05, amp: rng.next() < 0.1 ? 1e-25 : 1,
        });
      }
      return lanes;
    },
    options: (s) => ({ params: { mode: s.mode, cutoff: s.cutoff, q: s.q } }),
    setup(h, s) {
      h.inputs[INPUT_IN]!.connected = true;
      h.inputs[INPUT_FM]!.connected = s.fm;
      h.inputs[INPUT_FM]!.scale = s.scale;
    },
    preroll(rng, trial, _lane, t) {
      // Lanes start at different control phases: a random number of samples first.
      const pre = trial % 2 === 0 ? 0 : rng.int(0, 40);
      for (const h of t.both) h.kernel.process(0, pre);
    },
    inputs(rng, _trial, block, lane) {
      const input = rng.noise(MAX_BLOCK, lane.amp);
      const fm = rng.noise(MAX_BLOCK, 1);
      if (lane.nanFm && block % 7 === 3) fm[5] = Number.NaN;
      return [input, fm];
    },
    step: ({ lanes }) => ({ accepted: lanes.map(() => true) }),
  });
  assert.ok(stats.batchedLanes > 10000, `batch path exercised (${stats.batchedLanes} lane calls)`);
  assert.equal(stats.declinedLanes, 0);
});
