// The contract between the engine and a module type's SIMD batch implementation.
//
// A batch kernel renders a GROUP of up to BATCH_LANES instances of one module type over
// [start, end) in one call, bit-identical to calling each instance's JS `process` over the
// same range (outputs AND every value of each instance's `state`), so the engine may switch
// between the two paths at any sub-block without any audible or state difference. Instances
// keep their own `state` arrays; those, and every audio buffer, live in the thread's wasm arena
// (lib/wasm-arena.ts), so a call passes pointers and copies nothing.
//
// Calling convention of a wasm batch kernel (wasm/abi.ts is the AssemblyScript side):
//   <type>Run(desc: usize, lanes: i32, start: i32, end: i32): void
// `lanes` is always 4: the host pads a call of 2 or 3 instances with pad lanes, each a copy of
// the last instance's record whose state points at a copy of its state and whose outputs point
// at pad buffers, so a kernel always runs two full f64x2 vectors and pads disturb nobody.
// `desc` points at a header of 8 f64 slots (slot 0: byte offset of the kernel's constants,
// slot 1: byte offset of a work area of WORK_BYTES the kernels share) followed by 4 lane
// records of LANE_SLOTS f64
// slots: byte offsets of the state and of up to 4 outputs and 4 inputs, the inputs' scales and
// connected flags (1/0), the sum of y² that the kernel writes back, and up to 14 params whose
// meaning each type defines. Byte offsets are stored as f64 (exact integers).
//
// Threading: render thread. A factory runs at engine construction or patch-apply time (may
// allocate); `accepts` and `run` never allocate, throw on purpose, log, await or do I/O.

import type { Kernel } from './kernel.js';
import { DESC_BYTES, PAD_STATE_SLOTS, type WasmArena } from './lib/wasm-arena.js';

/** Instances per batch call (two f64x2 vectors). */
export const BATCH_LANES = 4;

/** Descriptor layout (f64 slot indices), mirrored by wasm/abi.ts. */
export const DESC_HEADER_SLOTS = 8;
export const DESC_CONSTS = 0;
export const DESC_WORK = 1;
export const LANE_SLOTS = 32;
export const D_STATE = 0;
export const D_OUT = 1;
export const D_IN = 5;
export const D_SCALE = 9;
export const D_CONNECTED = 13;
export const D_SQ = 17;
export const D_PARAM = 18;
export const MAX_PORTS = 4;
export const MAX_PARAMS = LANE_SLOTS - D_PARAM;

export interface BatchKernel {
  /** The wasm entry point and the byte offset of the kernel's constants (0: none). */
  readonly entry: BatchEntry;
  readonly constPtr: number;
  /**
   * True when this instance's current sub-block is on the batch path (e.g. its params are
   * constant over it). Called after the engine filled the instance's params for the range.
   */
  accepts(kernel: Kernel): boolean;
  /** Writes the kernel's params for the call at desc[at ...] (at most MAX_PARAMS slots). */
  writeParams(kernel: Kernel, desc: Float64Array, at: number): void;
  /**
   * True when, as long as the kernel's params stay settled (constant, unchanged), `accepts`
   * keeps its answer and `writeParams` writes the same values at every call whatever the
   * kernel's state, so the engine may skip both (BatchCall.runCached). False is always safe.
   */
  cacheable(kernel: Kernel): boolean;
  /**
   * Renders kernels[0 .. count) (2 ≤ count ≤ BATCH_LANES, each accepted for this range, with
   * state and buffers in the arena) over [start, end), building the descriptor from scratch
   * (reads byteOffset: slow, for tests and one-off calls; the engine uses BatchCall). Writes
   * each instance's outputCheck value (Kernel.outputCheck semantics) to check[lane].
   */
  run(kernels: readonly Kernel[], count: number, start: number, end: number, check: Float64Array): boolean;
}

/** Creates a module type's batch kernel for a sample rate on the thread's arena (undefined: none). */
export type BatchFactory = (arena: WasmArena, sampleRate: number) => BatchKernel | undefined;

/** The wasm entry point of a type (see the calling convention above). */
export type BatchEntry = (desc: number, lanes: number, start: number, end: number) => void;

/** f64 slots of a whole descriptor. */
export const DESC_SLOTS = DESC_HEADER_SLOTS + BATCH_LANES * LANE_SLOTS;
// The arena reserves the shared descriptor by size (it sits below this layer).
if (DESC_SLOTS * 8 !== DESC_BYTES) throw new Error(`batch: descriptor of ${DESC_SLOTS} slots, the arena reserves ${DESC_BYTES} bytes`);

