// Runs one kernel directly, without the engine: for module unit tests and the conformance
// suite. Params are given per call either as constants or as per-sample arrays.

import { OUTPUT_CHECK_LIMIT, type InputPort, type Kernel, type ModuleDefinition } from '../../src/dsp/kernel.js';
import { ParamSignalCell } from '../../src/dsp/param-signal.js';
import { HEAP_MEMORY, type KernelMemory } from '../../src/dsp/lib/wasm-arena.js';

export interface HarnessOptions {
  sampleRate?: number;
  maxBlock?: number;
  seed?: number;
  /** Param values by id (defaults from the spec otherwise). */
  params?: Record<string, number>;
  /** Where state, param, input and output arrays live (a WasmArena for batch kernels; default the heap). */
  memory?: KernelMemory | undefined;
}

export class KernelHarness {
  readonly kernel: Kernel;
  readonly params: ParamSignalCell[];
  readonly inputs: InputPort[];
  readonly outputs: Float32Array[];
  readonly sampleRate: number;
  readonly maxBlock: number;

  constructor(readonly definition: ModuleDefinition, options: HarnessOptions = {}) {
    this.sampleRate = options.sampleRate ?? 48000;
    this.maxBlock = options.maxBlock ?? 128;
    const spec = definition.spec;
    const memory = options.memory ?? HEAP_MEMORY;
    this.params = spec.params.map((p) => new ParamSignalCell(options.params?.[p.id] ?? p.default, memory.f64(this.maxBlock)));
    this.inputs = spec.inputs.map(() => ({ connected: false, buffer: memory.f32(this.maxBlock), scale: 1 }));
    this.outputs = spec.outputs.map(() => memory.f32(this.maxBlock));
    this.kernel = new definition.kernel(
      { sampleRate: this.sampleRate, maxBlock: this.maxBlock, seed: options.seed ?? 12345, memory },
      { params: this.params, inputs: this.inputs, outputs: this.outputs },
    );
  }

  paramIndex(id: string): number {
    const i = this.definition.spec.params.findIndex((p) => p.id === id);
    if (i < 0) throw new Error(`no param ${id}`);
    return i;
  }

  inputIndex(id: string): number {
    const i = this.definition.spec.inputs.findIndex((p) => p.id === id);
    if (i < 0) throw new Error(`no input ${id}`);
    return i;
  }

  setParam(id: string, value: number): void {
    const p = this.params[this.paramIndex(id)]!;
    p.isConstant = true;
    p.value = value;
  }

  /**
   * Renders `frames` samples in blocks of `block`, returning each output as one array.
   * `inputs` maps input ids to whole-signal arrays (at least `frames` long); `paramCurves`
   * maps param ids to per-sample values (presented to the kernel as non-constant buffers).
   */
  render(
    frames: number,
    opts: { block?: number; inputs?: Record<string, Float32Array>; paramCurves?: Record<string, Float64Array> } = {},
  ): Float32Array[] {
    const block = opts.block ?? this.maxBlock;
    if (block > this.maxBlock) throw new Error('block larger than maxBlock');
    const result = this.outputs.map(() => new Float32Array(frames));
    for (const [id, signal] of Object.entries(opts.inputs ?? {})) {
      this.inputs[this.inputIndex(id)]!.connected = signal.length > 0;
    }
    for (let pos = 0; pos < frames; pos += block) {
      const n = Math.min(block, frames - pos);
      for (const [id, signal] of Object.entries(opts.inputs ?? {})) {
        this.inputs[this.inputIndex(id)]!.buffer.set(signal.subarray(pos, pos + n), 0);
      }
      for (const [id, curve] of Object.entries(opts.paramCurves ?? {})) {
        const p = this.params[this.paramIndex(id)]!;
        p.isConstant = false;
        p.buffer.set(curve.subarray(pos, pos + n), 0);
        p.value = curve[pos + n - 1]!;
      }
      this.kernel.outputCheck[0] = Number.POSITIVE_INFINITY;
      this.kernel.process(0, n);
      verifyOutputCheck(this.kernel, this.outputs, 0, n);
      this.outputs.forEach((out, k) => result[k]!.set(out.subarray(0, n), pos));
    }
    return result;
  }
}

/**
 * Kernel.outputCheck soundness, after every process call the harness makes: when the kernel
 * vouches (a value below the limit), every output sample must be finite and the value must
 * cover the sum of squares of what was written (a path that forgot to accumulate would fall
 * short of it).
 */
export function verifyOutputCheck(kernel: Kernel, outputs: readonly Float32Array[], start: number, end: number): void {
  const vouched = kernel.outputCheck[0]!;
  if (!(vouched < OUTPUT_CHECK_LIMIT)) return;
  let sum = 0;
  for (const out of outputs) {
    for (let i = start; i < end; i++) {
      const y = out[i]!;
      if (!Number.isFinite(y)) throw new Error(`${kernel.constructor.name}: vouched for its outputs (${vouched}) but wrote ${y}`);
      sum += y * y;
    }
  }
  if (!(sum <= vouched * (1 + 1e-5) + 1e-30)) {
    throw new Error(`${kernel.constructor.name}: outputCheck ${vouched} below the sum of squares written ${sum} (a path does not accumulate)`);
  }
}
