// The DSP engine: live module instances, the render plan, timed events and the frame clock.
// The same class renders offline (`chronus render`) and inside each live slot worker, so
// offline and live output are bit-identical for the same patch, events and seed.
//
// Threading: one render thread owns an Engine. `render` and `schedule*` never allocate;
// `preparePatch` (and advancing it), `applyPatch`, `snapshot` and `restore` allocate and run
// between blocks.

import type { ResolvedPatch } from '../patch/document.js';
import { MASTER_ID } from '../patch/document.js';
import {
  EVENT_GATE,
  EVENT_PARAM,
  EVENT_PARAM_IMMEDIATE,
  EVENT_RESET,
  EventQueue,
} from './event-queue.js';
import { FAULT_NONE, FAULT_NON_FINITE, FAULT_THROW, ModuleInstance, instanceSeed } from './instance.js';
import { compileRenderPlan, performSend, type BatchBinding, type PlanGroup, type RenderPlan } from './render-plan.js';
import { OUTPUT_CHECK_LIMIT, type LoopBreakingKernel } from '../dsp/kernel.js';
import { batchFactoryFor } from './batch-registry.js';
import { batchKernelOn, residentIn, type BatchCall, type BatchKernel } from '../dsp/batch.js';
import { HEAP_MEMORY, PAD_BLOCK, WasmArena } from '../dsp/lib/wasm-arena.js';
import { cloneInstance, copyInstanceState, mixCrossfade, startCrossfade, topologyChanged, type Crossfade } from './crossfade.js';
import { PatchPreparation, freshInstance, type InstanceFactory } from './patch-preparation.js';
import { performance } from 'node:perf_hooks';
import type { EngineSnapshot } from './snapshot.js';
import { EngineCounters } from './engine-counters.js';
import { TempoSync } from './tempo-sync.js';
import { ChokeGroups } from './choke.js';
import { RenderScratch } from './render-scratch.js';
import { SequencerBank } from './sequencer/bank.js';
import type { ControlOp } from './sequencer/ops.js';

/** A control op waiting for its frame. */
export interface TimedControl {
  readonly frame: number;
  readonly op: ControlOp;
}

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

/** The batch fallback is reported once per process, not per engine or block. */
let batchUnavailableReported = false;

/** Engine.batchStats(): how much of the patch the SIMD batch kernels render. */
export interface BatchStats {
  /** 'on', 'off' or 'unavailable: <reason>' (Engine.batchStatus). */
  readonly status: string;
  /** Instance sub-blocks rendered by a batch kernel since the engine was built. */
  readonly batched: number;
  /** Instance sub-blocks of batch groups rendered by the JS kernel instead. */
  readonly fallback: number;
  /** The thread arena's bytes and heap fallbacks (undefined when batching is not on). */
  readonly arena: ReturnType<WasmArena['stats']> | undefined;
}

/** Measured cost of one live module (see EngineOptions.profileEvery). */
export interface ModuleCost {
  readonly id: string;
  readonly type: string;
  /** Profiled blocks in which the module ran (since it was created). */
  readonly blocks: number;
  /**
   * Mean and largest time of the module's step per profiled block, µs (input mixes, params,
   * kernel, output check; the cost of a clock read, measured at construction, taken off).
   */
  readonly meanUs: number;
  readonly maxUs: number;
  /**
   * meanUs as a fraction of the mean wall time of a whole profiled block (the render call,
   * including the engine's own work and the clock reads), so shares sum to less than 1.
   */
  readonly share: number;
}

export class Engine {
  readonly sampleRate: number;
  readonly maxBlock: number;
  readonly seed: number;
  readonly counters = new EngineCounters();
  // The frame clock lives in a typed array: see EngineCounters for why.
  private readonly clock = new Float64Array(1);

