// The supervisor's view of its worker slots: per slot the worker adopted into it, whether it
// is being replaced, when its rejoin started, its latest cost report, and its state in shared
// memory (SLOT_DOWN, SLOT_LOCKSTEP, SLOT_JOINING). A slot is a worker slot here and everywhere
// in the runtime: an id (0, 1) that owns a worker, an audio ring and counters.
//
// Threading: main thread.

import { performance } from 'node:perf_hooks';
import type { Worker } from 'node:worker_threads';
import type { BatchStats, ModuleCost } from '../engine/engine.js';
import type { JournalEntry } from './journal.js';
import type { SharedSample } from './sample-buffers.js';
import { CTL_ACTIVE, SLOT_BUSY, SLOT_CMD_READ, SLOT_DOWN, SLOT_LOCKSTEP, SLOT_PRODUCED, SLOT_STATE, type SharedViews } from './shared-state.js';
import type { SlotHealth } from './slot-health.js';
import type { SlotPool, SlotWorkerHandle } from './slot-pool.js';
import type { SlotMessage, SlotReport, SlotStart } from './slot-protocol.js';

export interface AdoptHandlers {
  readonly onReport: (report: SlotReport) => void;
  /** The worker ended (error, out of memory, exit) while it was this slot's. */
  readonly onEnd: (reason: string) => void;
}

export class SlotSet {
  readonly count: number;
  /** The worker of each slot (undefined before start-up). */
  readonly workers: Array<SlotWorkerHandle | undefined>;
  /** True from a slot's failure until its replacement is adopted. */
  readonly replacing: boolean[];
  /** performance.now() of the failure a joining slot recovers from (rejoin time). */
  readonly joinStartedAt: number[];
  /** Latest per-module costs and batch counters each slot reported. */
  readonly moduleCosts: Array<readonly ModuleCost[]>;
  readonly batchStats: Array<BatchStats | undefined>;
  /** Sequencer ids by bank index ('' for none), as each slot last reported them (for seqSteps). */
  readonly sequencerIds: Array<readonly string[]>;

  /** Every sample buffer's data a slot may need, by id (the supervisor keeps it current). */
  readonly samples = new Map<number, SharedSample>();

  constructor(private readonly shared: SharedViews, private readonly pool: SlotPool, private readonly health: SlotHealth) {
    this.count = shared.config.slots;
    this.workers = new Array<SlotWorkerHandle | undefined>(this.count).fill(undefined);
    this.replacing = new Array<boolean>(this.count).fill(false);
    this.joinStartedAt = new Array<number>(this.count).fill(0);
    this.moduleCosts = new Array<readonly ModuleCost[]>(this.count).fill([]);
    this.sequencerIds = new Array<readonly string[]>(this.count).fill([]);
    this.batchStats = new Array<BatchStats | undefined>(this.count).fill(undefined);
  }

  /** SLOT_DOWN, SLOT_LOCKSTEP or SLOT_JOINING. */
  state(slot: number): number {
    return Atomics.load(this.shared.slots[slot]!.ints, SLOT_STATE);
  }

  setState(slot: number, state: number): void {
    Atomics.store(this.shared.slots[slot]!.ints, SLOT_STATE, state);
  }

  inLockstep(slot: number): boolean {
    return this.state(slot) === SLOT_LOCKSTEP;
  }

  /** Blocks slot `slot` has rendered. */
  produced(slot: number): number {
    return Atomics.load(this.shared.slots[slot]!.ints, SLOT_PRODUCED);
  }

  get active(): number {
    return Atomics.load(this.shared.ctl, CTL_ACTIVE);
  }

  set active(slot: number) {
    Atomics.store(this.shared.ctl, CTL_ACTIVE, slot);
  }

  /** The first slot other than `slot` for which `match` holds, or -1. */
  other(slot: number, match: (s: number) => boolean): number {
    for (let s = 0; s < this.count; s++) if (s !== slot && match(s)) return s;
    return -1;
  }

  /** Resets a slot's shared fields for a worker starting at `block`, reading the ring from `cmdRead`. */
  prepare(slot: number, block: number, cmdRead: number, state: number): void {
    const s = this.shared.slots[slot]!;
    s.stamps.fill(-1);
    s.hashBlocks.fill(-1);
    Atomics.store(s.ints, SLOT_PRODUCED, block);
    Atomics.store(s.ints, SLOT_CMD_READ, cmdRead);
    Atomics.store(s.ints, SLOT_BUSY, 0);
    Atomics.store(s.ints, SLOT_STATE, state);
  }

  /** Makes `worker` slot `slot`'s, starting from `start` plus `backlog`; `faultAt` starts its rejoin clock. */
  adopt(worker: Worker, slot: number, start: SlotStart, backlog: readonly JournalEntry[], faultAt: number, handlers: AdoptHandlers): SlotWorkerHandle {
    this.health.restart(slot, performance.now());
    this.joinStartedAt[slot] = faultAt;
    const handle: SlotWorkerHandle = this.pool.adopt(worker, {
      slot,
      start,
      backlog,
      samples: [...this.samples.values()],
      onReport: handlers.onReport,
      onEnd: (reason) => {
        if (this.workers[slot] === handle) handlers.onEnd(reason);
      },
    });
    this.workers[slot] = handle;
    return handle;
  }

  /** Sends a message to slot `slot`'s worker; false when it has none or is down. */
  post(slot: number, message: SlotMessage): boolean {
    const handle = this.workers[slot];
    if (handle === undefined || this.state(slot) === SLOT_DOWN) return false;
    handle.port.postMessage(message);
    return true;
  }

  /** Keeps the cost figures of a slot's latest report. */
  noteCosts(slot: number, report: SlotReport & { type: 'costs' }): void {
    this.moduleCosts[slot] = report.costs;
    this.batchStats[slot] = report.batch;
    this.sequencerIds[slot] = report.sequencers;
  }
}
