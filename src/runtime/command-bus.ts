// The command bus (main thread): the one way engine commands leave the control layer for the
// slots. It stamps each command with a sequence number and a requested frame, encodes it
// once (engine-command.ts), writes it to the shared command ring (command-ring.ts) and to the
// journal (journal.ts), and later reads the frame a slot decided for it. It also assigns
// module handles at each commit and schedules big commits ahead (staged-commit.ts).
//
// Per /mod: a map lookup for the handle (by the caller), one encoding, one ring record, one
// journal entry; nothing depends on the size of the patch.
//
// Threading: main thread. Allocates (journal entries, patch texts).

import type { PatchDocument } from '../patch/document.js';
import { CommandRingWriter } from './command-ring.js';
import { encodeCommand, type EncodedCommand, type EngineCommand } from './engine-command.js';
import type { HostSnapshot, PatchPayload } from './engine-host.js';
import { Journal, journalEntry, type JournalEntry } from './journal.js';
import { ModuleHandles } from './module-handles.js';
import { SLOT_BUSY, SLOT_DOWN, SLOT_PRODUCED, SLOT_STATE, CTL_CONSUMED, UNDECIDED, type SharedViews } from './shared-state.js';
import { stagedCommitAheadMs } from './staged-commit.js';

/** A patch in the command ring: its command's sequence number and its modules' handles. */
export interface CommittedPatch {
  readonly seq: number;
  readonly handles: ReadonlyArray<readonly [string, number]>;
}

/** Remembered requested frames (seq → frame) for decidedFrame. */
const RAISED_FRAMES_KEPT = 1024;

export class CommandBus {
  readonly journal = new Journal();
  readonly handles = new ModuleHandles();
  /** Patches committed so far. */
  commits = 0;
  private readonly ring: CommandRingWriter;
  private readonly config: SharedViews['config'];
  private seq = 0;
  /** Set once the server stops: nothing waits for decisions any more. */
  private closed = false;
  /** Requested frame of the last staged commit (0: none). */
  private stagedFrame = 0;
  /** Requested frames of recent commands (seq → frame; 0 is not kept): see decidedFrame. */
  private readonly raisedFrames = new Map<number, number>();

  /** `onSettled` receives the journal entries as slots decide their frames (the state folder appends them). */
  constructor(private readonly shared: SharedViews, private readonly onSettled: (entries: readonly JournalEntry[]) => void = () => undefined) {
    this.config = shared.config;
    this.ring = new CommandRingWriter(shared);
  }

  /** Sequence number the next command gets (= the ring's write index). */
  get nextSequence(): number {
    return this.seq;
  }

  /** Sequence number of the last command sent (for /sync). */
  get lastSequence(): number {
    return this.seq - 1;
  }

  /** The handle of live module `id` (what engine commands name it by), or undefined. */
  handleOf(id: string): number | undefined {
    return this.handles.get(id);
  }

  /** The initial patch as a slot starts from it (a private copy): handles assigned (1, 2, ... in document order). */
  initialPayload(doc: PatchDocument): PatchPayload {
    const frozen = structuredClone(doc);
    return { doc: frozen, handles: this.handles.assign(frozen), crossfadeFrames: 0 };
  }

  /** Continues after a host snapshot (a resumed server): its handles. */
  restore(snapshot: HostSnapshot): void {
    this.handles.restore(snapshot);
  }

  /**
   * True when the command ring has room for one more record, and the decision entry the next
   * command reuses belongs to a command a slot has decided (so the journal has its frame).
   */
  canSend(): boolean {
    if (!this.ring.hasRoom()) return false;
    const oldest = this.journal.oldestUndecided;
    if (oldest !== undefined && ((this.seq - oldest) | 0) >= this.config.commandCapacity) {
      this.settle();
      const still = this.journal.oldestUndecided;
      return still === undefined || ((this.seq - still) | 0) < this.config.commandCapacity;
    }
    return true;
  }

  /**
   * Sends a param, gate or reset command (handles from `handleOf`) or a control op to every
   * slot, to apply at `requestedFrame` or as soon as possible (0). Returns the command's
   * sequence number (see `decidedFrame`), or undefined if the command ring is full.
   */
  send(command: Exclude<EngineCommand, { kind: 'patch' }>, requestedFrame = 0): number | undefined {
    return this.broadcast(requestedFrame, encodeCommand(command));
  }