  private readonly scratch: RenderScratch;
  /** What new instances are built from (applyPatch, PatchPreparation). */
  private readonly factory: InstanceFactory;
  private readonly events: EventQueue;
  private readonly byId = new Map<string, ModuleInstance>();
  private readonly byHandle = new Map<number, ModuleInstance>();
  private plan: RenderPlan | undefined;
  private livePatch: ResolvedPatch | undefined;
  private fade: Crossfade | undefined;
  private nextHandle = 1;
  // Fault log: a ring the host drains between blocks (handle, code, frame).
  private readonly faultHandles: Int32Array;
  private readonly faultCodes: Int32Array;
  private readonly faultFrames: Float64Array;
  private faultWrite = 0;
  private faultRead = 0;
  /** Sequencers and transport: engine state, driven by rendered frames. */
  readonly sequencer: SequencerBank;
  /** Tempo-synced params of the live patch (tempo-sync.ts). */
  private readonly tempoSync = new TempoSync();
  /** Modules that choke each other (choke.ts). */
  private readonly chokeGroups = new ChokeGroups();
  private readonly recordThrow = (instance: ModuleInstance): void => this.recordFault(instance, FAULT_THROW);
  private readonly scheduleSynced: (frame: number, handle: number, param: number, value: number) => boolean;
  /** Control ops by frame (stable); few, so a sorted array. */
  private readonly controls: TimedControl[] = [];
  // Sampled profiling, per plan step (index = step of the live plan): profiled blocks, total
  // and largest ms; `profileScratch` sums a block's sub-ranges. Re-sized in applyPatch only,
  // carrying the figures of kept instances over. `profileBlock`: profiled blocks and their
  // total wall ms (engine-wide, since construction).
  private readonly profileEvery: number;
  private profileCountdown = 0;
  private profileBlocks = new Float64Array(0);
  private profileTotalMs = new Float64Array(0);
  private profileMaxMs = new Float64Array(0);
  private profileScratch = new Float64Array(0);
  private readonly profileBlock = new Float64Array(2);
  private readonly profileClockMs = new Float64Array(1);
  // SIMD batching: the thread's wasm arena (undefined when off or unavailable), the per-lane
  // output checks, and counters: [instance sub-blocks rendered by a batch kernel, by the JS
  // kernel inside a group].
  private readonly arena: WasmArena | undefined;
  /** 'on', 'off' (EngineOptions.batch false) or 'unavailable: <reason>'. */
  readonly batchStatus: string;
  private readonly batchCheck = new Float64Array(4);
  private readonly batchCounts = new Float64Array(2);

