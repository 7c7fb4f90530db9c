// The DSP engine: live module instances, the render plan, timed events and the frame clock.
// The same class renders offline (`chronus render`) and inside each live slot worker, so
// offline and live output are bit-identical for the same patch, events and seed.
//
// Engine is the public face and composes the parts, each in its own file:
//   reconcile.ts    a new patch against the live instances (kept, fresh, copied) and its plan
//   render-loop.ts  the hot path: blocks, sub-blocks at event frames, steps, batch groups
//   profiler.ts     sampled per-module costs (EngineOptions.profileEvery)
//   timeline.ts     what is scheduled: timed events and control ops
//   fault-log.ts    the module fault ring the host drains
//   snapshot.ts     the snapshot format; each part saves and restores its own state
//   batching.ts     the wasm arena and how plans batch on it
//
// Threading: one render thread owns an Engine. `render` and `schedule*` never allocate;
// `preparePatch` (and advancing it), `applyPatch`, `snapshot` and `restore` allocate and run
// between blocks.

import type { SampleBuffer } from '../dsp/sample-buffer.js';
import type { ResolvedPatch } from '../patch/document.js';
import { openBatching, type BatchStats } from './batching.js';
import { ChokeGroups } from './choke.js';
import { startCrossfade } from './crossfade.js';
import { EngineCounters } from './engine-counters.js';
import { EVENT_GATE, EVENT_PARAM, EVENT_PARAM_IMMEDIATE, EVENT_RAMP_EXP, EVENT_RAMP_LIN, EVENT_RESET } from './event-queue.js';
import { FaultLog } from './fault-log.js';
import { FAULT_NONE, FAULT_THROW, type ModuleInstance } from './instance.js';
import type { PatchPreparation } from './patch-preparation.js';
import { Profiler, type ModuleCost } from './profiler.js';
import { Reconciler } from './reconcile.js';
import { RenderLoop } from './render-loop.js';
import { RenderScratch } from './render-scratch.js';
import { HEAP_MEMORY, type WasmArena } from '../dsp/lib/wasm-arena.js';
import { SequencerBank } from './sequencer/bank.js';
import type { ControlOp } from './sequencer/ops.js';
import { snapshotInstance, type EngineSnapshot } from './snapshot.js';
import { TempoSync } from './tempo-sync.js';
import { Timeline } from './timeline.js';

export type { BatchStats } from './batching.js';
export type { ModuleCost } from './profiler.js';
export type { TimedControl } from './timeline.js';

export interface EngineOptions {
  readonly sampleRate: number;
  /** Largest number of frames one `render` call may ask for. */
  readonly maxBlock: number;
  readonly seed?: number;
  /** Capacity of the timed event queue. */
  readonly eventCapacity?: number;
  /** Capacity of the module fault log. */
  readonly faultCapacity?: number;
  /**
   * Sampled per-module profiling: 0 (default) = off; N = time every module's step (and the
   * whole block) in one `render` call of every N, see `moduleCosts`. Reading the clock
   * allocates (performance.now returns a heap number), so profiled blocks allocate a little;
   * with profiling off nothing is timed and `render` allocates nothing. A batch group (see
   * `batch`) is timed as a whole and its time split evenly among its members.
   */
  readonly profileEvery?: number;
  /**
   * SIMD batch kernels (default true): instances of types with a batch kernel (src/dsp/batch.ts)
   * are grouped (render-plan.ts, batch-groups.ts) and rendered up to 4 per call, bit-identical
   * to the JS kernels. false: the JS kernels only, in the patch's order (for tests and
   * comparison). When the wasm is missing or SIMD is unsupported the engine falls back to JS.
   */
  readonly batch?: boolean;
}

