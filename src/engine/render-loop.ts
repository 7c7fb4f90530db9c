// The render loop: renders the live plan block by block, splitting each block at every due
// control op and event so each happens at its exact frame, rendering each step (or batch group)
// and its sends per sub-block, and containing faults per module (a module that throws or
// outputs NaN/±Inf is muted and logged, the rest play on).
//
// The hot path, tuned for V8: this one class owns it (every call site in it sees one receiver
// class), it allocates nothing, and no double crosses a call that may not be inlined (frames and
// counters live in typed arrays). Profiled blocks take a detour through the Profiler, which
// calls back into renderStepOrGroup.
//
// Threading: the render thread that owns the engine. Nothing here allocates.

import { OUTPUT_CHECK_LIMIT, type LoopBreakingKernel } from '../dsp/kernel.js';
import type { BatchCall } from '../dsp/batch.js';
import type { ChokeGroups } from './choke.js';
import { mixCrossfade, type Crossfade } from './crossfade.js';
import type { EngineCounters } from './engine-counters.js';
import { EVENT_GATE, EVENT_PARAM, EVENT_PARAM_IMMEDIATE, EVENT_RAMP_EXP, EVENT_RAMP_LIN, EVENT_RESET } from './event-queue.js';
import type { FaultLog } from './fault-log.js';
import { FAULT_NONE, FAULT_NON_FINITE, FAULT_THROW, type ModuleInstance } from './instance.js';
import type { Profiler } from './profiler.js';
import { performSend, type PlanGroup, type RenderPlan } from './render-plan.js';
import type { SequencerBank } from './sequencer/bank.js';
import type { Timeline } from './timeline.js';

export class RenderLoop {
  /** The live plan (set by Engine.applyPatch); undefined renders silence. */
  plan: RenderPlan | undefined = undefined;
  /** The old graph while it fades out after a topology change (crossfade.ts). */
  fade: Crossfade | undefined = undefined;
  /**
   * Instance sub-blocks of batch groups: [rendered by a batch kernel, by the JS kernel]
   * (Engine.batchStats). In a typed array so counting never boxes.
   */
  readonly batchCounts = new Float64Array(2);
  /** Per-lane output checks of one batch call. */
  private readonly batchCheck = new Float64Array(4);
  /**
   * The tap (Engine.setTap): step index in `plan` whose output `tapOutput` is copied into
   * `tapBuffer` as it is rendered (output buffers are pooled, so a module's output is only
   * there right after its step). -1: no tap. A display aid: it never changes what is rendered.
   */
  tapStep = -1;
  tapOutput = 0;
  readonly tapBuffer: Float32Array;
  /** Faults a module whose choke threw (ChokeGroups.chokeOthers; made once, not per event). */
  private readonly recordThrow = (instance: ModuleInstance): void => this.faults.record(instance, FAULT_THROW);

  constructor(
    readonly maxBlock: number,
    /** The engine's frame clock (clock[0]: frames rendered), advanced here. */
    private readonly clock: Float64Array,
    private readonly timeline: Timeline,
    private readonly sequencer: SequencerBank,
    /** Live instances by handle (Reconciler.byHandle): events name their module by handle. */
    private readonly byHandle: ReadonlyMap<number, ModuleInstance>,
    /** Modules that choke each other (a gate-on chokes the rest of its group). */
    private readonly chokeGroups: ChokeGroups,
    private readonly faults: FaultLog,
    private readonly profiler: Profiler,
    private readonly counters: EngineCounters,
  ) {
    this.tapBuffer = new Float32Array(maxBlock);
  }

  /**
   * Renders the next `frames` frames (≤ maxBlock) into `left`/`right` [0, frames), applying
   * every event at its exact frame by splitting the block there.
   */
  render(left: Float32Array, right: Float32Array, frames: number): void {
    const plan = this.plan;
    if (plan === undefined || frames > this.maxBlock) {
      left.fill(0, 0, frames);
      right.fill(0, 0, frames);
      this.clock[0] = this.clock[0]! + frames;
      return;
    }
    if (this.profiler.due()) {
      this.profiler.renderBlock(this, plan, left, right, frames);
      return;
    }
    this.renderBlock(plan, left, right, frames, undefined);
  }