  constructor(options: EngineOptions) {
    if (!(options.maxBlock >= 1 && Number.isInteger(options.maxBlock))) throw new Error('maxBlock must be a positive integer');
    this.sampleRate = options.sampleRate;
    this.maxBlock = options.maxBlock;
    this.seed = (options.seed ?? 1) >>> 0;
    const arena = options.batch === false ? 'off' : options.maxBlock > PAD_BLOCK ? `maxBlock above ${PAD_BLOCK}` : WasmArena.forThread();
    this.batchStatus = typeof arena === 'string' ? (arena === 'off' ? 'off' : `unavailable: ${arena}`) : 'on';
    if (typeof arena === 'string' && arena !== 'off' && !batchUnavailableReported) {
      batchUnavailableReported = true;
      console.warn(`chronus: SIMD batch kernels unavailable, rendering with the JS kernels only (${arena})`);
    }
    this.arena = typeof arena === 'string' ? undefined : arena;
    this.scratch = new RenderScratch(options.maxBlock, this.arena ?? HEAP_MEMORY);

    this.factory = {
      sampleRate: this.sampleRate,
      seed: this.seed,
      scratch: this.scratch,
      batching: this.arena === undefined ? undefined : this.batchBinding(this.arena),
    };
    this.events = new EventQueue(options.eventCapacity ?? 4096);
    const faults = options.faultCapacity ?? 256;
    this.faultHandles = new Int32Array(faults);
    this.faultCodes = new Int32Array(faults);
    this.faultFrames = new Float64Array(faults);
    this.sequencer = new SequencerBank(options.sampleRate, this);
    this.scheduleSynced = (frame, handle, param, value) => this.scheduleParamImmediate(frame, handle, param, value);
    const every = options.profileEvery ?? 0;
    if (!(every >= 0 && Number.isInteger(every))) throw new Error('profileEvery must be a non-negative integer');
    this.profileEvery = every;
    if (every > 0) {
      // The cost of one clock read, as seen between two reads: subtracted from every step's
      // time (the shortest of a few back-to-back pairs).
      let best = Number.POSITIVE_INFINITY;
      for (let k = 0; k < 64; k++) {
        const a = performance.now();
        const d = performance.now() - a;
        if (d < best) best = d;
      }
      this.profileClockMs[0] = best;
    }
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
    const previous = this.livePatch;
    const changed = previous !== undefined && crossfadeFrames > 0 && topologyChanged(previous, patch);
    return new PatchPreparation(patch, this.factory, this.byId, previous, changed, crossfadeFrames > 0);
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
    const ready = prepared !== undefined && prepared.patch === patch ? prepared : undefined;
    const previous = this.livePatch;
    // With a crossfade the old graph fades out as it is (its plan and instances untouched), and
    // the new graph runs on copies of the instances it keeps (crossfade.ts); the ones it drops
    // stay in the old graph only, so removing a thousand voices copies nothing.
    const fading = previous !== undefined && this.plan !== undefined && crossfadeFrames > 0 &&
      (ready !== undefined && ready.against === previous ? ready.topologyChanged : topologyChanged(previous, patch));
    const ordered: ModuleInstance[] = [];
    // True while every instance of the new graph came from `ready` (then so may its plan).
    let allPrepared = ready !== undefined;
    for (const m of patch.modules) {
      const existing = this.byId.get(m.id);
      if (existing !== undefined && existing.type === m.type) {
        let kept = existing;
        if (fading) {
          const blank = ready?.takeBlank(existing);
          if (blank === undefined) allPrepared = false;
          kept = blank !== undefined ? copyInstanceState(blank, existing) : cloneInstance(existing, this.sampleRate, instanceSeed(this.seed, m.id), this.scratch);
        } else {
          allPrepared = false;
        }
        m.params.forEach((value, p) => {
          if (kept.params.target(p) !== value) kept.params.setTarget(p, value);
        });
        ordered.push(kept);
      } else {
        const assigned = handles?.get(m.id);
        const handle = assigned ?? this.nextHandle;
        this.nextHandle = Math.max(this.nextHandle, handle) + 1;
        const built = ready?.takeFresh(m);
        if (built !== undefined) built.handle = handle;
        else allPrepared = false;
        ordered.push(built ?? freshInstance(m, handle, this.factory));
      }
    }
    if (fading) this.fade = startCrossfade(this.plan!, crossfadeFrames);
    this.byId.clear();
    this.byHandle.clear();
    for (const instance of ordered) {
      this.byId.set(instance.id, instance);
      this.byHandle.set(instance.handle, instance);
    }
    const oldSteps = this.plan?.steps;
    const precompiled = allPrepared && fading ? ready?.plan : undefined;
    this.plan = precompiled ?? compileRenderPlan(ordered, patch.connections, MASTER_ID, this.scratch, this.factory.batching);
    this.remapProfile(oldSteps, this.plan);
    this.livePatch = patch;
    this.tempoSync.rebuild(patch, (id) => this.byId.get(id));
    this.chokeGroups.rebuild(ordered);
    this.tempoSync.setAll(this.sequencer.transport.bpm);
    // Sequencer targets name modules by id: re-resolve (a removed module's target goes inactive).
    this.sequencer.resolveAll();
    this.counters.countPatchApplied();
  }

  /** How this engine's plans batch on `arena` (patch-apply time). */
  private batchBinding(arena: WasmArena): BatchBinding {
    const sampleRate = this.sampleRate;
    return {
      kernelFor(m: ModuleInstance): BatchKernel | undefined {
        const factory = batchFactoryFor(m.definition.spec.type);
        return factory === undefined ? undefined : batchKernelOn(arena, factory, sampleRate);
      },
      resident: (m: ModuleInstance): boolean => residentIn(arena, m.kernel),
      arena,
    };
  }

  /**
   * Instance sub-blocks rendered inside batch groups since construction: by a batch kernel
   * (`batched`) and by the JS kernel (`fallback`: param not constant, lone accepted member,
   * ...), with the batch status and the thread arena's figures (reported in /engine/status).
   * Between blocks; allocates.
   */
  batchStats(): BatchStats {
    return { status: this.batchStatus, batched: this.batchCounts[0]!, fallback: this.batchCounts[1]!, arena: this.arena?.stats() };
  }

  /** True while an old graph is fading out after a topology change (not captured by snapshots). */
  get crossfading(): boolean {
    return this.fade !== undefined;
  }