/**
 * The host side every wasm batch kernel shares. A type adds `accepts` and `writeParams`.
 */
export abstract class WasmBatchKernel implements BatchKernel {
  readonly constPtr: number;

  constructor(
    private readonly arena: WasmArena,
    readonly entry: BatchEntry,
    /** This kernel's constants, in the arena (kept referenced here so the arena keeps them). */
    readonly constants: Float64Array | undefined,
  ) {
    this.constPtr = constants === undefined ? 0 : constants.byteOffset;
  }

  abstract accepts(kernel: Kernel): boolean;

  abstract writeParams(kernel: Kernel, desc: Float64Array, at: number): void;

  cacheable(_kernel: Kernel): boolean {
    return false;
  }

  run(kernels: readonly Kernel[], count: number, start: number, end: number, check: Float64Array): boolean {
    if (!(count >= 2 && count <= BATCH_LANES)) return false;
    const arena = this.arena;
    const d = arena.whole64;
    const head = arena.descPtr >> 3;
    writeHeader(arena, this, d, head);
    for (let l = 0; l < count; l++) {
      const at = head + DESC_HEADER_SLOTS + l * LANE_SLOTS;
      writeStaticLane(kernels[l], d, at);
      this.writeParams(kernels[l], d, at + D_PARAM);
    }
    writePads(arena, d, head, count, kernels[count - 1].state);
    this.entry(arena.descPtr, BATCH_LANES, start, end);
    for (let l = 0; l < count; l++) check[l] = d[head + DESC_HEADER_SLOTS + l * LANE_SLOTS + D_SQ]!;
    return true;
  }
}

function writeHeader(arena: WasmArena, batch: BatchKernel, d: Float64Array, head: number): void {
  d[head + DESC_CONSTS] = batch.constPtr;
  d[head + DESC_WORK] = arena.workPtr;
}

/** The lane record's pointers, scales and flags (fixed while the plan's bindings hold). */
function writeStaticLane(kernel: Kernel, d: Float64Array, at: number): void {
  d[at + D_STATE] = kernel.state.byteOffset;
  const outputs = kernel.io.outputs;
  for (let o = 0; o < outputs.length; o++) d[at + D_OUT + o] = outputs[o].byteOffset;
  const inputs = kernel.io.inputs;
  for (let i = 0; i < inputs.length; i++) {
    const port = inputs[i];
    d[at + D_IN + i] = port.buffer.byteOffset;
    d[at + D_SCALE + i] = port.scale;
    d[at + D_CONNECTED + i] = port.connected ? 1 : 0;
  }
}

/**
 * Pad lanes count..3 of the descriptor at `head`: copies of lane count − 1's record whose state
 * points at a copy of `lastState` and whose outputs point at pad buffers (render thread, no
 * allocation: the pad slots are the arena's).
 */
function writePads(arena: WasmArena, d: Float64Array, head: number, count: number, lastState: Float64Array): void {
  const from = head + DESC_HEADER_SLOTS + (count - 1) * LANE_SLOTS;
  for (let l = count; l < BATCH_LANES; l++) {
    const to = head + DESC_HEADER_SLOTS + l * LANE_SLOTS;
    for (let k = 0; k < LANE_SLOTS; k++) d[to + k] = d[from + k]!;
    const pad = l - count;
    d[to + D_STATE] = arena.padStateFrom(pad, lastState);
    const outputs = arena.padOutputPtrs[pad];
    for (let o = 0; o < MAX_PORTS; o++) d[to + D_OUT + o] = outputs[o]!;
  }
}

/**
 * One batch group's calls (the engine keeps one per plan group): a descriptor of its own in the
 * arena whose pointers are written once, when the plan is compiled (reading byteOffset costs a
 * runtime call, ~20 ns), so a call writes only params. Render thread; the constructor
 * allocates (compile time), runAll and runSome do not.
 */
export class BatchCall {
  readonly size: number;
  private readonly block: Float64Array;
  private readonly d: Float64Array;
  private readonly head: number;
  private readonly descPtr: number;
  private readonly sharedHead: number;
  private readonly sharedPtr: number;