  /**
   * Commits a validated patch document to every slot at one block boundary, crossfading over
   * `crossfadeMs` where the topology changed, assigning its modules' handles. Returns the
   * command's sequence number and the handles; undefined (nothing changed) when the ring has no
   * room now, 'too-big' when its text never fits.
   */
  commitPatch(doc: PatchDocument, crossfadeMs = 20): CommittedPatch | undefined | 'too-big' {
    if (!this.canSend()) return undefined;
    // A private copy: the caller's document keeps changing (/mod values are recorded in it);
    // the journal holds exactly what the slots applied (the encoded text).
    const frozen = structuredClone(doc);
    const plan = this.handles.plan(frozen);
    const payload: PatchPayload = { doc: frozen, handles: plan.handles, crossfadeFrames: Math.round((crossfadeMs * this.config.sampleRate) / 1000) };
    const encoded = encodeCommand({ kind: 'patch', patch: payload });
    if (Buffer.byteLength(encoded.payload!, 'utf8') > this.ring.maxPayloadBytes) return 'too-big';
    // Staged commits (staged-commit.ts): a big commit applies far enough ahead for both slots
    // to prepare it in turn (every command sent before that frame then applies with it, see
    // broadcast).
    const kept = plan.handles.length - plan.created;
    const aheadMs = stagedCommitAheadMs(plan.created, kept, plan.handles.length);
    const block = this.config.blockSize;
    const requested = aheadMs > 0 ? Math.ceil((this.earliestFrame() + (aheadMs * this.config.sampleRate) / 1000) / block) * block : 0;
    const seq = this.broadcast(requested, encoded);
    if (seq === undefined) return undefined;
    plan.commit();
    this.commits++;
    if (requested > this.stagedFrame) this.stagedFrame = requested;
    return { seq, handles: plan.handles };
  }

  /**
   * A lower bound of the frame a command sent now can apply at: past every block a running
   * slot has rendered or is rendering (decideFrame never goes below it). For dropping late bundles.
   */
  earliestFrame(): number {
    let block = Atomics.load(this.shared.ctl, CTL_CONSUMED);
    for (const s of this.shared.slots) {
      if (Atomics.load(s.ints, SLOT_STATE) === SLOT_DOWN) continue;
      const past = Atomics.load(s.ints, SLOT_PRODUCED) + Atomics.load(s.ints, SLOT_BUSY);
      if (past > block) block = past;
    }
    return block * this.config.blockSize;
  }

  /** The server stops: waits for decided frames end (undefined). */
  close(): void {
    this.closed = true;
  }

  /**
   * The frame at which command `seq` applies, once a slot has drained it (normally within a
   * block period); undefined if no slot drains it within `timeoutMs` or the bus is closed.
   */
  async decidedFrame(seq: number, requestedFrame = 0, timeoutMs = 2000): Promise<number | undefined> {
    const raised = this.raisedFrames.get(seq);
    if (raised !== undefined && raised > requestedFrame) requestedFrame = raised;
    const decisions = this.shared.decisions;
    const entry = seq & (decisions.length - 1);
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const block = Atomics.load(decisions, entry);
      if (block !== UNDECIDED) return Math.max(requestedFrame, block * this.config.blockSize);
      const left = deadline - Date.now();
      if (left <= 0 || this.closed) return undefined;
      const wait = (Atomics as unknown as { waitAsync: (a: Int32Array, i: number, v: number, t: number) => { async: boolean; value: Promise<string> | string } }).waitAsync(decisions, entry, UNDECIDED, Math.min(left, 50));
      if (wait.async) await wait.value;
    }
  }

  /** The decided frame of command `seq` if a slot has decided it, else undefined. */
  decidedFrameNow(seq: number): number | undefined {
    const block = Atomics.load(this.shared.decisions, seq & (this.shared.decisions.length - 1));
    return block === UNDECIDED ? undefined : block * this.config.blockSize;
  }

  /** Records the frames slots have decided into the journal, and hands the entries decided now to `onSettled`. */
  settle(): void {
    const decisions = this.shared.decisions;
    const mask = decisions.length - 1;
    const block = this.config.blockSize;
    const decided = this.journal.settle((e) => {
      const b = Atomics.load(decisions, e.seq & mask);
      return b === UNDECIDED ? undefined : Math.max(e.requested, b * block);
    });
    if (decided.length > 0) this.onSettled(decided);
  }

  /** Writes one command to the shared ring and the journal. Returns its sequence number. */
  private broadcast(frame: number, command: EncodedCommand): number | undefined {
    if (!this.canSend()) return undefined;
    // While a staged commit is pending, every later command applies no earlier than it: commands
    // keep their order (an event may name a module the commit creates), and journal frames stay
    // in sequence order, which replay relies on. Only for the few hundred ms of a big commit.
    if (this.stagedFrame > frame && this.stagedFrame > this.earliestFrame()) frame = this.stagedFrame;
    const seq = this.seq;
    // canSend guarantees the command that used this decision entry was decided and journalled.
    Atomics.store(this.shared.decisions, seq & (this.config.commandCapacity - 1), UNDECIDED);
    if (!this.ring.push(seq, frame, command)) return undefined;
    this.seq = (this.seq + 1) | 0;
    this.journal.append(journalEntry(seq, frame, command));
    if (frame > 0) {
      // For decidedFrame (its callers pass the frame they asked for). Forget the oldest.
      this.raisedFrames.set(seq, frame);
      if (this.raisedFrames.size > RAISED_FRAMES_KEPT) this.raisedFrames.delete(this.raisedFrames.keys().next().value!);
    }
    return seq;
  }
}
