// The adsr's SIMD batch kernel (wasm/adsr.ts via src/dsp/modules/adsr-batch.ts) against
// AdsrKernel.process, directly (no engine): random lanes (linear / exp / mixed curves, times
// from 0.1 ms to 10 s, sustain 0, −0, 1 and between, `in` connected or not, NaN / ±Infinity /
// huge inputs), gates on and off at random sub-block boundaries through kernel.gate() on both
// sides (retriggers, release from attack and decay, gates while idle), constant param changes
// between sub-blocks (rebuilds mid-segment, curve flips), sub-blocks with a ramped param (not
// accepted: that lane runs AdsrKernel.process on the batch side too), random cuts and lane
// counts 2..4. After every sub-block each lane's outputs, every state value and the outputCheck
// value must be identical bit for bit (NaN = NaN).

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { WasmArena } from '../../src/dsp/lib/wasm-arena.js';
import { BatchCall, residentIn } from '../../src/dsp/batch.js';
import { createAdsrBatch } from '../../src/dsp/modules/adsr-batch.js';
import { adsrModule } from '../../src/dsp/modules/adsr.js';
import type { Kernel } from '../../src/dsp/kernel.js';
import { KernelHarness } from '../helpers/kernel-harness.js';
import { TestRandom } from '../helpers/random.js';
import { differingValues } from '../helpers/bits.js';

const MAX_BLOCK = 128;

const PARAM_IDS = ['attack', 'decay', 'sustain', 'release', 'curve'] as const;

function timeMs(rng: TestRandom): number {
  const r = rng.next();
  if (r < 0.08) return 0.1;
  if (r < 0.12) return 10000;
  if (r < 0.2) return Math.exp(rng.range(Math.log(0.1), Math.log(10000)));
  return Math.exp(rng.range(Math.log(0.1), Math.log(40)));
}

function sustainLevel(rng: TestRandom): number {
  const r = rng.next();
  if (r < 0.15) return 0;
  if (r < 0.3) return 1;
  if (r < 0.35) return 1 - 1e-10;
  if (r < 0.4) return -0; // the clamp to [0, 1] lets −0 through: a held −0 keeps its sign
  return rng.next();
}

interface LaneSetup {
  attack: number;
  decay: number;
  sustain: number;
  release: number;
  curve: number;
  connected: boolean;
  wild: boolean;
}

