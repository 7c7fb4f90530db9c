// lfo's SIMD batch kernel, host side: four lfo instances per call of wasm/lfo.ts (two f64x2
// vectors, bit-identical to LfoKernel.process in outputs, state and outputCheck), which reads
// and writes their state and outputs in place in the thread's arena (src/dsp/batch.ts).
// Accepts an instance for a sub-block when shape, rate, depth and offset are all constant over
// it (any of the five shapes, any phase); anything else (a shape change within the call, a
// moving rate, depth or offset) stays on LfoKernel.process.
//
// Threading: render thread. createLfoBatch allocates (once per thread and sample rate);
// accepts and run allocate nothing.

import { WasmBatchKernel, type BatchEntry, type BatchKernel } from '../batch.js';
import type { Kernel } from '../kernel.js';
import type { WasmArena } from '../lib/wasm-arena.js';
import { enumIndexAt } from '../lib/enum-param.js';
import { SIN_S3, SIN_S5, SIN_S7, SIN_S9, SIN_S11, SIN_S13, SIN_S15 } from '../lib/fast-math.js';
import { LFO_CONSTANTS } from './lfo.js';

// Per-lane params: the layout of wasm/lfo.ts (P_*).
const P_SHAPE = 0;
const P_INC = 1;
const P_DEPTH = 2;
const P_OFFSET = 3;
// lfo.ts's params.
const PARAM_SHAPE = 0;
const PARAM_RATE = 1;
const PARAM_DEPTH = 2;
const PARAM_OFFSET = 3;
const SHAPE_COUNT = LFO_CONSTANTS.shapeCount;

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
    return p[PARAM_SHAPE]!.isConstant && p[PARAM_RATE]!.isConstant && p[PARAM_DEPTH]!.isConstant && p[PARAM_OFFSET]!.isConstant;
  }

  /** accepts and writeParams read params only. */
  override cacheable(_kernel: Kernel): boolean {
    return true;
  }

  writeParams(kernel: Kernel, d: Float64Array, at: number): void {
    const p = kernel.io.params;
    d[at + P_SHAPE] = enumIndexAt(p[PARAM_SHAPE]!, 0, SHAPE_COUNT);
    d[at + P_INC] = p[PARAM_RATE]!.value * this.invSampleRate;
    d[at + P_DEPTH] = p[PARAM_DEPTH]!.value;
    d[at + P_OFFSET] = p[PARAM_OFFSET]!.value;
  }
}

/** BatchFactory of the lfo: its constants in the arena, then the kernel. */
export function createLfoBatch(arena: WasmArena, sampleRate: number): BatchKernel | undefined {
  const entry = arena.exports['lfoRun'] as BatchEntry | undefined;
  const constCount = arena.exports['lfoConstCount'] as (() => number) | undefined;
  if (entry === undefined || constCount === undefined) return undefined;
  const values = [
    LFO_CONSTANTS.twoPi, SIN_S3, SIN_S5, SIN_S7, SIN_S9, SIN_S11, SIN_S13, SIN_S15,
    LFO_CONSTANTS.invControlPeriod, LFO_CONSTANTS.controlPeriod,
  ];
  if (values.length !== constCount()) throw new Error(`lfo batch: ${values.length} constants, the wasm expects ${constCount()}`);
  const consts = arena.f64(values.length);
  if (!arena.holds(consts)) return undefined;
  consts.set(values);
  return new LfoBatch(arena, entry, consts, 1 / sampleRate);
}
