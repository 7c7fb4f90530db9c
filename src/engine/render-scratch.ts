// Buffers that every module instance of one engine shares, because only the module being
// rendered uses them: the all-zero input of unconnected ports, and the per-sample buffer of
// each param index (ParamBank.fill writes param p's buffer at a module's step, and that
// module's kernel reads it in the same step; the next module's fill overwrites it). Sharing
// keeps a patch of thousands of modules to a few cache-resident buffers instead of a 1 KB
// buffer per param (tens of KB per W2 voice before: docs/performance.md).
//
// The memory they, pooled output buffers and kernel states come from is the thread's wasm
// arena when the engine batches (src/dsp/lib/wasm-arena.ts), else the JS heap.
//
// Threading: render thread. `paramBuffer` allocates (patch-apply time only).

import type { KernelMemory } from '../dsp/lib/wasm-arena.js';

export class RenderScratch {
  readonly silence: Float32Array;
  /**
   * Stands in for every output of an instance until a render plan binds the output to a pooled
   * buffer (compileRenderPlan binds all of them before anything renders), so constructing an
   * instance allocates no output buffer that the plan would throw away.
   */
  readonly unbound: Float32Array;
  private readonly params: Float64Array[] = [];

  constructor(readonly maxBlock: number, readonly memory: KernelMemory) {
    this.silence = memory.f32(maxBlock);
    this.unbound = memory.f32(maxBlock);
  }

  /** The shared per-sample buffer of param index `p` (created on first use). */
  paramBuffer(p: number): Float64Array {
    while (this.params.length <= p) this.params.push(this.memory.f64(this.maxBlock));
    return this.params[p]!;
  }
}
