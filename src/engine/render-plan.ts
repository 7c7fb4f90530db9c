// Compiles a resolved patch over live instances into a flat render plan: the instances in
// topological order and, per step, the sends the step performs after its kernel.
//
// Inputs with exactly one source at unity gain read the source's output buffer directly, as do
// inputs with one scaled source whose kernel applies the scale itself (PortSpec.readsScale).
// Every other input (several sources summed, or one scaled source) reads a mix buffer that its
// sources *send* into, each right after it has rendered: target = a·x for the first sender in
// render order, target += a·x for the others (each stored as float32). So a bus of N voices
// into `out` holds one live buffer instead of keeping N voice outputs alive until `out` runs
// (scsynth's Out.ar onto a bus works the same way): the voices' buffers go back to the pool at
// once and stay in the cache.
//
// Batch groups: when the engine has batch kernels (src/dsp/batch.ts), the order is first
// regrouped by batch-groups.ts (up to 4 independent instances of a batchable type adjacent;
// every summed input keeps its senders' order, so no output changes). A group is one step for
// buffer liveness: its members' kernels all run before any of their sends, so every buffer a
// member reads or writes stays allocated until the group's last member has run.
//
// Threading: render thread, at patch-apply time only (allocates).

import { BATCH_LANES, BatchCall, type BatchKernel } from '../dsp/batch.js';
import type { WasmArena } from '../dsp/lib/wasm-arena.js';
import type { ResolvedConnection } from '../patch/document.js';
import { groupForBatching } from './batch-groups.js';
import type { ModuleInstance } from './instance.js';
import { LoopBreakingKernel } from '../dsp/kernel.js';
import type { RenderScratch } from './render-scratch.js';

/** One source's contribution to a mixed input, performed after the source's kernel. */
export class PortSend {
  readonly amount: number;

  constructor(
    readonly source: Float32Array,
    readonly target: Float32Array,
    amount: number,
    /** The first sender (render order) assigns instead of adding. */
    readonly first: boolean,
  ) {
    // Start as a double so the field keeps one representation whether amounts are 1 or 0.25.
    this.amount = 0.5;
    this.amount = amount;
  }
}

/**
 * Adjacent steps [start, start + size) rendered together by `batch` where it accepts them.
 * The members whose state and buffers lie in the arena form `call` (lane order = member order;
 * laneOf[k] is member k's lane, −1 for a member that always renders in JS). `picked` is
 * per-call scratch (filled by the engine, no allocation).
 */
export class PlanGroup {
  readonly members: readonly ModuleInstance[];
  readonly laneOf: Int32Array;
  /** The instances of call's lanes. */
  readonly laneInstances: readonly ModuleInstance[];
  readonly call: BatchCall | undefined;
  readonly picked = new Int32Array(BATCH_LANES);
  /**
   * True while `call`'s descriptor holds current params for every member: set after a call in
   * which every member was resident, settled, accepted and cacheable (BatchKernel.cacheable);
   * the engine then uses BatchCall.runCached until a member is unsettled or faulted (each
   * member's ParamBank clears it then: this group is the bank's `watcher`).
   */
  ready = false;

  constructor(
    readonly batch: BatchKernel,
    readonly start: number,
    members: readonly ModuleInstance[],
    /** Per member: its state and buffers lie in the arena. */
    resident: readonly boolean[],
    arena: WasmArena,
    /** The members' sends, in render order (performed after all of the group's kernels). */
    sends: readonly PortSend[],
  ) {
    this.members = members;
    this.laneOf = new Int32Array(members.length).fill(-1);
    const lanes: ModuleInstance[] = [];
    members.forEach((m, k) => {
      if (!resident[k]) return;
      this.laneOf[k] = lanes.length;
      lanes.push(m);
    });
    this.laneInstances = lanes;
    this.call = lanes.length >= 2 ? new BatchCall(arena, batch, lanes.map((m) => m.kernel)) : undefined;
    this.sends = sends.length > 0 && sends.every((x) => arena.holds(x.source) && arena.holds(x.target)) ? new SendList(arena, sends) : undefined;
  }