  /** Starts the module cost figures afresh (e.g. after each report, so a report covers one interval). No allocation. */
  resetModuleCosts(): void {
    this.profileBlocks.fill(0);
    this.profileTotalMs.fill(0);
    this.profileMaxMs.fill(0);
    this.profileBlock.fill(0);
  }

  /** Profile arrays for `plan`: kept instances keep their figures, new ones start at 0. */
  private remapProfile(oldSteps: readonly { instance: ModuleInstance }[] | undefined, plan: RenderPlan): void {
    const n = plan.steps.length;
    const blocks = new Float64Array(n);
    const total = new Float64Array(n);
    const max = new Float64Array(n);
    if (oldSteps !== undefined) {
      // By id and type: a kept module may now be a copy (crossfade.ts), a new one of a reused id is not.
      const old = new Map<string, number>();
      oldSteps.forEach((step, s) => old.set(step.instance.id, s));
      plan.steps.forEach((step, s) => {
        const o = old.get(step.instance.id);
        if (o === undefined || oldSteps[o]!.instance.type !== step.instance.type || oldSteps[o]!.instance.definition !== step.instance.definition) return;
        blocks[s] = this.profileBlocks[o]!;
        total[s] = this.profileTotalMs[o]!;
        max[s] = this.profileMaxMs[o]!;
      });
    }
    this.profileBlocks = blocks;
    this.profileTotalMs = total;
    this.profileMaxMs = max;
    this.profileScratch = new Float64Array(n);
  }

  /**
   * Per live module, in render order: its measured cost (EngineOptions.profileEvery; all zero
   * when profiling is off). Figures survive applyPatch for kept modules (same id and type)
   * and start at zero for new ones. Between blocks (allocates).
   */
  moduleCosts(): ModuleCost[] {
    const plan = this.plan;
    if (plan === undefined) return [];
    const blockCount = this.profileBlock[0]!;
    const meanBlockMs = blockCount > 0 ? this.profileBlock[1]! / blockCount : 0;
    return plan.steps.map((step, s) => {
      const blocks = this.profileBlocks[s]!;
      const meanMs = blocks > 0 ? this.profileTotalMs[s]! / blocks : 0;
      return {
        id: step.instance.id,
        type: step.instance.type,
        blocks,
        meanUs: meanMs * 1000,
        maxUs: this.profileMaxMs[s]! * 1000,
        share: meanBlockMs > 0 ? meanMs / meanBlockMs : 0,
      };
    });
  }

  /** Live instance by module id (main-thread helpers and tests). */
  instance(id: string): ModuleInstance | undefined {
    return this.byId.get(id);
  }

  instances(): ModuleInstance[] {
    return this.plan === undefined ? [] : this.plan.steps.map((s) => s.instance);
  }

  // ---------------------------------------------------------------- events

  /** Param change at `frame` (smoothed). Past frames apply at the next rendered sample. */
  scheduleParam(frame: number, handle: number, param: number, value: number): boolean {
    return this.schedule(frame, EVENT_PARAM, handle, param, value);
  }

  /** Param change at `frame` without smoothing. */
  scheduleParamImmediate(frame: number, handle: number, param: number, value: number): boolean {
    return this.schedule(frame, EVENT_PARAM_IMMEDIATE, handle, param, value);
  }

  /** A gate event at `frame`: on with `velocity` in (0, 1] (default 1), or off. */
  scheduleGate(frame: number, handle: number, on: boolean, velocity = 1): boolean {
    return this.schedule(frame, EVENT_GATE, handle, 0, on ? velocity : 0);
  }

  /** SequencerHost: the tempo became `bpm` at `frame`; tempo-synced params follow at that frame. */
  tempoChanged(frame: number, bpm: number): void {
    this.tempoSync.scheduleAll(frame, bpm, this.scheduleSynced);
  }

  /** Revives a faulted module (fresh DSP state) at `frame`. */
  scheduleReset(frame: number, handle: number): boolean {
    return this.schedule(frame, EVENT_RESET, handle, 0, 0);
  }

