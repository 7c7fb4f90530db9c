// The lfo's SIMD batch kernel (wasm/lfo.ts via src/dsp/modules/lfo-batch.ts) against
// LfoKernel.process, through the batch conformance suite (test/helpers/batch-conformance.ts:
// twins, random cuts, 2..4 lanes, moves between the paths, bitwise comparison of outputs, state
// and outputCheck). This file gives the lfo's lanes: every shape, the W2 case of four sine
// lanes, mixed shapes in one vector, rates, depths and offsets across their ranges and beyond,
// different seeds, lanes at different phases and control-period positions, shapes switched
// between calls (the S_STALE bookkeeping) and moving params (declined: JS fallback); and its
// edge cases: calls longer than the all-sine window, non-finite params, what `accepts` declines.
// Lanes also run tempo-synced (`period` > 0: the increment lfoRateOfPeriod(period) / fs on both
// paths); the `smooth` shape is declined (JS only).

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createLfoBatch } from '../../src/dsp/modules/lfo-batch.js';
import { lfoDecl, lfoModule } from '../../src/dsp/modules/lfo.js';
import { SHAPE_SH, SHAPE_SINE, SHAPE_SMOOTH } from '../../src/dsp/modules/lfo.layout.js';
import { KernelHarness } from '../helpers/kernel-harness.js';
import { TestRandom } from '../helpers/random.js';
import { batchOn, makeArena, renderAllBatched, runBatchConformance, twin, type BatchConformance } from '../helpers/batch-conformance.js';

const MAX_BLOCK = 128;
const P = lfoDecl.param;

interface Lane {
  shape: number;
  rate: number;
  depth: number;
  offset: number;
  /** ms; 0 = `rate` applies. */
  period: number;
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
  return { shape, rate: randomRate(rng, sampleRate), depth, offset, period: randomPeriod(rng), seed: rng.int(0, 2 ** 40) };
}

/** Mostly 0 (`rate` applies); else note values at 120 BPM (1/4, 1/8., 1/16t, 2/1), the 20 ms floor and below it, or any period. */
function randomPeriod(rng: TestRandom): number {
  const r = rng.next();
  if (r < 0.7) return 0;
  const choices = [500, 375, 1000 / 12, 4000, 20, 3, 100000];
  return r < 0.9 ? choices[rng.int(0, choices.length - 1)]! : rng.range(20, 100000);
}

function setParams(h: KernelHarness, s: Lane): void {
  h.setParam('shape', s.shape);
  h.setParam('rate', s.rate);
  h.setParam('period', s.period);
  h.setParam('depth', s.depth);
  h.setParam('offset', s.offset);
}

/** Sets param `which` of both harnesses to a moving curve over [start, end) (the JS fallback). */
function setMoving(hs: readonly KernelHarness[], which: number, start: number, end: number, rng: TestRandom): void {
  const values: number[] = [];
  for (let i = start; i < end; i++) {
    values.push(which === P.shape ? rng.int(0, 4) : which === P.rate ? rng.range(0.01, 50) : which === P.period ? rng.range(0, 2000) : rng.range(0, 1));
  }
  for (const h of hs) {
    const p = h.params[which]!;
    p.isConstant = false;
    for (let i = start; i < end; i++) p.buffer[i] = values[i - start]!;
    p.value = values[values.length - 1]!;
  }
}

/** The params a test makes move (declined: the JS kernel renders the sub-block). */
const MOVABLE = [P.shape, P.rate, P.period, P.depth, P.offset];

/** Trials 0, 5, 10, ...: the W2 case (all sine); 1, 6, ...: one shape for every lane; else mixed. */
const modeOf = (trial: number): number => trial % 5;