  /** The members' sends as one wasm call (undefined: none, or not all in the arena: JS). */
  readonly sends: SendList | undefined;

  get size(): number {
    return this.members.length;
  }
}

/**
 * A batch group's sends as one call of wasm/send.ts (performSend's arithmetic and order, two
 * samples per SIMD operation): records of source and target byte offsets, amount and first
 * flag in the arena, written at compile time. Render thread; `run` allocates nothing.
 */
export class SendList {
  private readonly records: Float64Array;
  private readonly ptr: number;
  private readonly count: number;
  private readonly entry: (list: number, count: number, start: number, end: number) => void;

  constructor(arena: WasmArena, sends: readonly PortSend[]) {
    this.count = sends.length;
    this.records = arena.f64(4 * sends.length);
    if (!arena.holds(this.records)) throw new Error('SendList: arena full');
    this.ptr = this.records.byteOffset;
    this.entry = arena.exports['sendRun'] as (list: number, count: number, start: number, end: number) => void;
    sends.forEach((x, r) => {
      this.records[4 * r] = x.source.byteOffset;
      this.records[4 * r + 1] = x.target.byteOffset;
      this.records[4 * r + 2] = x.amount;
      this.records[4 * r + 3] = x.first ? 1 : 0;
    });
  }

  run(start: number, end: number): void {
    this.entry(this.ptr, this.count, start, end);
  }
}

/** How a plan batches (the engine's arena and batch kernels). Compile time. */
export interface BatchBinding {
  /** The batch kernel of m's type, or undefined when the type has none. */
  kernelFor(m: ModuleInstance): BatchKernel | undefined;
  /** Called once m's buffers are bound: may a batch kernel address its state and buffers? */
  resident(m: ModuleInstance): boolean;
  readonly arena: WasmArena;
}

export interface PlanStep {
  readonly instance: ModuleInstance;
  /** Sends into mixed inputs of later modules, in order, after this step's kernel. */
  readonly sends: readonly PortSend[];
}

export interface RenderPlan {
  readonly steps: readonly PlanStep[];
  /**
   * steps[s].instance and steps[s].sends as flat arrays (what the render loop reads every
   * block: one sequential array instead of one step object per module; steps without sends
   * share one empty array).
   */
  readonly instances: readonly ModuleInstance[];
  readonly sends: readonly (readonly PortSend[])[];
  /** Per step: the group that starts at it, else null (and null for its other members). */
  readonly groups: readonly (PlanGroup | null)[];
  readonly master: ModuleInstance;
  /**
   * Feedback: the loop-breaking instances that close a loop (LoopBreakingKernel with
   * deferInput), whose acceptInput the engine runs after every step of a sub-block, in this
   * order. Empty for a patch without loops.
   */
  readonly deferred: readonly ModuleInstance[];
  /**
   * Longest sub-block the plan may render in one go: the shortest loopDelaySamples of the
   * deferred instances (so a loop's input is taken before its delayed output needs it), or
   * Infinity without loops.
   */
  readonly maxChunk: number;
}

const NO_SENDS: readonly PortSend[] = Object.freeze([]);

/** How one input reads its sources. */
type PortBinding =
  | { readonly kind: 'none' }
  | { readonly kind: 'direct'; readonly feed: ResolvedConnection; readonly scale: number }
  | { readonly kind: 'mixed'; readonly feeds: readonly ResolvedConnection[] };

/**
 * Binds inputs and modulation of `original` (render order) according to `connections`.
 * `scratch` gives the shared all-zero buffer for unconnected inputs and the memory pooled
 * buffers come from. With `batching`, instances are regrouped for batching (batch-groups.ts)
 * and the plan carries the groups.
 */
