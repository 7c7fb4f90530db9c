// The supervisor (main thread): owns the shared memory and composes the runtime's parts. It
// never touches samples on the audio path.
//   command-bus.ts        engine commands out: stamped, encoded, journalled, into the ring
//   slot-set.ts           the worker slots: workers, states, adoption, cost reports
//   failover.ts           health watch, failover, replacement of failed slots
//   rejoin.ts             when a replacement is heard again
//   lockstep-check.ts     block hashes compared across slots
//   checkpoints.ts        snapshots (replacement start states, the state folder's base)
//   starting-point.ts     start-up: the initial patch, or the state folder's state resumed
//   supervisor-status.ts  /engine/status
// plus the output worker, the recording tap (recorder.ts) and the adaptive lead.

import { performance } from 'node:perf_hooks';
import { Worker } from 'node:worker_threads';
import type { PatchDocument } from '../patch/document.js';
import { AdaptiveLead, type AdaptiveLeadOptions } from './adaptive-lead.js';
import { Checkpoints } from './checkpoints.js';
import { CommandBus } from './command-bus.js';
import type { PatchPayload } from './engine-host.js';
import { Failover } from './failover.js';
import { FaultLog } from './fault-log.js';
import type { JournalEntry } from './journal.js';
import { LockstepCheck } from './lockstep-check.js';
import { OutputHistory, historyBlocks } from './output-taps.js';
import { Recorder } from './recorder.js';
import { Rejoin } from './rejoin.js';
import {
  CTL_ACTIVE, CTL_CONSUMED, CTL_LEAD, CTL_RUNNING, CTL_TAP_HANDLE, CTL_TAP_OUTPUT, CTL_UNDERRUNS, SLOT_LOCKSTEP, SLOT_TAP_HANDLE, createSharedState, type RuntimeConfig, type SharedViews } from './shared-state.js';
import { DEFAULT_HEALTH, SlotHealth, type HealthOptions } from './slot-health.js';
import { SlotPool, type SlotWorkerHandle } from './slot-pool.js';
import type { FaultKind, SlotReport, SlotStart } from './slot-protocol.js';
import { SlotSet } from './slot-set.js';
import { startingPoint, type ResumeInfo } from './starting-point.js';
import { StateStore, type LoadedState } from './state-store.js';
import { CMD_BUFFER, decodeCommand } from './engine-command.js';
import { SampleTable, type BufferMeta, type SharedSample } from './sample-buffers.js';
import { loadSampleFile } from './sample-loader.js';
import { join } from 'node:path';
import { supervisorStatus } from './supervisor-status.js';

export type { ResumeInfo, ResumedParam } from './starting-point.js';
export type { SlotStatus } from './supervisor-status.js';

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
  /** Where sample files are (`<data-dir>/samples`): a server resuming from its state folder decodes its buffers again from here. */
  readonly samplesDir?: string;
}

/** A buffer of the state folder that could not be restored (missing or changed file): it plays as silence. */
export interface BufferFault {
  readonly name: string;
  readonly file: string;
  readonly code: string;
  readonly message: string;
}

const RING_BLOCKS = 64;
/** The command ring's payload area: patch texts (about 100-150 bytes per module) and control ops. */
const PAYLOAD_BYTES = 32 << 20;

