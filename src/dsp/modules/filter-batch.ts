// filter's SIMD batch kernel, host side: four filter instances per call of wasm/filter.ts (two
// f64x2 vectors, bit-identical to FilterKernel.process in outputs and state), which reads and
// writes their state and buffers in place in the thread's arena (src/dsp/batch.ts).
// Accepts an instance for a sub-block when mode, cutoff and q are constant over it (fm
// connected or not, any mode); anything else stays on FilterKernel.process.
//
// Threading: render thread. createFilterBatch allocates (once per thread and sample rate);
// accepts and run allocate nothing.

import { WasmBatchKernel, type BatchEntry, type BatchKernel } from '../batch.js';
import type { Kernel } from '../kernel.js';
import type { WasmArena } from '../lib/wasm-arena.js';
import { EXP2_C1, EXP2_C2, EXP2_C3, EXP2_C4, EXP2_C5, EXP2_C6, EXP2_C7, EXP2_INT, EXP2_RANGE } from '../lib/fast-math.js';
import { FILTER_CONSTANTS, filterMaxCutoff, filterPiOverFs, modeIndex } from './filter.js';

const M_V0 = FILTER_CONSTANTS.mixV0;
const M_V1 = FILTER_CONSTANTS.mixV1;
const M_V2 = FILTER_CONSTANTS.mixV2;

// Per-lane params: the layout of wasm/filter.ts (P_*).
const P_CUTOFF = 0;
const P_Q = 1;
const P_MODE = 2;
const P_M0 = 3;
const P_S1 = 4;
const P_M2 = 5;
const PARAM_MODE = 0;
const PARAM_CUTOFF = 1;
const PARAM_Q = 2;

class FilterBatch extends WasmBatchKernel {
  accepts(kernel: Kernel): boolean {
    const p = kernel.io.params;
    return p[PARAM_MODE]!.isConstant && p[PARAM_CUTOFF]!.isConstant && p[PARAM_Q]!.isConstant;
  }

  /** accepts and writeParams read params only. */
  override cacheable(_kernel: Kernel): boolean {
    return true;
  }

  writeParams(kernel: Kernel, d: Float64Array, at: number): void {
    const p = kernel.io.params;
    const mode = modeIndex(p[PARAM_MODE]!.value);
    d[at + P_CUTOFF] = p[PARAM_CUTOFF]!.value;
    d[at + P_Q] = p[PARAM_Q]!.value;
    d[at + P_MODE] = mode;
    d[at + P_M0] = M_V0[mode]!;
    d[at + P_S1] = M_V1[mode]!;
    d[at + P_M2] = M_V2[mode]!;
  }
}

/** BatchFactory of the filter: its constants in the arena, then the kernel. */
export function createFilterBatch(arena: WasmArena, sampleRate: number): BatchKernel | undefined {
  const entry = arena.exports['filterRun'] as BatchEntry | undefined;
  const constCount = arena.exports['filterConstCount'] as (() => number) | undefined;
  if (entry === undefined || constCount === undefined) return undefined;
  const values = [
    filterPiOverFs(sampleRate), filterMaxCutoff(sampleRate), FILTER_CONSTANTS.minCutoffHz, FILTER_CONSTANTS.minQ,
    FILTER_CONSTANTS.denormal, FILTER_CONSTANTS.invControlPeriod, EXP2_RANGE,
    EXP2_C1, EXP2_C2, EXP2_C3, EXP2_C4, EXP2_C5, EXP2_C6, EXP2_C7, ...EXP2_INT,
  ];
  if (values.length !== constCount()) throw new Error(`filter batch: ${values.length} constants, the wasm expects ${constCount()}`);
  const consts = arena.f64(values.length);
  if (!arena.holds(consts)) return undefined;
  consts.set(values);
  return new FilterBatch(arena, entry, consts);
}