export function compileRenderPlan(
  original: readonly ModuleInstance[],
  connections: readonly ResolvedConnection[],
  masterId: string,
  scratch: RenderScratch,
  batching?: BatchBinding,
): RenderPlan {
  const feedback = feedbackConnections(original, connections);
  checkRenderOrder(original, connections, feedback);
  const forward = feedback.size === 0 ? connections : connections.filter((c) => !feedback.has(c));
  const deferred = original.filter((m) => connections.some((c) => feedback.has(c) && c.to === m.id));
  for (const m of original) if (m.kernel instanceof LoopBreakingKernel) m.kernel.deferInput = deferred.includes(m);
  let ordered = original;
  let groupRanges: readonly { readonly start: number; readonly size: number }[] = [];
  if (batching !== undefined) {
    const grouped = groupForBatching(original, forward, (m) => batching.kernelFor(m) !== undefined);
    ordered = grouped.order;
    groupRanges = grouped.groups;
  }
  // Liveness position of each step: the members of a group share one.
  const livePositionOf = ordered.map((_, i) => i);
  for (const g of groupRanges) for (let k = 1; k < g.size; k++) livePositionOf[g.start + k] = g.start;
  const byId = new Map(ordered.map((m) => [m.id, m] as const));
  const lookup = (id: string): ModuleInstance => {
    const m = byId.get(id);
    if (m === undefined) throw new Error(`render plan: unknown module '${id}'`);
    return m;
  };
  const position = new Map(ordered.map((m, i) => [m.id, i] as const));
  // Group connections by destination once (linear in the patch size, not quadratic).
  const byDestination = new Map<string, ResolvedConnection[]>();
  for (const c of connections) {
    const list = byDestination.get(c.to);
    if (list === undefined) byDestination.set(c.to, [c]);
    else list.push(c);
  }
  const from = (c: ResolvedConnection): number => position.get(c.from)!;
  const bindings = ordered.map((instance) => {
    const incoming = byDestination.get(instance.id) ?? [];
    return instance.inputs.map((_, k): PortBinding => {
      const feeds = incoming.filter((c) => c.kind === 'input' && c.toIndex === k);
      if (feeds.length === 0) return { kind: 'none' };
      const only = feeds[0]!;
      if (feeds.length === 1 && only.amount === 1) return { kind: 'direct', feed: only, scale: 1 };
      if (feeds.length === 1 && instance.definition.spec.inputs[k]!.readsScale === true) {
        // The kernel scales as it reads (see PortSpec.readsScale): no send.
        return { kind: 'direct', feed: only, scale: only.amount };
      }
      // Senders in render order (stable: connection order within one source).
      return { kind: 'mixed', feeds: feeds.map((c, n) => ({ c, n })).sort((a, b) => from(a.c) - from(b.c) || a.n - b.n).map((e) => e.c) };
    });
  });
  const readsAtEnd = new Set(deferred.map((m) => m.id));
  const mixTargets = assignPooledBuffers(ordered, connections, bindings, position, masterId, livePositionOf, readsAtEnd, scratch);

  const sendsByStep: PortSend[][] = ordered.map(() => []);
  const steps: PlanStep[] = [];
  ordered.forEach((instance, i) => {
    const incoming = byDestination.get(instance.id) ?? [];
    instance.inputs.forEach((port, k) => {
      const binding = bindings[i]![k]!;
      port.scale = 1;
      if (binding.kind === 'none') {
        port.connected = false;
        port.buffer = scratch.silence;
      } else if (binding.kind === 'direct') {
        port.connected = true;
        port.buffer = lookup(binding.feed.from).outputs[binding.feed.fromOutput]!;
        port.scale = binding.scale;
      } else {
        const target = mixTargets.get(port)!;
        port.connected = true;
        port.buffer = target;
        binding.feeds.forEach((c, n) => {
          sendsByStep[from(c)]!.push(new PortSend(lookup(c.from).outputs[c.fromOutput]!, target, c.amount, n === 0));
        });
      }
    });
    instance.definition.spec.params.forEach((_, p) => {
      const mods = incoming.filter((c) => c.kind === 'param' && c.toIndex === p);
      instance.params.bindModulation(
        p,
        mods.map((c) => lookup(c.from).outputs[c.fromOutput]!),
        mods.map((c) => c.amount),
      );
    });
  });
  ordered.forEach((instance, i) => steps.push({ instance, sends: sendsByStep[i]!.length === 0 ? NO_SENDS : sendsByStep[i]! }));
  const groups: (PlanGroup | null)[] = ordered.map(() => null);
  for (const instance of ordered) instance.params.watcher = null;
  for (const g of groupRanges) {
    const members = ordered.slice(g.start, g.start + g.size);
    const groupSends = members.flatMap((_, k) => sendsByStep[g.start + k]!);
    const group = new PlanGroup(batching!.kernelFor(members[0]!)!, g.start, members, members.map((m) => batching!.resident(m)), batching!.arena, groupSends);
    for (const m of members) m.params.watcher = group;
    groups[g.start] = group;
  }
  return {
    steps,
    instances: steps.map((step) => step.instance),
    sends: steps.map((step) => step.sends),
    groups,
    master: lookup(masterId),
    deferred,
    maxChunk: deferred.reduce((chunk, m) => Math.min(chunk, (m.kernel as LoopBreakingKernel).loopDelaySamples), Number.POSITIVE_INFINITY),
  };
}

