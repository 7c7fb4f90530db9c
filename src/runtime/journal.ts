// The journal: every accepted state change, in sequence order, with the frame it applies at
// once a slot has decided it. It resyncs a replacement slot (the commands its snapshot does
// not contain), restores a server from its state folder, and re-renders offline exactly what
// the sink played (replay.ts).
//
// Threading: main thread (supervisor). Sequence numbers are int32 and wrap: compare them by
// subtraction.

import { CMD_FIELDS, CMD_FRAME, CMD_HANDLE, CMD_INDEX, CMD_KIND, CMD_SEQ, CMD_VALUE } from './shared-state.js';
import type { ControlOp } from '../engine/sequencer/ops.js';
import type { PatchPayload } from './engine-host.js';

export interface JournalEntry {
  readonly seq: number;
  /** Frame asked for (a timetag), 0 for "as soon as possible". */
  readonly requested: number;
  /** EVENT_* kind, CMD_APPLY_PATCH with the patch in `patch` or CMD_CONTROL with the op in `control` (value = its id). */
  readonly kind: number;
  readonly handle: number;
  readonly index: number;
  readonly value: number;
  readonly patch?: PatchPayload;
  readonly control?: ControlOp;
  /** The frame every slot applies it at; undefined until a slot decided it. */
  frame: number | undefined;
}

export class Journal {
  private entries: JournalEntry[] = [];
  /** Index into `entries` of the first entry whose frame is not known yet. */
  private firstUndecided = 0;

  get size(): number {
    return this.entries.length;
  }

  append(entry: JournalEntry): void {
    this.entries.push(entry);
  }

  /** Sequence number of the oldest undecided entry, or undefined when all are decided. */
  get oldestUndecided(): number | undefined {
    return this.entries[this.firstUndecided]?.seq;
  }

  /**
   * Fills in the frames slots have decided (`decided(seq)` reads the decision table), in
   * order, and returns the entries that became decided now.
   */
  settle(decided: (entry: JournalEntry) => number | undefined): JournalEntry[] {
    const from = this.firstUndecided;
    while (this.firstUndecided < this.entries.length) {
      const entry = this.entries[this.firstUndecided]!;
      const frame = decided(entry);
      if (frame === undefined) break;
      entry.frame = frame;
      this.firstUndecided++;
    }
    return this.entries.slice(from, this.firstUndecided);
  }

  /** Entries with seq ≥ `seq`, in order (decided or not). */
  since(seq: number): JournalEntry[] {
    return this.entries.filter((e) => ((e.seq - seq) | 0) >= 0);
  }

  /** Drops entries with seq < `seq` (they are inside a snapshot every future start uses). */
  trimBefore(seq: number): void {
    let drop = 0;
    while (drop < this.entries.length && ((this.entries[drop]!.seq - seq) | 0) < 0) drop++;
    if (drop === 0) return;
    this.entries = this.entries.slice(drop);
    this.firstUndecided = Math.max(0, this.firstUndecided - drop);
  }
}

/** Ring records (CMD_FIELDS float64s each) for entries, as a slot's backlog. */
export function backlogRecords(entries: readonly JournalEntry[]): Float64Array {
  const out = new Float64Array(entries.length * CMD_FIELDS);
  entries.forEach((e, i) => {
    const at = i * CMD_FIELDS;
    out[at + CMD_FRAME] = e.requested;
    out[at + CMD_KIND] = e.kind;
    out[at + CMD_HANDLE] = e.handle;
    out[at + CMD_INDEX] = e.index;
    out[at + CMD_VALUE] = e.value;
    out[at + CMD_SEQ] = e.seq;
  });
  return out;
}
