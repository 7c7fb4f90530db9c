// One live module: its kernel, the buffers the kernel reads and writes, and its param bank.
// Created when a patch that adds the module is applied; survives later patches that keep the
// same id and type (so phases, envelopes and filter states carry over).
//
// Threading: render thread. Construction allocates; per-block methods do not.

import type { InputPort, Kernel, ModuleDefinition } from '../dsp/kernel.js';
import { ParamBank } from './param-bank.js';
import type { RenderScratch } from './render-scratch.js';

export const FAULT_NONE = 0;
/** The kernel threw from `process` or `gate`. */
export const FAULT_THROW = 1;
/** The kernel wrote NaN or ±Infinity. */
export const FAULT_NON_FINITE = 2;

export const FAULT_NAMES: Readonly<Record<number, string>> = {
  [FAULT_NONE]: 'none',
  [FAULT_THROW]: 'E_MODULE_THREW',
  [FAULT_NON_FINITE]: 'E_MODULE_NON_FINITE',
};

export class ModuleInstance {
  readonly kernel: Kernel;
  readonly params: ParamBank;
  readonly inputs: InputPort[];
  readonly outputs: Float32Array[];
  readonly maxBlock: number;
  /** FAULT_* code; a faulted module outputs silence until reset. */
  fault = FAULT_NONE;

  constructor(
    readonly id: string,
    readonly type: string,
    public handle: number,
    readonly definition: ModuleDefinition,
    initialParams: readonly number[],
    sampleRate: number,
    seed: number,
    scratch: RenderScratch,
  ) {
    const spec = definition.spec;
    const maxBlock = scratch.maxBlock;
    const silence = scratch.silence;
    this.maxBlock = maxBlock;
    this.params = new ParamBank(spec.params, initialParams, sampleRate, scratch);
    // scale starts as a double (0.5, then 1) so the field keeps one representation when an
    // amount such as 0.25 is bound later.
    this.inputs = spec.inputs.map(() => {
      const port: InputPort = { connected: false, buffer: silence, scale: 0.5 };
      port.scale = 1;
      return port;
    });
    this.outputs = spec.outputs.map(() => scratch.unbound);
    this.kernel = new definition.kernel(
      { sampleRate, maxBlock, seed, memory: scratch.memory },
      { params: this.params.signals, inputs: this.inputs, outputs: this.outputs },
    );
  }

  /** Mutes the module: its outputs read as silence from now on. */
  markFaulted(code: number): void {
    this.fault = code;
    // A batch group's fast path must see the fault (ParamBank.watcher).
    this.params.invalidate();
    for (const out of this.outputs) out.fill(0);
  }

  /** Brings a faulted module back with fresh DSP state (params are kept). */
  revive(): void {
    this.kernel.reset();
    this.fault = FAULT_NONE;
  }
}

/** Deterministic per-instance seed: FNV-1a of the id, mixed with the engine seed. */
export function instanceSeed(engineSeed: number, id: string): number {
  let h = 0x811c9dc5 ^ (engineSeed >>> 0);
  for (let i = 0; i < id.length; i++) {
    h ^= id.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  h ^= h >>> 16;
  h = Math.imul(h, 0x7feb352d);
  h ^= h >>> 15;
  return h >>> 0;
}
