// The supervisor (main thread): owns the shared memory, starts the slot workers and the
// output worker, stamps every command with one application frame and writes it to every
// slot's command ring (lockstep), assigns module handles, compares block hashes, drains the
// recording tap, and reports status. It never touches samples on the audio path.

import { MessageChannel, Worker, type MessagePort } from 'node:worker_threads';
import type { PatchDocument } from '../patch/document.js';
import type { ControlOp } from '../engine/sequencer/ops.js';
import { CMD_APPLY_PATCH, CMD_CONTROL, pendingCommands, pushCommand } from './command-ring.js';
import { AdaptiveLead, type AdaptiveLeadOptions } from './adaptive-lead.js';
import { Recorder } from './recorder.js';
import {
  CLOCK_MAX_LATE_MS, CTL_ACTIVE, CTL_CONSUMED, CTL_LATE_CYCLES, CTL_LEAD, CTL_REANCHORS, CTL_RECORD_DROPS,
  CTL_RUNNING, CTL_TAKEN_FROM_OTHER, CTL_UNDERRUNS, HIST_BUCKETS, HIST_BUCKET_MS, SLOT_ALIVE, SLOT_HEARTBEAT,
  SLOT_BUSY, SLOT_LATE_COMMANDS, SLOT_MODULE_FAULTS, SLOT_PRODUCED, STAT_RENDER_COUNT, STAT_RENDER_MAX_MS, STAT_RENDER_SUM_MS,
  UNDECIDED, createSharedState, type RuntimeConfig, type SharedViews,
} from './shared-state.js';
import type { SlotMessage, SlotReport } from './slot-protocol.js';

export interface SupervisorOptions {
  readonly sampleRate: number;
  readonly blockSize: number;
  readonly slots: 1 | 2;
  readonly lead: number;
  /** When set, the lead adapts to underruns (starting from `lead`). */
  readonly adaptiveLead?: AdaptiveLeadOptions;
  readonly seed: number;
  readonly initialPatch: PatchDocument;
  /** Called for every module fault a slot reports (deterministic: both slots report it). */
  readonly onModuleFault?: (module: string, code: string, frame: number) => void;
  /** Output sink: the clocked null sink (default) or the sound card (audify), by RtAudio device id (-1: default). */
  readonly sink?: 'null' | 'device';
  readonly deviceId?: number;
}

export interface SlotStatus {
  readonly slot: number;
  readonly alive: boolean;
  readonly blocksRendered: number;
  readonly heartbeat: number;
  readonly renderMs: { readonly mean: number; readonly p99: number; readonly max: number };
  readonly lateCommands: number;
  readonly moduleFaults: number;
}

const RING_BLOCKS = 64;

export class Supervisor {
  readonly config: RuntimeConfig;
  readonly shared: SharedViews;
  readonly recorder: Recorder;
  readonly startedAt = Date.now();
  private readonly slotWorkers: Worker[] = [];
  private readonly slotPorts: MessagePort[] = [];
  private outputWorker: Worker | undefined;
  private readonly handles = new Map<string, { type: string; handle: number }>();
  private nextHandle = 1;
  private nextPatchId = 1;
  private nextControlId = 1;
  private seq = 0;
  private divergences = 0;
  private lastCompared = 0;
  private commits = 0;
  private failovers = 0;
  private timer: NodeJS.Timeout | undefined;
  private readonly waiters: Array<{ frame: number; resolve: () => void }> = [];
  private stopped = false;
  private readonly adaptive: AdaptiveLead | undefined;

  constructor(private readonly options: SupervisorOptions) {
    if (options.lead < 1 || options.lead >= RING_BLOCKS / 2) throw new Error(`lead must be in [1, ${RING_BLOCKS / 2 - 1}] blocks`);
    this.config = {
      sampleRate: options.sampleRate,
      blockSize: options.blockSize,
      slots: options.slots,
      ringBlocks: RING_BLOCKS,
      hashHistory: 1024,
      commandCapacity: 8192,
      recordBlocks: 1 << Math.ceil(Math.log2((2 * options.sampleRate) / options.blockSize)),
    };
    this.shared = createSharedState(this.config);
    this.recorder = new Recorder(this.shared);
    if (options.adaptiveLead !== undefined) {
      if (options.adaptiveLead.max >= RING_BLOCKS / 2) throw new Error(`adaptive lead max must be below ${RING_BLOCKS / 2}`);
      this.adaptive = new AdaptiveLead(options.adaptiveLead, Date.now());
    }
  }

