// The lfo's SIMD batch kernel (wasm/lfo.ts via src/dsp/modules/lfo-batch.ts) against
// LfoKernel.process, directly (no engine): for random lanes (every shape, the W2 case of four
// sine lanes, mixed shapes in one vector, rates, depths and offsets across their ranges and
// beyond, different seeds), lanes at different phases and control-period positions, shapes
// switched between calls (the S_STALE bookkeeping), calls that fall back to the JS kernel in
// between, random cuts of the timeline and lane counts 2..4: the outputs, every state value and
// the outputCheck value must be identical bit for bit (NaN = NaN).

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { WasmArena } from '../../src/dsp/lib/wasm-arena.js';
import { residentIn } from '../../src/dsp/batch.js';
import { createLfoBatch } from '../../src/dsp/modules/lfo-batch.js';
import { lfoModule } from '../../src/dsp/modules/lfo.js';
import type { Kernel } from '../../src/dsp/kernel.js';
import { KernelHarness } from '../helpers/kernel-harness.js';
import { TestRandom } from '../helpers/random.js';
import { differingValues } from '../helpers/bits.js';

const MAX_BLOCK = 128;

const SHAPE = 0;
const RATE = 1;
const DEPTH = 2;
const OFFSET = 3;
const SH = 4;

interface Lane {
  shape: number;
  rate: number;
  depth: number;
  offset: number;
  seed: number;
}

function randomRate(rng: TestRandom, sampleRate: number): number {
  const r = rng.next();
  // Increments 2^-k (exact phases: ties of Math.round in the sine, phase exactly ½ and 1).
  if (r > 0.95) return sampleRate * 2 ** -rng.int(0, 7);
  if (r < 0.05) return 0.01;
  if (r < 0.1) return 50;
  if (r < 0.13) return 0;
  if (r < 0.16) return rng.range(1000, 60000); // beyond the spec: several wraps per period, inc ≥ 1
  if (r < 0.18) return -rng.range(0.1, 50);
  return Math.exp(rng.range(Math.log(0.01), Math.log(50)));
}

function randomLane(rng: TestRandom, shape: number, sampleRate = 48000): Lane {
  const r = rng.next();
  const depth = r < 0.05 ? 0 : r < 0.1 ? 1 : r < 0.12 ? 1e200 : rng.range(0, 1);
  const q = rng.next();
  const offset = q < 0.05 ? -1 : q < 0.1 ? 1 : q < 0.12 ? -0 : rng.range(-1, 1);
  return { shape, rate: randomRate(rng, sampleRate), depth, offset, seed: rng.int(0, 2 ** 40) };
}

function setParams(h: KernelHarness, s: Lane): void {
  const p = h.params;
  p[SHAPE]!.isConstant = true;
  p[SHAPE]!.value = s.shape;
  p[RATE]!.isConstant = true;
  p[RATE]!.value = s.rate;
  p[DEPTH]!.isConstant = true;
  p[DEPTH]!.value = s.depth;
  p[OFFSET]!.isConstant = true;
  p[OFFSET]!.value = s.offset;
}

/** Sets param `which` of both harnesses to a moving curve over [start, end) (the JS fallback). */
function setMoving(hs: KernelHarness[], which: number, start: number, end: number, rng: TestRandom): void {
  const values: number[] = [];
  for (let i = start; i < end; i++) values.push(which === SHAPE ? rng.int(0, 4) : which === RATE ? rng.range(0.01, 50) : rng.range(0, 1));
  for (const h of hs) {
    const p = h.params[which]!;
    p.isConstant = false;
    for (let i = start; i < end; i++) p.buffer[i] = values[i - start]!;
    p.value = values[values.length - 1]!;
  }
}

function compare(js: KernelHarness, wasm: KernelHarness, what: string): void {
  assert.equal(differingValues(js.outputs[0]!, wasm.outputs[0]!), 0, `${what}: outputs differ`);
  assert.equal(differingValues(js.kernel.state, wasm.kernel.state), 0, `${what}: state differs (js ${Array.from(js.kernel.state).join(',')} wasm ${Array.from(wasm.kernel.state).join(',')})`);
}