export class Supervisor {
  readonly config: RuntimeConfig;
  readonly shared: SharedViews;
  readonly recorder: Recorder;
  /** The last seconds of what the sink played (output-taps.ts), written by the output worker. */
  readonly history: OutputHistory;
  readonly startedAt = Date.now();
  /**
   * Every engine command goes out through the bus (command-bus.ts): send, commitPatch, the
   * frames slots decide.
   */
  readonly bus: CommandBus;
  private readonly pool: SlotPool;
  private readonly slots: SlotSet;
  private readonly checkpoints: Checkpoints;
  private readonly lockstep: LockstepCheck;
  private readonly log: FaultLog;
  private readonly failover: Failover;
  private readonly adaptive: AdaptiveLead | undefined;
  /** The initial patch with its handles: where a fresh server's slots start. */
  private readonly initial: PatchPayload;
  private outputWorker: Worker | undefined;
  private timer: NodeJS.Timeout | undefined;
  private readonly waiters: Array<{ frame: number; resolve: () => void }> = [];
  private stopped = false;
  /** Set when the server resumed from its state folder. */
  resumed: ResumeInfo | undefined;
  /** The patch the slots started with (the initial one, or the state folder's): the editor starts from it. */
  startPatch: PatchDocument;
  /** After start: the buffers the engine holds (resumed from the state folder), and those that could not be restored. */
  startBuffers: readonly BufferMeta[] = [];
  bufferFaults: readonly BufferFault[] = [];
  /** Freed buffers' data, kept until a checkpoint past the free exists (a replacement slot may still need it). */
  private readonly retired: Array<{ readonly id: number; readonly seq: number }> = [];

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
    this.shared = createSharedState(this.config);
    this.history = OutputHistory.create({ sampleRate: options.sampleRate, blockSize: options.blockSize, blocks: historyBlocks(options.sampleRate, options.blockSize) });
    // Decided commands go to the state folder's journal (checkpoints.ts).
    this.bus = new CommandBus(this.shared, (entries) => this.checkpoints.append(entries));
    // Handles from the start, so commands can be validated before the slots run (a resumed
    // server replaces them with its snapshot's).
    this.initial = this.bus.initialPayload(options.initialPatch);
    this.startPatch = options.initialPatch;
    this.recorder = new Recorder(this.shared);
    this.pool = new SlotPool(this.config, this.shared.buffer, options.seed, options.spare ?? true);
    const health = new SlotHealth(options.slots, options.health ?? DEFAULT_HEALTH);
    this.slots = new SlotSet(this.shared, this.pool, health);
    const stopped = (): boolean => this.stopped;
    const store = options.stateDir === undefined ? undefined : new StateStore(options.stateDir);
    this.checkpoints = new Checkpoints(this.shared, this.slots, this.bus, store, {
      seed: options.seed, everyMs: options.snapshotEveryMs ?? 2000, ...(options.saveExtra === undefined ? {} : { saveExtra: options.saveExtra }),
    }, stopped);
    this.lockstep = new LockstepCheck(this.shared, this.slots);
    this.log = new FaultLog((address, args) => this.options.onNotice?.(address, args));
    this.failover = new Failover({
      shared: this.shared, slots: this.slots, pool: this.pool, health, checkpoints: this.checkpoints, bus: this.bus,
      rejoin: new Rejoin(this.shared, this.slots, this.lockstep, this.log), lockstep: this.lockstep, log: this.log, stopped,
      adopt: (worker, slot, start, backlog, faultAt) => this.adopt(worker, slot, start, backlog, faultAt),
    });
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
    const settings = { sampleRate: this.config.sampleRate, blockSize: this.config.blockSize, seed: this.options.seed };
    const loaded = this.checkpoints.store?.load();
    const source = await this.restoreSamples(loaded);
    const begin = startingPoint(settings, loaded, this.bus, this.initial, source);
    this.resumed = begin.resumed;
    this.startPatch = begin.committedPatch;
    this.startBuffers = begin.snapshot.buffers ?? [];
    Atomics.store(ctl, CTL_RUNNING, 1);
    Atomics.store(ctl, CTL_LEAD, this.options.lead);
    Atomics.store(ctl, CTL_ACTIVE, 0);
    Atomics.store(ctl, CTL_CONSUMED, begin.block);
    this.checkpoints.begin({ snapshot: begin.snapshot, block: begin.block, cmdRead: 0 });
    const workers = await Promise.all(this.shared.slots.map(() => this.pool.acquire(false)));
    const ready: Promise<void>[] = [];
    for (let slot = 0; slot < this.config.slots; slot++) {
      this.slots.prepare(slot, begin.block, 0, SLOT_LOCKSTEP);
      this.lockstep.reset(slot, begin.block);
      ready.push(this.adopt(workers[slot]!, slot, begin.start, [], performance.now()).ready);
    }
    await Promise.all(ready);
    this.outputWorker = new Worker(new URL('./output-worker.js', import.meta.url), {
      workerData: { config: this.config, buffer: this.shared.buffer, startTimeoutMs: 2000, sink: this.options.sink ?? 'null', deviceId: this.options.deviceId ?? -1,
        history: { config: this.history.config, buffer: this.history.buffer } },
      resourceLimits: { maxYoungGenerationSizeMb: 4, maxOldGenerationSizeMb: 256 },
    });
    this.outputWorker.on('error', (error) => process.stderr.write(`chronus: output worker failed: ${error.message}\n`));
    this.timer = setInterval(() => this.tick(), 10);
  }

  /** Stops every worker and finalises a running recording. */
  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    this.bus.close();
    if (this.timer !== undefined) clearInterval(this.timer);
    this.recorder.drain();
    this.checkpoints.settleJournal();
    const ctl = this.shared.ctl;
    Atomics.store(ctl, CTL_RUNNING, 0);
    Atomics.notify(ctl, CTL_RUNNING);
    Atomics.notify(ctl, CTL_CONSUMED);
    const workers = this.slots.workers.flatMap((h) => (h === undefined ? [] : [h.worker]));
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
    this.checkpoints.close();
    for (const w of this.waiters.splice(0)) w.resolve();
  }

  /** Resolves once every slot in lockstep has rendered past `frame` (for /sync). */
  whenRendered(frame: number): Promise<void> {
    return new Promise((resolve) => {
      this.waiters.push({ frame, resolve });
      this.tick();
    });
  }

  // ------------------------------------------------------------------ sample buffers

  /**
   * Makes decoded sample data usable under `meta.name`: every slot gets the shared memory (now,
   * or in its adoption message), then the load goes through the command ring like any command.
   * Returns the command's sequence number, undefined when the ring is full (nothing changed).
   */
  loadBuffer(sample: SharedSample): number | undefined {
    if (!this.bus.canSend()) return undefined;
    this.slots.samples.set(sample.meta.id, sample);
    for (let s = 0; s < this.slots.count; s++) this.slots.post(s, { type: 'buffer', sample });
    const seq = this.bus.send({ kind: 'buffer', op: { op: 'load', meta: sample.meta } }, 0);
    if (seq === undefined) this.slots.samples.delete(sample.meta.id);
    return seq;
  }

  /** Drops buffer `name` (data id `id`) at a decided frame. Returns the sequence number (undefined: ring full). */
  freeBuffer(name: string, id: number): number | undefined {
    const seq = this.bus.send({ kind: 'buffer', op: { op: 'free', name } }, 0);
    if (seq !== undefined) this.retired.push({ id, seq });
    return seq;
  }

  /** Forgets freed buffers' data once the latest checkpoint contains the free (no start state can name it). */
  private dropRetired(): void {
    const latest = this.checkpoints.latest;
    if (this.retired.length === 0 || latest === undefined) return;
    for (let i = this.retired.length - 1; i >= 0; i--) {
      const r = this.retired[i]!;
      if (((latest.cmdRead - r.seq) | 0) <= 0) continue;
      this.retired.splice(i, 1);
      this.slots.samples.delete(r.id);
      for (let s = 0; s < this.slots.count; s++) this.slots.post(s, { type: 'buffer-drop', id: r.id });
    }
  }

  /**
   * The buffers a saved state names (its base and its journal), decoded again from the samples
   * folder and checked against their hashes. A missing or changed file is a fault (reported in
   * bufferFaults; the buffer plays as silence), not a failed start.
   */
  private async restoreSamples(loaded: LoadedState | undefined): Promise<SampleTable> {
    const table = new SampleTable();
    if (loaded === undefined) return table;
    const metas = new Map<number, BufferMeta>();
    for (const meta of loaded.base.host.buffers ?? []) metas.set(meta.id, meta);
    for (const p of loaded.base.host.pendingBuffers ?? []) if (p.op.op === 'load') metas.set(p.op.meta.id, p.op.meta);
    for (const e of loaded.entries) {
      if (e.kind !== CMD_BUFFER) continue;
      const command = decodeCommand(e);
      if (command.kind === 'buffer' && command.op.op === 'load') metas.set(command.op.meta.id, command.op.meta);
    }
    const faults: BufferFault[] = [];
    const dir = this.options.samplesDir ?? 'samples';
    for (const meta of metas.values()) {
      const result = await loadSampleFile(join(dir, meta.file), this.config.sampleRate);
      if (!result.ok) {
        faults.push({ name: meta.name, file: meta.file, code: result.code, message: result.message });
      } else if (result.sample.hash !== meta.hash) {
        faults.push({ name: meta.name, file: meta.file, code: 'E_HASH_MISMATCH', message: `${meta.file} changed since it was loaded (SHA-256 ${result.sample.hash.slice(0, 12)}…, was ${meta.hash.slice(0, 12)}…)` });
      } else {
        const sample: SharedSample = { meta, data: result.sample.data };
        this.slots.samples.set(meta.id, sample);
        table.add(sample);
      }
    }
    this.bufferFaults = faults;
    return table;
  }

  // ------------------------------------------------------------------ slots

  /** Makes another slot in lockstep active at the next block (a planned, gapless switch). */
  switchActive(): number {
    return this.failover.switchActive();
  }

  /**
   * Injects a fault into a slot's worker (tests and demos). Throws when fault injection is not
   * allowed or the slot has no worker.
   */
  injectFault(slot: number, kind: FaultKind, ms: number): void {
    if (this.options.allowFaultInjection !== true) throw new Error('fault injection is disabled (start the server with --allow-fault-injection)');
    if (!this.slots.post(slot, { type: 'fault', kind, ms })) throw new Error(`slot ${slot} has no running worker`);
  }

  // ------------------------------------------------------------------ dashboard taps

  /**
   * Taps output `output` of the module with engine handle `handle` (-1: none): every slot copies
   * it, block by block, into its tap ring (readTap). A display aid; the audio is unchanged.
   */
  setTap(handle: number, output: number): void {
    Atomics.store(this.shared.ctl, CTL_TAP_OUTPUT, output);
    Atomics.store(this.shared.ctl, CTL_TAP_HANDLE, handle);
  }

  /**
   * Copies the active slot's tapped output of the `frames` frames that end where the sink plays
   * now (whole blocks) into `into`; returns the frames copied (0 without a tap, or while the
   * slot's ring does not hold them). Main thread; no allocation.
   */
  readTap(frames: number, into: Float32Array): number {
    const block = this.config.blockSize;
    const slot = this.shared.slots[this.slots.active]!;
    if (Atomics.load(slot.ints, SLOT_TAP_HANDLE) !== Atomics.load(this.shared.ctl, CTL_TAP_HANDLE) || Atomics.load(this.shared.ctl, CTL_TAP_HANDLE) < 0) return 0;
    const blocks = Math.min(Math.floor(into.length / block), Math.ceil(frames / block), this.config.ringBlocks / 2);
    const end = Atomics.load(this.shared.ctl, CTL_CONSUMED);
    const mask = this.config.ringBlocks - 1;
    for (let k = 0; k < blocks; k++) {
      const n = (end - blocks + k) | 0;
      const base = (n & mask) * block;
      for (let i = 0; i < block; i++) into[k * block + i] = slot.tap[base + i]!;
      if (Atomics.load(slot.stamps, n & mask) !== n) return 0;
    }
    return blocks * block;
  }

  /** The step each sequencer last played in the active slot (-1: stopped), by sequencer id. */
  sequencerSteps(): Record<string, number> {
    const active = this.slots.active;
    const ids = this.slots.sequencerIds[active] ?? [];
    const steps = this.shared.slots[active]!.seqSteps;
    const out: Record<string, number> = {};
    for (let s = 0; s < ids.length; s++) if (ids[s] !== '') out[ids[s]!] = Atomics.load(steps, s);
    return out;
  }

  status(): Record<string, unknown> {
    return supervisorStatus({
      shared: this.shared, slots: this.slots, pool: this.pool, bus: this.bus, checkpoints: this.checkpoints, lockstep: this.lockstep,
      log: this.log, recorder: this.recorder, adaptive: this.adaptive, startedAt: this.startedAt, resumed: this.resumed,
    });
  }

  private adopt(worker: Worker, slot: number, start: SlotStart, backlog: readonly JournalEntry[], faultAt: number): SlotWorkerHandle {
    return this.slots.adopt(worker, slot, start, backlog, faultAt, {
      onReport: (m) => this.onReport(slot, m),
      onEnd: (reason) => this.failover.fail(slot, reason),
    });
  }

  private onReport(slot: number, m: SlotReport): void {
    if (m.type === 'costs') this.slots.noteCosts(slot, m);
    else if (m.type === 'module-fault') {
      if (slot === this.slots.active) this.options.onModuleFault?.(m.module, m.code, m.frame);
    } else if (m.type === 'snapshot') this.checkpoints.onSnapshot(m);
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
    this.checkpoints.settleJournal();
    this.failover.watch(now);
    this.lockstep.compare();
    this.checkpoints.maybeTake(now);
    this.dropRetired();
    this.resolveWaiters();
  }

  /** Resolves /sync waiters whose frame every slot in lockstep has rendered past. */
  private resolveWaiters(): void {
    if (this.waiters.length === 0) return;
    let rendered = Number.POSITIVE_INFINITY;
    for (let s = 0; s < this.slots.count; s++) if (this.slots.inLockstep(s)) rendered = Math.min(rendered, this.slots.produced(s) * this.config.blockSize);
    if (rendered === Number.POSITIVE_INFINITY) return;
    for (let i = this.waiters.length - 1; i >= 0; i--) {
      // A command at frame F is applied once the block containing F is rendered: rendered > F.
      if (this.waiters[i]!.frame < rendered) this.waiters.splice(i, 1)[0]!.resolve();
    }
  }
}