  /** `kernels`: 2..4 kernels resident in `arena` (residentIn), in lane order. */
  constructor(
    private readonly arena: WasmArena,
    private readonly batch: BatchKernel,
    readonly kernels: readonly Kernel[],
  ) {
    if (!(kernels.length >= 2 && kernels.length <= BATCH_LANES)) throw new Error(`BatchCall: ${kernels.length} kernels`);
    this.size = kernels.length;
    this.block = arena.f64(DESC_SLOTS);
    if (!arena.holds(this.block)) throw new Error('BatchCall: arena full');
    this.d = arena.whole64;
    this.descPtr = this.block.byteOffset;
    this.head = this.descPtr >> 3;
    this.sharedPtr = arena.descPtr;
    this.sharedHead = arena.descPtr >> 3;
    writeHeader(arena, batch, this.d, this.head);
    for (let l = 0; l < kernels.length; l++) writeStaticLane(kernels[l], this.d, this.head + DESC_HEADER_SLOTS + l * LANE_SLOTS);
  }

  /** Renders every kernel of the call over [start, end); check[l] gets lane l's outputCheck. */
  runAll(start: number, end: number, check: Float64Array): void {
    const d = this.d;
    const head = this.head;
    const kernels = this.kernels;
    const n = this.size;
    for (let l = 0; l < n; l++) this.batch.writeParams(kernels[l], d, head + DESC_HEADER_SLOTS + l * LANE_SLOTS + D_PARAM);
    if (n < BATCH_LANES) writePads(this.arena, d, head, n, kernels[n - 1].state);
    this.batch.entry(this.descPtr, BATCH_LANES, start, end);
    for (let l = 0; l < n; l++) check[l] = d[head + DESC_HEADER_SLOTS + l * LANE_SLOTS + D_SQ]!;
  }

  /**
   * runAll with the params the last runAll wrote (the engine's fast path: every kernel
   * settled and cacheable since then). Pad lanes still copy the last lane's current state.
   */
  runCached(start: number, end: number, check: Float64Array): void {
    const d = this.d;
    const head = this.head;
    const n = this.size;
    if (n < BATCH_LANES) writePads(this.arena, d, head, n, this.kernels[n - 1].state);
    this.batch.entry(this.descPtr, BATCH_LANES, start, end);
    for (let l = 0; l < n; l++) check[l] = d[head + DESC_HEADER_SLOTS + l * LANE_SLOTS + D_SQ]!;
  }

  /**
   * Renders lanes[0 .. count) (lane indexes, ascending, 2 ≤ count < size) over [start, end),
   * in the arena's shared descriptor; check[j] gets lanes[j]'s outputCheck.
   */
  runSome(lanes: Int32Array, count: number, start: number, end: number, check: Float64Array): void {
    const d = this.d;
    const shared = this.sharedHead;
    d[shared + DESC_CONSTS] = d[this.head + DESC_CONSTS]!;
    d[shared + DESC_WORK] = d[this.head + DESC_WORK]!;
    for (let j = 0; j < count; j++) {
      const from = this.head + DESC_HEADER_SLOTS + lanes[j] * LANE_SLOTS;
      const to = shared + DESC_HEADER_SLOTS + j * LANE_SLOTS;
      for (let k = 0; k < D_PARAM; k++) d[to + k] = d[from + k]!;
      this.batch.writeParams(this.kernels[lanes[j]], d, to + D_PARAM);
    }
    writePads(this.arena, d, shared, count, this.kernels[lanes[count - 1]].state);
    this.batch.entry(this.sharedPtr, BATCH_LANES, start, end);
    for (let j = 0; j < count; j++) check[j] = d[shared + DESC_HEADER_SLOTS + j * LANE_SLOTS + D_SQ]!;
  }
}

/**
 * True when an instance's state and every buffer it reads or writes lie in `arena`, so a batch
 * kernel can address them (compile time: the engine batches only such instances).
 */
export function residentIn(arena: WasmArena, kernel: Kernel): boolean {
  if (!arena.holds(kernel.state) || kernel.state.length > PAD_STATE_SLOTS) return false;
  if (kernel.io.outputs.length > MAX_PORTS || kernel.io.inputs.length > MAX_PORTS || kernel.io.params.length > MAX_PARAMS) return false;
  for (const out of kernel.io.outputs) if (!arena.holds(out)) return false;
  for (const port of kernel.io.inputs) if (!arena.holds(port.buffer)) return false;
  return true;
}

/** The batch kernel of `factory` at `sampleRate` on `arena`, created once per thread. */
export function batchKernelOn(arena: WasmArena, factory: BatchFactory, sampleRate: number): BatchKernel | undefined {
  let bySampleRate = arena.batchKernels.get(factory) as Map<number, BatchKernel | undefined> | undefined;
  if (bySampleRate === undefined) {
    bySampleRate = new Map();
    arena.batchKernels.set(factory, bySampleRate);
  }
  if (!bySampleRate.has(sampleRate)) bySampleRate.set(sampleRate, factory(arena, sampleRate));
  return bySampleRate.get(sampleRate);
}