for (const sampleRate of [48000, 44100]) {
  test(`lfo batch kernel = LfoKernel.process at ${sampleRate} Hz: outputs, state and outputCheck bit for bit (random lanes, shapes, cuts, lane counts)`, () => {
    const arena = WasmArena.create();
    assert.ok(typeof arena !== 'string', `wasm unavailable: ${String(arena)}`);
    const batch = createLfoBatch(arena, sampleRate)!;
    assert.ok(batch !== undefined);
    const rng = new TestRandom(20250302 + sampleRate);
    const check = new Float64Array(4);
    let batched = 0;
    let fellBack = 0;
    const shapesSeen = new Set<number>();
    for (let trial = 0; trial < 60; trial++) {
      const count = rng.int(2, 4);
      // Trials 0, 5, 10, ...: the W2 case (all sine); 1, 6, ...: one shape for every lane; else mixed.
      const mode = trial % 5;
      const common = rng.int(0, 4);
      const setup: Lane[] = [];
      for (let l = 0; l < count; l++) setup.push(randomLane(rng, mode === 0 ? 0 : mode === 1 ? common : rng.int(0, 4), sampleRate));
      const js: KernelHarness[] = [];
      const wasm: KernelHarness[] = [];
      for (const group of [js, wasm]) {
        for (let l = 0; l < count; l++) {
          const s = setup[l]!;
          group.push(new KernelHarness(lfoModule, {
            sampleRate, maxBlock: MAX_BLOCK, seed: s.seed, params: { shape: s.shape, rate: s.rate, depth: s.depth, offset: s.offset },
            memory: group === wasm ? arena : undefined,
          }));
        }
      }
      // Lanes start at different phases and control positions; some after a run of another shape
      // (S_STALE set, resumed mid-period or at a control point).
      for (let l = 0; l < count; l++) {
        const pre = trial % 2 === 0 && mode === 0 ? 0 : rng.int(0, 40);
        const preShape = rng.next() < 0.4 ? rng.int(0, 4) : setup[l]!.shape;
        for (const h of [js[l]!, wasm[l]!]) {
          setParams(h, { ...setup[l]!, shape: preShape });
          h.kernel.process(0, pre);
          setParams(h, setup[l]!);
        }
      }
      const kernels: Kernel[] = wasm.map((h) => h.kernel);
      for (const k of kernels) assert.ok(residentIn(arena, k));
      for (let block = 0; block < 40; block++) {
        const cuts = rng.cuts(MAX_BLOCK, MAX_BLOCK);
        let start = 0;
        for (const n of cuts) {
          const end = start + n;
          // Now and then a lane switches shape for good (constant per call), or has a moving
          // param for this call only (the JS kernel renders it: accepts() is false).
          const moving: number[] = [];
          const detour: number[] = [];
          for (let l = 0; l < count; l++) {
            if (mode >= 2 && rng.next() < 0.05) {
              setup[l]!.shape = rng.int(0, 4);
              for (const h of [js[l]!, wasm[l]!]) setParams(h, setup[l]!);
            } else if (mode < 2 && rng.next() < 0.04) {
              // Another shape for this call only (the sine resumes stale afterwards).
              const shape = rng.int(0, 4);
              for (const h of [js[l]!, wasm[l]!]) setParams(h, { ...setup[l]!, shape });
              detour.push(l);
            }
            if (rng.next() < 0.04) {
              const which = rng.int(0, 3);
              setMoving([js[l]!, wasm[l]!], which, start, end, rng);
              moving.push(l);
            }
          }
          const jsCheck: number[] = [];
          for (let l = 0; l < count; l++) {
            js[l]!.kernel.process(start, end);
            jsCheck.push(js[l]!.kernel.outputCheck[0]!);
          }
          const accepted: Kernel[] = [];
          const lanesOf: number[] = [];
          for (let l = 0; l < count; l++) {
            assert.equal(batch.accepts(kernels[l]!), !moving.includes(l), `trial ${trial}: accepts() for lane ${l}`);
            if (!moving.includes(l)) {
              accepted.push(kernels[l]!);
              lanesOf.push(l);
            }
          }
          const viaBatch = accepted.length >= 2;
          if (viaBatch) {
            check.fill(-1);
            assert.ok(batch.run(accepted, accepted.length, start, end, check));
            batched += accepted.length;
            for (let k = 0; k < accepted.length; k++) {
              const l = lanesOf[k]!;
              shapesSeen.add(setup[l]!.shape);
              assert.ok(Object.is(check[k], jsCheck[l]) || (Number.isNaN(check[k]) && Number.isNaN(jsCheck[l])),
                `trial ${trial} block ${block} lane ${l} (${JSON.stringify(setup[l])}): outputCheck ${check[k]} vs ${jsCheck[l]}`);
            }
          }
          for (let l = 0; l < count; l++) {
            if (viaBatch && lanesOf.includes(l)) continue;
            kernels[l]!.process(start, end);
            fellBack++;
          }
          for (const l of [...moving, ...detour]) for (const h of [js[l]!, wasm[l]!]) setParams(h, setup[l]!);
          for (let l = 0; l < count; l++) compare(js[l]!, wasm[l]!, `trial ${trial} block ${block} [${start}, ${end}) lane ${l} (${JSON.stringify(setup[l])})`);
          start = end;
        }
      }
    }
    assert.ok(batched > 10000 && fellBack > 0, `batched ${batched}, fell back ${fellBack}`);
    assert.equal(shapesSeen.size, 5);
  });
}

