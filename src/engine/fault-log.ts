// The module fault log: a fixed ring of (handle, code, frame) the render loop writes when a
// module throws or outputs NaN/±Inf, and the host drains between blocks (Engine.drainFaults).
// A full ring drops further records (the fault itself still mutes the module and counts).
//
// Threading: render thread. `record` allocates nothing; `drain` runs between blocks.

import type { EngineCounters } from './engine-counters.js';
import type { ModuleInstance } from './instance.js';

export class FaultLog {
  private readonly handles: Int32Array;
  private readonly codes: Int32Array;
  private readonly frames: Float64Array;
  private written = 0;
  private read = 0;

  constructor(
    capacity: number,
    /** The engine's frame clock (clock[0]: frames rendered), stamped on each record. */
    private readonly clock: Float64Array,
    private readonly counters: EngineCounters,
    /** Live instances by handle (Reconciler.byHandle), to name drained faults. */
    private readonly byHandle: ReadonlyMap<number, ModuleInstance>,
  ) {
    this.handles = new Int32Array(capacity);
    this.codes = new Int32Array(capacity);
    this.frames = new Float64Array(capacity);
  }

  /** Mutes `instance` with FAULT_* `code`, counts it and logs it at the current frame. No allocation. */
  record(instance: ModuleInstance, code: number): void {
    instance.markFaulted(code);
    this.counters.countModuleFault();
    const capacity = this.codes.length;
    if (this.written - this.read < capacity) {
      const at = this.written % capacity;
      this.handles[at] = instance.handle;
      this.codes[at] = code;
      this.frames[at] = this.clock[0]!;
      this.written++;
    }
  }

  /** Hands each logged fault to `report`, oldest first (between blocks; may allocate in the callback). */
  drain(report: (moduleId: string, code: number, frame: number) => void): void {
    const capacity = this.codes.length;
    while (this.read < this.written) {
      const at = this.read % capacity;
      const instance = this.byHandle.get(this.handles[at]!);
      report(instance?.id ?? `#${this.handles[at]}`, this.codes[at]!, this.frames[at]!);
      this.read++;
    }
  }
}