function lfoLanes(sampleRate: number, shapesSeen: Set<number>): BatchConformance<Lane> {
  return {
    module: lfoModule,
    factory: createLfoBatch,
    sampleRate,
    maxBlock: MAX_BLOCK,
    seed: 20250302 + sampleRate,
    trials: 60,
    blocks: 40,
    lanes(rng, trial, count) {
      const mode = modeOf(trial);
      const common = rng.int(0, 4);
      const lanes: Lane[] = [];
      for (let l = 0; l < count; l++) lanes.push(randomLane(rng, mode === 0 ? SHAPE_SINE : mode === 1 ? common : rng.int(0, 4), sampleRate));
      return lanes;
    },
    options: (s) => ({ seed: s.seed, params: { shape: s.shape, rate: s.rate, period: s.period, depth: s.depth, offset: s.offset } }),
    preroll(rng, trial, lane, t) {
      // Lanes start at different phases and control positions; some after a run of another shape
      // (S_STALE set, resumed mid-period or at a control point).
      const pre = trial % 2 === 0 && modeOf(trial) === 0 ? 0 : rng.int(0, 40);
      const preShape = rng.next() < 0.4 ? rng.int(0, 4) : lane.shape;
      for (const h of t.both) {
        setParams(h, { ...lane, shape: preShape });
        h.kernel.process(0, pre);
        setParams(h, lane);
      }
    },
    step({ rng, trial, start, end, lanes, twins }) {
      // Now and then a lane switches shape for good (constant per call), takes another shape
      // for this call only (the sine resumes stale afterwards), or has a moving param for this
      // call only (the JS kernel renders it: accepts() is false).
      const mode = modeOf(trial);
      const moving: number[] = [];
      const detour: number[] = [];
      lanes.forEach((s, l) => {
        const both = twins[l]!.both;
        if (mode >= 2 && rng.next() < 0.05) {
          s.shape = rng.int(0, 4);
          for (const h of both) setParams(h, s);
        } else if (mode < 2 && rng.next() < 0.04) {
          const shape = rng.int(0, 4);
          for (const h of both) setParams(h, { ...s, shape });
          detour.push(l);
        }
        if (rng.next() < 0.04) {
          setMoving(both, MOVABLE[rng.int(0, MOVABLE.length - 1)]!, start, end, rng);
          moving.push(l);
        }
      });
      return {
        accepted: lanes.map((_, l) => !moving.includes(l)),
        changed: detour.length > 0,
        after: () => {
          for (const l of [...moving, ...detour]) for (const h of twins[l]!.both) setParams(h, lanes[l]!);
        },
      };
    },
    observe({ lanes }, accepted, run) {
      for (const l of accepted) shapesSeen.add(lanes[l]!.shape);
      run();
    },
  };
}

for (const sampleRate of [48000, 44100]) {
  test(`lfo batch kernel = LfoKernel.process at ${sampleRate} Hz: outputs, state and outputCheck bit for bit (random lanes, shapes, cuts, lane counts)`, () => {
    const shapesSeen = new Set<number>();
    const stats = runBatchConformance(lfoLanes(sampleRate, shapesSeen));
    assert.ok(stats.batchedLanes > 10000 && stats.declinedLanes > 0, `batched ${stats.batchedLanes}, declined ${stats.declinedLanes}`);
    assert.equal(shapesSeen.size, 5);
  });
}

test('lfo batch: calls longer than the all-sine path\'s window (1,024 samples), four sine lanes and mixed', () => {
  const arena = makeArena();
  const batch = batchOn(arena, createLfoBatch, 48000);
  const rng = new TestRandom(77);
  const block = 3000;
  for (let trial = 0; trial < 8; trial++) {
    const setup = [0, 1, 2, 3].map(() => randomLane(rng, trial % 2 === 0 ? SHAPE_SINE : rng.int(0, 4)));
    const twins = setup.map((s) => twin(lfoModule, arena, { maxBlock: block, seed: s.seed, params: { shape: s.shape, rate: s.rate, depth: s.depth, offset: s.offset, period: s.period } }));
    for (const t of twins) {
      const pre = rng.int(0, 40);
      for (const h of t.both) h.kernel.process(0, pre);
    }
    for (let b = 0; b < 4; b++) {
      let start = 0;
      for (const n of rng.cuts(block, block)) {
        renderAllBatched(batch, twins, start, start + n, `trial ${trial} (${JSON.stringify(setup)})`);
        start += n;
      }
    }
  }
});

test('lfo batch: non-finite rate, depth and offset (NaN, ±Infinity) and an empty range match the JS kernel', () => {
  const arena = makeArena();
  const batch = batchOn(arena, createLfoBatch, 48000);
  const odd = [Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, 1e308];
  for (let shape = 0; shape <= SHAPE_SH; shape++) {
    for (const which of ['rate', 'depth', 'offset'] as const) {
      const twins = odd.map((v, l) => twin(lfoModule, arena, { maxBlock: MAX_BLOCK, seed: l, params: { shape, rate: 7, depth: 0.5, offset: 0.25, [which]: v } }));
      for (const [start, end] of [[0, 0], [0, 37], [37, 37], [37, 128], [0, 128], [5, 100]] as const) {
        renderAllBatched(batch, twins, start, end, `shape ${shape} ${which}`);
      }
    }
  }
});

test('lfo batch: accepts() only sub-blocks whose five params are constant, and never the smooth shape', () => {
  const arena = makeArena();
  const batch = batchOn(arena, createLfoBatch, 48000);
  const h = new KernelHarness(lfoModule, { memory: arena });
  assert.ok(batch.accepts(h.kernel));
  for (const which of MOVABLE) {
    h.params[which]!.isConstant = false;
    assert.equal(batch.accepts(h.kernel), false, `param ${which} moving`);
    h.params[which]!.isConstant = true;
  }
  assert.ok(batch.accepts(h.kernel));
  h.setParam('period', 500);
  assert.ok(batch.accepts(h.kernel), 'a constant period');
  h.setParam('shape', SHAPE_SMOOTH);
  assert.equal(batch.accepts(h.kernel), false, 'smooth');
});