test('lfo batch: calls longer than the all-sine path\'s window (1,024 samples), four sine lanes and mixed', () => {
  const arena = WasmArena.create();
  assert.ok(typeof arena !== 'string');
  const batch = createLfoBatch(arena, 48000)!;
  const rng = new TestRandom(77);
  const check = new Float64Array(4);
  const block = 3000;
  for (let trial = 0; trial < 8; trial++) {
    const setup = [0, 1, 2, 3].map(() => randomLane(rng, trial % 2 === 0 ? 0 : rng.int(0, 4)));
    const js = setup.map((s) => new KernelHarness(lfoModule, { maxBlock: block, seed: s.seed, params: { shape: s.shape, rate: s.rate, depth: s.depth, offset: s.offset } }));
    const wasm = setup.map((s) => new KernelHarness(lfoModule, { maxBlock: block, seed: s.seed, params: { shape: s.shape, rate: s.rate, depth: s.depth, offset: s.offset }, memory: arena }));
    for (let l = 0; l < 4; l++) {
      const pre = rng.int(0, 40);
      for (const h of [js[l]!, wasm[l]!]) h.kernel.process(0, pre);
    }
    const kernels = wasm.map((h) => h.kernel);
    for (let b = 0; b < 4; b++) {
      let start = 0;
      for (const n of rng.cuts(block, block)) {
        const end = start + n;
        const jsCheck = js.map((h) => {
          h.kernel.process(start, end);
          return h.kernel.outputCheck[0]!;
        });
        assert.ok(batch.run(kernels, 4, start, end, check));
        for (let l = 0; l < 4; l++) {
          assert.ok(Object.is(check[l], jsCheck[l]), `trial ${trial} lane ${l} [${start}, ${end}): outputCheck ${check[l]} vs ${jsCheck[l]}`);
          compare(js[l]!, wasm[l]!, `trial ${trial} lane ${l} [${start}, ${end}) (${JSON.stringify(setup[l])})`);
        }
        start = end;
      }
    }
  }
});

test('lfo batch: non-finite rate, depth and offset (NaN, ±Infinity) and an empty range match the JS kernel', () => {
  const arena = WasmArena.create();
  assert.ok(typeof arena !== 'string');
  const batch = createLfoBatch(arena, 48000)!;
  const check = new Float64Array(4);
  const odd = [Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, 1e308];
  for (let shape = 0; shape <= SH; shape++) {
    for (const which of [RATE, DEPTH, OFFSET]) {
      const js: KernelHarness[] = [];
      const wasm: KernelHarness[] = [];
      for (const group of [js, wasm]) {
        for (let l = 0; l < 4; l++) {
          const params: Record<string, number> = { shape, rate: 7, depth: 0.5, offset: 0.25 };
          params[['shape', 'rate', 'depth', 'offset'][which]!] = odd[l]!;
          group.push(new KernelHarness(lfoModule, { maxBlock: MAX_BLOCK, seed: l, params, memory: group === wasm ? arena : undefined }));
        }
      }
      const kernels = wasm.map((h) => h.kernel);
      for (const [start, end] of [[0, 0], [0, 37], [37, 37], [37, 128], [0, 128], [5, 100]] as const) {
        const jsCheck = js.map((h) => {
          h.kernel.process(start, end);
          return h.kernel.outputCheck[0]!;
        });
        assert.ok(batch.run(kernels, 4, start, end, check));
        for (let l = 0; l < 4; l++) {
          assert.ok(Object.is(check[l], jsCheck[l]) || (Number.isNaN(check[l]) && Number.isNaN(jsCheck[l])), `shape ${shape} param ${which} lane ${l} [${start}, ${end}): outputCheck ${check[l]} vs ${jsCheck[l]}`);
          compare(js[l]!, wasm[l]!, `shape ${shape} param ${which} lane ${l} [${start}, ${end})`);
        }
      }
    }
  }
});

test('lfo batch: accepts() only sub-blocks whose four params are constant', () => {
  const arena = WasmArena.create();
  assert.ok(typeof arena !== 'string');
  const batch = createLfoBatch(arena, 48000)!;
  const h = new KernelHarness(lfoModule, { memory: arena });
  assert.ok(batch.accepts(h.kernel));
  for (const which of [SHAPE, RATE, DEPTH, OFFSET]) {
    h.params[which]!.isConstant = false;
    assert.equal(batch.accepts(h.kernel), false, `param ${which} moving`);
    h.params[which]!.isConstant = true;
  }
  assert.ok(batch.accepts(h.kernel));
});