export class Engine {
  readonly sampleRate: number;
  readonly maxBlock: number;
  readonly seed: number;
  readonly counters = new EngineCounters();
  /** Sequencers and transport: engine state, driven by rendered frames. */
  readonly sequencer: SequencerBank;
  /** 'on', 'off' (EngineOptions.batch false) or 'unavailable: <reason>'. */
  readonly batchStatus: string;
  // The frame clock lives in a typed array (see EngineCounters for why), shared by the parts.
  private readonly clock = new Float64Array(1);
  /** The thread's wasm arena (undefined unless batchStatus is 'on'). */
  private readonly arena: WasmArena | undefined;
  private readonly live: Reconciler;
  private readonly timeline: Timeline;
  private readonly faults: FaultLog;
  private readonly profiler: Profiler;
  private readonly loop: RenderLoop;
  /** Tempo-synced params of the live patch (tempo-sync.ts). */
  private readonly tempoSync = new TempoSync();
  /** Modules that choke each other (choke.ts). */
  private readonly chokeGroups = new ChokeGroups();
  private readonly scheduleSynced: (frame: number, handle: number, param: number, value: number) => boolean;
  /**
   * Sample buffers by name: what buffer params bind to when a patch is applied (changing this
   * map changes no kernel until the next applyPatch). The host keeps it (EngineHost.scheduleBuffer).
   */
  readonly buffers = new Map<string, SampleBuffer>();

  constructor(options: EngineOptions) {
    if (!(options.maxBlock >= 1 && Number.isInteger(options.maxBlock))) throw new Error('maxBlock must be a positive integer');
    this.sampleRate = options.sampleRate;
    this.maxBlock = options.maxBlock;
    this.seed = (options.seed ?? 1) >>> 0;
    const batching = openBatching(options.batch !== false, options.maxBlock, options.sampleRate);
    this.batchStatus = batching.status;
    this.arena = batching.arena;
    const scratch = new RenderScratch(options.maxBlock, this.arena ?? HEAP_MEMORY);
    this.live = new Reconciler({ sampleRate: this.sampleRate, seed: this.seed, scratch, batching: batching.binding }, this.buffers);
    this.timeline = new Timeline(options.eventCapacity ?? 4096, this.clock, this.counters);
    this.faults = new FaultLog(options.faultCapacity ?? 256, this.clock, this.counters, this.live.byHandle);
    this.sequencer = new SequencerBank(options.sampleRate, this, this.seed);
    this.scheduleSynced = (frame, handle, param, value) => this.scheduleParamImmediate(frame, handle, param, value);
    this.profiler = new Profiler(options.profileEvery ?? 0);
    this.loop = new RenderLoop(options.maxBlock, this.clock, this.timeline, this.sequencer, this.live.byHandle, this.chokeGroups, this.faults, this.profiler, this.counters);
  }

  /** Number of frames rendered so far: the engine's clock. */
  get frame(): number {
    return this.clock[0]!;
  }

  // ---------------------------------------------------------------- patches

  /**
   * Starts the allocating half of applying `patch` ahead of its frame (see patch-preparation.ts):
   * advance the result between blocks, then pass it to `applyPatch`. Prepared against the live
   * set now; whatever no longer fits at apply time is constructed then. Between blocks; allocates.
   */
  preparePatch(patch: ResolvedPatch, crossfadeFrames = 0): PatchPreparation {
    return this.live.prepare(patch, crossfadeFrames);
  }

  /**
   * Makes `patch` the live patch at the current frame. Instances whose id and type are kept
   * keep their DSP state; their params ramp to the patch's values. New ones start fresh.
   * `handles` (live server) gives each module the handle the supervisor assigned, so commands
   * encoded with handles mean the same module in every slot; offline, handles are counted here.
   * With `crossfadeFrames` > 0 and a changed topology, the old graph fades out over that many
   * frames while the new one fades in (see crossfade.ts). `prepared` (from `preparePatch` for
   * this same patch object, advanced any amount) supplies instances built ahead; the result is
   * bit-identical without it. Between blocks; allocates (less when prepared).
   */
  applyPatch(patch: ResolvedPatch, handles?: ReadonlyMap<string, number>, crossfadeFrames = 0, prepared?: PatchPreparation): void {
    const loop = this.loop;
    const current = loop.plan;
    const next = this.live.apply(patch, current, handles, crossfadeFrames, prepared);
    if (next.fading) loop.fade = startCrossfade(current!, crossfadeFrames);
    loop.plan = next.plan;
    this.resolveTap();
    this.profiler.remap(current?.steps, next.plan);
    this.tempoSync.rebuild(patch, (id) => this.live.byId.get(id));
    this.chokeGroups.rebuild(this.live.byId.values());
    this.tempoSync.setAll(this.sequencer.transport.bpm);
    // Sequencer targets name modules by id: re-resolve (a removed module's target goes inactive).
    this.sequencer.resolveAll();
    this.counters.countPatchApplied();
  }