  /** The block loop of render(); with `profiler`, steps are timed (Profiler.renderRange). */
  renderBlock(plan: RenderPlan, left: Float32Array, right: Float32Array, frames: number, profiler: Profiler | undefined): void {
    const timeline = this.timeline;
    const events = timeline.events;
    const blockStart = this.clock[0]!;
    let pos = 0;
    while (pos < frames) {
      const now = blockStart + pos;
      // Control ops first (they may change what the sequencers emit from `now` on), then the
      // sequencers' events up to the next control op or the block end, then due events.
      while (timeline.nextControlFrame() <= now) this.sequencer.apply(now, timeline.takeControl());
      const nextControl = timeline.nextControlFrame() - blockStart;
      const limit = nextControl < frames ? nextControl : frames;
      this.sequencer.emit(blockStart + limit);
      while (events.peekFrame() <= now) {
        this.applyEvent(events.headKind(), events.headHandle(), events.headIndex(), events.headValue(), events.headAux());
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
      if (profiler === undefined) this.renderRange(plan, pos, end);
      else profiler.renderRange(this, plan, pos, end);
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

  /** Every step of `plan` over [start, end), then the deferred inputs of its feedback loops. */
  private renderRange(plan: RenderPlan, start: number, end: number): void {
    const steps = plan.instances.length;
    for (let s = 0; s < steps; s++) s = this.renderStepOrGroup(plan, s, start, end);
    if (plan.deferred.length > 0) this.acceptDeferred(plan, start, end);
  }

  /** Feedback: the loop breakers take their inputs over [start, end) once the loop has rendered. */
  acceptDeferred(plan: RenderPlan, start: number, end: number): void {
    const deferred = plan.deferred;
    for (let d = 0; d < deferred.length; d++) {
      const instance = deferred[d]!;
      if (instance.fault !== FAULT_NONE) continue;
      try {
        (instance.kernel as LoopBreakingKernel).acceptInput(start, end);
      } catch {
        this.faults.record(instance, FAULT_THROW);
      }
    }
  }

  /**
   * Step s over [start, end), or the batch group starting at it, then its sends (a group's after
   * all of its kernels, in render order: one wasm call when it has a SendList). Returns the
   * last step index it covered.
   */
  renderStepOrGroup(plan: RenderPlan, s: number, start: number, end: number): number {
    const group = plan.groups[s]!;
    if (group === null) this.renderStep(plan.instances[s]!, start, end);
    else this.renderGroup(group, start, end);
    const last = group === null ? s : s + group.size - 1;
    if (this.tapStep >= s && this.tapStep <= last && plan === this.plan) this.copyTap(plan, start, end);
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

  /** Copies the tapped step's output over [start, end) into tapBuffer (index loop: no view). */
  private copyTap(plan: RenderPlan, start: number, end: number): void {
    const source = plan.instances[this.tapStep]!.outputs[this.tapOutput];
    const tap = this.tapBuffer;
    if (source === undefined) return;
    for (let i = start; i < end; i++) tap[i] = source[i]!;
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
   * A batch group over [start, end). Each live member's params are filled; members the batch
   * kernel accepts for this sub-block are rendered together (when at least two), every other
   * one by its JS kernel right after its fill (params share per-index scratch buffers,
   * render-scratch.ts, so a member's buffered params must be used before the next member's
   * fill). Faulted members output silence and are left out; fault containment stays per
   * instance (per-lane output check, scan, fault record).
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
        this.batchCounts[1]!++;
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
      this.batchCounts[1]!++;
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
        for (let j = 0; j < count; j++) this.faults.record(lanes[count === call.size ? j : picked[j]!]!, FAULT_THROW);
        return;
      }
      this.batchCounts[0]! += count;
      const full = count === call.size;
      for (let j = 0; j < count; j++) {
        if (check[j]! < OUTPUT_CHECK_LIMIT) continue;
        const m = lanes[full ? j : picked[j]!]!;
        const outputs = m.outputs;
        for (let o = 0; o < outputs.length; o++) {
          if (!isFiniteRange(outputs[o]!, start, end)) {
            this.faults.record(m, FAULT_NON_FINITE);
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
      this.faults.record(instance, FAULT_THROW);
      return;
    }
    // Scan for NaN/±Inf unless the kernel vouched for its outputs (Kernel.outputCheck).
    if (!(check[0] < OUTPUT_CHECK_LIMIT)) {
      const outputs = instance.outputs;
      for (let o = 0; o < outputs.length; o++) {
        if (!isFiniteRange(outputs[o]!, start, end)) {
          this.faults.record(instance, FAULT_NON_FINITE);
          break;
        }
      }
    }
  }

  /**
   * One due event (EVENT_* `kind`) for the module with `handle`: a gate-on first chokes the
   * other members of its choke group; a gate that throws faults the module.
   */
  private applyEvent(kind: number, handle: number, index: number, value: number, aux: number): void {
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
      case EVENT_RAMP_LIN:
      case EVENT_RAMP_EXP:
        instance.params.startRamp(index, value, aux, kind === EVENT_RAMP_EXP);
        break;
      case EVENT_GATE:
        if (instance.fault !== FAULT_NONE) break;
        if (value !== 0) this.chokeGroups.chokeOthers(instance, this.recordThrow);
        try {
          instance.kernel.gate(value !== 0, value);
        } catch {
          this.faults.record(instance, FAULT_THROW);
        }
        break;
      case EVENT_RESET:
        instance.revive();
        break;
      default:
        break;
    }
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
