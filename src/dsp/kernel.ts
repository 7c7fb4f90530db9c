// The contract between the engine and a module's DSP code.
//
// Threading: kernels run on the render thread (a slot worker, or the offline renderer).
// The constructor may allocate (it runs when a patch is applied, not per block).
// `process`, `gate` and `reset` must never allocate, throw on purpose, log, await or do I/O.
//
// Determinism: all mutable DSP state lives in `state` (and, for modules with memory such as
// delay lines, in the arrays returned by `stateArrays`), so the engine can snapshot and
// restore a kernel bit-exactly and a respawned slot can be made identical to the survivor.

import { HEAP_MEMORY, type KernelMemory } from './lib/wasm-arena.js';
import type { SampleBuffer } from './sample-buffer.js';
import type { ModuleSpec } from './spec.js';

/**
 * One parameter as the kernel sees it for the sub-block being processed. Owned and filled by
 * the engine (smoothing ramps and modulation already applied and clamped to the param range).
 */
export interface ParamSignal {
  /** True when the value is the same for every sample of the current sub-block. */
  isConstant: boolean;
  /** The value when `isConstant` (always kept equal to the last sample's value). */
  value: number;
  /** Per-sample values, indexed like the audio buffers; valid in [start, end) when not constant. */
  readonly buffer: Float64Array;
}

/** One audio input as the kernel sees it. Rebound by the engine when the patch changes. */
export interface InputPort {
  /** False when nothing is connected (then `buffer` is all zeros). */
  connected: boolean;
  buffer: Float32Array;
  /**
   * The input is Math.fround(scale · buffer[i]). Always 1 unless the spec declares the port
   * `readsScale` (then the kernel must apply it).
   */
  scale: number;
}

export interface KernelContext {
  readonly sampleRate: number;
  /** Largest sub-block the engine will ever ask for; buffers have this length. */
  readonly maxBlock: number;
  /** Deterministic per-instance seed (derived from the engine seed and the module id). */
  readonly seed: number;
  /**
   * Where to allocate `state` (see stateArray): the thread's wasm arena when the engine batches
   * (lib/wasm-arena.ts), else the JS heap. Absent: the heap.
   */
  readonly memory?: KernelMemory;
}

/**
 * A kernel's zeroed `state` array of `length` values, in ctx.memory (construction time only):
 * kernels of types with a batch kernel use it, so their state can be rendered in place.
 */
export function stateArray(ctx: KernelContext, length: number): Float64Array {
  return (ctx.memory ?? HEAP_MEMORY).f64(length);
}

/** What the engine hands a kernel at construction, in spec order. */
export interface KernelIo {
  readonly params: readonly ParamSignal[];
  readonly inputs: readonly InputPort[];
  /** One buffer per declared output, length `maxBlock`. */
  readonly outputs: readonly Float32Array[];
}

const NO_EXTRA_STATE: readonly (Float64Array | Float32Array)[] = Object.freeze([]);

/** Largest float32 (2^128 − 2^104). */
const FLOAT32_MAX = 3.4028234663852886e38;
/**
 * Kernel.outputCheck values below this (FLOAT32_MAX², as rounded) vouch that every sample
 * written was finite as a float32: a sum of squares below it has every |y| < FLOAT32_MAX.
 */
export const OUTPUT_CHECK_LIMIT = FLOAT32_MAX * FLOAT32_MAX;

/**
 * The one outputCheck slot of every kernel on this thread: kernels run one at a time and the
 * engine reads the slot right after each call, so they can share it, and a shared slot stays
 * in the L1 cache where one array per kernel cost a cache miss per module and block.
 */
const SHARED_OUTPUT_CHECK = new Float64Array(1);

export abstract class Kernel {
  /** Every mutable scalar of the kernel's DSP state. Sized in the constructor. */
  abstract readonly state: Float64Array;

  /**
   * Optional output vouching, which lets the engine skip its scan of the outputs for NaN/±Inf
   * (fault containment). The engine stores +Infinity here before each `process` call and,
   * unless the kernel leaves a value below OUTPUT_CHECK_LIMIT, scans every output over
   * [start, end) afterwards. A kernel may store the sum of y² over every sample y (the double
   * it stored) of every output it wrote in the call, or any upper bound of that sum. Sound by
   * construction: a NaN or ±Infinity makes the sum NaN or Infinity, and |y| ≥ FLOAT32_MAX
   * (which a float32 store turns into ±Infinity) makes it reach the limit, so the engine
   * scans in exactly the cases where a non-finite sample may have been written. A code path
   * that does not accumulate adds Infinity (or leaves the engine's Infinity in place).
   * The slot is shared by all kernels of the thread (valid from the engine's store before a
   * call to its read after it; `process` must not run another kernel).
   */
  readonly outputCheck = SHARED_OUTPUT_CHECK;