test('adsr batch kernel = AdsrKernel.process: outputs, state and outputCheck bit for bit (random gates, params, cuts, lane counts)', (t) => {
  const arena = WasmArena.create();
  assert.ok(typeof arena !== 'string', `wasm unavailable: ${String(arena)}`);
  const batch = createAdsrBatch(arena, 48000)!;
  assert.ok(batch !== undefined);
  const rng = new TestRandom(20250417);
  const check = new Float64Array(4);
  const jsCheck = new Float64Array(4);
  let batchedCalls = 0;
  let fallbackCalls = 0;
  let divergentCalls = 0;
  /** Stage changes inside a batch call, by stages and curve. */
  const transitions = new Map<string, number>();
  for (let trial = 0; trial < 160; trial++) {
    const count = rng.int(2, 4);
    // Trials 0 mod 4: W2 (linear, connected); 1 mod 4: all exp; else mixed.
    const kind = trial % 4;
    const setup: LaneSetup[] = [];
    for (let l = 0; l < count; l++) {
      setup.push({
        attack: timeMs(rng), decay: timeMs(rng), sustain: sustainLevel(rng), release: timeMs(rng),
        curve: kind === 0 ? 0 : kind === 1 ? 1 : rng.int(0, 1),
        connected: kind === 0 ? true : rng.next() < 0.6,
        wild: kind !== 0 && rng.next() < 0.15,
      });
    }
    const js: KernelHarness[] = [];
    const wasm: KernelHarness[] = [];
    for (const group of [js, wasm]) {
      for (let l = 0; l < count; l++) {
        const s = setup[l]!;
        const h = new KernelHarness(adsrModule, {
          maxBlock: MAX_BLOCK,
          params: { attack: s.attack, decay: s.decay, sustain: s.sustain, release: s.release, curve: s.curve },
          memory: group === wasm ? arena : undefined,
        });
        h.inputs[0]!.connected = s.connected;
        // The kernel ignores the scale (the engine applies it): any value must do.
        h.inputs[0]!.scale = rng.next() < 0.5 ? 1 : 0.5;
        group.push(h);
      }
    }
    const kernels: Kernel[] = wasm.map((h) => h.kernel);
    for (const k of kernels) assert.ok(residentIn(arena, k));
    // Odd trials call as the engine does (BatchCall: descriptor written once, runAll/runSome).
    const call = trial % 2 === 1 ? new BatchCall(arena, batch, kernels) : undefined;
    const laneList = new Int32Array(4);
    // Lanes at different points of their envelopes: a random gate history first.
    for (let l = 0; l < count; l++) {
      const pre = trial % 3 === 0 ? 0 : rng.int(0, 400);
      const gateAt = rng.int(0, pre);
      for (const h of [js[l]!, wasm[l]!]) {
        let i = 0;
        while (i < pre) {
          const n = Math.min(pre - i, MAX_BLOCK);
          if (gateAt >= i && gateAt < i + n) {
            h.kernel.process(0, gateAt - i);
            h.kernel.gate(true);
            h.kernel.process(gateAt - i, n);
          } else h.kernel.process(0, n);
          i += n;
        }
      }
    }
    const blocks = 24;
    for (let block = 0; block < blocks; block++) {
      const cuts = rng.cuts(MAX_BLOCK, trial % 5 === 0 ? 8 : MAX_BLOCK);
      for (let l = 0; l < count; l++) {
        const input = rng.noise(MAX_BLOCK, 1);
        if (setup[l]!.wild) {
          const specials = [Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, 3e38, -1e30, 0, -0];
          for (let k = 0; k < 4; k++) input[rng.int(0, MAX_BLOCK - 1)] = specials[rng.int(0, specials.length - 1)]!;
        }
        for (const h of [js[l]!, wasm[l]!]) h.inputs[0]!.buffer.set(input);
      }
      let start = 0;
      for (const n of cuts) {
        const end = start + n;
        // Between sub-blocks: gates, constant param changes, ramped params (not accepted).
        const ramped: boolean[] = [];
        for (let l = 0; l < count; l++) {
          const r = rng.next();
          const gate = r < 0.06 ? true : r < 0.12 ? false : undefined;
          if (rng.next() < 0.05) {
            // A constant param change between sub-blocks (curve flips only in mixed trials).
            const id = PARAM_IDS[rng.int(0, kind === 2 ? 4 : 3)]!;
            setup[l]![id] = id === 'curve' ? rng.int(0, 1) : id === 'sustain' ? sustainLevel(rng) : timeMs(rng);
          }
          const ramp = rng.next() < 0.04;
          ramped.push(ramp);
          const rampId = PARAM_IDS[rng.int(0, 4)]!;
          const from = setup[l]![rampId];
          for (const h of [js[l]!, wasm[l]!]) {
            if (gate !== undefined) h.kernel.gate(gate);
            for (const id of PARAM_IDS) h.setParam(id, setup[l]![id]);
            if (ramp) {
              // A param that is not constant over the sub-block (a sustain smoothing ramp, or a
              // buffer holding the same value everywhere: both must fall back).
              const p = h.params[h.paramIndex(rampId)]!;
              p.isConstant = false;
              for (let i = start; i < end; i++) p.buffer[i] = rampId === 'sustain' ? from + (0.5 - from) * ((i - start + 1) / n) : from;
              p.value = p.buffer[end - 1]!;
            }
          }
        }
        for (let l = 0; l < count; l++) {
          js[l]!.kernel.outputCheck[0] = Number.POSITIVE_INFINITY;
          js[l]!.kernel.process(start, end);
          jsCheck[l] = js[l]!.kernel.outputCheck[0]!;
        }
        const accepted: Kernel[] = [];
        const lanes: number[] = [];
        for (let l = 0; l < count; l++) {
          const ok = batch.accepts(kernels[l]!);
          if (ok !== !ramped[l]) assert.fail(`trial ${trial} block ${block} lane ${l}: accepts ${ok}`);
          if (ok) {
            accepted.push(kernels[l]!);
            lanes.push(l);
          } else {
            kernels[l]!.outputCheck[0] = Number.POSITIVE_INFINITY;
            kernels[l]!.process(start, end);
            fallbackCalls++;
            assert.ok(Object.is(kernels[l]!.outputCheck[0], jsCheck[l]) || (Number.isNaN(kernels[l]!.outputCheck[0]!) && Number.isNaN(jsCheck[l]!)));
          }
        }
        if (accepted.length >= 2) {
          const stages = new Set(accepted.map((k) => k.state[0]));
          if (stages.size > 1) divergentCalls++;
          const before = accepted.map((k) => `${k.state[0]}:${k.state[7]}`);
          check.fill(-1);
          if (call === undefined) assert.ok(batch.run(accepted, accepted.length, start, end, check));
          else if (accepted.length === count) call.runAll(start, end, check);
          else {
            laneList.set(lanes);
            call.runSome(laneList, accepted.length, start, end, check);
          }
          for (let k = 0; k < accepted.length; k++) {
            const [stage, curve] = before[k]!.split(':').map(Number);
            const now = accepted[k]!.state[0]!;
            if (now !== stage) transitions.set(`${stage}->${now} curve ${curve! >= 0.5 ? 'exp' : 'linear'}`, (transitions.get(`${stage}->${now} curve ${curve! >= 0.5 ? 'exp' : 'linear'}`) ?? 0) + 1);
          }
          batchedCalls++;
          for (let k = 0; k < accepted.length; k++) {
            const l = lanes[k]!;
            const a = check[k]!;
            const b = jsCheck[l]!;
            if (!(Object.is(a, b) || (Number.isNaN(a) && Number.isNaN(b)))) assert.fail(`trial ${trial} block ${block} [${start}, ${end}) lane ${l} (${JSON.stringify(setup[l])}): outputCheck ${a} vs ${b}`);
          }
        } else {
          for (let k = 0; k < accepted.length; k++) {
            accepted[k]!.process(start, end);
          }
        }
        for (let l = 0; l < count; l++) {
          const outDiff = differingValues(js[l]!.outputs[0]!.subarray(start, end), wasm[l]!.outputs[0]!.subarray(start, end));
          const stateDiff = differingValues(js[l]!.kernel.state, wasm[l]!.kernel.state);
          if (outDiff !== 0 || stateDiff !== 0) {
            assert.fail(`trial ${trial} block ${block} [${start}, ${end}) lane ${l} (${JSON.stringify(setup[l])}): ${outDiff} outputs differ; state ${Array.from(js[l]!.kernel.state).join(',')} vs ${Array.from(wasm[l]!.kernel.state).join(',')}`);
          }
        }
        start = end;
      }
    }
  }
  // The fuzz reached what it is for.
  assert.ok(batchedCalls > 5000, `batched calls ${batchedCalls}`);
  assert.ok(fallbackCalls > 100, `fallback calls ${fallbackCalls}`);
  assert.ok(divergentCalls > 1000, `calls with lanes in different stages ${divergentCalls}`);
  t.diagnostic(`batched calls ${batchedCalls}, fallback calls ${fallbackCalls}, calls with lanes in different stages ${divergentCalls}`);
  t.diagnostic(`stage changes inside batch calls: ${[...transitions].sort().map(([k, v]) => `${k}: ${v}`).join(', ')}`);
  // Every transition a call can make, on both curves (the curve is the segment's, state[7]).
  for (const curve of ['linear', 'exp']) {
    for (const edge of ['1->2', '1->3', '2->3', '4->0']) assert.ok((transitions.get(`${edge} curve ${curve}`) ?? 0) >= 20, `${edge} ${curve}: ${transitions.get(`${edge} curve ${curve}`)}`);
  }
});

