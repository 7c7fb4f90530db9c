// The journal: every accepted state change, in sequence order, in the encoding the command
// ring carries (EncodedCommand), with the frame it applies at once a slot has decided it. It
// resyncs a replacement slot (its backlog: the entries its snapshot does not contain), restores
// a server from its state folder, and re-renders offline exactly what the sink played
// (replay.ts).
//
// Threading: main thread (supervisor). Sequence numbers are int32 and wrap: compare them by
// subtraction.

import type { EncodedCommand } from './engine-command.js';

export interface JournalEntry extends EncodedCommand {
  readonly seq: number;
  /** Frame asked for (a timetag, a staged commit's frame), 0 for "as soon as possible". */
  readonly requested: number;
  /** The frame every slot applies it at; undefined until a slot decided it. */
  frame: number | undefined;
}

/** A journal entry for command `seq` (not decided yet). */
export function journalEntry(seq: number, requested: number, command: EncodedCommand): JournalEntry {
  const entry: JournalEntry = {
    seq, requested, kind: command.kind, handle: command.handle, index: command.index, value: command.value, frame: undefined,
    ...(command.aux !== undefined && command.aux !== 0 ? { aux: command.aux } : {}),
  };
  return command.payload === undefined ? entry : { ...entry, payload: command.payload };
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