  get blockSize(): number {
    return this.config.blockSize;
  }

  /** Starts the workers and waits until every slot is ready. */
  async start(): Promise<void> {
    const ctl = this.shared.ctl;
    Atomics.store(ctl, CTL_RUNNING, 1);
    Atomics.store(ctl, CTL_LEAD, this.options.lead);
    Atomics.store(ctl, CTL_ACTIVE, 0);
    const handles = this.assignHandles(this.options.initialPatch);
    const ready: Promise<void>[] = [];
    for (let slot = 0; slot < this.config.slots; slot++) {
      const { port1, port2 } = new MessageChannel();
      const worker = new Worker(new URL('./slot-worker.js', import.meta.url), {
        workerData: { config: this.config, buffer: this.shared.buffer, slot, port: port2, seed: this.options.seed, patch: this.options.initialPatch, handles },
        transferList: [port2],
        resourceLimits: { maxYoungGenerationSizeMb: 4, maxOldGenerationSizeMb: 512 },
      });
      ready.push(new Promise((resolve, reject) => {
        port1.on('message', (m: SlotReport) => {
          if (m.type === 'ready') resolve();
          else if (m.type === 'module-fault' && slot === Atomics.load(ctl, CTL_ACTIVE)) this.options.onModuleFault?.(m.module, m.code, m.frame);
        });
        worker.once('error', reject);
      }));
      worker.on('error', (error) => process.stderr.write(`chronus: slot ${slot} worker failed: ${error.message}\n`));
      this.slotWorkers.push(worker);
      this.slotPorts.push(port1);
      Atomics.store(this.shared.slots[slot]!.ints, SLOT_ALIVE, 1);
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
    const ctl = this.shared.ctl;
    Atomics.store(ctl, CTL_RUNNING, 0);
    Atomics.notify(ctl, CTL_RUNNING);
    Atomics.notify(ctl, CTL_CONSUMED);
    const exits = [...this.slotWorkers, ...(this.outputWorker === undefined ? [] : [this.outputWorker])].map(
      (w) => new Promise<void>((resolve) => {
        const timeout = setTimeout(() => void w.terminate().then(() => resolve()), 2000);
        w.once('exit', () => {
          clearTimeout(timeout);
          resolve();
        });
      }),
    );
    await Promise.all(exits);
    this.recorder.drain();
    this.recorder.stop();
    for (const w of this.waiters.splice(0)) w.resolve();
  }

  /**
   * Sends one engine event (EVENT_* kind) for module `id` to every slot, to apply at
   * `requestedFrame` or as soon as possible (0). Returns the command's sequence number (see
   * `decidedFrame`), or undefined if the module has no handle or a command ring is full.
   */
  sendEvent(kind: number, id: string, index: number, value: number, requestedFrame = 0): number | undefined {
    const handle = this.handles.get(id)?.handle;
    if (handle === undefined) return undefined;
    return this.broadcast(requestedFrame, kind, handle, index, value);
  }

  /** True when every command ring has room for one more record. */
  canSend(): boolean {
    return pendingCommands(this.shared) < this.config.commandCapacity;
  }

  /**
   * Commits a validated patch document to every slot at one block boundary, crossfading over
   * `crossfadeMs` where the topology changed. Returns the command's sequence number.
   */
  commitPatch(doc: PatchDocument, crossfadeMs = 20): number | undefined {
    if (!this.canSend()) return undefined;
    const id = this.nextPatchId++;
    const handles = this.assignHandles(doc);
    const crossfadeFrames = Math.round((crossfadeMs * this.config.sampleRate) / 1000);
    const message: SlotMessage = { type: 'patch', id, doc, handles, crossfadeFrames };
    for (const port of this.slotPorts) port.postMessage(message);
    const seq = this.broadcast(0, CMD_APPLY_PATCH, 0, 0, id);
    if (seq !== undefined) this.commits++;
    return seq;
  }

  /**
   * Sends a validated control op (sequencer, transport) to every slot, to apply at
   * `requestedFrame` (exact sample) or as soon as possible (0): a structured-clone message plus
   * a CMD_CONTROL ring record, like patches. Returns the command's sequence number.
   */
  sendControl(op: ControlOp, requestedFrame = 0): number | undefined {
    if (!this.canSend()) return undefined;
    const id = this.nextControlId++;
    const message: SlotMessage = { type: 'control', id, op };
    for (const port of this.slotPorts) port.postMessage(message);
    return this.broadcast(requestedFrame, CMD_CONTROL, 0, 0, id);
  }

  /**
   * A lower bound of the frame a command sent now can apply at: past every block a slot has
   * rendered or is rendering (decideFrame never goes below it). For dropping late bundles.
   */
  earliestFrame(): number {
    let block = 0;
    for (const s of this.shared.slots) {
      const past = Atomics.load(s.ints, SLOT_PRODUCED) + Atomics.load(s.ints, SLOT_BUSY);
      if (past > block) block = past;
    }
    return block * this.config.blockSize;
  }

  /**
   * The frame at which command `seq` applies, once a slot has drained it (normally within a
   * block period); undefined if no slot drains it within `timeoutMs`.
   */
  async decidedFrame(seq: number, requestedFrame = 0, timeoutMs = 2000): Promise<number | undefined> {
    const decisions = this.shared.decisions;
    const entry = seq & (decisions.length - 1);
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const block = Atomics.load(decisions, entry);
      if (block !== UNDECIDED) return Math.max(requestedFrame, block * this.config.blockSize);
      const left = deadline - Date.now();
      if (left <= 0 || this.stopped) return undefined;
      const wait = (Atomics as unknown as { waitAsync: (a: Int32Array, i: number, v: number, t: number) => { async: boolean; value: Promise<string> | string } }).waitAsync(decisions, entry, UNDECIDED, Math.min(left, 50));
      if (wait.async) await wait.value;
    }
  }

