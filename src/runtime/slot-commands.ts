// A slot's side of the command path: drains the shared command ring (and, at adoption, the
// backlog of journal entries its start snapshot does not contain), fixes each command's frame
// with decideFrame (the same in every slot) and applies it to the slot's host with
// applyCommand, the function replay and the offline renderer use too.
//
// Threading: the slot worker's thread, between blocks. `drain` allocates nothing for the
// numeric kinds (param, ramp, gate, reset): no JSON, no closure (the ring's call-back is created
// once); a patch's or control op's text is read and parsed (rare, allocating).

import { decideFrame, drainCommands, payloadText } from './command-ring.js';
import { applyCommand, hasPayload } from './engine-command.js';
import type { EngineHost } from './engine-host.js';
import type { JournalEntry } from './journal.js';
import {
  CMD_AUX, CMD_FRAME, CMD_HANDLE, CMD_INDEX, CMD_KIND, CMD_SEQ, CMD_VALUE, SLOT_LATE_COMMANDS, SLOT_PRODUCED, type SharedViews, type SlotViews,
} from './shared-state.js';

export class SlotCommands {
  /** Sequence number of the last command applied (-1: none yet). */
  lastSeq = -1;
  private readonly me: SlotViews;
  private readonly applyRecordAt: (commands: Float64Array, at: number) => void;

  constructor(private readonly views: SharedViews, private readonly slot: number, private readonly host: EngineHost) {
    this.me = views.slots[slot]!;
    this.applyRecordAt = (commands, at) => this.applyRecord(commands, at);
  }

  /** Applies every record of the ring this slot has not read yet. Returns how many. */
  drain(): number {
    return drainCommands(this.views, this.me, this.applyRecordAt);
  }

  /** Applies a backlog entry (a journal entry the start snapshot does not contain) like a ring record. */
  applyBacklog(entry: JournalEntry): void {
    this.lastSeq = entry.seq;
    applyCommand(this.host, this.frameOf(entry.seq, entry.requested), entry.kind, entry.handle, entry.index, entry.value, entry.aux ?? 0, entry.payload, entry.seq);
  }

  private applyRecord(c: Float64Array, at: number): void {
    const kind = c[at + CMD_KIND]!;
    const seq = c[at + CMD_SEQ]! | 0;
    this.lastSeq = seq;
    const payload = hasPayload(kind) ? payloadText(this.views, c, at) : undefined;
    applyCommand(this.host, this.frameOf(seq, c[at + CMD_FRAME]!), kind, c[at + CMD_HANDLE]! | 0, c[at + CMD_INDEX]! | 0, c[at + CMD_VALUE]!, c[at + CMD_AUX]!, payload, seq);
  }

  /** The frame command `seq` applies at (decideFrame), counting it if it lies in the past. */
  private frameOf(seq: number, requested: number): number {
    const frame = decideFrame(this.views, this.slot, seq, requested, Atomics.load(this.me.ints, SLOT_PRODUCED));
    // decideFrame never returns a frame this slot has rendered; count it if that ever changes.
    if (frame < this.host.engine.frame) Atomics.add(this.me.ints, SLOT_LATE_COMMANDS, 1);
    return frame;
  }
}
