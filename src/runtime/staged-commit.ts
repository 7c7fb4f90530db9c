// Staged commits: a big commit is scheduled far enough ahead that both slots can prepare it
// (resolve the document, build its instances; EngineHost.prepare) one after the other before
// its apply frame. While one slot prepares, the output plays the other's blocks, so nobody
// hears the work. Small commits keep the shortest latency: applied at the next block, built
// at their frame, as before.
//
// Threading: `stagedCommitAheadMs` main thread (supervisor); `mayPrepare` slot workers,
// between blocks, no allocation. Pure functions over numbers and shared memory.

import { SLOT_LOCKSTEP, SLOT_PREPARED_SEQ, SLOT_STATE, type SharedViews } from './shared-state.js';

/** Commits with at most this many new modules are not staged. */
export const STAGE_MIN_NEW_MODULES = 64;

/**
 * Conservative render-thread costs of one slot's preparation, ms: set above the measured costs
 * (docs/performance.md, "Staged commits"; a crossfade blank costs about as much as a new
 * module). Doubled again below for the two slots in turn.
 */
export const PREPARE_MS_PER_NEW_MODULE = 0.08;
export const PREPARE_MS_PER_KEPT_MODULE = 0.05;
export const RESOLVE_MS_PER_MODULE = 0.03;
/** Added to the two preparations: scheduling, the follower's polling (one period), GC. */
export const STAGE_MARGIN_MS = 40;

/**
 * Milliseconds between now and the apply frame a commit needs so that both slots prepare it
 * in turn; 0 when the commit is small enough to apply at once.
 */
export function stagedCommitAheadMs(newModules: number, keptModules: number, totalModules: number): number {
  if (newModules <= STAGE_MIN_NEW_MODULES) return 0;
  const onePrepare = newModules * PREPARE_MS_PER_NEW_MODULE + keptModules * PREPARE_MS_PER_KEPT_MODULE + totalModules * RESOLVE_MS_PER_MODULE;
  return 2 * onePrepare + STAGE_MARGIN_MS;
}

/**
 * True when slot `self` may prepare command `seq` now: every lower-numbered slot in lockstep
 * has published (SLOT_PREPARED_SEQ) that it prepared it, so slot 0 goes first and the slots
 * never prepare together. A slot that is down or joining is not waited for. Patches without a
 * sequence number (from a snapshot: `null`) may be prepared at once. No allocation.
 */
export function mayPrepare(shared: SharedViews, self: number, seq: number | null): boolean {
  if (seq === null) return true;
  for (let s = 0; s < self; s++) {
    const ints = shared.slots[s]!.ints;
    if (Atomics.load(ints, SLOT_STATE) !== SLOT_LOCKSTEP) continue;
    if (((Atomics.load(ints, SLOT_PREPARED_SEQ) - seq) | 0) < 0) return false;
  }
  return true;
}
