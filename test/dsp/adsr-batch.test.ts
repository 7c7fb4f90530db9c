// The adsr's SIMD batch kernel (wasm/adsr.ts via src/dsp/modules/adsr-batch.ts) against
// AdsrKernel.process, through the batch conformance suite (test/helpers/batch-conformance.ts:
// twins, random cuts, 2..4 lanes, BatchCall runAll/runSome, moves between the paths, bitwise
// comparison of outputs, state and outputCheck). This file gives the adsr's lanes: linear / exp
// / mixed curves, times from 0.1 ms to 60 s, sustain 0, −0, 1 and between, `in` connected or
// not, NaN / ±Infinity / huge inputs, gates on (random velocities: softer retriggers of louder
// notes skip the attack) and off at random sub-block boundaries through kernel.gate() on both
// sides (retriggers, release from attack and decay, gates while idle),
// constant param changes between sub-blocks (rebuilds mid-segment, curve flips), sub-blocks with
// a ramped param (declined: JS fallback); and its edge cases: every stage transition inside one
// call with lanes in different stages, what `accepts` declines.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createAdsrBatch } from '../../src/dsp/modules/adsr-batch.js';
import { adsrModule } from '../../src/dsp/modules/adsr.js';
import { S_SEG_CURVE, S_STAGE, STAGE_IDLE, STAGE_SUSTAIN } from '../../src/dsp/modules/adsr.layout.js';
import { KernelHarness } from '../helpers/kernel-harness.js';
import { TestRandom } from '../helpers/random.js';
import { batchOn, makeArena, renderAllBatched, runBatchConformance, twin } from '../helpers/batch-conformance.js';

const MAX_BLOCK = 128;

const PARAM_IDS = ['attack', 'decay', 'sustain', 'release', 'curve'] as const;

function timeMs(rng: TestRandom): number {
  const r = rng.next();
  if (r < 0.08) return 0.1;
  if (r < 0.12) return 60000;
  if (r < 0.2) return Math.exp(rng.range(Math.log(0.1), Math.log(60000)));
  return Math.exp(rng.range(Math.log(0.1), Math.log(40)));
}

/** Gate velocities: full, tiny, and anything between. */
function velocity(rng: TestRandom): number {
  const r = rng.next();
  if (r < 0.4) return 1;
  if (r < 0.45) return 1e-3;
  return rng.range(0.05, 1);
}

function sustainLevel(rng: TestRandom): number {
  const r = rng.next();
  if (r < 0.15) return 0;
  if (r < 0.3) return 1;
  if (r < 0.35) return 1 - 1e-10;
  if (r < 0.4) return -0; // the clamp to [0, 1] lets −0 through: a held −0 keeps its sign
  return rng.next();
}

interface Lane {
  attack: number;
  decay: number;
  sustain: number;
  release: number;
  curve: number;
  connected: boolean;
  /** The input's scale: the kernel ignores it (the engine applies it), any value must do. */
  scale: number;
  wild: boolean;
}

/** Trials 0 mod 4: W2 (linear, connected); 1 mod 4: all exp; else mixed. */
const kindOf = (trial: number): number => trial % 4;

