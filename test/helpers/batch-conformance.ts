// The batch conformance suite: one module type's SIMD batch kernel (src/dsp/batch.ts) against
// its JS kernel, which is the specification. Each type's test (test/dsp/<type>-batch.test.ts)
// gives its lane generator and hooks; the suite does the rest:
//   - an arena and the type's batch kernel on it (the engine's factory, batchKernelOn);
//   - per trial 2..4 lanes, each a JS/wasm twin: the same module, params and inputs, one in the
//     heap (always rendered by `process`), one in the arena (rendered by the batch kernel
//     whenever it accepts, else by `process`);
//   - random cuts of every block into sub-blocks, with an empty call now and then after a change;
//   - odd trials call through BatchCall (runAll, runSome) as the engine does, even trials
//     through BatchKernel.run;
//   - moves between the paths: lanes the kernel declines, a lane left alone (fewer than 2
//     accepted) and accepted lanes sent to `process` at random all render in JS that sub-block;
//   - after every sub-block, every lane's outputs, every state value and its outputCheck value
//     compared bit for bit (test/helpers/bits.ts: NaN = NaN, −0 ≠ +0).
// test/dsp/batch-common.test.ts checks that the suite catches a kernel that is one bit off.
//
// The engine-level twins (batch on vs off) are at the end of this file.

import assert from 'node:assert/strict';
import { BatchCall, batchKernelOn, residentIn, type BatchFactory, type BatchKernel } from '../../src/dsp/batch.js';
import type { Kernel, ModuleDefinition } from '../../src/dsp/kernel.js';
import { WasmArena } from '../../src/dsp/lib/wasm-arena.js';
import { Engine } from '../../src/engine/engine.js';
import type { ResolvedPatch } from '../../src/patch/document.js';
import { differingValues } from './bits.js';
import { KernelHarness, type HarnessOptions } from './kernel-harness.js';
import { TestRandom } from './random.js';

/** A fresh arena (64 MiB of wasm memory with the kernels instantiated on it). */
export function makeArena(): WasmArena {
  const arena = WasmArena.create();
  assert.ok(typeof arena !== 'string', `wasm unavailable: ${String(arena)}`);
  return arena;
}

/** The batch kernel of `factory` on `arena` (as the engine creates it). */
export function batchOn(arena: WasmArena, factory: BatchFactory, sampleRate: number): BatchKernel {
  const batch = batchKernelOn(arena, factory, sampleRate);
  assert.ok(batch !== undefined, 'the batch kernel loads');
  return batch;
}

/** One lane: the same instance twice, `js` in the heap and `wasm` in the arena. */
export interface Twin {
  readonly js: KernelHarness;
  readonly wasm: KernelHarness;
  /** Both sides, for changes that must be made to both alike. */
  readonly both: readonly [KernelHarness, KernelHarness];
}

/** A twin of `module` with `options` (the wasm side in `arena`). */
export function twin(module: ModuleDefinition, arena: WasmArena, options: HarnessOptions): Twin {
  const js = new KernelHarness(module, { ...options, memory: undefined });
  const wasm = new KernelHarness(module, { ...options, memory: arena });
  assert.ok(residentIn(arena, wasm.kernel), 'the wasm twin lives in the arena');
  return { js, wasm, both: [js, wasm] };
}

/** Asserts that a twin's outputs and state agree bit for bit. */
export function assertTwinAgrees(t: Twin, what: string): void {
  t.js.outputs.forEach((out, o) => assert.equal(differingValues(out, t.wasm.outputs[o]!), 0, `${what}: output ${o} differs`));
  const js = t.js.kernel.state;
  const wasm = t.wasm.kernel.state;
  if (differingValues(js, wasm) !== 0) assert.fail(`${what}: state differs (js ${Array.from(js).join(',')} wasm ${Array.from(wasm).join(',')})`);
}

/** Asserts two outputCheck values are the same bits (NaN = NaN). */
export function assertSameCheck(a: number, b: number, what: string): void {
  if (!(Object.is(a, b) || (Number.isNaN(a) && Number.isNaN(b)))) assert.fail(`${what}: outputCheck ${a} vs ${b}`);
}

/**
 * Renders every twin over [start, end): the JS side by `process`, the wasm side in one
 * BatchKernel.run (every lane must be accepted); compares outputs, state and outputCheck.
 */