  constructor(
    /** Public for the engine and batch kernels (src/dsp/batch.ts), read-only. */
    readonly ctx: KernelContext,
    readonly io: KernelIo,
  ) {}

  /**
   * Renders samples [start, end) of the output buffers. Reads params and inputs over the same
   * range. Must give bit-identical results however the timeline is cut into [start, end) calls,
   * and whether a param arrives as constant or as a buffer holding that same value.
   */
  abstract process(start: number, end: number): void;

  /**
   * Gate on/off at the current sample (only called when the spec declares `gate: true`), with
   * the note's velocity in (0, 1] when on (1 for a plain "on"; 0 when off). Kernels that react to
   * velocity scale level (and brightness, for drums) by it; the others ignore it.
   */
  gate(_on: boolean, _velocity = 1): void {}

  /**
   * Modules with a `choke` param (a group number; 0 = none): another module of the same group
   * was gated on at the current sample. Fade out fast: at most −60 dB within 5 ms. Same rules
   * as `gate` (no allocation, no throw).
   */
  choke(): void {}

  /**
   * Modules with buffer params (spec.bufferParams): the buffer that param `index` names, or
   * undefined when none is loaded under that name. Called when a patch is applied (between
   * blocks, may allocate), for new and kept instances alike, before a snapshot is restored
   * into the kernel; the same buffer object again means nothing changed.
   */
  bindBuffer(_index: number, _buffer: SampleBuffer | undefined): void {}

  /**
   * The transport starts at the current sample (/seq/start or /transport/start while it was
   * stopped; the engine calls every live kernel at that exact frame, offline and live alike):
   * modules that follow the transport (the lfo's `retrig`) restart here. Same rules as `gate`
   * (no allocation, no throw). Default: nothing.
   */
  transportStart(): void {}

  /** Back to the state of a freshly constructed kernel (with the same seed). */
  reset(): void {
    this.state.fill(0);
    const extra = this.extraStateArrays();
    for (let i = 0; i < extra.length; i++) extra[i].fill(0);
    this.init();
  }

  /** Re-establishes the initial state after `state` was zeroed (e.g. RNG seeds). */
  protected init(): void {}

  /** Additional state arrays (delay lines); empty for most modules. */
  protected extraStateArrays(): readonly (Float64Array | Float32Array)[] {
    return NO_EXTRA_STATE;
  }

  /** All state arrays in a fixed order: used by snapshot/restore. */
  stateArrays(): readonly (Float64Array | Float32Array)[] {
    return [this.state, ...this.extraStateArrays()];
  }
}

/**
 * A kernel that lets a patch close a feedback loop through it (spec.loopDelayMs, e.g. `delay`).
 * Its work is split in two so the engine can render a loop in chunks no longer than the delay:
 *   - renderOutput(start, end) writes the outputs over [start, end) from the kernel's memory and
 *     params alone: it never reads the audio inputs;
 *   - acceptInput(start, end) then takes the audio inputs over the same range into memory.
 * Output sample n may depend on input samples at n − loopDelaySamples or earlier only. `process`
 * (used when the module is not in a loop) runs the two in chunks of at most loopDelaySamples, so
 * both paths give the same samples. Same rules as `process`: no allocation, no throw; and leave
 * `outputCheck` alone (renderOutput runs in several chunks per call: the engine scans).
 */
export abstract class LoopBreakingKernel extends Kernel {
  /** Minimum delay from input to output, in samples (≥ 1): floor(spec.loopDelayMs · fs / 1000). */
  abstract readonly loopDelaySamples: number;

  /**
   * Set by the render plan (patch-apply time) when the module closes a loop: `process` then
   * renders the outputs only, and the engine calls acceptInput after the loop has rendered.
   */
  deferInput = false;

  abstract renderOutput(start: number, end: number): void;

  abstract acceptInput(start: number, end: number): void;

  process(start: number, end: number): void {
    if (this.deferInput) {
      this.renderOutput(start, end);
      return;
    }
    const chunk = this.loopDelaySamples;
    for (let s = start; s < end; s += chunk) {
      const e = s + chunk < end ? s + chunk : end;
      this.renderOutput(s, e);
      this.acceptInput(s, e);
    }
  }
}

export type KernelConstructor = new (ctx: KernelContext, io: KernelIo) => Kernel;

/** A registered module: its spec and its kernel class. */
export interface ModuleDefinition {
  readonly spec: ModuleSpec;
  readonly kernel: KernelConstructor;
}