  /** True while an old graph is fading out after a topology change (not captured by snapshots). */
  get crossfading(): boolean {
    return this.loop.fade !== undefined;
  }

  /** Live instance by module id (main-thread helpers and tests). */
  instance(id: string): ModuleInstance | undefined {
    return this.live.byId.get(id);
  }

  /** The live instances in render order. Allocates. */
  instances(): ModuleInstance[] {
    const plan = this.loop.plan;
    return plan === undefined ? [] : plan.steps.map((s) => s.instance);
  }

  // ---------------------------------------------------------------- tap

  /** Module handle and output index of the tap (-1: none); see setTap. */
  private readonly tap = new Int32Array([-1, 0]);

  /**
   * Taps output `output` of the module with `handle` (-1: no tap): from the next render on,
   * `tapBuffer` [0, frames) holds what that output rendered in the block (silence when the
   * module or output does not exist). Followed across patches by handle. A display aid (the
   * dashboard's module scope): never changes the output. Between blocks; no allocation.
   */
  setTap(handle: number, output: number): void {
    this.tap[0] = handle;
    this.tap[1] = output;
    this.resolveTap();
  }

  /** The tapped output of the last rendered block (see setTap). */
  get tapBuffer(): Float32Array {
    return this.loop.tapBuffer;
  }

  private resolveTap(): void {
    const loop = this.loop;
    const plan = loop.plan;
    loop.tapStep = -1;
    loop.tapBuffer.fill(0);
    if (plan === undefined || this.tap[0]! < 0) return;
    const instances = plan.instances;
    for (let i = 0; i < instances.length; i++) {
      const instance = instances[i]!;
      if (instance.handle === this.tap[0] && this.tap[1]! < instance.outputs.length) {
        loop.tapOutput = this.tap[1]!;
        loop.tapStep = i;
        return;
      }
    }
  }

  // ---------------------------------------------------------------- events and control ops

  /** Param change at `frame` (smoothed). Past frames apply at the next rendered sample. */
  scheduleParam(frame: number, handle: number, param: number, value: number): boolean {
    return this.timeline.push(frame, EVENT_PARAM, handle, param, value, 0);
  }

  /**
   * Automation ramp at `frame`: from the param's value there to `value` over `ms`
   * (round(ms · rate / 1000) frames), linear or exponential (ParamBank.startRamp).
   */
  scheduleRamp(frame: number, handle: number, param: number, value: number, ms: number, exponential: boolean): boolean {
    const length = Math.round((ms * this.sampleRate) / 1000);
    return this.timeline.push(frame, exponential ? EVENT_RAMP_EXP : EVENT_RAMP_LIN, handle, param, value, length);
  }

  /** Param change at `frame` without smoothing. */
  scheduleParamImmediate(frame: number, handle: number, param: number, value: number): boolean {
    return this.timeline.push(frame, EVENT_PARAM_IMMEDIATE, handle, param, value, 0);
  }

  /** A gate event at `frame`: on with `velocity` in (0, 1] (default 1), or off. */
  scheduleGate(frame: number, handle: number, on: boolean, velocity = 1): boolean {
    return this.timeline.push(frame, EVENT_GATE, handle, 0, on ? velocity : 0, 0);
  }