test('adsr batch kernel = AdsrKernel.process: outputs, state and outputCheck bit for bit (random gates, params, cuts, lane counts)', (t) => {
  let divergentCalls = 0;
  /** Stage changes inside a batch call, by stages and curve. */
  const transitions = new Map<string, number>();
  const stats = runBatchConformance<Lane>({
    module: adsrModule,
    factory: createAdsrBatch,
    seed: 20250417,
    trials: 160,
    blocks: 24,
    maxBlock: MAX_BLOCK,
    maxCut: (trial) => (trial % 5 === 0 ? 8 : MAX_BLOCK),
    lanes(rng, trial, count) {
      const kind = kindOf(trial);
      const lanes: Lane[] = [];
      for (let l = 0; l < count; l++) {
        lanes.push({
          attack: timeMs(rng), decay: timeMs(rng), sustain: sustainLevel(rng), release: timeMs(rng),
          curve: kind === 0 ? 0 : kind === 1 ? 1 : rng.int(0, 1),
          connected: kind === 0 ? true : rng.next() < 0.6,
          scale: rng.next() < 0.5 ? 1 : 0.5,
          wild: kind !== 0 && rng.next() < 0.15,
        });
      }
      return lanes;
    },
    options: (s) => ({ params: { attack: s.attack, decay: s.decay, sustain: s.sustain, release: s.release, curve: s.curve } }),
    setup(h, s) {
      h.inputs[0]!.connected = s.connected;
      h.inputs[0]!.scale = s.scale;
    },
    preroll(rng, trial, _lane, t) {
      // Lanes at different points of their envelopes: a random gate history first.
      const pre = trial % 3 === 0 ? 0 : rng.int(0, 400);
      const gateAt = rng.int(0, pre);
      const v = velocity(rng);
      for (const h of t.both) {
        let i = 0;
        while (i < pre) {
          const n = Math.min(pre - i, MAX_BLOCK);
          if (gateAt >= i && gateAt < i + n) {
            h.kernel.process(0, gateAt - i);
            h.kernel.gate(true, v);
            h.kernel.process(gateAt - i, n);
          } else h.kernel.process(0, n);
          i += n;
        }
      }
    },
    inputs(rng, _trial, _block, lane) {
      const input = rng.noise(MAX_BLOCK, 1);
      if (lane.wild) {
        const specials = [Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, 3e38, -1e30, 0, -0];
        for (let k = 0; k < 4; k++) input[rng.int(0, MAX_BLOCK - 1)] = specials[rng.int(0, specials.length - 1)]!;
      }
      return [input];
    },
    step({ rng, trial, start, end, lanes, twins }) {
      // Between sub-blocks: gates, constant param changes, ramped params (declined).
      const kind = kindOf(trial);
      let changed = false;
      const ramped = lanes.map((s, l) => {
        const r = rng.next();
        const gate = r < 0.06 ? true : r < 0.12 ? false : undefined;
        const v = velocity(rng);
        if (rng.next() < 0.05) {
          // A constant param change between sub-blocks (curve flips only in mixed trials).
          const id = PARAM_IDS[rng.int(0, kind === 2 ? 4 : 3)]!;
          s[id] = id === 'curve' ? rng.int(0, 1) : id === 'sustain' ? sustainLevel(rng) : timeMs(rng);
          changed = true;
        }
        if (gate !== undefined) changed = true;
        const ramp = rng.next() < 0.04;
        const rampId = PARAM_IDS[rng.int(0, 4)]!;
        const from = s[rampId];
        for (const h of twins[l]!.both) {
          if (gate !== undefined) h.kernel.gate(gate, v);
          for (const id of PARAM_IDS) h.setParam(id, s[id]);
          if (ramp) {
            // A param that is not constant over the sub-block (a sustain smoothing ramp, or a
            // buffer holding the same value everywhere: both must fall back).
            const p = h.params[h.paramIndex(rampId)]!;
            p.isConstant = false;
            for (let i = start; i < end; i++) p.buffer[i] = rampId === 'sustain' ? from + (0.5 - from) * ((i - start + 1) / (end - start)) : from;
            p.value = p.buffer[end - 1]!;
          }
        }
        return ramp;
      });
      return { accepted: ramped.map((r) => !r), changed };
    },
    observe({ twins }, accepted, run) {
      const kernels = accepted.map((l) => twins[l]!.wasm.kernel);
      if (new Set(kernels.map((k) => k.state[S_STAGE])).size > 1) divergentCalls++;
      const before = kernels.map((k) => [k.state[S_STAGE]!, k.state[S_SEG_CURVE]!] as const);
      run();
      kernels.forEach((k, a) => {
        const [stage, curve] = before[a]!;
        const now = k.state[S_STAGE]!;
        const key = `${stage}->${now} curve ${curve >= 0.5 ? 'exp' : 'linear'}`;
        if (now !== stage) transitions.set(key, (transitions.get(key) ?? 0) + 1);
      });
    },
  });
  // The fuzz reached what it is for.
  assert.ok(stats.batchedCalls > 5000, `batched calls ${stats.batchedCalls}`);
  assert.ok(stats.declinedLanes > 100, `declined lane calls ${stats.declinedLanes}`);
  assert.ok(divergentCalls > 1000, `calls with lanes in different stages ${divergentCalls}`);
  t.diagnostic(`batched calls ${stats.batchedCalls}, lane calls on the JS path ${stats.jsLanes} (declined ${stats.declinedLanes}), calls with lanes in different stages ${divergentCalls}`);
  t.diagnostic(`stage changes inside batch calls: ${[...transitions].sort().map(([k, v]) => `${k}: ${v}`).join(', ')}`);
  // Every transition a call can make, on both curves (the curve is the segment's, state[S_SEG_CURVE]).
  for (const curve of ['linear', 'exp']) {
    for (const edge of ['1->2', '1->3', '2->3', '4->0']) assert.ok((transitions.get(`${edge} curve ${curve}`) ?? 0) >= 20, `${edge} ${curve}: ${transitions.get(`${edge} curve ${curve}`)}`);
  }
});

test('adsr batch: every stage transition inside one call, lanes in different stages (deterministic)', () => {
  const arena = makeArena();
  const batch = batchOn(arena, createAdsrBatch, 48000);
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
      const twins = params.map((p) => twin(adsrModule, arena, { maxBlock: MAX_BLOCK, params: p }));
      twins.forEach((t, l) => {
        for (const h of t.both) {
          h.inputs[0]!.connected = connected;
          h.inputs[0]!.buffer.fill(0.25 + l * 0.1);
        }
      });
      for (const side of ['js', 'wasm'] as const) {
        twins[0]![side].kernel.gate(true);
        twins[1]![side].kernel.gate(true);
        twins[2]![side].kernel.gate(true);
        twins[2]![side].kernel.process(0, 100);
        twins[2]![side].kernel.gate(false);
      }
      for (let call = 0; call < 4; call++) {
        const start = call * 30;
        const end = start + 30 + (call === 3 ? 7 : 0);
        renderAllBatched(batch, twins, start, end, `curve ${curve} connected ${connected} call ${call}`);
      }
      assert.equal(twins[0]!.wasm.kernel.state[S_STAGE], STAGE_SUSTAIN, 'lane 0 reached sustain');
      assert.equal(twins[1]!.wasm.kernel.state[S_STAGE], STAGE_SUSTAIN, 'lane 1 reached sustain');
      assert.equal(twins[2]!.wasm.kernel.state[S_STAGE], STAGE_IDLE, 'lane 2 reached idle');
    }
  }
});

test('adsr batch: accepts only sub-blocks with every param constant and a known stage', () => {
  const arena = makeArena();
  const batch = batchOn(arena, createAdsrBatch, 48000);
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
    h.kernel.state[S_STAGE] = stage;
    assert.equal(batch.accepts(h.kernel), false, `stage ${stage}`);
  }
  for (const stage of [0, 1, 2, 3, 4]) {
    h.kernel.state[S_STAGE] = stage;
    assert.ok(batch.accepts(h.kernel), `stage ${stage}`);
  }
});
