// lfo's SIMD batch kernel, host side: four lfo instances per call of wasm/lfo.ts (two f64x2
// vectors, bit-identical to LfoKernel.process in outputs, state and outputCheck), which reads
// and writes their state and outputs in place in the thread's arena (src/dsp/batch.ts).
// Accepts an instance for a sub-block when shape, rate, period, depth and offset are all
// constant over it and the shape is not `smooth` (any of the other five shapes, any phase; a
// period > 0 gives the increment lfoRateOfPeriod(period) / fs as LfoKernel computes it);
// anything else (smooth, a shape change within the call, a moving rate, period, depth or
// offset) stays on LfoKernel.process. `retrig` acts between sub-blocks on the state in place
// (Kernel.transportStart), so it needs nothing here.
//
// Threading: render thread. createLfoBatch allocates (once per thread and sample rate);
// accepts and run allocate nothing.

import { WasmBatchKernel, type BatchEntry, type BatchKernel } from '../batch.js';
import type { Kernel } from '../kernel.js';
import type { WasmArena } from '../lib/wasm-arena.js';
import { enumIndexAt } from '../lib/enum-param.js';
import { SIN_S3, SIN_S5, SIN_S7, SIN_S9, SIN_S11, SIN_S13, SIN_S15 } from '../lib/fast-math.js';
import { LFO_INV_CONTROL_PERIOD, LFO_TWO_PI, lfoDecl, lfoRateOfPeriod } from './lfo.js';
import {
  CONTROL_PERIOD, K_CONTROL_PERIOD, K_COUNT, K_INV_CONTROL_PERIOD, K_SIN_S3, K_TWO_PI, LANE_DEPTH, LANE_INC, LANE_OFFSET, LANE_SHAPE,
  SHAPE_COUNT, SHAPE_SMOOTH,
} from './lfo.layout.js';

const P = lfoDecl.param;

class LfoBatch extends WasmBatchKernel {
  constructor(
    arena: WasmArena,
    entry: BatchEntry,
    constants: Float64Array,
    /** 1 / sampleRate, as LfoKernel computes it (its phase increment is rate · this). */
    private readonly invSampleRate: number,
  ) {
    super(arena, entry, constants);
  }

  accepts(kernel: Kernel): boolean {
    const p = kernel.io.params;
    return (
      p[P.shape].isConstant && p[P.rate].isConstant && p[P.period].isConstant && p[P.depth].isConstant && p[P.offset].isConstant &&
      enumIndexAt(p[P.shape], 0, SHAPE_COUNT) !== SHAPE_SMOOTH
    );
  }

  /** accepts and writeParams read params only. */
  override cacheable(_kernel: Kernel): boolean {
    return true;
  }

  writeParams(kernel: Kernel, d: Float64Array, at: number): void {
    const p = kernel.io.params;
    d[at + LANE_SHAPE] = enumIndexAt(p[P.shape], 0, SHAPE_COUNT);
    const period = p[P.period].value;
    d[at + LANE_INC] = (period > 0 ? lfoRateOfPeriod(period) : p[P.rate].value) * this.invSampleRate;
    d[at + LANE_DEPTH] = p[P.depth].value;
    d[at + LANE_OFFSET] = p[P.offset].value;
  }
}

/** BatchFactory of the lfo: its constants in the arena, then the kernel. */
export function createLfoBatch(arena: WasmArena, sampleRate: number): BatchKernel | undefined {
  const entry = arena.exports['lfoRun'] as BatchEntry | undefined;
  const constCount = arena.exports['lfoConstCount'] as (() => number) | undefined;
  if (entry === undefined || constCount === undefined) return undefined;
  if (constCount() !== K_COUNT) throw new Error(`lfo batch: ${K_COUNT} constants, the wasm expects ${constCount()}`);
  const consts = arena.f64(K_COUNT);
  if (!arena.holds(consts)) return undefined;
  consts[K_TWO_PI] = LFO_TWO_PI;
  consts.set([SIN_S3, SIN_S5, SIN_S7, SIN_S9, SIN_S11, SIN_S13, SIN_S15], K_SIN_S3);
  consts[K_INV_CONTROL_PERIOD] = LFO_INV_CONTROL_PERIOD;
  consts[K_CONTROL_PERIOD] = CONTROL_PERIOD;
  return new LfoBatch(arena, entry, consts, 1 / sampleRate);
}
