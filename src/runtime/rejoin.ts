// Rejoin (main thread): a replacement slot starts from a snapshot, catches up with the journal
// and the command ring, and is heard again once its latest blocks' hashes equal a slot in
// lockstep's (or, with no slot in lockstep, once it has caught up: it ends an outage and
// becomes active). A rejoin that does not get there in time, or diverges, fails the slot again.
//
// Threading: main thread.

import { CTL_UNDERRUNS, SLOT_LOCKSTEP, type SharedViews } from './shared-state.js';
import type { FaultLog } from './fault-log.js';
import type { LockstepCheck } from './lockstep-check.js';
import type { SlotSet } from './slot-set.js';

/** Blocks whose hashes must equal the survivor's before a rejoining slot is heard. */
const JOIN_MATCH_BLOCKS = 3;
/** A rejoin that has not reached lockstep after this long is abandoned and retried, ms. */
export const JOIN_TIMEOUT_MS = 5000;

/** What became of a joining slot: still joining, joined, or failed (with the reason). */
export type JoinOutcome = 'joining' | 'joined' | 'rejoin-timeout' | 'rejoin-diverged';

export class Rejoin {
  private readonly periodMs: number;

  constructor(private readonly shared: SharedViews, private readonly slots: SlotSet, private readonly lockstep: LockstepCheck, private readonly log: FaultLog) {
    this.periodMs = (1000 * shared.config.blockSize) / shared.config.sampleRate;
  }

  /** Checks joining slot `slot` (output at block `consumed`); declares it in lockstep once it qualifies. */
  check(slot: number, now: number, consumed: number): JoinOutcome {
    if (now - this.slots.joinStartedAt[slot]! > JOIN_TIMEOUT_MS) return 'rejoin-timeout';
    if (((this.slots.produced(slot) - consumed) | 0) <= 0) return 'joining';
    const reference = this.slots.other(slot, (s) => this.slots.inLockstep(s));
    if (reference >= 0) {
      const match = this.lockstep.joinMatch(slot, reference, JOIN_MATCH_BLOCKS);
      if (match === 'not-yet') return 'joining';
      if (match === 'diverged') return 'rejoin-diverged';
    }
    this.slots.setState(slot, SLOT_LOCKSTEP);
    // After an outage the rejoined slot is the only one with blocks: it plays.
    if (this.log.inOutage) this.slots.active = slot;
    this.log.rejoined(slot, now - this.slots.joinStartedAt[slot]!, Atomics.load(this.shared.ctl, CTL_UNDERRUNS), this.periodMs);
    return 'joined';
  }
}