test('adsr batch: every stage transition inside one call, lanes in different stages (deterministic)', () => {
  const arena = WasmArena.create();
  assert.ok(typeof arena !== 'string');
  const batch = createAdsrBatch(arena, 48000)!;
  const check = new Float64Array(4);
  for (const curve of [0, 1]) {
    for (const connected of [true, false]) {
      // Lane 0: attack → decay → sustain in one call; lane 1: sustain 1 (decay ends at once);
      // lane 2: release → idle; lane 3: idle.
      const params = [
        { attack: 0.2, decay: 0.3, sustain: 0.4, release: 0.2, curve },
        { attack: 0.1, decay: 50, sustain: 1, release: 1, curve },
        { attack: 1, decay: 1, sustain: 0.5, release: 0.5, curve },
        { attack: 1, decay: 1, sustain: 0.5, release: 0.5, curve },
      ];
      const js: KernelHarness[] = params.map((p) => new KernelHarness(adsrModule, { maxBlock: MAX_BLOCK, params: p }));
      const wasm: KernelHarness[] = params.map((p) => new KernelHarness(adsrModule, { maxBlock: MAX_BLOCK, params: p, memory: arena }));
      for (const [k, h] of [...js, ...wasm].entries()) {
        h.inputs[0]!.connected = connected;
        h.inputs[0]!.buffer.fill(0.25 + (k % 4) * 0.1);
      }
      const kernels = wasm.map((h) => h.kernel);
      for (const side of [js, wasm]) {
        side[0]!.kernel.gate(true);
        side[1]!.kernel.gate(true);
        side[2]!.kernel.gate(true);
        side[2]!.kernel.process(0, 100);
        side[2]!.kernel.gate(false);
      }
      for (let call = 0; call < 4; call++) {
        const start = call * 30;
        const end = start + 30 + (call === 3 ? 7 : 0);
        const jsChecks = js.map((h) => {
          h.kernel.process(start, end);
          return h.kernel.outputCheck[0]!;
        });
        for (const k of kernels) assert.ok(batch.accepts(k));
        assert.ok(batch.run(kernels, 4, start, end, check));
        for (let l = 0; l < 4; l++) {
          assert.equal(differingValues(js[l]!.outputs[0]!, wasm[l]!.outputs[0]!), 0, `curve ${curve} connected ${connected} call ${call} lane ${l}: outputs`);
          assert.equal(differingValues(js[l]!.kernel.state, wasm[l]!.kernel.state), 0, `curve ${curve} connected ${connected} call ${call} lane ${l}: state`);
          assert.ok(Object.is(check[l], jsChecks[l]), `curve ${curve} connected ${connected} call ${call} lane ${l}: outputCheck ${check[l]} vs ${jsChecks[l]}`);
        }
      }
      assert.equal(wasm[0]!.kernel.state[0], 3, 'lane 0 reached sustain');
      assert.equal(wasm[1]!.kernel.state[0], 3, 'lane 1 reached sustain');
      assert.equal(wasm[2]!.kernel.state[0], 0, 'lane 2 reached idle');
    }
  }
});

test('adsr batch: accepts only sub-blocks with every param constant and a known stage', () => {
  const arena = WasmArena.create();
  assert.ok(typeof arena !== 'string');
  const batch = createAdsrBatch(arena, 48000)!;
  const h = new KernelHarness(adsrModule, { maxBlock: MAX_BLOCK, memory: arena });
  assert.ok(batch.accepts(h.kernel));
  for (const curve of [0, 1]) {
    h.setParam('curve', curve);
    assert.ok(batch.accepts(h.kernel), `curve ${curve}`);
  }
  for (const id of PARAM_IDS) {
    const p = h.params[h.paramIndex(id)]!;
    p.isConstant = false;
    assert.equal(batch.accepts(h.kernel), false, `${id} not constant`);
    p.isConstant = true;
  }
  for (const stage of [5, 1.5, -1, Number.NaN]) {
    h.kernel.state[0] = stage;
    assert.equal(batch.accepts(h.kernel), false, `stage ${stage}`);
  }
  for (const stage of [0, 1, 2, 3, 4]) {
    h.kernel.state[0] = stage;
    assert.ok(batch.accepts(h.kernel), `stage ${stage}`);
  }
});