  /** The decided frame of command `seq` if a slot has decided it, else undefined. */
  decidedFrameNow(seq: number): number | undefined {
    const block = Atomics.load(this.shared.decisions, seq & (this.shared.decisions.length - 1));
    return block === UNDECIDED ? undefined : block * this.config.blockSize;
  }

  /** Sequence number of the last command sent (for /sync). */
  get lastSequence(): number {
    return this.seq - 1;
  }

  /** Makes another slot active at the next block (a planned, gapless switch: lockstep). */
  switchActive(): number {
    const ctl = this.shared.ctl;
    const next = (Atomics.load(ctl, CTL_ACTIVE) + 1) % this.config.slots;
    Atomics.store(ctl, CTL_ACTIVE, next);
    return next;
  }

  /** Resolves once every slot has rendered past `frame` (for /sync). */
  whenRendered(frame: number): Promise<void> {
    return new Promise((resolve) => {
      this.waiters.push({ frame, resolve });
      this.tick();
    });
  }

  status(): Record<string, unknown> {
    const ctl = this.shared.ctl;
    return {
      sampleRate: this.config.sampleRate,
      blockSize: this.config.blockSize,
      lead: Atomics.load(ctl, CTL_LEAD),
      leadMode: this.adaptive === undefined ? 'fixed' : 'adaptive',
      leadChanges: this.adaptive?.changes ?? 0,
      slots: this.config.slots,
      activeSlot: Atomics.load(ctl, CTL_ACTIVE),
      consumedBlocks: Atomics.load(ctl, CTL_CONSUMED),
      underruns: Atomics.load(ctl, CTL_UNDERRUNS),
      lateCycles: Atomics.load(ctl, CTL_LATE_CYCLES),
      maxLateMs: round(this.shared.clock[CLOCK_MAX_LATE_MS]!),
      reanchors: Atomics.load(ctl, CTL_REANCHORS),
      takenFromOther: Atomics.load(ctl, CTL_TAKEN_FROM_OTHER),
      recordDrops: Atomics.load(ctl, CTL_RECORD_DROPS),
      failovers: this.failovers,
      divergences: this.divergences,
      commits: this.commits,
      uptimeSeconds: round((Date.now() - this.startedAt) / 1000),
      slotHealth: this.shared.slots.map((_, slot) => this.slotStatus(slot)),
      recording: this.recorder.status(),
    };
  }

