// The lockstep check (main thread): slots in lockstep render bit-identical blocks, and each
// publishes a hash of every block it renders. This compares the hashes of the blocks two slots
// have both rendered and counts divergences; it also judges a rejoining slot's latest blocks
// against a reference slot's.
//
// Threading: main thread. Reads shared memory only.

import type { SharedViews } from './shared-state.js';
import type { SlotSet } from './slot-set.js';

/** How a joining slot's latest blocks compare with the reference slot's. */
export type JoinMatch = 'not-yet' | 'match' | 'diverged';

export class LockstepCheck {
  /** Blocks whose hashes differed between slots in lockstep (or a joining slot and its reference). */
  divergences = 0;
  /** Per slot: the block up to which its hashes were compared. */
  private readonly lastCompared: number[];

  constructor(private readonly shared: SharedViews, private readonly slots: SlotSet) {
    this.lastCompared = new Array<number>(shared.config.slots).fill(0);
  }

  /** A slot (re)starts at `block`: nothing before it is compared. */
  reset(slot: number, block: number): void {
    this.lastCompared[slot] = block;
  }

  /** Compares the hashes of blocks the slots in lockstep have rendered with the active slot's. */
  compare(): void {
    if (this.slots.count < 2) return;
    const reference = this.slots.active;
    if (!this.slots.inLockstep(reference)) return;
    const views = this.shared.slots;
    const ref = views[reference]!;
    const history = this.shared.config.hashHistory;
    for (let s = 0; s < views.length; s++) {
      if (s === reference || !this.slots.inLockstep(s)) continue;
      const other = views[s]!;
      const upTo = Math.min(this.slots.produced(reference), this.slots.produced(s));
      let from = Math.max(this.lastCompared[s]!, upTo - history + 1);
      for (; from < upTo; from++) {
        const h = from & (history - 1);
        if (Atomics.load(ref.hashBlocks, h) !== from || Atomics.load(other.hashBlocks, h) !== from) continue;
        if (other.hashes[h] !== ref.hashes[h]) this.divergences++;
      }
      this.lastCompared[s] = Math.max(this.lastCompared[s]!, upTo);
    }
  }

  /**
   * Whether the last `blocks` blocks both `slot` and `reference` have rendered carry equal
   * hashes ('not-yet' while either has not published them). A divergence is counted.
   */
  joinMatch(slot: number, reference: number, blocks: number): JoinMatch {
    const mine = this.shared.slots[slot]!;
    const theirs = this.shared.slots[reference]!;
    const upTo = Math.min(this.slots.produced(slot), this.slots.produced(reference));
    const mask = this.shared.config.hashHistory - 1;
    for (let b = upTo - blocks; b < upTo; b++) {
      const h = b & mask;
      if (Atomics.load(mine.hashBlocks, h) !== b || Atomics.load(theirs.hashBlocks, h) !== b) return 'not-yet';
      if (mine.hashes[h] !== theirs.hashes[h]) {
        this.divergences++;
        return 'diverged';
      }
    }
    this.lastCompared[slot] = upTo;
    return 'match';
  }
}