  /**
   * Applies a control op (sequencer, transport) at exactly `frame` (past frames: the next
   * rendered sample). Between blocks; allocates one array slot (control ops are rare).
   */
  scheduleControl(frame: number, op: ControlOp): void {
    if (frame < this.frame) {
      this.counters.countEventLate();
      frame = this.frame;
    }
    const controls = this.controls;
    let pos = controls.length;
    while (pos > 0 && controls[pos - 1]!.frame > frame) pos--;
    controls.splice(pos, 0, { frame, op });
  }

  /** Frame of the earliest pending control op, +Infinity when none. */
  private nextControlFrame(): number {
    return this.controls.length > 0 ? this.controls[0]!.frame : Number.POSITIVE_INFINITY;
  }

  private schedule(frame: number, kind: number, handle: number, index: number, value: number): boolean {
    if (frame < this.frame) {
      this.counters.countEventLate();
      frame = this.frame;
    }
    if (!this.events.push(frame, kind, handle, index, value)) {
      this.counters.countEventDropped();
      return false;
    }
    return true;
  }

  private applyEvent(kind: number, handle: number, index: number, value: number): void {
    const instance = this.byHandle.get(handle);
    this.counters.countEventApplied();
    if (instance === undefined) return;
    switch (kind) {
      case EVENT_PARAM:
        instance.params.setTarget(index, value);
        break;
      case EVENT_PARAM_IMMEDIATE:
        instance.params.setImmediate(index, value);
        break;
      case EVENT_GATE:
        if (instance.fault !== FAULT_NONE) break;
        if (value !== 0) this.chokeGroups.chokeOthers(instance, this.recordThrow);
        try {
          instance.kernel.gate(value !== 0, value);
        } catch {
          this.recordFault(instance, FAULT_THROW);
        }
        break;
      case EVENT_RESET:
        instance.revive();
        break;
      default:
        break;
    }
  }

  // ---------------------------------------------------------------- rendering

  /**
   * Renders the next `frames` frames (≤ maxBlock) into `left`/`right` [0, frames), applying
   * every event at its exact frame by splitting the block there.
   */
  render(left: Float32Array, right: Float32Array, frames: number): void {
    const plan = this.plan;
    if (plan === undefined || frames > this.maxBlock) {
      left.fill(0, 0, frames);
      right.fill(0, 0, frames);
      this.clock[0] = this.frame + frames;
      return;
    }
    if (this.profileEvery > 0 && --this.profileCountdown <= 0) {
      this.profileCountdown = this.profileEvery;
      this.renderProfiled(plan, left, right, frames);
      return;
    }
    this.renderBlock(plan, left, right, frames, undefined);
  }

  /**
   * render() of a profiled block: the block's and each step's wall time are added to the
   * profile (performance.now allocates a heap number per read: profiled blocks only).
   */
  private renderProfiled(plan: RenderPlan, left: Float32Array, right: Float32Array, frames: number): void {
    const profile = this.profileScratch;
    profile.fill(0);
    const t0 = performance.now();
    this.renderBlock(plan, left, right, frames, profile);
    const blockMs = performance.now() - t0;
    this.profileBlock[0]++;
    this.profileBlock[1] += blockMs;
    const blocks = this.profileBlocks;
    const total = this.profileTotalMs;
    const max = this.profileMaxMs;
    for (let s = 0; s < profile.length; s++) {
      const ms = profile[s]!;
      blocks[s]++;
      total[s] += ms;
      if (ms > max[s]!) max[s] = ms;
    }
  }

