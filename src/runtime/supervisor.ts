// The supervisor (main thread): owns the shared memory, starts the slot workers and the output
// worker, writes every command to the shared command ring and to the journal, assigns module
// handles, compares block hashes, drains the recording tap, and reports status. It never
// touches samples on the audio path.
//
// Failover (docs/server.md, "Failover"): the output worker takes each block from the active
// slot or, if that slot does not have it in time, from the other one (identical: lockstep).
// The supervisor watches the slots (slot-health.ts): it switches the active slot away from a
// suspect one, and replaces a slot whose worker crashed, exited, ran out of memory or hung with
// a new worker started from a snapshot of the survivor plus the journal after it; the new slot
// is heard again once its block hashes equal the survivor's. With no survivor it restarts from
// the last periodic snapshot and reports the gap.

import { randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { Worker } from 'node:worker_threads';
import { createRegistry } from '../dsp/modules/index.js';
import type { ModuleRegistry } from '../dsp/registry.js';
import type { PatchDocument } from '../patch/document.js';
import { validatePatch } from '../patch/validate.js';
import { AdaptiveLead, type AdaptiveLeadOptions } from './adaptive-lead.js';
import type { BatchStats, ModuleCost } from '../engine/engine.js';
import type { ControlOp } from '../engine/sequencer/ops.js';
import { CommandBus, type CommittedPatch } from './command-bus.js';
import { CMD_CONTROL, decodeCommand, type EngineCommand } from './engine-command.js';
import { histogramQuantile, round, sortedQuantile } from './stats.js';
import { EngineHost, type HostSnapshot, type PatchPayload } from './engine-host.js';
import type { JournalEntry } from './journal.js';
import { Recorder } from './recorder.js';
import { replayJournal } from './replay.js';
import {
  CLOCK_MAX_LATE_MS, CTL_ACTIVE, CTL_CONSUMED, CTL_DEVICE_GAPS, CTL_LATE_CYCLES, CTL_LEAD, CTL_REANCHORS, CTL_RECORD_DROPS, CTL_RUNNING,
  CTL_TAKEN_FROM_OTHER, CTL_UNDERRUNS, HIST_BUCKET_MS, SLOT_BUSY, SLOT_CMD_READ, SLOT_DOWN, SLOT_HEARTBEAT,
  SLOT_JOINING, SLOT_LATE_COMMANDS, SLOT_LOCKSTEP, SLOT_MODULE_FAULTS, SLOT_PRODUCED, SLOT_STATE, STAT_RENDER_COUNT,
  STAT_RENDER_LAST_MS, STAT_RENDER_MAX_MS, STAT_RENDER_SUM_MS, createSharedState, type RuntimeConfig, type SharedViews,
} from './shared-state.js';
import { DEFAULT_HEALTH, SlotHealth, type HealthOptions } from './slot-health.js';
import { SlotPool, type SlotWorkerHandle } from './slot-pool.js';
import type { FaultKind, SlotReport, SlotStart } from './slot-protocol.js';
import { StateStore, type StateBase } from './state-store.js';

export interface SupervisorOptions {
  readonly sampleRate: number;
  readonly blockSize: number;
  readonly slots: 1 | 2;
  readonly lead: number;
  /** When set, the lead adapts to underruns (starting from `lead`). */
  readonly adaptiveLead?: AdaptiveLeadOptions;
  readonly seed: number;
  readonly initialPatch: PatchDocument;
  /** Called for every module fault the active slot reports (deterministic: both slots see it). */
  readonly onModuleFault?: (module: string, code: string, frame: number) => void;
  /** Failover, rejoin and outage notices for subscribed clients, e.g. `/engine/failover 0 1 hang`. */
  readonly onNotice?: (address: string, args: ReadonlyArray<number | string>) => void;
  /** Output sink: the clocked null sink (default) or the sound card (audify), by RtAudio device id (-1: default). */
  readonly sink?: 'null' | 'device';
  readonly deviceId?: number;
  /** Folder for the journal and periodic snapshots; a server restarted on it resumes. */
  readonly stateDir?: string;
  /** Interval between periodic snapshots, ms (default 2000). */
  readonly snapshotEveryMs?: number;
  /** Accept `/debug/fault` (tests and demos). */
  readonly allowFaultInjection?: boolean;
  readonly health?: HealthOptions;
  /** Control-layer state to keep in the state folder's base (restored into `resumed.extra`). */
  readonly saveExtra?: () => unknown;
  /** Keep a pre-started spare worker for fast rejoins (default true). */
  readonly spare?: boolean;
}

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

/** A snapshot plus where it sits: the start state of a replacement slot. */
interface Checkpoint {
  readonly snapshot: HostSnapshot;
  readonly block: number;
  readonly cmdRead: number;
}

interface FaultRecord {
  readonly slot: number;
  readonly reason: string;
  readonly block: number;
  readonly atMs: number;
  rejoinMs?: number;
}

interface Outage {
  readonly startBlock: number;
  readonly startUnderruns: number;
  readonly atMs: number;
  gapBlocks?: number;
  gapMs?: number;
}

export interface ResumeInfo {
  readonly block: number;
  readonly entries: number;
  readonly skippedLines: number;
  readonly ms: number;
  readonly savedAtMs: number;
  /** What `saveExtra` returned when the base was written. */
  readonly extra: unknown;
  /** Control ops of the journal replayed after the base, in order (to bring `extra` up to date). */
  readonly controls: readonly ControlOp[];
  /** Parameter values the engine holds that differ from `committedPatch` (set by /mod since). */
  readonly params: readonly ResumedParam[];
}

export interface ResumedParam {
  readonly id: string;
  readonly paramId: string;
  readonly value: number;
}

const RING_BLOCKS = 64;
/** Blocks whose hashes must equal the survivor's before a rejoining slot is heard. */
const JOIN_MATCH_BLOCKS = 3;
/** A rejoin that has not reached lockstep after this long is abandoned and retried, ms. */
const JOIN_TIMEOUT_MS = 5000;
const SNAPSHOT_TIMEOUT_MS = 1000;
/** The command ring's payload area: patch texts (about 100-150 bytes per module) and control ops. */
const PAYLOAD_BYTES = 32 << 20;

export class Supervisor {
  readonly config: RuntimeConfig;
  readonly shared: SharedViews;
  readonly recorder: Recorder;
  readonly startedAt = Date.now();
  /** Stamps, encodes, journals and writes every engine command (command-bus.ts). */
  readonly bus: CommandBus;
  private readonly periodMs: number;
  private readonly pool: SlotPool;
  private readonly workers: Array<SlotWorkerHandle | undefined>;
  private readonly replacing: boolean[];
  private readonly joinStartedAt: number[];
  private readonly lastCompared: number[];
  /** Latest per-module costs each slot reported. */
  private readonly moduleCosts: Array<readonly ModuleCost[]>;
  /** Per slot: its engine's batch counters, from its latest cost report (undefined before). */
  private readonly batchStats: Array<BatchStats | undefined>;
  private readonly health: SlotHealth;
  private readonly store: StateStore | undefined;
  private outputWorker: Worker | undefined;
  private divergences = 0;
  private failovers = 0;
  private readonly failoverReasons = new Map<string, number>();
  private readonly faults: FaultRecord[] = [];
  private rejoins = 0;
  private readonly outages: Outage[] = [];
  private currentOutage: Outage | undefined;
  private checkpoint: Checkpoint | undefined;
  private lastSnapshotAt = 0;
  private snapshotInFlight = false;
  private nextSnapshotId = 1;
  private readonly snapshotWaiters = new Map<number, { resolve: (c: Checkpoint) => void; slot: number }>();
  private timer: NodeJS.Timeout | undefined;
  private readonly waiters: Array<{ frame: number; resolve: () => void }> = [];
  private stopped = false;
  private readonly adaptive: AdaptiveLead | undefined;
  /** The initial patch with its handles: where a fresh server's slots start. */
  private readonly initial: PatchPayload;
  /** Set when the server resumed from its state folder. */
  resumed: ResumeInfo | undefined;
  /** The patch committed last (the initial one, or the resumed one): the editor starts from it. */
  committedPatch: PatchDocument;

  constructor(private readonly options: SupervisorOptions) {
    if (options.lead < 1 || options.lead >= RING_BLOCKS / 2) throw new Error(`lead must be in [1, ${RING_BLOCKS / 2 - 1}] blocks`);
    this.config = {
      sampleRate: options.sampleRate,
      blockSize: options.blockSize,
      slots: options.slots,
      ringBlocks: RING_BLOCKS,
      hashHistory: 1024,
      commandCapacity: 8192,
      payloadBytes: PAYLOAD_BYTES,
      recordBlocks: 1 << Math.ceil(Math.log2((2 * options.sampleRate) / options.blockSize)),
    };
    this.periodMs = (1000 * options.blockSize) / options.sampleRate;
    this.shared = createSharedState(this.config);
    this.bus = new CommandBus(this.shared);
    // Handles from the start, so commands can be validated before the slots run (a resumed
    // server replaces them with its snapshot's).
    this.initial = this.bus.initialPayload(options.initialPatch);
    this.recorder = new Recorder(this.shared);
    this.pool = new SlotPool(this.config, this.shared.buffer, options.seed, options.spare ?? true);
    this.workers = new Array<SlotWorkerHandle | undefined>(options.slots).fill(undefined);
    this.replacing = new Array<boolean>(options.slots).fill(false);
    this.joinStartedAt = new Array<number>(options.slots).fill(0);
    this.lastCompared = new Array<number>(options.slots).fill(0);
    this.moduleCosts = new Array<readonly ModuleCost[]>(options.slots).fill([]);
    this.batchStats = new Array<BatchStats | undefined>(options.slots).fill(undefined);
    this.health = new SlotHealth(options.slots, options.health ?? DEFAULT_HEALTH);
    this.store = options.stateDir === undefined ? undefined : new StateStore(options.stateDir);
    this.committedPatch = options.initialPatch;
    if (options.adaptiveLead !== undefined) {
      if (options.adaptiveLead.max >= RING_BLOCKS / 2) throw new Error(`adaptive lead max must be below ${RING_BLOCKS / 2}`);
      this.adaptive = new AdaptiveLead(options.adaptiveLead, Date.now());
    }
  }

  get blockSize(): number {
    return this.config.blockSize;
  }

  /** Starts the workers (resuming from the state folder if it holds a state) and waits until every slot is ready. */
  async start(): Promise<void> {
    const ctl = this.shared.ctl;
    const begin = this.startingPoint();
    Atomics.store(ctl, CTL_RUNNING, 1);
    Atomics.store(ctl, CTL_LEAD, this.options.lead);
    Atomics.store(ctl, CTL_ACTIVE, 0);
    Atomics.store(ctl, CTL_CONSUMED, begin.block);
    this.checkpoint = { snapshot: begin.snapshot, block: begin.block, cmdRead: 0 };
    this.lastSnapshotAt = performance.now();
    this.writeBase(this.checkpoint);
    const workers = await Promise.all(this.shared.slots.map(() => this.pool.acquire(false)));
    const ready: Promise<void>[] = [];
    for (let slot = 0; slot < this.config.slots; slot++) {
      this.prepareSlot(slot, begin.block, 0, SLOT_LOCKSTEP);
      this.lastCompared[slot] = begin.block;
      ready.push(this.adopt(workers[slot]!, slot, begin.start, [], performance.now()).ready);
    }
    await Promise.all(ready);
    this.outputWorker = new Worker(new URL('./output-worker.js', import.meta.url), {
      workerData: { config: this.config, buffer: this.shared.buffer, startTimeoutMs: 2000, sink: this.options.sink ?? 'null', deviceId: this.options.deviceId ?? -1 },
      resourceLimits: { maxYoungGenerationSizeMb: 4, maxOldGenerationSizeMb: 256 },
    });
    this.outputWorker.on('error', (error) => process.stderr.write(`chronus: output worker failed: ${error.message}\n`));
    this.timer = setInterval(() => this.tick(), 10);
  }

  /** Stops every worker and finalises a running recording. */
  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    if (this.timer !== undefined) clearInterval(this.timer);
    this.recorder.drain();
    this.settleJournal();
    const ctl = this.shared.ctl;
    Atomics.store(ctl, CTL_RUNNING, 0);
    Atomics.notify(ctl, CTL_RUNNING);
    Atomics.notify(ctl, CTL_CONSUMED);
    const workers = this.workers.flatMap((h) => (h === undefined ? [] : [h.worker]));
    const exits = [...workers, ...(this.outputWorker === undefined ? [] : [this.outputWorker])].map(
      (w) => new Promise<void>((resolve) => {
        const timeout = setTimeout(() => void w.terminate().then(() => resolve()), 2000);
        w.once('exit', () => {
          clearTimeout(timeout);
          resolve();
        });
      }),
    );
    await Promise.all([...exits, this.pool.close()]);
    this.recorder.drain();
    this.recorder.stop();
    this.store?.close();
    for (const w of this.waiters.splice(0)) w.resolve();
  }

  /** The handle of live module `id` (what engine commands name it by), or undefined. */
  handleOf(id: string): number | undefined {
    return this.bus.handleOf(id);
  }

  /** See CommandBus.send. */
  send(command: Exclude<EngineCommand, { kind: 'patch' }>, requestedFrame = 0): number | undefined {
    return this.bus.send(command, requestedFrame);
  }

  canSend(): boolean {
    return this.bus.canSend();
  }

  /** See CommandBus.commitPatch; the committed document becomes `committedPatch`. */
  commitPatch(doc: PatchDocument, crossfadeMs = 20): CommittedPatch | undefined | 'too-big' {
    const committed = this.bus.commitPatch(doc, crossfadeMs);
    if (typeof committed === 'object') this.committedPatch = this.bus.lastCommitted!;
    return committed;
  }

  earliestFrame(): number {
    return this.bus.earliestFrame();
  }

  decidedFrame(seq: number, requestedFrame = 0, timeoutMs = 2000): Promise<number | undefined> {
    return this.bus.decidedFrame(seq, requestedFrame, timeoutMs, () => this.stopped);
  }

  decidedFrameNow(seq: number): number | undefined {
    return this.bus.decidedFrameNow(seq);
  }

  /** Sequence number of the last command sent (for /sync). */
  get lastSequence(): number {
    return this.bus.lastSequence;
  }

  /** Makes another slot in lockstep active at the next block (a planned, gapless switch). */
  switchActive(): number {
    const ctl = this.shared.ctl;
    const current = Atomics.load(ctl, CTL_ACTIVE);
    for (let k = 1; k <= this.config.slots; k++) {
      const next = (current + k) % this.config.slots;
      if (this.slotState(next) === SLOT_LOCKSTEP) {
        Atomics.store(ctl, CTL_ACTIVE, next);
        return next;
      }
    }
    return current;
  }

  /**
   * Injects a fault into a slot's worker (tests and demos). Throws when fault injection is not
   * allowed or the slot has no worker.
   */
  injectFault(slot: number, kind: FaultKind, ms: number): void {
    if (this.options.allowFaultInjection !== true) throw new Error('fault injection is disabled (start the server with --allow-fault-injection)');
    const handle = this.workers[slot];
    if (handle === undefined || this.slotState(slot) === SLOT_DOWN) throw new Error(`slot ${slot} has no running worker`);
    handle.port.postMessage({ type: 'fault', kind, ms });
  }

  /** Resolves once every slot in lockstep has rendered past `frame` (for /sync). */
  whenRendered(frame: number): Promise<void> {
    return new Promise((resolve) => {
      this.waiters.push({ frame, resolve });
      this.tick();
    });
  }

  status(): Record<string, unknown> {
    const ctl = this.shared.ctl;
    const healthy = this.shared.slots.filter((_, s) => this.slotState(s) === SLOT_LOCKSTEP).length;
    const rejoinTimes = this.faults.flatMap((f) => (f.rejoinMs === undefined ? [] : [f.rejoinMs])).sort((a, b) => a - b);
    return {
      sampleRate: this.config.sampleRate,
      blockSize: this.config.blockSize,
      lead: Atomics.load(ctl, CTL_LEAD),
      leadMode: this.adaptive === undefined ? 'fixed' : 'adaptive',
      leadChanges: this.adaptive?.changes ?? 0,
      slots: this.config.slots,
      healthySlots: healthy,
      degraded: healthy < this.config.slots,
      activeSlot: Atomics.load(ctl, CTL_ACTIVE),
      consumedBlocks: Atomics.load(ctl, CTL_CONSUMED),
      underruns: Atomics.load(ctl, CTL_UNDERRUNS),
      lateCycles: Atomics.load(ctl, CTL_LATE_CYCLES),
      maxLateMs: round(this.shared.clock[CLOCK_MAX_LATE_MS]!),
      reanchors: Atomics.load(ctl, CTL_REANCHORS),
      takenFromOther: Atomics.load(ctl, CTL_TAKEN_FROM_OTHER),
      deviceGaps: Atomics.load(ctl, CTL_DEVICE_GAPS),
      recordDrops: Atomics.load(ctl, CTL_RECORD_DROPS),
      failovers: this.failovers,
      failoverReasons: Object.fromEntries(this.failoverReasons),
      slotFaults: this.faults.length,
      rejoins: this.rejoins,
      rejoinMs: rejoinTimes.length === 0 ? null : { last: round(lastOf(this.faults, (f) => f.rejoinMs !== undefined)!.rejoinMs!), p50: round(sortedQuantile(rejoinTimes, 0.5)), max: round(sortedQuantile(rejoinTimes, 1)) },
      recentFaults: this.faults.slice(-10).map((f) => ({ slot: f.slot, reason: f.reason, block: f.block, rejoinMs: f.rejoinMs === undefined ? null : round(f.rejoinMs) })),
      outages: this.outages.map((o) => ({ startBlock: o.startBlock, gapBlocks: o.gapBlocks ?? null, gapMs: o.gapMs === undefined ? null : round(o.gapMs) })),
      spareWorker: this.pool.spareReady,
      journalEntries: this.bus.journal.size,
      lastSnapshotAgeMs: round(performance.now() - this.lastSnapshotAt),
      stateDir: this.store?.dir ?? null,
      resumed: this.resumed ?? null,
      divergences: this.divergences,
      commits: this.bus.commits,
      uptimeSeconds: round((Date.now() - this.startedAt) / 1000),
      slotHealth: this.shared.slots.map((_, slot) => this.slotStatus(slot)),
      moduleCosts: (this.moduleCosts[Atomics.load(ctl, CTL_ACTIVE)] ?? []).map((c) => ({ id: c.id, type: c.type, meanUs: round(c.meanUs), maxUs: round(c.maxUs), share: round(c.share) })),
      batch: batchStatus(this.batchStats[Atomics.load(ctl, CTL_ACTIVE)]),
      recording: this.recorder.status(),
    };
  }

  slotStatus(slot: number): SlotStatus {
    const s = this.shared.slots[slot]!;
    const count = s.stats[STAT_RENDER_COUNT]!;
    const state = this.slotState(slot);
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

  // ------------------------------------------------------------------ start-up

  /** Where the slots start: the state folder's saved state fast-forwarded, or the initial patch. */
  private startingPoint(): { start: SlotStart; snapshot: HostSnapshot; block: number } {
    const settings = { sampleRate: this.config.sampleRate, blockSize: this.config.blockSize, seed: this.options.seed };
    const registry = createRegistry();
    const loaded = this.store?.load();
    if (loaded !== undefined) {
      const began = performance.now();
      const { base, entries } = loaded;
      if (base.sampleRate !== settings.sampleRate || base.blockSize !== settings.blockSize || base.seed !== settings.seed >>> 0) {
        throw new Error(`the state folder was written at ${base.sampleRate} Hz, block ${base.blockSize}, seed ${base.seed}; start with the same settings`);
      }
      const host = EngineHost.fromSnapshot(settings, registry, base.host);
      // Fast-forward through the journal: everything decided before the kill is applied, so
      // the server resumes with the patch, parameters and sequencers it had.
      const last = entries.reduce((most, e) => Math.max(most, e.frame ?? 0), host.frame);
      const until = Math.ceil((last + 1) / this.config.blockSize) * this.config.blockSize;
      replayJournal(host, entries, until);
      const left = new Float32Array(this.config.blockSize);
      const right = new Float32Array(this.config.blockSize);
      while (!host.canSnapshot) host.renderBlock(left, right, this.config.blockSize);
      const snapshot = host.snapshot();
      this.bus.restore(snapshot);
      const pending = snapshot.pending.length > 0;
      this.committedPatch = pending ? snapshot.pending[snapshot.pending.length - 1]!.doc : snapshot.live.doc;
      const params = pending ? [] : liveParamChanges(snapshot.live.doc, host, registry);
      const block = host.frame / this.config.blockSize;
      this.resumed = {
        block, entries: entries.length, skippedLines: loaded.skippedLines, ms: round(performance.now() - began), savedAtMs: base.savedAtMs,
        extra: base.extra, controls: entries.flatMap((e) => (e.kind === CMD_CONTROL ? [decodeCommand(e)] : [])).flatMap((c) => (c.kind === 'control' ? [c.op] : [])), params,
      };
      return { start: { kind: 'snapshot', snapshot }, snapshot, block };
    }
    const live = this.initial;
    const snapshot = EngineHost.fresh(settings, registry, live).snapshot();
    return { start: { kind: 'fresh', live }, snapshot, block: 0 };
  }

  /** Resets a slot's shared fields for a worker starting at `block`, reading the ring from `cmdRead`. */
  private prepareSlot(slot: number, block: number, cmdRead: number, state: number): void {
    const s = this.shared.slots[slot]!;
    s.stamps.fill(-1);
    s.hashBlocks.fill(-1);
    Atomics.store(s.ints, SLOT_PRODUCED, block);
    Atomics.store(s.ints, SLOT_CMD_READ, cmdRead);
    Atomics.store(s.ints, SLOT_BUSY, 0);
    Atomics.store(s.ints, SLOT_STATE, state);
  }

  private adopt(worker: Worker, slot: number, start: SlotStart, backlog: readonly JournalEntry[], faultAt: number): SlotWorkerHandle {
    this.health.restart(slot, performance.now());
    this.joinStartedAt[slot] = faultAt;
    const handle: SlotWorkerHandle = this.pool.adopt(worker, {
      slot,
      start,
      backlog,
      onReport: (m) => this.onReport(slot, m),
      onEnd: (reason) => {
        if (this.workers[slot] === handle) this.fail(slot, reason);
      },
    });
    this.workers[slot] = handle;
    return handle;
  }

  private onReport(slot: number, m: SlotReport): void {
    if (m.type === 'costs') {
      this.moduleCosts[slot] = m.costs;
      this.batchStats[slot] = m.batch;
    } else if (m.type === 'module-fault') {
      if (slot === Atomics.load(this.shared.ctl, CTL_ACTIVE)) this.options.onModuleFault?.(m.module, m.code, m.frame);
    } else if (m.type === 'snapshot') {
      const waiter = this.snapshotWaiters.get(m.id);
      if (waiter !== undefined) {
        this.snapshotWaiters.delete(m.id);
        waiter.resolve({ snapshot: m.snapshot, block: m.block, cmdRead: m.cmdRead });
      }
    }
  }

  // ------------------------------------------------------------------ failover

  private slotState(slot: number): number {
    return Atomics.load(this.shared.slots[slot]!.ints, SLOT_STATE);
  }

  /** Declares `slot` failed: stops hearing it, fails over if it was active, and replaces it. */
  private fail(slot: number, reason: string): void {
    if (this.stopped || this.replacing[slot]) return;
    const handle = this.workers[slot];
    if (handle === undefined) return;
    this.replacing[slot] = true;
    const ctl = this.shared.ctl;
    Atomics.store(this.shared.slots[slot]!.ints, SLOT_STATE, SLOT_DOWN);
    const record: FaultRecord = { slot, reason, block: Atomics.load(ctl, CTL_CONSUMED), atMs: performance.now() };
    this.faults.push(record);
    if (this.faults.length > 1000) this.faults.splice(0, this.faults.length - 1000);
    if (Atomics.load(ctl, CTL_ACTIVE) === slot) this.failOver(slot, reason);
    if (this.currentOutage === undefined && this.shared.slots.every((_, s) => this.slotState(s) !== SLOT_LOCKSTEP)) {
      this.currentOutage = { startBlock: record.block, startUnderruns: Atomics.load(ctl, CTL_UNDERRUNS), atMs: record.atMs };
      this.options.onNotice?.('/engine/outage', ['begin', slot, reason]);
      process.stderr.write(`chronus: no slot in lockstep after slot ${slot} failed (${reason}); restarting from the last snapshot and the journal\n`);
    }
    void this.replace(slot, handle, record).catch((error: unknown) => {
      this.replacing[slot] = false;
      process.stderr.write(`chronus: could not replace slot ${slot}: ${String(error)}\n`);
    });
  }

  /** Makes a healthy slot active instead of `from` (gapless: the slots are in lockstep). */
  private failOver(from: number, reason: string): boolean {
    const ctl = this.shared.ctl;
    const consumed = Atomics.load(ctl, CTL_CONSUMED);
    let best = -1;
    for (let s = 0; s < this.config.slots; s++) {
      if (s === from || this.slotState(s) !== SLOT_LOCKSTEP) continue;
      if (best === -1 || ((Atomics.load(this.shared.slots[s]!.ints, SLOT_PRODUCED) - consumed) | 0) > 0) best = s;
    }
    if (best === -1) return false;
    Atomics.store(ctl, CTL_ACTIVE, best);
    this.failovers++;
    this.failoverReasons.set(reason, (this.failoverReasons.get(reason) ?? 0) + 1);
    this.options.onNotice?.('/engine/failover', [from, best, reason]);
    return true;
  }

  /** Terminates a failed slot's worker and starts a replacement from the best start state. */
  private async replace(slot: number, old: SlotWorkerHandle, record: FaultRecord): Promise<void> {
    // A loaded replacement first (the spare, or a cold start in parallel with the termination),
    // then the snapshot: the replacement has little to catch up.
    const [worker] = await Promise.all([this.pool.acquire(true), old.worker.terminate()]);
    if (this.stopped) {
      void worker.terminate();
      return;
    }
    const start = await this.startStateFor(slot);
    if (this.stopped) {
      void worker.terminate();
      return;
    }
    const backlog = this.bus.journal.since(start.cmdRead);
    this.prepareSlot(slot, start.block, this.bus.nextSequence, SLOT_JOINING);
    this.lastCompared[slot] = start.block;
    this.adopt(worker, slot, { kind: 'snapshot', snapshot: start.snapshot }, backlog, record.atMs);
    this.replacing[slot] = false;
  }

  /** A fresh snapshot of a slot in lockstep, or (none, e.g. both failed) the last checkpoint. */
  private async startStateFor(slot: number): Promise<Checkpoint> {
    const deadline = performance.now() + JOIN_TIMEOUT_MS;
    while (!this.stopped && performance.now() < deadline) {
      const survivor = this.shared.slots.findIndex((_, s) => s !== slot && this.slotState(s) === SLOT_LOCKSTEP && this.workers[s] !== undefined);
      if (survivor >= 0) {
        const fresh = await this.requestSnapshot(survivor, SNAPSHOT_TIMEOUT_MS);
        if (fresh !== undefined) return fresh;
        continue;
      }
      // Another slot is already rejoining: wait for it, then copy it (one catch-up, not two).
      if (!this.shared.slots.some((_, s) => s !== slot && this.slotState(s) === SLOT_JOINING)) break;
      await new Promise((r) => setTimeout(r, 10));
    }
    return this.checkpoint!;
  }

  private requestSnapshot(slot: number, timeoutMs: number): Promise<Checkpoint | undefined> {
    const id = this.nextSnapshotId++;
    return new Promise((resolve) => {
      const timeout = setTimeout(() => {
        this.snapshotWaiters.delete(id);
        resolve(undefined);
      }, timeoutMs);
      this.snapshotWaiters.set(id, {
        slot,
        resolve: (c) => {
          clearTimeout(timeout);
          resolve(c);
        },
      });
      this.workers[slot]?.port.postMessage({ type: 'snapshot', id });
    });
  }

  /** Watches slot health: prefers a healthy slot over a suspect active one, replaces hung slots. */
  private watchHealth(now: number): void {
    const ctl = this.shared.ctl;
    const consumed = Atomics.load(ctl, CTL_CONSUMED);
    const observations = this.shared.slots.map((s, slot) => ({
      judged: this.slotState(slot) === SLOT_LOCKSTEP && !this.replacing[slot],
      heartbeat: Atomics.load(s.ints, SLOT_HEARTBEAT),
      produced: Atomics.load(s.ints, SLOT_PRODUCED),
      lastRenderMs: s.stats[STAT_RENDER_LAST_MS]!,
    }));
    const verdict = this.health.observe(now, observations, consumed, this.periodMs);
    for (const slot of verdict.hung) this.fail(slot, 'hang');
    const active = Atomics.load(ctl, CTL_ACTIVE);
    const why = verdict.suspect[active];
    if (why !== undefined && this.slotState(active) === SLOT_LOCKSTEP) {
      const healthyOther = this.shared.slots.some((_, s) => s !== active && observations[s]!.judged && verdict.suspect[s] === undefined);
      if (healthyOther) this.failOver(active, why);
    }
    if (this.slotState(active) !== SLOT_LOCKSTEP) this.failOver(active, 'down');
    for (let slot = 0; slot < this.config.slots; slot++) {
      if (this.slotState(slot) === SLOT_JOINING && !this.replacing[slot]) this.checkJoin(slot, now, consumed);
    }
  }

  /** Declares a rejoining slot in lockstep once it caught up and its hashes equal the survivor's. */
  private checkJoin(slot: number, now: number, consumed: number): void {
    const mine = this.shared.slots[slot]!;
    const produced = Atomics.load(mine.ints, SLOT_PRODUCED);
    if (now - this.joinStartedAt[slot]! > JOIN_TIMEOUT_MS) {
      this.fail(slot, 'rejoin-timeout');
      return;
    }
    if (((produced - consumed) | 0) <= 0) return;
    const reference = this.shared.slots.findIndex((_, s) => s !== slot && this.slotState(s) === SLOT_LOCKSTEP);
    if (reference >= 0) {
      const theirs = this.shared.slots[reference]!;
      const upTo = Math.min(produced, Atomics.load(theirs.ints, SLOT_PRODUCED));
      const mask = this.config.hashHistory - 1;
      for (let b = upTo - JOIN_MATCH_BLOCKS; b < upTo; b++) {
        const h = b & mask;
        if (Atomics.load(mine.hashBlocks, h) !== b || Atomics.load(theirs.hashBlocks, h) !== b) return;
        if (mine.hashes[h] !== theirs.hashes[h]) {
          this.divergences++;
          this.fail(slot, 'rejoin-diverged');
          return;
        }
      }
      this.lastCompared[slot] = upTo;
    }
    Atomics.store(mine.ints, SLOT_STATE, SLOT_LOCKSTEP);
    this.rejoins++;
    const ms = now - this.joinStartedAt[slot]!;
    const record = lastOf(this.faults, (f) => f.slot === slot && f.rejoinMs === undefined);
    if (record !== undefined) record.rejoinMs = ms;
    this.options.onNotice?.('/engine/rejoin', [slot, round(ms)]);
    const outage = this.currentOutage;
    if (outage !== undefined) {
      Atomics.store(this.shared.ctl, CTL_ACTIVE, slot);
      outage.gapBlocks = Atomics.load(this.shared.ctl, CTL_UNDERRUNS) - outage.startUnderruns;
      outage.gapMs = outage.gapBlocks * this.periodMs;
      this.outages.push(outage);
      this.currentOutage = undefined;
      this.options.onNotice?.('/engine/outage', ['end', outage.gapBlocks, round(outage.gapMs)]);
      process.stderr.write(`chronus: slot ${slot} resumed after an outage: ${outage.gapBlocks} blocks (${round(outage.gapMs)} ms) of silence\n`);
    }
  }

  // ------------------------------------------------------------------ snapshots and journal

  /** Takes a periodic snapshot from the standby slot: the fallback start state, and the state folder's base. */
  private maybeSnapshot(now: number): void {
    const every = this.options.snapshotEveryMs ?? 2000;
    if (this.snapshotInFlight || now - this.lastSnapshotAt < every) return;
    const active = Atomics.load(this.shared.ctl, CTL_ACTIVE);
    const candidates = this.shared.slots.map((_, s) => s).filter((s) => this.slotState(s) === SLOT_LOCKSTEP && !this.replacing[s]);
    const from = candidates.find((s) => s !== active) ?? candidates[0];
    if (from === undefined) return;
    this.snapshotInFlight = true;
    void this.requestSnapshot(from, SNAPSHOT_TIMEOUT_MS).then((checkpoint) => {
      this.snapshotInFlight = false;
      this.lastSnapshotAt = performance.now();
      if (checkpoint === undefined || this.stopped) return;
      this.checkpoint = checkpoint;
      // Keep what a replacement could still need: commands after the oldest read position.
      let keepFrom = checkpoint.cmdRead;
      for (let s = 0; s < this.config.slots; s++) {
        if (this.slotState(s) === SLOT_DOWN) continue;
        const read = Atomics.load(this.shared.slots[s]!.ints, SLOT_CMD_READ);
        if (((read - keepFrom) | 0) < 0) keepFrom = read;
      }
      this.bus.journal.trimBefore(keepFrom);
      this.writeBase(checkpoint);
    });
  }

  private writeBase(checkpoint: Checkpoint): void {
    if (this.store === undefined) return;
    this.settleJournal();
    const base: StateBase = {
      format: 'chronus-state', version: 1, epoch: randomUUID(),
      sampleRate: this.config.sampleRate, blockSize: this.config.blockSize, seed: this.options.seed >>> 0,
      block: checkpoint.block, seq: checkpoint.cmdRead, host: checkpoint.snapshot, savedAtMs: Date.now(),
      extra: this.options.saveExtra?.(),
    };
    this.store.writeBase(base, this.bus.journal.since(checkpoint.cmdRead).filter((e) => e.frame !== undefined));
  }

  /** Records the frames slots have decided into the journal (and the state folder). */
  private settleJournal(): void {
    this.store?.append(this.bus.settle());
  }

  private tick(): void {
    if (this.stopped) return;
    const now = performance.now();
    this.recorder.drain();
    if (this.adaptive !== undefined) {
      const ctl = this.shared.ctl;
      const lead = Atomics.load(ctl, CTL_LEAD);
      const next = this.adaptive.update(lead, Atomics.load(ctl, CTL_UNDERRUNS), Date.now());
      if (next !== lead) Atomics.store(ctl, CTL_LEAD, next);
    }
    this.settleJournal();
    this.watchHealth(now);
    this.compareHashes();
    this.maybeSnapshot(now);
    if (this.waiters.length > 0) {
      const live = this.shared.slots.filter((_, s) => this.slotState(s) === SLOT_LOCKSTEP);
      if (live.length === 0) return;
      const rendered = Math.min(...live.map((s) => Atomics.load(s.ints, SLOT_PRODUCED))) * this.config.blockSize;
      for (let i = this.waiters.length - 1; i >= 0; i--) {
        // A command at frame F is applied once the block containing F is rendered: rendered > F.
        if (this.waiters[i]!.frame < rendered) this.waiters.splice(i, 1)[0]!.resolve();
      }
    }
  }

  /** Compares the hashes of blocks the slots in lockstep have rendered with the active slot's. */
  private compareHashes(): void {
    if (this.config.slots < 2) return;
    const reference = Atomics.load(this.shared.ctl, CTL_ACTIVE);
    if (this.slotState(reference) !== SLOT_LOCKSTEP) return;
    const slots = this.shared.slots;
    const ref = slots[reference]!;
    const history = this.config.hashHistory;
    for (let s = 0; s < slots.length; s++) {
      if (s === reference || this.slotState(s) !== SLOT_LOCKSTEP) continue;
      const other = slots[s]!;
      const upTo = Math.min(Atomics.load(ref.ints, SLOT_PRODUCED), Atomics.load(other.ints, SLOT_PRODUCED));
      let from = Math.max(this.lastCompared[s]!, upTo - history + 1);
      for (; from < upTo; from++) {
        const h = from & (history - 1);
        if (Atomics.load(ref.hashBlocks, h) !== from || Atomics.load(other.hashBlocks, h) !== from) continue;
        if (other.hashes[h] !== ref.hashes[h]) this.divergences++;
      }
      this.lastCompared[s] = Math.max(this.lastCompared[s]!, upTo);
    }
  }
}

/**
 * Parameters whose value in the engine differs from the committed document (set by /mod after
 * the commit), so the control layer can record them and /patch/get shows what plays.
 */
function liveParamChanges(doc: PatchDocument, host: EngineHost, registry: ModuleRegistry): ResumedParam[] {
  const resolved = validatePatch(doc, registry);
  if (!resolved.ok) return [];
  const changes: ResumedParam[] = [];
  for (const m of resolved.patch.modules) {
    const instance = host.engine.instance(m.id);
    if (instance === undefined) continue;
    instance.definition.spec.params.forEach((p, i) => {
      const value = instance.params.target(i);
      if (value !== m.params[i]) changes.push({ id: m.id, paramId: p.id, value });
    });
  }
  return changes;
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

function lastOf<T>(items: readonly T[], match: (item: T) => boolean): T | undefined {
  for (let i = items.length - 1; i >= 0; i--) if (match(items[i]!)) return items[i];
  return undefined;
}
