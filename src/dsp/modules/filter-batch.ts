// filter's SIMD batch kernel, host side: four filter instances per call of wasm/filter.ts (two
// f64x2 vectors, bit-identical to FilterKernel.process in outputs and state), which reads and
// writes their state and buffers in place in the thread's arena (src/dsp/batch.ts).
// Accepts an instance for a sub-block when mode, cutoff and q are constant over it and fm_rate
// is control (audio-rate coefficients run on FilterKernel.process only) (fm
// connected or not, any mode); anything else stays on FilterKernel.process.
//
// Threading: render thread. createFilterBatch allocates (once per thread and sample rate);
// accepts and run allocate nothing.

import { WasmBatchKernel, type BatchEntry, type BatchKernel } from '../batch.js';
import type { Kernel } from '../kernel.js';
import type { WasmArena } from '../lib/wasm-arena.js';
import { EXP2_C1, EXP2_C2, EXP2_C3, EXP2_C4, EXP2_C5, EXP2_C6, EXP2_C7, EXP2_INT, EXP2_RANGE } from '../lib/fast-math.js';
import {
  FILTER_DENORMAL, FILTER_INV_CONTROL_PERIOD, FILTER_MIN_CUTOFF_HZ, FILTER_MIN_Q, FILTER_MIX_V0 as M_V0, FILTER_MIX_V1 as M_V1,
  FILTER_MIX_V2 as M_V2, filterDecl, filterMaxCutoff, filterPiOverFs, modeIndex,
} from './filter.js';
import {
  K_COUNT, K_DENORMAL, K_EXP2_C1, K_EXP2_INT, K_EXP2_RANGE, K_INV_CONTROL_PERIOD, K_MAX_CUTOFF, K_MIN_CUTOFF, K_MIN_Q, K_PI_OVER_FS,
  LANE_CUTOFF, LANE_M0, LANE_M2, LANE_MODE, LANE_Q, LANE_S1,
} from './filter.layout.js';

const P = filterDecl.param;

class FilterBatch extends WasmBatchKernel {
  accepts(kernel: Kernel): boolean {
    const p = kernel.io.params;
    // fm_rate audio: per-sample coefficients, JS only (filter-audio-rate.ts).
    return p[P.mode].isConstant && p[P.cutoff].isConstant && p[P.q].isConstant && p[P.fm_rate].isConstant && p[P.fm_rate].value < 0.5;
  }

  /** accepts and writeParams read params only. */
  override cacheable(_kernel: Kernel): boolean {
    return true;
  }

  writeParams(kernel: Kernel, d: Float64Array, at: number): void {
    const p = kernel.io.params;
    const mode = modeIndex(p[P.mode].value);
    d[at + LANE_CUTOFF] = p[P.cutoff].value;
    d[at + LANE_Q] = p[P.q].value;
    d[at + LANE_MODE] = mode;
    d[at + LANE_M0] = M_V0[mode]!;
    d[at + LANE_S1] = M_V1[mode]!;
    d[at + LANE_M2] = M_V2[mode]!;
  }
}

/** BatchFactory of the filter: its constants in the arena, then the kernel. */
export function createFilterBatch(arena: WasmArena, sampleRate: number): BatchKernel | undefined {
  const entry = arena.exports['filterRun'] as BatchEntry | undefined;
  const constCount = arena.exports['filterConstCount'] as (() => number) | undefined;
  if (entry === undefined || constCount === undefined) return undefined;
  if (constCount() !== K_COUNT) throw new Error(`filter batch: ${K_COUNT} constants, the wasm expects ${constCount()}`);
  const consts = arena.f64(K_COUNT);
  if (!arena.holds(consts)) return undefined;
  consts[K_PI_OVER_FS] = filterPiOverFs(sampleRate);
  consts[K_MAX_CUTOFF] = filterMaxCutoff(sampleRate);
  consts[K_MIN_CUTOFF] = FILTER_MIN_CUTOFF_HZ;
  consts[K_MIN_Q] = FILTER_MIN_Q;
  consts[K_DENORMAL] = FILTER_DENORMAL;
  consts[K_INV_CONTROL_PERIOD] = FILTER_INV_CONTROL_PERIOD;
  consts[K_EXP2_RANGE] = EXP2_RANGE;
  consts.set([EXP2_C1, EXP2_C2, EXP2_C3, EXP2_C4, EXP2_C5, EXP2_C6, EXP2_C7], K_EXP2_C1);
  consts.set(EXP2_INT, K_EXP2_INT);
  return new FilterBatch(arena, entry, consts);
}