  /** The block loop of render(); with `profile`, steps are timed (renderRangeProfiled). */
  private renderBlock(plan: RenderPlan, left: Float32Array, right: Float32Array, frames: number, profile: Float64Array | undefined): void {
    const events = this.events;
    const blockStart = this.clock[0]!;
    let pos = 0;
    while (pos < frames) {
      const now = blockStart + pos;
      // Control ops first (they may change what the sequencers emit from `now` on), then the
      // sequencers' events up to the next control op or the block end, then due events.
      while (this.nextControlFrame() <= now) this.sequencer.apply(now, this.controls.shift()!.op);
      const nextControl = this.nextControlFrame() - blockStart;
      const limit = nextControl < frames ? nextControl : frames;
      this.sequencer.emit(blockStart + limit);
      while (events.peekFrame() <= now) {
        this.applyEvent(events.headKind(), events.headHandle(), events.headIndex(), events.headValue());
        events.shift();
      }
      const nextEvent = events.peekFrame() - blockStart;
      // Feedback loops render in chunks no longer than their shortest delay (RenderPlan.maxChunk).
      const fadePlan = this.fade?.plan;
      const chunk = fadePlan !== undefined && fadePlan.maxChunk < plan.maxChunk ? fadePlan.maxChunk : plan.maxChunk;
      const eventLimit = nextEvent < limit ? nextEvent : limit;
      // `| 0`: frames come out of a Float64Array as doubles; kernels are compiled for small
      // integers and would deoptimise on a double index.
      const end = (pos + chunk < eventLimit ? pos + chunk : eventLimit) | 0;
      if (profile === undefined) this.renderRange(plan, pos, end);
      else this.renderRangeProfiled(plan, pos, end, profile);
      // Index loops, not subarray(): a view per sub-block would allocate.
      const masterLeft = plan.master.outputs[0]!;
      const masterRight = plan.master.outputs[1]!;
      for (let i = pos; i < end; i++) {
        left[i] = masterLeft[i]!;
        right[i] = masterRight[i]!;
      }
      const fade = this.fade;
      if (fade !== undefined) {
        this.renderRange(fade.plan, pos, end);
        if (!mixCrossfade(fade, left, right, pos, end)) this.fade = undefined;
      }
      pos = end;
    }
    this.clock[0] = blockStart + frames;
    this.counters.addFrames(frames);
  }

  private renderRange(plan: RenderPlan, start: number, end: number): void {
    const steps = plan.instances.length;
    for (let s = 0; s < steps; s++) s = this.renderSlot(plan, s, start, end);
    if (plan.deferred.length > 0) this.acceptDeferred(plan, start, end);
  }

  /** Feedback: the loop breakers take their inputs over [start, end) once the loop has rendered. */
  private acceptDeferred(plan: RenderPlan, start: number, end: number): void {
    const deferred = plan.deferred;
    for (let d = 0; d < deferred.length; d++) {
      const instance = deferred[d]!;
      if (instance.fault !== FAULT_NONE) continue;
      try {
        (instance.kernel as LoopBreakingKernel).acceptInput(start, end);
      } catch {
        this.recordFault(instance, FAULT_THROW);
      }
    }
  }

  /**
   * Step s over [start, end), or the batch group starting at it, then its sends (a group's after
   * all of its kernels, in render order: one wasm call when it has a SendList). Returns the
   * last step index it covered.
   */
  private renderSlot(plan: RenderPlan, s: number, start: number, end: number): number {
    const group = plan.groups[s]!;
    if (group === null) this.renderStep(plan.instances[s]!, start, end);
    else this.renderGroup(group, start, end);
    const last = group === null ? s : s + group.size - 1;
    if (group !== null && group.sends !== undefined) {
      group.sends.run(start, end);
      return last;
    }
    const allSends = plan.sends;
    for (let t = s; t <= last; t++) {
      const sends = allSends[t]!;
      for (let k = 0; k < sends.length; k++) performSend(sends[k]!, start, end);
    }
    return last;
  }

  /**
   * One module over [start, end): params, kernel, output check; a faulted module (or one that
   * faults now) leaves silence in its outputs, which are shared with other modules (pooled).
   */
  private renderStep(instance: ModuleInstance, start: number, end: number): void {
    if (instance.fault !== FAULT_NONE) {
      const outputs = instance.outputs;
      for (let o = 0; o < outputs.length; o++) outputs[o]!.fill(0, start, end);
      return;
    }
    instance.params.fill(start, end);
    this.runKernel(instance, start, end);
  }

