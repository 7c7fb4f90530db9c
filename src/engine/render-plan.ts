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
// Threading: render thread, at patch-apply time only (allocates).

import type { ResolvedConnection } from '../patch/document.js';
import type { ModuleInstance } from './instance.js';

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
  readonly master: ModuleInstance;
}

const NO_SENDS: readonly PortSend[] = Object.freeze([]);

/** How one input reads its sources. */
type PortBinding =
  | { readonly kind: 'none' }
  | { readonly kind: 'direct'; readonly feed: ResolvedConnection; readonly scale: number }
  | { readonly kind: 'mixed'; readonly feeds: readonly ResolvedConnection[] };

/**
 * Binds inputs and modulation of `ordered` (render order) according to `connections`.
 * `silence` is the shared all-zero buffer for unconnected inputs.
 */
export function compileRenderPlan(
  ordered: readonly ModuleInstance[],
  connections: readonly ResolvedConnection[],
  masterId: string,
  silence: Float32Array,
): RenderPlan {
  const byId = new Map(ordered.map((m) => [m.id, m] as const));
  const lookup = (id: string): ModuleInstance => {
    const m = byId.get(id);
    if (m === undefined) throw new Error(`render plan: unknown module '${id}'`);
    return m;
  };
  const position = new Map(ordered.map((m, i) => [m.id, i] as const));
  for (const c of connections) {
    if (!((position.get(c.from) ?? Infinity) < (position.get(c.to) ?? -Infinity))) {
      throw new Error(`render plan: '${c.from}' must come before '${c.to}' (modules must be in render order)`);
    }
  }
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
  const mixTargets = assignPooledBuffers(ordered, connections, bindings, position, masterId);

  const sendsByStep: PortSend[][] = ordered.map(() => []);
  const steps: PlanStep[] = [];
  ordered.forEach((instance, i) => {
    const incoming = byDestination.get(instance.id) ?? [];
    instance.inputs.forEach((port, k) => {
      const binding = bindings[i]![k]!;
      port.scale = 1;
      if (binding.kind === 'none') {
        port.connected = false;
        port.buffer = silence;
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
  return {
    steps,
    instances: steps.map((step) => step.instance),
    sends: steps.map((step) => step.sends),
    master: lookup(masterId),
  };
}

/**
 * Gives every module output, and every mixed input's target, a buffer from a pool, reusing a
 * buffer once its last reader has run (liveness over the render order), so a patch of many
 * voices cycles through a handful of cache-resident buffers instead of one buffer per module.
 * An output read directly or as modulation lives until its last reader; an output that only
 * sends lives for its own step. A mix target lives from its first sender's step to its
 * consumer's. A step never gets a buffer freed at that step (it may still be reading it); the
 * master's outputs live to the end. Faulted modules zero their (shared) outputs every
 * sub-block instead of once. Returns the mix target of each mixed input port.
 * Render thread, at compile time (allocates the pool).
 */
function assignPooledBuffers(
  ordered: readonly ModuleInstance[],
  connections: readonly ResolvedConnection[],
  bindings: readonly (readonly PortBinding[])[],
  position: ReadonlyMap<string, number>,
  masterId: string,
): Map<object, Float32Array> {
  // Last step that reads each module's outputs (its own step when nothing reads them later).
  const lastUse = ordered.map((_, i) => i);
  const sent = new Set<ResolvedConnection>();
  // Mix targets to allocate at the step of their first sender.
  const targetsAt = new Map<number, { port: object; consumer: number }[]>();
  bindings.forEach((ports, i) => {
    ports.forEach((binding, k) => {
      if (binding.kind !== 'mixed') return;
      for (const c of binding.feeds) sent.add(c);
      const first = position.get(binding.feeds[0]!.from)!;
      const list = targetsAt.get(first) ?? [];
      list.push({ port: ordered[i]!.inputs[k]!, consumer: i });
      targetsAt.set(first, list);
    });
  });
  for (const c of connections) {
    if (sent.has(c)) continue;
    const source = position.get(c.from)!;
    const reader = position.get(c.to)!;
    if (reader > lastUse[source]!) lastUse[source] = reader;
  }
  const masterIndex = position.get(masterId);
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
      const buffer = free.pop() ?? new Float32Array(instance.maxBlock);
      instance.outputs[o] = buffer;
      if (Number.isFinite(lastUse[i]!)) release(lastUse[i]!, buffer);
    }
    for (const { port, consumer } of targetsAt.get(i) ?? []) {
      const buffer = free.pop() ?? new Float32Array(instance.maxBlock);
      targets.set(port, buffer);
      release(consumer, buffer);
    }
    // Buffers whose last reader is this step become free only after it.
    const released = releaseAt.get(i);
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
