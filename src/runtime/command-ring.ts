// The ring of timed engine commands in shared memory: one writer (the supervisor's command
// bus), one reader per slot, each with its own read index. Slots drain it before rendering
// each block. A record is an EncodedCommand (engine-command.ts) with its stamps: float64
// fields (frame, kind, handle, index, value, seq, payload offset and length); a patch's or a
// control op's JSON text lies in the ring's payload area, written before its record. One
// channel: nothing about a command travels beside the ring.
// One ring for all slots matters: a command becomes visible to every slot at the same instant,
// which decideFrame relies on (per-slot rings written one after the other let a slot keep
// rendering past a frame another slot had already decided; measured as divergence under load).

import type { EncodedCommand } from './engine-command.js';
import {
  CMD_AUX, CMD_FIELDS, CMD_FRAME, CMD_HANDLE, CMD_INDEX, CMD_KIND, CMD_PAYLOAD_AT, CMD_PAYLOAD_BYTES, CMD_SEQ, CMD_VALUE, CTL_CMD_WRITE, CTL_CONSUMED,
  SLOT_BUSY, SLOT_CMD_READ, SLOT_DOWN, SLOT_PRODUCED, SLOT_STATE, UNDECIDED, type SharedViews, type SlotViews,
} from './shared-state.js';

/**
 * Main-thread side of the ring: appends records, and the payload texts they point to, to the
 * shared memory. The payload area is a byte ring whose space is reclaimed once every slot that
 * is not down has read the record owning it (a text never wraps: it starts over at offset 0).
 * Allocates (the texts are encoded into shared memory; bookkeeping per payload).
 */
export class CommandRingWriter {
  private readonly capacity: number;
  private readonly payloadCapacity: number;
  /** Bytes written to the payload area so far (absolute; offset = position mod capacity). */
  private payloadWrite = 0;
  /** Payloads not yet read by every slot: ring write index of the record, absolute start. */
  private readonly unread: Array<{ readonly record: number; readonly start: number }> = [];

  constructor(private readonly shared: SharedViews) {
    this.capacity = shared.commands.length / CMD_FIELDS;
    this.payloadCapacity = shared.payloads.length;
  }

  /** The longest payload text (UTF-8 bytes) the ring can ever hold. */
  get maxPayloadBytes(): number {
    return this.payloadCapacity;
  }

  /** True when one more record, with a payload of `payloadBytes` bytes, fits now. */
  hasRoom(payloadBytes = 0): boolean {
    if (pendingCommands(this.shared) >= this.capacity) return false;
    return payloadBytes === 0 || this.payloadPosition(payloadBytes) !== undefined;
  }

  /**
   * Appends command `seq` (to apply at `frame`, 0 for as soon as possible). Every slot sees it
   * from the same instant (one write index). Returns false, writing nothing, when the slowest
   * slot has not made room yet.
   */
  push(seq: number, frame: number, command: EncodedCommand): boolean {
    if (pendingCommands(this.shared) >= this.capacity) return false;
    let payloadAt = 0;
    let payloadLength = 0;
    const write = Atomics.load(this.shared.ctl, CTL_CMD_WRITE);
    if (command.payload !== undefined) {
      payloadLength = Buffer.byteLength(command.payload, 'utf8');
      const start = this.payloadPosition(payloadLength);
      if (start === undefined) return false;
      payloadAt = start % this.payloadCapacity;
      this.shared.payloads.write(command.payload, payloadAt, payloadLength, 'utf8');
      this.payloadWrite = start + payloadLength;
      this.unread.push({ record: write, start });
    }
    const at = (write & (this.capacity - 1)) * CMD_FIELDS;
    const c = this.shared.commands;
    c[at + CMD_FRAME] = frame;
    c[at + CMD_KIND] = command.kind;
    c[at + CMD_HANDLE] = command.handle;
    c[at + CMD_INDEX] = command.index;
    c[at + CMD_VALUE] = command.value;
    c[at + CMD_AUX] = command.aux ?? 0;
    c[at + CMD_SEQ] = seq;
    c[at + CMD_PAYLOAD_AT] = payloadAt;
    c[at + CMD_PAYLOAD_BYTES] = payloadLength;
    Atomics.store(this.shared.ctl, CTL_CMD_WRITE, (write + 1) | 0);
    return true;
  }

  /** Absolute start of a payload of `bytes` bytes written now, or undefined when it does not fit. */
  private payloadPosition(bytes: number): number | undefined {
    if (bytes > this.payloadCapacity) return undefined;
    // Reclaim the payloads of records every reading slot has passed.
    const oldestRead = (Atomics.load(this.shared.ctl, CTL_CMD_WRITE) - pendingCommands(this.shared)) | 0;
    let drop = 0;
    while (drop < this.unread.length && ((this.unread[drop]!.record - oldestRead) | 0) < 0) drop++;
    if (drop > 0) this.unread.splice(0, drop);
    const tail = this.unread.length > 0 ? this.unread[0]!.start : this.payloadWrite;
    let start = this.payloadWrite;
    const offset = start % this.payloadCapacity;
    if (offset + bytes > this.payloadCapacity) start += this.payloadCapacity - offset;
    return start + bytes - tail <= this.payloadCapacity ? start : undefined;
  }
}

/**
 * Slot side: the payload text of the record at `at` (a patch's or control op's JSON), or
 * undefined when the record has none. Allocates the string; call it only for payload kinds.
 */
export function payloadText(shared: SharedViews, commands: Float64Array, at: number): string | undefined {
  const length = commands[at + CMD_PAYLOAD_BYTES]!;
  if (length === 0) return undefined;
  const start = commands[at + CMD_PAYLOAD_AT]!;
  return shared.payloads.toString('utf8', start, start + length);
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
