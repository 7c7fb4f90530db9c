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
}