  /** Revives a faulted module (fresh DSP state) at `frame`. */
  scheduleReset(frame: number, handle: number): boolean {
    return this.timeline.push(frame, EVENT_RESET, handle, 0, 0, 0);
  }

  /**
   * Applies a control op (sequencer, transport) at exactly `frame` (past frames: the next
   * rendered sample). Between blocks; allocates one array entry (control ops are rare).
   */
  scheduleControl(frame: number, op: ControlOp): void {
    this.timeline.scheduleControl(frame, op);
  }

  /** SequencerHost: the tempo became `bpm` at `frame`; tempo-synced params follow at that frame. */
  tempoChanged(frame: number, bpm: number): void {
    this.tempoSync.scheduleAll(frame, bpm, this.scheduleSynced);
  }

  /**
   * SequencerHost: the transport started at `frame` (called at that exact frame, before the
   * sub-block from it renders): every live kernel's transportStart (lfo retrig). No allocation;
   * a kernel that throws is faulted.
   */
  transportStarted(_frame: number): void {
    const plan = this.loop.plan;
    if (plan === undefined) return;
    const instances = plan.instances;
    for (let k = 0; k < instances.length; k++) {
      const instance = instances[k]!;
      if (instance.fault !== FAULT_NONE) continue;
      try {
        instance.kernel.transportStart();
      } catch {
        this.faults.record(instance, FAULT_THROW);
      }
    }
  }

  // ---------------------------------------------------------------- rendering

  /**
   * Renders the next `frames` frames (≤ maxBlock) into `left`/`right` [0, frames), applying
   * every event at its exact frame by splitting the block there (render-loop.ts).
   */
  render(left: Float32Array, right: Float32Array, frames: number): void {
    this.loop.render(left, right, frames);
  }

  /** Hands each logged module fault to `report` (between blocks; may allocate in the callback). */
  drainFaults(report: (moduleId: string, code: number, frame: number) => void): void {
    this.faults.drain(report);
  }

  // ---------------------------------------------------------------- figures

  /**
   * Per live module, in render order: its measured cost (EngineOptions.profileEvery; all zero
   * when profiling is off). Figures survive applyPatch for kept modules (same id and type)
   * and start at zero for new ones. Between blocks (allocates).
   */
  moduleCosts(): ModuleCost[] {
    const plan = this.loop.plan;
    return plan === undefined ? [] : this.profiler.costs(plan);
  }

  /** Starts the module cost figures afresh (e.g. after each report, so a report covers one interval). No allocation. */
  resetModuleCosts(): void {
    this.profiler.reset();
  }

  /**
   * Instance sub-blocks rendered inside batch groups since construction: by a batch kernel
   * (`batched`) and by the JS kernel (`fallback`: param not constant, lone accepted member,
   * ...), with the batch status and the thread arena's figures (reported in /engine/status).
   * Between blocks; allocates.
   */
  batchStats(): BatchStats {
    const counts = this.loop.batchCounts;
    return { status: this.batchStatus, batched: counts[0]!, fallback: counts[1]!, arena: this.arena?.stats() };
  }

  // ---------------------------------------------------------------- snapshots

  /** Copies the complete render state at the current block boundary (allocates). */
  snapshot(): EngineSnapshot {
    const pending = this.timeline.snapshot();
    return {
      frame: this.frame,
      nextHandle: this.live.nextHandle,
      seed: this.seed,
      instances: this.instances().map(snapshotInstance),
      events: pending.events,
      sequencer: this.sequencer.snapshot(),
      controls: pending.controls,
    };
  }

  /**
   * Restores a snapshot taken from an engine with the same patch applied (the caller applies
   * the same resolved patch first). Throws when the module sets differ.
   */
  restore(snapshot: EngineSnapshot): void {
    this.live.restore(this.instances(), snapshot.instances, snapshot.nextHandle);
    this.timeline.restore(snapshot);
    this.clock[0] = snapshot.frame;
    // After the handles: targets resolve to the restored instances.
    this.sequencer.restore(snapshot.sequencer);
  }
}
