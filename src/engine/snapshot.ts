import type { SequencerSnapshot } from './sequencer/bank.js';
import type { ControlOp } from './sequencer/ops.js';

// The complete render state of an engine at a block boundary. Everything is typed arrays and
// numbers, so it moves between threads by structured clone or transfer without JSON.

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
  /** Pending timed events: [frame, kind, handle, index, value]. */
  readonly events: ReadonlyArray<readonly [number, number, number, number, number]>;
  /** Sequencers and transport (positions, configs, held gates, pending changes). */
  readonly sequencer: SequencerSnapshot;
  /** Control ops not yet applied (plain data). */
  readonly controls: ReadonlyArray<{ readonly frame: number; readonly op: ControlOp }>;
}