  /**
   * A batch group over [start, end) (render thread, no allocation). Each live member's params
   * are filled; members the batch kernel accepts for this sub-block are rendered together
   * (when at least two), every other one by its JS kernel right after its fill (params share
   * per-index scratch buffers, render-scratch.ts, so a member's buffered params must be used
   * before the next member's fill). Faulted members output silence and are left out; fault
   * containment stays per instance (per-lane output check, scan, fault record).
   */
  private renderGroup(group: PlanGroup, start: number, end: number): void {
    const members = group.members;
    const call = group.call;
    const lanes = group.laneInstances;
    if (group.ready && call !== undefined) {
      // Fast path: the descriptor's params are current while every member stays settled and
      // unfaulted (anything else clears `ready` through ParamBank.watcher).
      this.runCall(call, lanes, group.picked, call.size, true, start, end);
      return;
    }
    const batch = group.batch;
    const laneOf = group.laneOf;
    const picked = group.picked;
    let count = 0;
    let cacheable = true;
    for (let k = 0; k < members.length; k++) {
      const m = members[k]!;
      if (m.fault !== FAULT_NONE) {
        const outputs = m.outputs;
        for (let o = 0; o < outputs.length; o++) outputs[o]!.fill(0, start, end);
        cacheable = false;
        continue;
      }
      m.params.fill(start, end);
      const lane = laneOf[k]!;
      if (lane >= 0 && batch.accepts(m.kernel)) {
        picked[count++] = lane;
        if (!(m.params.isSettled && batch.cacheable(m.kernel))) cacheable = false;
      } else {
        this.batchCounts[1]++;
        this.runKernel(m, start, end);
        cacheable = false;
      }
    }
    if (count >= 2 && call !== undefined) {
      this.runCall(call, lanes, picked, count, false, start, end);
      group.ready = cacheable && count === members.length;
      return;
    }
    for (let j = 0; j < count; j++) {
      this.batchCounts[1]++;
      this.runKernel(lanes[picked[j]!]!, start, end);
    }
  }

  /**
   * One batch call over lanes picked[0 .. count) (all of them, in order, when count is the
   * call's size; `cached`: with the params already in the descriptor), then per-lane output
   * checks. A wasm trap faults the lanes.
   */
  private runCall(call: BatchCall, lanes: readonly ModuleInstance[], picked: Int32Array, count: number, cached: boolean, start: number, end: number): void {
    {
      const check = this.batchCheck;
      try {
        if (cached) call.runCached(start, end, check);
        else if (count === call.size) call.runAll(start, end, check);
        else call.runSome(picked, count, start, end, check);
      } catch {
        // A wasm trap (never expected): the lanes' state may be half-updated, so they fault
        // like a kernel that threw.
        for (let j = 0; j < count; j++) this.recordFault(lanes[count === call.size ? j : picked[j]!]!, FAULT_THROW);
        return;
      }
      this.batchCounts[0] += count;
      const full = count === call.size;
      for (let j = 0; j < count; j++) {
        if (check[j]! < OUTPUT_CHECK_LIMIT) continue;
        const m = lanes[full ? j : picked[j]!]!;
        const outputs = m.outputs;
        for (let o = 0; o < outputs.length; o++) {
          if (!isFiniteRange(outputs[o]!, start, end)) {
            this.recordFault(m, FAULT_NON_FINITE);
            break;
          }
        }
      }
    }
  }

  /** Kernel and output check of a live instance whose params are filled for [start, end). */
  private runKernel(instance: ModuleInstance, start: number, end: number): void {
    const kernel = instance.kernel;
    const check = kernel.outputCheck;
    check[0] = Number.POSITIVE_INFINITY;
    try {
      kernel.process(start, end);
    } catch {
      this.recordFault(instance, FAULT_THROW);
      return;
    }
    // Scan for NaN/±Inf unless the kernel vouched for its outputs (Kernel.outputCheck).
    if (!(check[0]! < OUTPUT_CHECK_LIMIT)) {
      const outputs = instance.outputs;
      for (let o = 0; o < outputs.length; o++) {
        if (!isFiniteRange(outputs[o]!, start, end)) {
          this.recordFault(instance, FAULT_NON_FINITE);
          break;
        }
      }
    }
  }

  /**
   * renderRange for profiled blocks: the same steps, adding each step's wall time (ms, less
   * the cost of a clock read; its sends included) to profile[step].
   */
  private renderRangeProfiled(plan: RenderPlan, start: number, end: number, profile: Float64Array): void {
    const instances = plan.instances;
    const clockMs = this.profileClockMs[0]!;
    for (let s = 0; s < instances.length; s++) {
      const t0 = performance.now();
      const first = s;
      const last = this.renderSlot(plan, s, start, end);
      s = last;
      // A batch group's time is attributed evenly to its members.
      const ms = (performance.now() - t0 - clockMs) / (last - first + 1);
      if (ms > 0) for (let t = first; t <= last; t++) profile[t] += ms;
    }
    if (plan.deferred.length > 0) this.acceptDeferred(plan, start, end);
  }

