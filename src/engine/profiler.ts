// Sampled per-module profiling (EngineOptions.profileEvery): one render call of every N is
// rendered through here, timing the whole block and each plan step (its sends included); a
// batch group is timed as a whole and its time split evenly among its members. The figures
// are per step of the live plan, re-mapped on every patch apply so kept modules keep theirs.
//
// Threading: render thread. Reading the clock allocates (performance.now returns a heap
// number), so profiled blocks allocate a little; `due` and unprofiled blocks allocate nothing.
// `remap` and `costs` run between blocks and allocate.

import { performance } from 'node:perf_hooks';
import type { ModuleInstance } from './instance.js';
import type { RenderLoop } from './render-loop.js';
import type { RenderPlan } from './render-plan.js';

/** Measured cost of one live module (see EngineOptions.profileEvery). */
export interface ModuleCost {
  readonly id: string;
  readonly type: string;
  /** Profiled blocks in which the module ran (since it was created). */
  readonly blocks: number;
  /**
   * Mean and largest time of the module's step per profiled block, µs (input mixes, params,
   * kernel, output check; the cost of a clock read, measured at construction, taken off).
   */
  readonly meanUs: number;
  readonly maxUs: number;
  /**
   * meanUs as a fraction of the mean wall time of a whole profiled block (the render call,
   * including the engine's own work and the clock reads), so shares sum to less than 1.
   */
  readonly share: number;
}

export class Profiler {
  private countdown = 0;
  // Per plan step (index = step of the live plan): profiled blocks, total and largest ms;
  // `scratch` sums one block's sub-ranges. Re-sized by `remap` only.
  private blocks = new Float64Array(0);
  private totalMs = new Float64Array(0);
  private maxMs = new Float64Array(0);
  private scratch = new Float64Array(0);
  /** Profiled blocks and their total wall ms (engine-wide, since construction). */
  private readonly block = new Float64Array(2);
  /** The cost of one clock read, ms (in a typed array so reading it never boxes). */
  private readonly clockMs = new Float64Array(1);

  /** `every`: profile one render call of every `every` (0: off). */
  constructor(private readonly every: number) {
    if (!(every >= 0 && Number.isInteger(every))) throw new Error('profileEvery must be a non-negative integer');
    if (every > 0) {
      // The cost of one clock read, as seen between two reads: subtracted from every step's
      // time (the shortest of a few back-to-back pairs).
      let best = Number.POSITIVE_INFINITY;
      for (let k = 0; k < 64; k++) {
        const a = performance.now();
        const d = performance.now() - a;
        if (d < best) best = d;
      }
      this.clockMs[0] = best;
    }
  }

  /** Counts a render call; true when it is to be profiled. No allocation. */
  due(): boolean {
    if (this.every === 0 || --this.countdown > 0) return false;
    this.countdown = this.every;
    return true;
  }

  /**
   * A profiled render call: `loop` renders the block with this profiler timing its steps
   * (renderRange); the block's and each step's wall time are added to the figures.
   */
  renderBlock(loop: RenderLoop, plan: RenderPlan, left: Float32Array, right: Float32Array, frames: number): void {
    const profile = this.scratch;
    profile.fill(0);
    const t0 = performance.now();
    loop.renderBlock(plan, left, right, frames, this);
    const blockMs = performance.now() - t0;
    this.block[0]!++;
    this.block[1]! += blockMs;
    const blocks = this.blocks;
    const total = this.totalMs;
    const max = this.maxMs;
    for (let s = 0; s < profile.length; s++) {
      const ms = profile[s]!;
      blocks[s]!++;
      total[s]! += ms;
      if (ms > max[s]!) max[s] = ms;
    }
  }

  /**
   * RenderLoop.renderRange for profiled blocks: the same steps, adding each step's wall time
   * (ms, less the cost of a clock read; its sends included) to the block's figures.
   */
  renderRange(loop: RenderLoop, plan: RenderPlan, start: number, end: number): void {
    const instances = plan.instances;
    const profile = this.scratch;
    const clockMs = this.clockMs[0]!;
    for (let s = 0; s < instances.length; s++) {
      const t0 = performance.now();
      const first = s;
      const last = loop.renderStepOrGroup(plan, s, start, end);
      s = last;
      // A batch group's time is attributed evenly to its members.
      const ms = (performance.now() - t0 - clockMs) / (last - first + 1);
      if (ms > 0) for (let t = first; t <= last; t++) profile[t]! += ms;
    }
    if (plan.deferred.length > 0) loop.acceptDeferred(plan, start, end);
  }

  /** Starts the figures afresh. No allocation. */
  reset(): void {
    this.blocks.fill(0);
    this.totalMs.fill(0);
    this.maxMs.fill(0);
    this.block.fill(0);
  }

  /**
   * Figures for `plan`, the new live plan (patch apply; allocates): kept instances (same id,
   * type and definition as a step of `oldSteps`) keep their figures, new ones start at 0.
   */
  remap(oldSteps: readonly { instance: ModuleInstance }[] | undefined, plan: RenderPlan): void {
    const n = plan.steps.length;
    const blocks = new Float64Array(n);
    const total = new Float64Array(n);
    const max = new Float64Array(n);
    if (oldSteps !== undefined) {
      // By id and type: a kept module may now be a copy (crossfade.ts), a new one of a reused id is not.
      const old = new Map<string, number>();
      oldSteps.forEach((step, s) => old.set(step.instance.id, s));
      plan.steps.forEach((step, s) => {
        const o = old.get(step.instance.id);
        if (o === undefined || oldSteps[o]!.instance.type !== step.instance.type || oldSteps[o]!.instance.definition !== step.instance.definition) return;
        blocks[s] = this.blocks[o]!;
        total[s] = this.totalMs[o]!;
        max[s] = this.maxMs[o]!;
      });
    }
    this.blocks = blocks;
    this.totalMs = total;
    this.maxMs = max;
    this.scratch = new Float64Array(n);
  }

  /** Per step of `plan` (the live plan), in render order: its measured cost. Allocates. */
  costs(plan: RenderPlan): ModuleCost[] {
    const blockCount = this.block[0]!;
    const meanBlockMs = blockCount > 0 ? this.block[1]! / blockCount : 0;
    return plan.steps.map((step, s) => {
      const blocks = this.blocks[s]!;
      const meanMs = blocks > 0 ? this.totalMs[s]! / blocks : 0;
      return {
        id: step.instance.id,
        type: step.instance.type,
        blocks,
        meanUs: meanMs * 1000,
        maxUs: this.maxMs[s]! * 1000,
        share: meanBlockMs > 0 ? meanMs / meanBlockMs : 0,
      };
    });
  }
}
