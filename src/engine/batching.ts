// Whether and how an engine batches (EngineOptions.batch): the render thread's wasm arena, or
// the reason there is none, and the BatchBinding its render plans group instances by
// (render-plan.ts, batch-groups.ts; kernels by type from batch-registry.ts).
//
// Threading: the render thread, at engine construction (openBatching) and patch-apply time
// (the binding's methods). Allocates.

import { batchKernelOn, residentIn, type BatchKernel } from '../dsp/batch.js';
import { PAD_BLOCK, WasmArena } from '../dsp/lib/wasm-arena.js';
import { batchFactoryFor } from './batch-registry.js';
import type { ModuleInstance } from './instance.js';
import type { BatchBinding } from './render-plan.js';

/** Engine.batchStats(): how much of the patch the SIMD batch kernels render. */
export interface BatchStats {
  /** 'on', 'off' or 'unavailable: <reason>' (Engine.batchStatus). */
  readonly status: string;
  /** Instance sub-blocks rendered by a batch kernel since the engine was built. */
  readonly batched: number;
  /** Instance sub-blocks of batch groups rendered by the JS kernel instead. */
  readonly fallback: number;
  /** The thread arena's bytes and heap fallbacks (undefined when batching is not on). */
  readonly arena: ReturnType<WasmArena['stats']> | undefined;
}

export interface Batching {
  /** 'on', 'off' (batching not asked for) or 'unavailable: <reason>'. */
  readonly status: string;
  /** The thread's wasm arena; undefined unless status is 'on'. */
  readonly arena: WasmArena | undefined;
  /** How plans batch on the arena; undefined unless status is 'on'. */
  readonly binding: BatchBinding | undefined;
}

/** The batch fallback is reported once per process, not per engine or block. */
let unavailableReported = false;

/**
 * Opens batching for an engine: the thread's arena when `wanted` and possible (wasm SIMD
 * available, `maxBlock` within the arena's padded block), else a status saying why not (an
 * unavailable arena is reported once per process on stderr; the engine then renders JS only).
 */
export function openBatching(wanted: boolean, maxBlock: number, sampleRate: number): Batching {
  const arena = !wanted ? 'off' : maxBlock > PAD_BLOCK ? `maxBlock above ${PAD_BLOCK}` : WasmArena.forThread();
  if (typeof arena !== 'string') return { status: 'on', arena, binding: batchBinding(arena, sampleRate) };
  if (arena === 'off') return { status: 'off', arena: undefined, binding: undefined };
  if (!unavailableReported) {
    unavailableReported = true;
    console.warn(`chronus: SIMD batch kernels unavailable, rendering with the JS kernels only (${arena})`);
  }
  return { status: `unavailable: ${arena}`, arena: undefined, binding: undefined };
}

/** How plans batch on `arena` (patch-apply time). */
function batchBinding(arena: WasmArena, sampleRate: number): BatchBinding {
  return {
    kernelFor(m: ModuleInstance): BatchKernel | undefined {
      const factory = batchFactoryFor(m.definition.spec.type);
      return factory === undefined ? undefined : batchKernelOn(arena, factory, sampleRate);
    },
    resident: (m: ModuleInstance): boolean => residentIn(arena, m.kernel),
    arena,
  };
}
