// The filter's SIMD batch kernel (wasm/filter.ts via src/dsp/modules/filter-batch.ts) against
// FilterKernel.process, directly (no engine): for random lanes (modes, cutoffs, q, fm on/off
// with random scales, including ±64-octave clamps and NaN fm), random cuts of the timeline and
// lane counts 2..4, the outputs and every state value must be identical bit for bit (NaN = NaN).

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { WasmArena } from '../../src/dsp/lib/wasm-arena.js';
import { residentIn } from '../../src/dsp/batch.js';
import { createFilterBatch } from '../../src/dsp/modules/filter-batch.js';
import { filterModule } from '../../src/dsp/modules/filter.js';
import type { Kernel } from '../../src/dsp/kernel.js';
import { KernelHarness } from '../helpers/kernel-harness.js';
import { TestRandom } from '../helpers/random.js';
import { differingValues } from '../helpers/bits.js';

const MAX_BLOCK = 128;

test('the bitwise comparison of the batch tests (helpers/bits.ts) sees every difference but NaN payloads', () => {
  assert.equal(differingValues(new Float64Array([1, 2, 3]), new Float64Array([1, 2, 3])), 0);
  assert.equal(differingValues(new Float64Array([0, 1]), new Float64Array([-0, 1])), 1);
  assert.equal(differingValues(new Float32Array([1, Math.fround(0.1)]), new Float32Array([1, 0.1000001])), 1);
  assert.equal(differingValues(new Float64Array([NaN, Infinity]), new Float64Array([NaN, -Infinity])), 1);
  assert.equal(differingValues(new Float64Array([NaN]), new Float64Array([0])), 1);
});

test('filter batch kernel = FilterKernel.process, outputs and state bit for bit (random lanes, cuts, lane counts)', () => {
  const arena = WasmArena.create();
  assert.ok(typeof arena !== 'string', `wasm unavailable: ${String(arena)}`);
  const batch = createFilterBatch(arena, 48000)!;
  const rng = new TestRandom(20250301);
  const check = new Float64Array(4);
  for (let trial = 0; trial < 40; trial++) {
    const count = rng.int(2, 4);
    const js: KernelHarness[] = [];
    const wasm: KernelHarness[] = [];
    const setup: Array<{ mode: number; cutoff: number; q: number; fm: boolean; scale: number; nanFm: boolean; amp: number }> = [];
    for (let l = 0; l < count; l++) {
      setup.push({
        mode: trial % 3 === 0 ? 0 : rng.int(0, 3), cutoff: Math.exp(rng.range(Math.log(20), Math.log(20000))), q: Math.exp(rng.range(Math.log(0.1), Math.log(20))),
        fm: rng.next() < 0.7, scale: rng.next() < 0.1 ? 200 : rng.range(-4, 4), nanFm: rng.next() < 0.05, amp: rng.next() < 0.1 ? 1e-25 : 1,
      });
    }
    for (const group of [js, wasm]) {
      for (let l = 0; l < count; l++) {
        const s = setup[l]!;
        const h = new KernelHarness(filterModule, { maxBlock: MAX_BLOCK, params: { mode: s.mode, cutoff: s.cutoff, q: s.q }, memory: group === wasm ? arena : undefined });
        h.inputs[0]!.connected = true;
        h.inputs[1]!.connected = s.fm;
        h.inputs[1]!.scale = s.scale;
        group.push(h);
      }
    }
    // Lanes start at different control phases: advance each by a random number of samples first.
    for (let l = 0; l < count; l++) {
      const pre = trial % 2 === 0 ? 0 : rng.int(0, 40);
      for (const h of [js[l]!, wasm[l]!]) h.kernel.process(0, pre);
    }
    const kernels: Kernel[] = wasm.map((h) => h.kernel);
    for (const k of kernels) assert.ok(residentIn(arena, k));
    for (let block = 0; block < 60; block++) {
      const cuts = rng.cuts(MAX_BLOCK, MAX_BLOCK);
      for (let l = 0; l < count; l++) {
        const input = rng.noise(MAX_BLOCK, setup[l]!.amp);
        const fm = rng.noise(MAX_BLOCK, 1);
        if (setup[l]!.nanFm && block % 7 === 3) fm[5] = Number.NaN;
        for (const h of [js[l]!, wasm[l]!]) {
          h.inputs[0]!.buffer.set(input);
          h.inputs[1]!.buffer.set(fm);
        }
      }
      let start = 0;
      for (const n of cuts) {
        const end = start + n;
        for (let l = 0; l < count; l++) js[l]!.kernel.process(start, end);
        for (let l = 0; l < count; l++) assert.ok(batch.accepts(kernels[l]!));
        assert.ok(batch.run(kernels, count, start, end, check));
        start = end;
      }
      for (let l = 0; l < count; l++) {
        assert.equal(differingValues(js[l]!.outputs[0]!, wasm[l]!.outputs[0]!), 0, `trial ${trial} block ${block} lane ${l} (${JSON.stringify(setup[l])}): outputs differ`);
        assert.equal(differingValues(js[l]!.kernel.state, wasm[l]!.kernel.state), 0, `trial ${trial} block ${block} lane ${l} (${JSON.stringify(setup[l])}): state differs`);
      }
    }
  }
});

test('WasmArena: a missing wasm file gives a reason, not an exception (the engine then uses the JS kernels)', () => {
  const missing = WasmArena.create(new URL('file:///nonexistent/chronus-kernels.wasm'));
  assert.equal(typeof missing, 'string');
  assert.match(String(missing), /nonexistent/);
  // The default file still loads afterwards (the failure is not cached).
  assert.notEqual(typeof WasmArena.create(), 'string');
});
