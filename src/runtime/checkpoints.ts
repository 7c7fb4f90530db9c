// Checkpoints (main thread): snapshots of a slot in lockstep, taken on request (the start
// state of a replacement slot) and periodically (the fallback when no slot survives, and the
// state folder's base). Also keeps the state folder's journal current: the frames slots decide
// are appended as they come.
//
// Threading: main thread; the state folder's I/O is synchronous, off the audio path.

import { randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import type { CommandBus } from './command-bus.js';
import type { HostSnapshot } from './engine-host.js';
import type { JournalEntry } from './journal.js';
import { SLOT_CMD_READ, SLOT_DOWN, type SharedViews } from './shared-state.js';
import type { SlotSet } from './slot-set.js';
import type { SlotReport } from './slot-protocol.js';
import type { StateBase, StateStore } from './state-store.js';

/** A snapshot plus where it sits: the start state of a replacement slot. */
export interface Checkpoint {
  readonly snapshot: HostSnapshot;
  readonly block: number;
  /** The command ring's read position: every command before it is inside the snapshot. */
  readonly cmdRead: number;
}

export interface CheckpointOptions {
  readonly seed: number;
  /** Interval between periodic snapshots, ms. */
  readonly everyMs: number;
  /** Control-layer state kept in the state folder's base. */
  readonly saveExtra?: () => unknown;
}

export const SNAPSHOT_TIMEOUT_MS = 1000;

export class Checkpoints {
  /** The latest checkpoint (the start state, then each periodic snapshot). */
  latest: Checkpoint | undefined;
  /** performance.now() of the latest periodic snapshot. */
  lastAt = 0;
  private inFlight = false;
  private nextId = 1;
  private readonly waiters = new Map<number, (c: Checkpoint) => void>();

  constructor(
    private readonly shared: SharedViews,
    private readonly slots: SlotSet,
    private readonly bus: CommandBus,
    readonly store: StateStore | undefined,
    private readonly options: CheckpointOptions,
    private readonly stopped: () => boolean,
  ) {}

  /** The start state: the first checkpoint, and the state folder's first base. */
  begin(checkpoint: Checkpoint): void {
    this.latest = checkpoint;
    this.lastAt = performance.now();
    this.writeBase(checkpoint);
  }

  /** A snapshot of slot `slot` at its next block boundary without a crossfade; undefined after `timeoutMs`. */
  request(slot: number, timeoutMs = SNAPSHOT_TIMEOUT_MS): Promise<Checkpoint | undefined> {
    const id = this.nextId++;
    return new Promise((resolve) => {
      const timeout = setTimeout(() => {
        this.waiters.delete(id);
        resolve(undefined);
      }, timeoutMs);
      this.waiters.set(id, (c) => {
        clearTimeout(timeout);
        resolve(c);
      });
      this.slots.post(slot, { type: 'snapshot', id });
    });
  }

  /** A slot's snapshot report. */
  onSnapshot(report: SlotReport & { type: 'snapshot' }): void {
    const waiter = this.waiters.get(report.id);
    if (waiter === undefined) return;
    this.waiters.delete(report.id);
    waiter({ snapshot: report.snapshot, block: report.block, cmdRead: report.cmdRead });
  }

  /** Takes a periodic snapshot from the standby slot when one is due. */
  maybeTake(now: number): void {
    if (this.inFlight || now - this.lastAt < this.options.everyMs) return;
    const active = this.slots.active;
    let from = -1;
    for (let s = 0; s < this.slots.count; s++) {
      if (!this.slots.inLockstep(s) || this.slots.replacing[s]) continue;
      if (from === -1 || (from === active && s !== active)) from = s;
    }
    if (from === -1) return;
    this.inFlight = true;
    void this.request(from).then((checkpoint) => {
      this.inFlight = false;
      this.lastAt = performance.now();
      if (checkpoint === undefined || this.stopped()) return;
      this.latest = checkpoint;
      // Keep what a replacement could still need: commands after the oldest read position.
      let keepFrom = checkpoint.cmdRead;
      for (let s = 0; s < this.slots.count; s++) {
        if (this.slots.state(s) === SLOT_DOWN) continue;
        const read = Atomics.load(this.shared.slots[s]!.ints, SLOT_CMD_READ);
        if (((read - keepFrom) | 0) < 0) keepFrom = read;
      }
      this.bus.journal.trimBefore(keepFrom);
      this.writeBase(checkpoint);
    });
  }

  /** Records the frames slots have decided into the journal (the bus hands them to `append`). */
  settleJournal(): void {
    this.bus.settle();
  }

  /** Decided journal entries, for the state folder. */
  append(entries: readonly JournalEntry[]): void {
    this.store?.append(entries);
  }

  close(): void {
    this.store?.close();
  }

  private writeBase(checkpoint: Checkpoint): void {
    if (this.store === undefined) return;
    this.settleJournal();
    const config = this.shared.config;
    const base: StateBase = {
      format: 'chronus-state', version: 1, epoch: randomUUID(),
      sampleRate: config.sampleRate, blockSize: config.blockSize, seed: this.options.seed >>> 0,
      block: checkpoint.block, seq: checkpoint.cmdRead, host: checkpoint.snapshot, savedAtMs: Date.now(),
      extra: this.options.saveExtra?.(),
    };
    this.store.writeBase(base, this.bus.journal.since(checkpoint.cmdRead).filter((e) => e.frame !== undefined));
  }
}