/**
 * The connections that close a loop: audio inputs of a loop-breaking module (LoopBreakingKernel)
 * from a module at or after it in the render order (patch validation orders loops that way).
 */
function feedbackConnections(ordered: readonly ModuleInstance[], connections: readonly ResolvedConnection[]): Set<ResolvedConnection> {
  const position = new Map(ordered.map((m, i) => [m.id, i] as const));
  const breakers = new Set(ordered.filter((m) => m.kernel instanceof LoopBreakingKernel).map((m) => m.id));
  const feedback = new Set<ResolvedConnection>();
  if (breakers.size === 0) return feedback;
  for (const c of connections) {
    if (c.kind === 'input' && breakers.has(c.to) && (position.get(c.from) ?? -1) >= (position.get(c.to) ?? Infinity)) feedback.add(c);
  }
  return feedback;
}

/** Throws unless every connection but the feedback ones goes from an earlier module to a later one. */
function checkRenderOrder(ordered: readonly ModuleInstance[], connections: readonly ResolvedConnection[], feedback: ReadonlySet<ResolvedConnection>): void {
  const position = new Map(ordered.map((m, i) => [m.id, i] as const));
  for (const c of connections) {
    if (feedback.has(c)) continue;
    if (!((position.get(c.from) ?? Infinity) < (position.get(c.to) ?? -Infinity))) {
      throw new Error(`render plan: '${c.from}' must come before '${c.to}' (modules must be in render order)`);
    }
  }
}

/**
 * Gives every module output, and every mixed input's target, a buffer from a pool, reusing a
 * buffer once its last reader has run (liveness over the render order), so a patch of many
 * voices cycles through a handful of cache-resident buffers instead of one buffer per module.
 * An output read directly or as modulation lives until its last reader; an output that only
 * sends lives for its own step. A mix target lives from its first sender's step to its
 * consumer's. A step never gets a buffer freed at that step (it may still be reading it); the
 * master's outputs live to the end. Faulted modules zero their (shared) outputs every
 * sub-block instead of once. Liveness is counted in positions (`livePositionOf`: a batch
 * group's members share their first step's position, so nothing is freed or reused inside a
 * group). Returns the mix target of each mixed input port.
 * Render thread, at compile time (allocates the pool).
 */
