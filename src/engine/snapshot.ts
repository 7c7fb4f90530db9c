// The complete render state of an engine at a block boundary. Everything is typed arrays and
// numbers, so it moves between threads by structured clone or transfer without JSON. Each part
// of the engine snapshots its own state (Engine.snapshot composes them); one instance's state
// is copied out and back here.
//
// Threading: the render thread that owns the engine, between blocks. Everything allocates.

import { FAULT_NONE, type ModuleInstance } from './instance.js';
import { RAMP_FIELDS } from './param-bank.js';
import type { SequencerSnapshot } from './sequencer/bank.js';
import type { ControlOp } from './sequencer/ops.js';

export interface InstanceSnapshot {
  readonly id: string;
  readonly type: string;
  readonly handle: number;
  readonly fault: number;
  /** ParamBank smoothing state. */
  readonly ramp: Float64Array;
  /** Kernel state arrays, in `Kernel.stateArrays()` order. */
  readonly state: readonly (Float64Array | Float32Array)[];
}

export interface EngineSnapshot {
  readonly frame: number;
  readonly nextHandle: number;
  readonly seed: number;
  readonly instances: readonly InstanceSnapshot[];
  /** Pending timed events: [frame, kind, handle, index, value, aux] (aux: a ramp's length in frames; older snapshots lack it). */
  readonly events: ReadonlyArray<readonly [number, number, number, number, number, number?]>;
  /** Sequencers and transport (positions, configs, held gates, pending changes). */
  readonly sequencer: SequencerSnapshot;
  /** Control ops not yet applied (plain data). */
  readonly controls: ReadonlyArray<{ readonly frame: number; readonly op: ControlOp }>;
}

/** Copies one live instance's handle, fault, ramps and DSP state. */
export function snapshotInstance(m: ModuleInstance): InstanceSnapshot {
  return {
    id: m.id,
    type: m.type,
    handle: m.handle,
    fault: m.fault,
    ramp: m.params.ramp.slice(),
    state: m.kernel.stateArrays().map((a) => a.slice()),
  };
}

/** Puts `saved` (taken from an instance of the same id and type) back into `instance`. Throws on a state of another shape. */
export function restoreInstance(instance: ModuleInstance, saved: InstanceSnapshot): void {
  instance.handle = saved.handle;
  instance.fault = saved.fault;
  restoreRamp(instance.params.ramp, saved.ramp);
  instance.params.invalidate();
  const arrays = instance.kernel.stateArrays();
  if (arrays.length !== saved.state.length) throw new Error(`snapshot state of '${saved.id}' has the wrong shape`);
  arrays.forEach((a, k) => a.set(saved.state[k]!));
  if (instance.fault !== FAULT_NONE) for (const out of instance.outputs) out.fill(0);
}

/**
 * Copies saved smoothing state into `ramp`. A state folder written before automation ramps
 * holds OLD_RAMP_FIELDS numbers per param (current, target, step, remaining: the same first
 * fields); the newer fields start at 0 (no automation ramp).
 */
function restoreRamp(ramp: Float64Array, saved: Float64Array): void {
  if (saved.length === ramp.length) {
    ramp.set(saved);
    return;
  }
  const params = ramp.length / RAMP_FIELDS;
  if (saved.length !== params * OLD_RAMP_FIELDS) throw new Error('snapshot param state has the wrong shape');
  ramp.fill(0);
  for (let p = 0; p < params; p++) ramp.set(saved.subarray(p * OLD_RAMP_FIELDS, (p + 1) * OLD_RAMP_FIELDS), p * RAMP_FIELDS);
}

const OLD_RAMP_FIELDS = 4;