  slotStatus(slot: number): SlotStatus {
    const s = this.shared.slots[slot]!;
    const count = s.stats[STAT_RENDER_COUNT]!;
    return {
      slot,
      alive: Atomics.load(s.ints, SLOT_ALIVE) === 1,
      blocksRendered: Atomics.load(s.ints, SLOT_PRODUCED),
      heartbeat: Atomics.load(s.ints, SLOT_HEARTBEAT),
      renderMs: { mean: round(count > 0 ? s.stats[STAT_RENDER_SUM_MS]! / count : 0), p99: round(percentile(s.histogram, 0.99)), max: round(s.stats[STAT_RENDER_MAX_MS]!) },
      lateCommands: Atomics.load(s.ints, SLOT_LATE_COMMANDS),
      moduleFaults: Atomics.load(s.ints, SLOT_MODULE_FAULTS),
    };
  }

  /** Writes one command to every slot's ring (all or none). Returns its sequence number. */
  private broadcast(frame: number, kind: number, handle: number, index: number, value: number): number | undefined {
    if (!this.canSend()) return undefined;
    const seq = this.seq;
    this.seq = (this.seq + 1) | 0;
    // The ring check above guarantees every slot has drained the command that used this entry.
    Atomics.store(this.shared.decisions, seq & (this.config.commandCapacity - 1), UNDECIDED);
    pushCommand(this.shared, seq, frame, kind, handle, index, value);
    return seq;
  }

  /** Handles for a patch: kept when id and type stay the same, fresh otherwise. */
  private assignHandles(doc: PatchDocument): Array<[string, number]> {
    const next = new Map<string, { type: string; handle: number }>();
    for (const m of doc.modules) {
      const old = this.handles.get(m.id);
      next.set(m.id, old !== undefined && old.type === m.type ? old : { type: m.type, handle: this.nextHandle++ });
    }
    this.handles.clear();
    for (const [id, h] of next) this.handles.set(id, h);
    return [...next].map(([id, h]) => [id, h.handle]);
  }

  private tick(): void {
    this.recorder.drain();
    if (this.adaptive !== undefined) {
      const ctl = this.shared.ctl;
      const lead = Atomics.load(ctl, CTL_LEAD);
      const next = this.adaptive.update(lead, Atomics.load(ctl, CTL_UNDERRUNS), Date.now());
      if (next !== lead) Atomics.store(ctl, CTL_LEAD, next);
    }
    this.compareHashes();
    if (this.waiters.length > 0) {
      const rendered = Math.min(...this.shared.slots.map((s) => Atomics.load(s.ints, SLOT_PRODUCED))) * this.config.blockSize;
      for (let i = this.waiters.length - 1; i >= 0; i--) {
        // A command at frame F is applied once the block containing F is rendered: rendered > F.
        if (this.waiters[i]!.frame < rendered) this.waiters.splice(i, 1)[0]!.resolve();
      }
    }
  }

  /** Compares the hashes of blocks every slot has rendered (lockstep check). */
  private compareHashes(): void {
    if (this.config.slots < 2) return;
    const slots = this.shared.slots;
    const upTo = Math.min(...slots.map((s) => Atomics.load(s.ints, SLOT_PRODUCED)));
    const history = this.config.hashHistory;
    let from = Math.max(this.lastCompared, upTo - history + 1);
    for (; from < upTo; from++) {
      const h = from & (history - 1);
      const first = slots[0]!;
      if (Atomics.load(first.hashBlocks, h) !== from) continue;
      const reference = first.hashes[h];
      for (let s = 1; s < slots.length; s++) {
        const other = slots[s]!;
        if (Atomics.load(other.hashBlocks, h) === from && other.hashes[h] !== reference) this.divergences++;
      }
    }
    this.lastCompared = upTo;
  }
}

function round(x: number): number {
  return Math.round(x * 1000) / 1000;
}

/** The q-quantile of a render-time histogram, in ms (bucket upper edge). */
function percentile(histogram: Float64Array, q: number): number {
  let total = 0;
  for (let k = 0; k < HIST_BUCKETS; k++) total += histogram[k]!;
  if (total === 0) return 0;
  let seen = 0;
  for (let k = 0; k < HIST_BUCKETS; k++) {
    seen += histogram[k]!;
    if (seen >= q * total) return (k + 1) * HIST_BUCKET_MS;
  }
  return HIST_BUCKETS * HIST_BUCKET_MS;
}