function assignPooledBuffers(
  ordered: readonly ModuleInstance[],
  connections: readonly ResolvedConnection[],
  bindings: readonly (readonly PortBinding[])[],
  stepPosition: ReadonlyMap<string, number>,
  masterId: string,
  livePositionOf: readonly number[],
  /** Modules whose inputs are read after the last step (deferred loop breakers). */
  readsAtEnd: ReadonlySet<string>,
  scratch: RenderScratch,
): Map<object, Float32Array> {
  // Module id → its liveness position (+Infinity for a deferred loop breaker: it reads its
  // inputs after the last step).
  const livePosition = new Map([...stepPosition].map(([id, i]) => [id, readsAtEnd.has(id) ? Number.POSITIVE_INFINITY : livePositionOf[i]!] as const));
  // Last position that reads each module's outputs (its own when nothing reads them later).
  const lastUse = ordered.map((_, i) => livePositionOf[i]!);
  const sent = new Set<ResolvedConnection>();
  // Mix targets to allocate at the step of their first sender.
  const targetsAt = new Map<number, { port: object; consumer: number }[]>();
  bindings.forEach((ports, i) => {
    ports.forEach((binding, k) => {
      if (binding.kind !== 'mixed') return;
      for (const c of binding.feeds) sent.add(c);
      const first = livePosition.get(binding.feeds[0]!.from)!;
      const list = targetsAt.get(first) ?? [];
      list.push({ port: ordered[i]!.inputs[k]!, consumer: readsAtEnd.has(ordered[i]!.id) ? Number.POSITIVE_INFINITY : livePositionOf[i]! });
      targetsAt.set(first, list);
    });
  });
  for (const c of connections) {
    if (sent.has(c)) continue;
    const source = stepPosition.get(c.from)!;
    const reader = c.kind === 'input' ? livePosition.get(c.to)! : livePositionOf[stepPosition.get(c.to)!]!;
    if (reader > lastUse[source]!) lastUse[source] = reader;
  }
  const masterIndex = stepPosition.get(masterId);
  if (masterIndex !== undefined) lastUse[masterIndex] = Number.POSITIVE_INFINITY;
  const free: Float32Array[] = [];
  const releaseAt = new Map<number, Float32Array[]>();
  const release = (step: number, buffer: Float32Array): void => {
    const list = releaseAt.get(step);
    if (list === undefined) releaseAt.set(step, [buffer]);
    else list.push(buffer);
  };
  const targets = new Map<object, Float32Array>();
  ordered.forEach((instance, i) => {
    for (let o = 0; o < instance.outputs.length; o++) {
      const buffer = free.pop() ?? scratch.memory.f32(scratch.maxBlock);
      instance.outputs[o] = buffer;
      if (Number.isFinite(lastUse[i]!)) release(lastUse[i]!, buffer);
    }
    // Mix targets first sent into at this position (allocated at its first step).
    if (livePositionOf[i] === i) {
      for (const { port, consumer } of targetsAt.get(i) ?? []) {
        const buffer = free.pop() ?? scratch.memory.f32(scratch.maxBlock);
        targets.set(port, buffer);
        if (Number.isFinite(consumer)) release(consumer, buffer);
      }
    }
    // Buffers whose last reader is at this position become free only after its last step.
    if (i + 1 < ordered.length && livePositionOf[i + 1] === livePositionOf[i]) return;
    const released = releaseAt.get(livePositionOf[i]!);
    if (released !== undefined) free.push(...released);
  });
  return targets;
}

/**
 * Performs one send over [start, end): target = a·x (first sender) or target += a·x, each
 * sample stored as float32. No allocation.
 */
export function performSend(send: PortSend, start: number, end: number): void {
  const target = send.target;
  const source = send.source;
  const a = send.amount;
  if (send.first) {
    for (let i = start; i < end; i++) target[i] = a * source[i]!;
  } else {
    for (let i = start; i < end; i++) target[i] = target[i]! + a * source[i]!;
  }
}
