// What is scheduled: timed events (param sets, gates, resets) in the event queue and control
// ops (sequencer, transport) in frame order. The host and the sequencers schedule here; the
// render loop (render-loop.ts) takes each at its frame. An event or op for a frame already
// rendered is counted late and happens at the next rendered sample.
//
// Threading: render thread. `push` and the render-side readers allocate nothing;
// `scheduleControl` and the snapshot helpers run between blocks and allocate.

import type { EngineCounters } from './engine-counters.js';
import { EventQueue } from './event-queue.js';
import type { ControlOp } from './sequencer/ops.js';
import type { EngineSnapshot } from './snapshot.js';

/** A control op waiting for its frame. */
export interface TimedControl {
  readonly frame: number;
  readonly op: ControlOp;
}

export class Timeline {
  readonly events: EventQueue;
  /** Control ops by frame (stable); few, so a sorted array. */
  private readonly controls: TimedControl[] = [];

  constructor(
    eventCapacity: number,
    /** The engine's frame clock (clock[0]: frames rendered). */
    private readonly clock: Float64Array,
    private readonly counters: EngineCounters,
  ) {
    this.events = new EventQueue(eventCapacity);
  }

  /** Queues an event (EVENT_* `kind`) at `frame`; false (and counted) when the queue is full. No allocation. */
  push(frame: number, kind: number, handle: number, index: number, value: number, aux: number): boolean {
    const now = this.clock[0]!;
    if (frame < now) {
      this.counters.countEventLate();
      frame = now;
    }
    if (!this.events.push(frame, kind, handle, index, value, aux)) {
      this.counters.countEventDropped();
      return false;
    }
    return true;
  }

  /** Queues a control op at `frame`, after any op already at that frame. Allocates one array entry. */
  scheduleControl(frame: number, op: ControlOp): void {
    const now = this.clock[0]!;
    if (frame < now) {
      this.counters.countEventLate();
      frame = now;
    }
    const controls = this.controls;
    let pos = controls.length;
    while (pos > 0 && controls[pos - 1]!.frame > frame) pos--;
    controls.splice(pos, 0, { frame, op });
  }

  /** Frame of the earliest pending control op, +Infinity when none. */
  nextControlFrame(): number {
    return this.controls.length > 0 ? this.controls[0]!.frame : Number.POSITIVE_INFINITY;
  }

  /** Removes and returns the earliest pending control op (call only when nextControlFrame is finite). */
  takeControl(): ControlOp {
    return this.controls.shift()!.op;
  }

  /** Pending events and control ops as plain data (EngineSnapshot fields). Allocates. */
  snapshot(): Pick<EngineSnapshot, 'events' | 'controls'> {
    return { events: this.events.toArray(), controls: this.controls.map((c) => ({ frame: c.frame, op: c.op })) };
  }

  /** Replaces everything pending with a snapshot's events and control ops. Allocates. */
  restore(snapshot: Pick<EngineSnapshot, 'events' | 'controls'>): void {
    this.events.clear();
    // Snapshots from before ramps existed hold five numbers per event (aux 0).
    for (const [frame, kind, handle, index, value, aux] of snapshot.events) this.events.push(frame, kind, handle, index, value, aux ?? 0);
    this.controls.length = 0;
    for (const c of snapshot.controls) this.controls.push({ frame: c.frame, op: c.op });
  }
}
