// The ring of timed engine commands in shared memory: one writer (the supervisor), one reader
// per slot, each with its own read index. Slots drain it before rendering each block. Records
// are float64 fields (frame, kind, handle, index, value, seq): nothing is encoded or allocated.
// One ring for all slots matters: a command becomes visible to every slot at the same instant,
// which decideFrame relies on (per-slot rings written one after the other let a slot keep
// rendering past a frame another slot had already decided; measured as divergence under load).

import {
  CMD_FIELDS, CMD_FRAME, CMD_HANDLE, CMD_INDEX, CMD_KIND, CMD_SEQ, CMD_VALUE, CTL_CMD_WRITE, CTL_CONSUMED,
  SLOT_BUSY, SLOT_CMD_READ, SLOT_DOWN, SLOT_PRODUCED, SLOT_STATE, UNDECIDED, type SharedViews, type SlotViews,
} from './shared-state.js';

/** Extra record kind beside the engine's EVENT_* kinds: apply staged patch #value at frame. */
export const CMD_APPLY_PATCH = 100;
/** Apply control op #value (sent as a 'control' slot message) at the record's frame (exact sample). */
export const CMD_CONTROL = 101;

/**
 * Supervisor side: appends one record to the shared ring; every slot sees it from the same
 * instant (one write index). Returns false when the slowest slot has not made room yet.
 */
export function pushCommand(shared: SharedViews, seq: number, frame: number, kind: number, handle: number, index: number, value: number): boolean {
  const capacity = shared.commands.length / CMD_FIELDS;
  if (pendingCommands(shared) >= capacity) return false;
  const write = Atomics.load(shared.ctl, CTL_CMD_WRITE);
  const at = (write & (capacity - 1)) * CMD_FIELDS;
  const c = shared.commands;
  c[at + CMD_FRAME] = frame;
  c[at + CMD_KIND] = kind;
  c[at + CMD_HANDLE] = handle;
  c[at + CMD_INDEX] = index;
  c[at + CMD_VALUE] = value;
  c[at + CMD_SEQ] = seq;
  Atomics.store(shared.ctl, CTL_CMD_WRITE, (write + 1) | 0);
  return true;
}

/**
 * Records the slowest slot has not read yet (the ring's fill level). A slot that is down does
 * not hold the ring back: its replacement gets what it missed from the journal.
 */
export function pendingCommands(shared: SharedViews): number {
  const write = Atomics.load(shared.ctl, CTL_CMD_WRITE);
  let most = 0;
  for (const slot of shared.slots) {
    if (Atomics.load(slot.ints, SLOT_STATE) === SLOT_DOWN) continue;
    const behind = (write - Atomics.load(slot.ints, SLOT_CMD_READ)) | 0;
    if (behind > most) most = behind;
  }
  return most;
}

/**
 * Slot side: hands every record this slot has not read to `apply` in order, then marks them
 * read. No allocation (the callback receives the ring and the record's offset).
 */
export function drainCommands(shared: SharedViews, slot: SlotViews, apply: (commands: Float64Array, at: number) => void): number {
  const capacity = shared.commands.length / CMD_FIELDS;
  const write = Atomics.load(shared.ctl, CTL_CMD_WRITE);
  let read = Atomics.load(slot.ints, SLOT_CMD_READ);
  let n = 0;
  while (read !== write) {
    apply(shared.commands, (read & (capacity - 1)) * CMD_FIELDS);
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
    // A slot catching up after a rejoin renders blocks the output has passed: never decide
    // a new command into the past of what the listener hears.
    const consumed = Atomics.load(shared.ctl, CTL_CONSUMED);
    if (((consumed - proposal) | 0) > 0) proposal = consumed;
    const slots = shared.slots;
    for (let s = 0; s < slots.length; s++) {
      if (s === self) continue;
      // A slot that is down renders nothing more (it is terminated before it is replaced).
      if (Atomics.load(slots[s]!.ints, SLOT_STATE) === SLOT_DOWN) continue;
      // The command is in the shared ring, so a sleeping slot sees it at its next drain,
      // which comes before its next block: it can apply from `produced` on. A busy slot may be
      // rendering `produced` having drained before the push: from the block after. Read busy
      // before produced (sequentially consistent), so a sleeping reading is never stale.
      const ints = slots[s]!.ints;
      const busy = Atomics.load(ints, SLOT_BUSY);
      const past = (Atomics.load(ints, SLOT_PRODUCED) + busy) | 0;
      if (((past - proposal) | 0) > 0) proposal = past;
    }
    // Never before the previous command (already decided: every slot drains in order), so
    // commands and commits keep their order whichever slot decides them.
    const before = Atomics.load(decisions, (seq - 1) & (decisions.length - 1));
    if (seq !== 0 && before !== UNDECIDED && ((before - proposal) | 0) > 0) proposal = before;
    const previous = Atomics.compareExchange(decisions, entry, UNDECIDED, proposal);
    block = previous === UNDECIDED ? proposal : previous;
    if (previous === UNDECIDED) Atomics.notify(decisions, entry);
  }
  const earliest = block * shared.config.blockSize;
  return requested > earliest ? requested : earliest;
}
