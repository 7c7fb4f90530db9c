// Single-producer single-consumer ring of timed engine commands in shared memory, one per slot.
// The supervisor writes; the slot's worker drains it before rendering each block. Records are
// five float64 fields (frame, kind, handle, index, value), so nothing is encoded or allocated.

import {
  CMD_FIELDS, CMD_FRAME, CMD_HANDLE, CMD_INDEX, CMD_KIND, CMD_SEQ, CMD_VALUE,
  SLOT_CMD_READ, SLOT_CMD_WRITE, SLOT_PRODUCED, UNDECIDED, type SharedViews, type SlotViews,
} from './shared-state.js';

/** Extra record kind beside the engine's EVENT_* kinds: apply staged patch #value at frame. */
export const CMD_APPLY_PATCH = 100;

/** Supervisor side. Returns false when the ring is full (the caller fails the command). */
export function pushCommand(slot: SlotViews, seq: number, frame: number, kind: number, handle: number, index: number, value: number): boolean {
  const capacity = slot.commands.length / CMD_FIELDS;
  const write = Atomics.load(slot.ints, SLOT_CMD_WRITE);
  const read = Atomics.load(slot.ints, SLOT_CMD_READ);
  if (((write - read) | 0) >= capacity) return false;
  const at = (write & (capacity - 1)) * CMD_FIELDS;
  const c = slot.commands;
  c[at + CMD_FRAME] = frame;
  c[at + CMD_KIND] = kind;
  c[at + CMD_HANDLE] = handle;
  c[at + CMD_INDEX] = index;
  c[at + CMD_VALUE] = value;
  c[at + CMD_SEQ] = seq;
  Atomics.store(slot.ints, SLOT_CMD_WRITE, (write + 1) | 0);
  return true;
}

/** Records waiting in the ring (either side). */
export function pendingCommands(slot: SlotViews): number {
  return (Atomics.load(slot.ints, SLOT_CMD_WRITE) - Atomics.load(slot.ints, SLOT_CMD_READ)) | 0;
}

/**
 * Worker side: hands every waiting record to `apply` in order, then frees them. No allocation
 * (the callback receives the ring and the record's offset, and reads the fields itself).
 */
export function drainCommands(slot: SlotViews, apply: (commands: Float64Array, at: number) => void): number {
  const capacity = slot.commands.length / CMD_FIELDS;
  const write = Atomics.load(slot.ints, SLOT_CMD_WRITE);
  let read = Atomics.load(slot.ints, SLOT_CMD_READ);
  let n = 0;
  while (read !== write) {
    apply(slot.commands, (read & (capacity - 1)) * CMD_FIELDS);
    read = (read + 1) | 0;
    n++;
  }
  Atomics.store(slot.ints, SLOT_CMD_READ, read);
  return n;
}

/**
 * The frame at which a drained command applies, identical in every slot. The first slot to
 * drain command `seq` fixes a block with compareExchange: no earlier than the block it is about
 * to render, and past every other slot's current block (another slot may be rendering a block
 * it started before the command was pushed; it drains again before its next block). Every slot
 * then applies the command at max(requested frame, that block's first frame), so none can be
 * late, whatever the thread scheduling. No allocation.
 */
export function decideFrame(shared: SharedViews, self: number, seq: number, requested: number, nextBlock: number): number {
  const decisions = shared.decisions;
  const entry = seq & (decisions.length - 1);
  let block = Atomics.load(decisions, entry);
  if (block === UNDECIDED) {
    let proposal = nextBlock;
    const slots = shared.slots;
    for (let s = 0; s < slots.length; s++) {
      if (s === self) continue;
      const past = (Atomics.load(slots[s]!.ints, SLOT_PRODUCED) + 1) | 0;
      if (((past - proposal) | 0) > 0) proposal = past;
    }
    const previous = Atomics.compareExchange(decisions, entry, UNDECIDED, proposal);
    block = previous === UNDECIDED ? proposal : previous;
    if (previous === UNDECIDED) Atomics.notify(decisions, entry);
  }
  const earliest = block * shared.config.blockSize;
  return requested > earliest ? requested : earliest;
}