export function renderAllBatched(batch: BatchKernel, twins: readonly Twin[], start: number, end: number, what: string): void {
  const jsCheck = twins.map((t) => {
    t.js.kernel.process(start, end);
    return t.js.kernel.outputCheck[0]!;
  });
  const kernels = twins.map((t) => t.wasm.kernel);
  for (const k of kernels) assert.ok(batch.accepts(k), `${what}: accepted`);
  const check = new Float64Array(4).fill(-1);
  assert.ok(batch.run(kernels, kernels.length, start, end, check));
  twins.forEach((t, l) => {
    assertSameCheck(check[l]!, jsCheck[l]!, `${what} lane ${l} [${start}, ${end})`);
    assertTwinAgrees(t, `${what} lane ${l} [${start}, ${end})`);
  });
}

/** What a type's hooks see before each sub-block. */
export interface SubBlockContext<L> {
  readonly rng: TestRandom;
  readonly trial: number;
  readonly block: number;
  readonly start: number;
  readonly end: number;
  /** The trial's lanes (a hook may change them: they are the lanes' current setup). */
  readonly lanes: L[];
  readonly twins: readonly Twin[];
}

/** A type's plan for one sub-block (returned by its `step` hook). */
export interface SubBlockPlan {
  /** Per lane, what `accepts` must answer for this sub-block (absent: not checked). */
  readonly accepted?: readonly boolean[];
  /** True when something changed on some lane (then an empty call may come first). */
  readonly changed?: boolean;
  /** Runs after the sub-block (e.g. to undo a change made for this sub-block only). */
  readonly after?: () => void;
}

export interface BatchConformance<L> {
  readonly module: ModuleDefinition;
  readonly factory: BatchFactory;
  readonly seed: number;
  readonly trials: number;
  readonly blocks: number;
  readonly sampleRate?: number;
  readonly maxBlock?: number;
  /** Longest sub-block of block `block` (default maxBlock). */
  maxCut?(trial: number, block: number): number;
  /** A trial's `count` lanes (2..4). */
  lanes(rng: TestRandom, trial: number, count: number): L[];
  /** Harness options of a lane (params, seed); the suite adds sampleRate, maxBlock, memory. */
  options?(lane: L): HarnessOptions;
  /** Sets up one side of a fresh twin (inputs connected, scales). */
  setup?(h: KernelHarness, lane: L): void;
  /** Brings a fresh twin to where the lane starts (the same calls on both sides). */
  preroll?(rng: TestRandom, trial: number, lane: L, twin: Twin): void;
  /** The lane's input buffers for a block (copied into both sides; undefined: left as is). */
  inputs?(rng: TestRandom, trial: number, block: number, lane: L): ReadonlyArray<Float32Array | undefined>;
  /** Before each sub-block: param jumps, gates, moving params, made on both sides. */
  step?(ctx: SubBlockContext<L>): SubBlockPlan | undefined;
  /** Around each batch call: the accepted lanes; `run` renders them. */
  observe?(ctx: SubBlockContext<L>, accepted: readonly number[], run: () => void): void;
}

export interface BatchConformanceStats {
  /** Batch calls made, and lane renders they did. */
  batchedCalls: number;
  batchedLanes: number;
  /** Lane renders of the wasm twins by `process` (declined, alone, or sent there at random). */
  jsLanes: number;
  /** Of those, lanes the batch kernel declined. */
  declinedLanes: number;
}

/** Share of accepted lanes sent to `process` instead (moves between the paths). */
const DEMOTE = 0.05;