  private recordFault(instance: ModuleInstance, code: number): void {
    instance.markFaulted(code);
    this.counters.countModuleFault();
    const capacity = this.faultCodes.length;
    if (this.faultWrite - this.faultRead < capacity) {
      const slot = this.faultWrite % capacity;
      this.faultHandles[slot] = instance.handle;
      this.faultCodes[slot] = code;
      this.faultFrames[slot] = this.frame;
      this.faultWrite++;
    }
  }

  /** Hands each logged fault to `report` (between blocks; may allocate in the callback). */
  drainFaults(report: (moduleId: string, code: number, frame: number) => void): void {
    const capacity = this.faultCodes.length;
    while (this.faultRead < this.faultWrite) {
      const slot = this.faultRead % capacity;
      const instance = this.byHandle.get(this.faultHandles[slot]!);
      report(instance?.id ?? `#${this.faultHandles[slot]}`, this.faultCodes[slot]!, this.faultFrames[slot]!);
      this.faultRead++;
    }
  }

  // ---------------------------------------------------------------- snapshots

  /** Copies the complete render state at the current block boundary (allocates). */
  snapshot(): EngineSnapshot {
    return {
      frame: this.frame,
      nextHandle: this.nextHandle,
      seed: this.seed,
      instances: this.instances().map((m) => ({
        id: m.id,
        type: m.type,
        handle: m.handle,
        fault: m.fault,
        ramp: m.params.ramp.slice(),
        state: m.kernel.stateArrays().map((a) => a.slice()),
      })),
      events: this.events.toArray(),
      sequencer: this.sequencer.snapshot(),
      controls: this.controls.map((c) => ({ frame: c.frame, op: c.op })),
    };
  }

  /**
   * Restores a snapshot taken from an engine with the same patch applied (the caller applies
   * the same resolved patch first). Throws when the module sets differ.
   */
  restore(snapshot: EngineSnapshot): void {
    const live = this.instances();
    if (live.length !== snapshot.instances.length) throw new Error('snapshot does not match the live patch');
    this.byHandle.clear();
    for (const saved of snapshot.instances) {
      const instance = this.byId.get(saved.id);
      if (instance === undefined || instance.type !== saved.type) {
        throw new Error(`snapshot module '${saved.id}' (${saved.type}) not in the live patch`);
      }
      instance.handle = saved.handle;
      instance.fault = saved.fault;
      instance.params.ramp.set(saved.ramp);
      instance.params.invalidate();
      const arrays = instance.kernel.stateArrays();
      if (arrays.length !== saved.state.length) throw new Error(`snapshot state of '${saved.id}' has the wrong shape`);
      arrays.forEach((a, k) => a.set(saved.state[k]!));
      if (instance.fault !== FAULT_NONE) for (const out of instance.outputs) out.fill(0);
      this.byHandle.set(instance.handle, instance);
    }
    this.events.clear();
    for (const [frame, kind, handle, index, value] of snapshot.events) this.events.push(frame, kind, handle, index, value);
    this.clock[0] = snapshot.frame;
    this.nextHandle = snapshot.nextHandle;
    this.controls.length = 0;
    for (const c of snapshot.controls) this.controls.push({ frame: c.frame, op: c.op });
    // After the handles: targets resolve to the restored instances.
    this.sequencer.restore(snapshot.sequencer);
  }
}

/**
 * True when every sample of [start, end) is finite. Sums eight samples at a time as a tree
 * into two independent chains (the additions pipeline instead of waiting on one another:
 * faster than four plain chains, docs/performance.md); x − x is 0 for any finite sum and NaN
 * for NaN or ±Infinity. Float32 samples cannot overflow a double sum.
 */
function isFiniteRange(x: Float32Array, start: number, end: number): boolean {
  let a = 0;
  let b = 0;
  let i = start;
  for (; i + 7 < end; i += 8) {
    a += x[i]! + x[i + 1]! + (x[i + 2]! + x[i + 3]!);
    b += x[i + 4]! + x[i + 5]! + (x[i + 6]! + x[i + 7]!);
  }
  for (; i < end; i++) a += x[i]!;
  const sum = a + b;
  return sum - sum === 0;
}
