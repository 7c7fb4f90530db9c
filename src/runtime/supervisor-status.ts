// /engine/status as the supervisor reports it: clock and sink counters from shared memory,
// per-slot health and render times, failover history, journal and checkpoint state, the active
// slot's module costs and batch-kernel figures, the recording. The key order is part of the
// reply (clients and tests read the JSON): keep it.
//
// Threading: main thread; allocates (a reply, not the audio path).

import { performance } from 'node:perf_hooks';
import type { BatchStats } from '../engine/engine.js';
import type { AdaptiveLead } from './adaptive-lead.js';
import type { Checkpoints } from './checkpoints.js';
import type { CommandBus } from './command-bus.js';
import type { FaultLog } from './fault-log.js';
import type { LockstepCheck } from './lockstep-check.js';
import type { Recorder } from './recorder.js';
import {
  CLOCK_MAX_LATE_MS, CTL_CONSUMED, CTL_DEVICE_GAPS, CTL_LATE_CYCLES, CTL_LEAD, CTL_REANCHORS, CTL_RECORD_DROPS, CTL_TAKEN_FROM_OTHER,
  CTL_UNDERRUNS, HIST_BUCKET_MS, SLOT_HEARTBEAT, SLOT_JOINING, SLOT_LATE_COMMANDS, SLOT_LOCKSTEP, SLOT_MODULE_FAULTS, SLOT_PRODUCED,
  STAT_RENDER_COUNT, STAT_RENDER_MAX_MS, STAT_RENDER_SUM_MS, type SharedViews,
} from './shared-state.js';
import type { SlotPool } from './slot-pool.js';
import type { SlotSet } from './slot-set.js';
import { histogramQuantile, round } from './stats.js';

export interface SlotStatus {
  readonly slot: number;
  readonly state: 'lockstep' | 'joining' | 'down';
  readonly alive: boolean;
  readonly blocksRendered: number;
  readonly heartbeat: number;
  readonly renderMs: { readonly mean: number; readonly p99: number; readonly max: number };
  readonly lateCommands: number;
  readonly moduleFaults: number;
}

/** What the status is read from. */
export interface StatusSources {
  readonly shared: SharedViews;
  readonly slots: SlotSet;
  readonly pool: SlotPool;
  readonly bus: CommandBus;
  readonly checkpoints: Checkpoints;
  readonly lockstep: LockstepCheck;
  readonly log: FaultLog;
  readonly recorder: Recorder;
  readonly adaptive: AdaptiveLead | undefined;
  readonly startedAt: number;
  readonly resumed: unknown;
}

export function supervisorStatus(s: StatusSources): Record<string, unknown> {
  const { shared, slots } = s;
  const ctl = shared.ctl;
  const config = shared.config;
  let healthy = 0;
  for (let slot = 0; slot < slots.count; slot++) if (slots.inLockstep(slot)) healthy++;
  const active = slots.active;
  return {
    sampleRate: config.sampleRate,
    blockSize: config.blockSize,
    lead: Atomics.load(ctl, CTL_LEAD),
    leadMode: s.adaptive === undefined ? 'fixed' : 'adaptive',
    leadChanges: s.adaptive?.changes ?? 0,
    slots: config.slots,
    healthySlots: healthy,
    degraded: healthy < config.slots,
    activeSlot: active,
    consumedBlocks: Atomics.load(ctl, CTL_CONSUMED),
    underruns: Atomics.load(ctl, CTL_UNDERRUNS),
    lateCycles: Atomics.load(ctl, CTL_LATE_CYCLES),
    maxLateMs: round(shared.clock[CLOCK_MAX_LATE_MS]!),
    reanchors: Atomics.load(ctl, CTL_REANCHORS),
    takenFromOther: Atomics.load(ctl, CTL_TAKEN_FROM_OTHER),
    deviceGaps: Atomics.load(ctl, CTL_DEVICE_GAPS),
    recordDrops: Atomics.load(ctl, CTL_RECORD_DROPS),
    ...s.log.status(),
    spareWorker: s.pool.spareReady,
    journalEntries: s.bus.journal.size,
    lastSnapshotAgeMs: round(performance.now() - s.checkpoints.lastAt),
    stateDir: s.checkpoints.store?.dir ?? null,
    resumed: s.resumed ?? null,
    divergences: s.lockstep.divergences,
    commits: s.bus.commits,
    uptimeSeconds: round((Date.now() - s.startedAt) / 1000),
    slotHealth: shared.slots.map((_, slot) => slotStatus(shared, slots, slot)),
    moduleCosts: (slots.moduleCosts[active] ?? []).map((c) => ({ id: c.id, type: c.type, meanUs: round(c.meanUs), maxUs: round(c.maxUs), share: round(c.share) })),
    batch: batchStatus(slots.batchStats[active]),
    recording: s.recorder.status(),
  };
}

export function slotStatus(shared: SharedViews, slots: SlotSet, slot: number): SlotStatus {
  const s = shared.slots[slot]!;
  const count = s.stats[STAT_RENDER_COUNT]!;
  const state = slots.state(slot);
  return {
    slot,
    state: state === SLOT_LOCKSTEP ? 'lockstep' : state === SLOT_JOINING ? 'joining' : 'down',
    alive: state === SLOT_LOCKSTEP,
    blocksRendered: Atomics.load(s.ints, SLOT_PRODUCED),
    heartbeat: Atomics.load(s.ints, SLOT_HEARTBEAT),
    renderMs: { mean: round(count > 0 ? s.stats[STAT_RENDER_SUM_MS]! / count : 0), p99: round(histogramQuantile(s.histogram, HIST_BUCKET_MS, 0.99)), max: round(s.stats[STAT_RENDER_MAX_MS]!) },
    lateCommands: Atomics.load(s.ints, SLOT_LATE_COMMANDS),
    moduleFaults: Atomics.load(s.ints, SLOT_MODULE_FAULTS),
  };
}

/**
 * The active slot's batch figures for /engine/status: whether the SIMD batch kernels run, the
 * share of batch-group sub-blocks they rendered, and the arena's use (null before the first
 * cost report, about a second after start).
 */
function batchStatus(stats: BatchStats | undefined): Record<string, unknown> | null {
  if (stats === undefined) return null;
  const total = stats.batched + stats.fallback;
  return {
    status: stats.status,
    batchedSubBlocks: stats.batched,
    jsSubBlocks: stats.fallback,
    batchedShare: total === 0 ? null : round(stats.batched / total),
    arena: stats.arena === undefined ? null : {
      usedBytes: stats.arena.usedBytes, liveBytes: stats.arena.liveBytes, capacityBytes: stats.arena.capacityBytes, heapFallbacks: stats.arena.heapFallbacks,
    },
  };
}