/** Runs the suite; returns what it did, for the type's test to check its reach. */
export function runBatchConformance<L>(spec: BatchConformance<L>): BatchConformanceStats {
  const sampleRate = spec.sampleRate ?? 48000;
  const maxBlock = spec.maxBlock ?? 128;
  const arena = makeArena();
  const batch = batchOn(arena, spec.factory, sampleRate);
  const rng = new TestRandom(spec.seed);
  const stats: BatchConformanceStats = { batchedCalls: 0, batchedLanes: 0, jsLanes: 0, declinedLanes: 0 };
  const check = new Float64Array(4);
  const jsCheck = new Float64Array(4);
  const laneList = new Int32Array(4);
  for (let trial = 0; trial < spec.trials; trial++) {
    const lanes = spec.lanes(rng, trial, rng.int(2, 4));
    const twins = lanes.map((lane) => {
      const t = twin(spec.module, arena, { ...spec.options?.(lane), sampleRate, maxBlock });
      for (const h of t.both) spec.setup?.(h, lane);
      return t;
    });
    const kernels: Kernel[] = twins.map((t) => t.wasm.kernel);
    const call = trial % 2 === 1 ? new BatchCall(arena, batch, kernels) : undefined;
    lanes.forEach((lane, l) => spec.preroll?.(rng, trial, lane, twins[l]!));
    for (let block = 0; block < spec.blocks; block++) {
      lanes.forEach((lane, l) => {
        const buffers = spec.inputs?.(rng, trial, block, lane) ?? [];
        buffers.forEach((buffer, i) => {
          if (buffer !== undefined) for (const h of twins[l]!.both) h.inputs[i]!.buffer.set(buffer);
        });
      });
      let start = 0;
      for (const n of rng.cuts(maxBlock, spec.maxCut?.(trial, block) ?? maxBlock)) {
        const end = start + n;
        const ctx: SubBlockContext<L> = { rng, trial, block, start, end, lanes, twins };
        const plan = spec.step?.(ctx) ?? {};
        if (plan.changed === true && rng.next() < 0.5) render({ ...ctx, end: start }, undefined);
        render(ctx, plan.accepted);
        plan.after?.();
        start = end;
      }
    }

    function render(ctx: SubBlockContext<L>, expected: readonly boolean[] | undefined): void {
      const { start, end } = ctx;
      const what = (l: number): string => `trial ${trial} block ${ctx.block} [${start}, ${end}) lane ${l} (${JSON.stringify(lanes[l])})`;
      twins.forEach((t, l) => {
        t.js.kernel.outputCheck[0] = Number.POSITIVE_INFINITY;
        t.js.kernel.process(start, end);
        jsCheck[l] = t.js.kernel.outputCheck[0]!;
      });
      const accepted: number[] = [];
      const viaJs: number[] = [];
      kernels.forEach((k, l) => {
        const ok = batch.accepts(k);
        if (expected?.[l] !== undefined && ok !== expected[l]) assert.fail(`${what(l)}: accepts() ${ok}`);
        if (!ok) stats.declinedLanes++;
        if (ok && rng.next() >= DEMOTE) accepted.push(l);
        else viaJs.push(l);
      });
      if (accepted.length < 2) viaJs.push(...accepted.splice(0));
      if (accepted.length > 0) {
        const run = (): void => {
          check.fill(-1);
          if (call === undefined) assert.ok(batch.run(accepted.map((l) => kernels[l]!), accepted.length, start, end, check));
          else if (accepted.length === kernels.length) call.runAll(start, end, check);
          else {
            laneList.set(accepted);
            call.runSome(laneList, accepted.length, start, end, check);
          }
        };
        if (spec.observe === undefined) run();
        else spec.observe(ctx, accepted, run);
        stats.batchedCalls++;
        stats.batchedLanes += accepted.length;
        accepted.forEach((l, a) => assertSameCheck(check[a]!, jsCheck[l]!, what(l)));
      }
      for (const l of viaJs) {
        const k = kernels[l]!;
        k.outputCheck[0] = Number.POSITIVE_INFINITY;
        k.process(start, end);
        stats.jsLanes++;
        assertSameCheck(k.outputCheck[0], jsCheck[l]!, `${what(l)} (JS path)`);
      }
      twins.forEach((t, l) => assertTwinAgrees(t, what(l)));
    }
  }
  return stats;
}

// ---- engine level: the same patch with batching on and off ----

/** Every state array of every instance of `a` equals `b`'s (matched by id); the first difference. */
export function stateDifference(a: Engine, b: Engine): string | undefined {
  for (const m of b.instances()) {
    const other = a.instance(m.id);
    if (other === undefined) return `${m.id} missing`;
    const x = m.kernel.stateArrays();
    const y = other.kernel.stateArrays();
    for (let k = 0; k < x.length; k++) if (differingValues(x[k]!, y[k]!) > 0) return `${m.id} state array ${k}`;
    if (m.fault !== other.fault) return `${m.id} fault ${m.fault} vs ${other.fault}`;
  }
  return undefined;
}

/** Two engines with `patch` applied: batching on (asserted available) and off. */
export function engineTwins(patch: ResolvedPatch, sampleRate = 48000, maxBlock = 128): [Engine, Engine] {
  const on = new Engine({ sampleRate, maxBlock, seed: 7, batch: true });
  const off = new Engine({ sampleRate, maxBlock, seed: 7, batch: false });
  assert.equal(on.batchStatus, 'on');
  on.applyPatch(patch);
  off.applyPatch(patch);
  return [on, off];
}
