// Failover (main thread; docs/server.md, "Failover"). The output worker takes each block from
// the active slot or, if that slot does not have it in time, from the other one (identical:
// lockstep). This watches the slots (slot-health.ts): it switches the active slot away from a
// suspect one, and replaces a slot whose worker crashed, exited, ran out of memory or hung with
// a new worker started from a snapshot of the survivor plus the journal after it (rejoin.ts
// says when it is heard again). With no survivor it restarts from the last checkpoint and
// reports the gap.
//
// Threading: main thread.

import { performance } from 'node:perf_hooks';
import type { Worker } from 'node:worker_threads';
import type { Checkpoint, Checkpoints } from './checkpoints.js';
import type { CommandBus } from './command-bus.js';
import type { FaultLog, FaultRecord } from './fault-log.js';
import type { JournalEntry } from './journal.js';
import type { LockstepCheck } from './lockstep-check.js';
import { JOIN_TIMEOUT_MS, type Rejoin } from './rejoin.js';
import {
  CTL_CONSUMED, CTL_UNDERRUNS, SLOT_DOWN, SLOT_HEARTBEAT, SLOT_JOINING, SLOT_PRODUCED, STAT_RENDER_LAST_MS, type SharedViews,
} from './shared-state.js';
import type { SlotHealth } from './slot-health.js';
import type { SlotPool, SlotWorkerHandle } from './slot-pool.js';
import type { SlotStart } from './slot-protocol.js';
import type { SlotSet } from './slot-set.js';

/** Adopts a worker into a slot (the supervisor wires its reports and its end). */
export type Adopt = (worker: Worker, slot: number, start: SlotStart, backlog: readonly JournalEntry[], faultAt: number) => SlotWorkerHandle;

export interface FailoverParts {
  readonly shared: SharedViews;
  readonly slots: SlotSet;
  readonly pool: SlotPool;
  readonly health: SlotHealth;
  readonly checkpoints: Checkpoints;
  readonly bus: CommandBus;
  readonly rejoin: Rejoin;
  readonly lockstep: LockstepCheck;
  readonly log: FaultLog;
  readonly adopt: Adopt;
  readonly stopped: () => boolean;
}

export class Failover {
  private readonly periodMs: number;

  constructor(private readonly parts: FailoverParts) {
    const config = parts.shared.config;
    this.periodMs = (1000 * config.blockSize) / config.sampleRate;
  }

  /** Makes another slot in lockstep active at the next block (a planned, gapless switch). */
  switchActive(): number {
    const slots = this.parts.slots;
    const current = slots.active;
    for (let k = 1; k <= slots.count; k++) {
      const next = (current + k) % slots.count;
      if (slots.inLockstep(next)) {
        slots.active = next;
        return next;
      }
    }
    return current;
  }

  /** Declares `slot` failed: stops hearing it, fails over if it was active, and replaces it. */
  fail(slot: number, reason: string): void {
    const { slots, shared, log } = this.parts;
    if (this.parts.stopped() || slots.replacing[slot]) return;
    const handle = slots.workers[slot];
    if (handle === undefined) return;
    slots.replacing[slot] = true;
    slots.setState(slot, SLOT_DOWN);
    const record = log.fault(slot, reason, Atomics.load(shared.ctl, CTL_CONSUMED));
    if (slots.active === slot) this.failOver(slot, reason);
    let anyInLockstep = false;
    for (let s = 0; s < slots.count; s++) if (slots.inLockstep(s)) anyInLockstep = true;
    if (!log.inOutage && !anyInLockstep) log.beginOutage(record, Atomics.load(shared.ctl, CTL_UNDERRUNS));
    void this.replace(slot, handle, record).catch((error: unknown) => {
      slots.replacing[slot] = false;
      process.stderr.write(`chronus: could not replace slot ${slot}: ${String(error)}\n`);
    });
  }

