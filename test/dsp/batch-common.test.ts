// What every batch kernel's test relies on: the bitwise comparison (helpers/bits.ts), the
// conformance suite (helpers/batch-conformance.ts), which must catch a batch kernel that is one
// bit off in a param, the state, an output sample or the output check, and the arena's fallback
// when the wasm is missing.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DESC_HEADER_SLOTS, D_OUT, D_SQ, D_STATE, type BatchEntry, type BatchFactory } from '../../src/dsp/batch.js';
import { WasmArena } from '../../src/dsp/lib/wasm-arena.js';
import { createLfoBatch } from '../../src/dsp/modules/lfo-batch.js';
import { lfoModule } from '../../src/dsp/modules/lfo.js';
import { LANE_INC, S_PHASE } from '../../src/dsp/modules/lfo.layout.js';
import { differingValues } from '../helpers/bits.js';
import { runBatchConformance, type BatchConformance } from '../helpers/batch-conformance.js';

test('the bitwise comparison of the batch tests (helpers/bits.ts) sees every difference but NaN payloads', () => {
  assert.equal(differingValues(new Float64Array([1, 2, 3]), new Float64Array([1, 2, 3])), 0);
  assert.equal(differingValues(new Float64Array([0, 1]), new Float64Array([-0, 1])), 1);
  assert.equal(differingValues(new Float32Array([1, Math.fround(0.1)]), new Float32Array([1, 0.1000001])), 1);
  assert.equal(differingValues(new Float64Array([NaN, Infinity]), new Float64Array([NaN, -Infinity])), 1);
  assert.equal(differingValues(new Float64Array([NaN]), new Float64Array([0])), 1);
});

test('WasmArena: a missing wasm file gives a reason, not an exception (the engine then uses the JS kernels)', () => {
  const missing = WasmArena.create(new URL('file:///nonexistent/chronus-kernels.wasm'));
  assert.equal(typeof missing, 'string');
  assert.match(String(missing), /nonexistent/);
  // The default file still loads afterwards (the failure is not cached).
  assert.notEqual(typeof WasmArena.create(), 'string');
});

/** The next double above x (x finite, positive). */
function nextUp(x: number): number {
  const b = new Float64Array([x]);
  new BigInt64Array(b.buffer)[0]! += 1n;
  return b[0]!;
}

type Mutation = (d: Float64Array, f32: Float32Array, lane0: number, start: number) => void;

/**
 * The lfo's batch kernel with a mutation applied to lane 0 after each call (through `entry`, which
 * both BatchKernel.run and BatchCall use), or to its increment (through writeParams).
 */
function mutant(after: Mutation | undefined, mutateParams: boolean): BatchFactory {
  return (arena, sampleRate) => {
    const batch = createLfoBatch(arena, sampleRate)!;
    const real = batch.entry;
    const f32 = new Float32Array(arena.whole64.buffer);
    const entry: BatchEntry = (desc, lanes, start, end) => {
      real(desc, lanes, start, end);
      if (after !== undefined && end > start) after(arena.whole64, f32, (desc >> 3) + DESC_HEADER_SLOTS, start);
    };
    const writeParams = batch.writeParams.bind(batch);
    Object.assign(batch, {
      entry,
      writeParams: (kernel: Parameters<typeof writeParams>[0], d: Float64Array, at: number): void => {
        writeParams(kernel, d, at);
        if (mutateParams && d[at + LANE_INC]! > 0) d[at + LANE_INC] = nextUp(d[at + LANE_INC]!);
      },
    });
    return batch;
  };
}

function suiteWith(factory: BatchFactory): BatchConformance<number> {
  return {
    module: lfoModule,
    factory,
    seed: 5,
    trials: 4,
    blocks: 6,
    lanes: (rng, _trial, count) => Array.from({ length: count }, () => rng.range(0.1, 20)),
    options: (rate) => ({ params: { shape: 0, rate, depth: 1, offset: 0 } }),
  };
}

test('the conformance suite passes the real kernel and catches one that is one bit off', () => {
  const stats = runBatchConformance(suiteWith(createLfoBatch));
  assert.ok(stats.batchedLanes > 100 && stats.jsLanes > 0, `batched ${stats.batchedLanes}, JS ${stats.jsLanes}`);
  const mutants: Array<[string, BatchFactory, RegExp]> = [
    ['a param one ulp off', mutant(undefined, true), /differs|outputCheck/],
    ['a state value one ulp off', mutant((d, _f, lane0) => {
      const state = d[lane0 + D_STATE]! >> 3;
      d[state + S_PHASE] = nextUp(d[state + S_PHASE]! + 1) - 1;
    }, false), /state differs/],
    ['an output sample changed', mutant((d, f32, lane0, start) => {
      f32[(d[lane0 + D_OUT]! >> 2) + start]! += 1;
    }, false), /output 0 differs|outputCheck/],
    ['the output check changed', mutant((d, _f, lane0) => {
      d[lane0 + D_SQ] = nextUp(d[lane0 + D_SQ]! + 1);
    }, false), /outputCheck/],
  ];
  for (const [what, factory, message] of mutants) {
    assert.throws(() => runBatchConformance(suiteWith(factory)), message, what);
  }
});