  /** Watches slot health: prefers a healthy slot over a suspect active one, replaces hung slots, checks rejoins. */
  watch(now: number): void {
    const { slots, shared, health, rejoin } = this.parts;
    const consumed = Atomics.load(shared.ctl, CTL_CONSUMED);
    const observations = shared.slots.map((s, slot) => ({
      judged: slots.inLockstep(slot) && !slots.replacing[slot],
      heartbeat: Atomics.load(s.ints, SLOT_HEARTBEAT),
      produced: Atomics.load(s.ints, SLOT_PRODUCED),
      lastRenderMs: s.stats[STAT_RENDER_LAST_MS]!,
    }));
    const verdict = health.observe(now, observations, consumed, this.periodMs);
    for (const slot of verdict.hung) this.fail(slot, 'hang');
    const active = slots.active;
    const why = verdict.suspect[active];
    if (why !== undefined && slots.inLockstep(active)) {
      const healthyOther = slots.other(active, (s) => observations[s]!.judged && verdict.suspect[s] === undefined) >= 0;
      if (healthyOther) this.failOver(active, why);
    }
    if (!slots.inLockstep(active)) this.failOver(active, 'down');
    for (let slot = 0; slot < slots.count; slot++) {
      if (slots.state(slot) !== SLOT_JOINING || slots.replacing[slot]) continue;
      const outcome = rejoin.check(slot, now, consumed);
      if (outcome === 'rejoin-timeout' || outcome === 'rejoin-diverged') this.fail(slot, outcome);
    }
  }

  /** Makes a healthy slot active instead of `from` (gapless: the slots are in lockstep). */
  private failOver(from: number, reason: string): boolean {
    const { slots, shared, log } = this.parts;
    const consumed = Atomics.load(shared.ctl, CTL_CONSUMED);
    let best = -1;
    for (let s = 0; s < slots.count; s++) {
      if (s === from || !slots.inLockstep(s)) continue;
      if (best === -1 || ((slots.produced(s) - consumed) | 0) > 0) best = s;
    }
    if (best === -1) return false;
    slots.active = best;
    log.failover(from, best, reason);
    return true;
  }

  /** Terminates a failed slot's worker and starts a replacement from the best start state. */
  private async replace(slot: number, old: SlotWorkerHandle, record: FaultRecord): Promise<void> {
    const { pool, slots, bus, stopped } = this.parts;
    // A loaded replacement first (the spare, or a cold start in parallel with the termination),
    // then the snapshot: the replacement has little to catch up.
    const [worker] = await Promise.all([pool.acquire(true), old.worker.terminate()]);
    if (stopped()) {
      void worker.terminate();
      return;
    }
    const start = await this.startStateFor(slot);
    if (stopped()) {
      void worker.terminate();
      return;
    }
    const backlog = bus.journal.since(start.cmdRead);
    slots.prepare(slot, start.block, bus.nextSequence, SLOT_JOINING);
    this.parts.lockstep.reset(slot, start.block);
    this.parts.adopt(worker, slot, { kind: 'snapshot', snapshot: start.snapshot }, backlog, record.atMs);
    slots.replacing[slot] = false;
  }

  /** A fresh snapshot of a slot in lockstep, or (none, e.g. both failed) the last checkpoint. */
  private async startStateFor(slot: number): Promise<Checkpoint> {
    const { slots, checkpoints, stopped } = this.parts;
    const deadline = performance.now() + JOIN_TIMEOUT_MS;
    while (!stopped() && performance.now() < deadline) {
      const survivor = slots.other(slot, (s) => slots.inLockstep(s) && slots.workers[s] !== undefined);
      if (survivor >= 0) {
        const fresh = await checkpoints.request(survivor);
        if (fresh !== undefined) return fresh;
        continue;
      }
      // Another slot is already rejoining: wait for it, then copy it (one catch-up, not two).
      if (slots.other(slot, (s) => slots.state(s) === SLOT_JOINING) < 0) break;
      await new Promise((r) => setTimeout(r, 10));
    }
    return checkpoints.latest!;
  }
}
