// Compiles a resolved patch over live instances into a flat render plan: the instances in
// topological order, and for each input that sums or scales its sources, the mix to perform.
// Inputs with exactly one source at unity gain read the source's output buffer directly, as do
// inputs with one scaled source whose kernel applies the scale itself (PortSpec.readsScale).
//
// Threading: render thread, at patch-apply time only (allocates).

import type { ResolvedConnection } from '../patch/document.js';
import type { ModuleInstance } from './instance.js';

export interface PortMix {
  readonly target: Float32Array;
  readonly sources: readonly Float32Array[];
  readonly amounts: Float64Array;
}

export interface PlanStep {
  readonly instance: ModuleInstance;
  /** Input sums to compute before the kernel runs. */
  readonly mixes: readonly PortMix[];
}

export interface RenderPlan {
  readonly steps: readonly PlanStep[];
  /**
   * steps[s].instance and steps[s].mixes as flat arrays (what the render loop reads every
   * block: one sequential array instead of one step object per module; steps without mixes
   * share one empty array).
   */
  readonly instances: readonly ModuleInstance[];
  readonly mixes: readonly (readonly PortMix[])[];
  readonly master: ModuleInstance;
}

const NO_MIXES: readonly PortMix[] = Object.freeze([]);

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
  assignPooledOutputs(ordered, connections, position, masterId);
  const steps: PlanStep[] = [];
  for (const instance of ordered) {
    const incoming = byDestination.get(instance.id) ?? [];
    const mixes: PortMix[] = [];
    instance.inputs.forEach((port, k) => {
      const feeds = incoming.filter((c) => c.kind === 'input' && c.toIndex === k);
      const sources = feeds.map((c) => lookup(c.from).outputs[c.fromOutput]!);
      port.scale = 1;
      if (feeds.length === 0) {
        port.connected = false;
        port.buffer = silence;
      } else if (feeds.length === 1 && feeds[0]!.amount === 1) {
        port.connected = true;
        port.buffer = sources[0]!;
      } else if (feeds.length === 1 && instance.definition.spec.inputs[k]!.readsScale === true) {
        // The kernel scales as it reads (see PortSpec.readsScale): no mix pass.
        port.connected = true;
        port.buffer = sources[0]!;
        port.scale = feeds[0]!.amount;
      } else {
        port.connected = true;
        port.buffer = instance.mixBuffers[k]!;
        mixes.push({ target: port.buffer, sources, amounts: Float64Array.from(feeds.map((c) => c.amount)) });
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
    steps.push({ instance, mixes });
  }
  return {
    steps,
    instances: steps.map((step) => step.instance),
    mixes: steps.map((step) => (step.mixes.length === 0 ? NO_MIXES : step.mixes)),
    master: lookup(masterId),
  };
}

/**
 * Gives every module output a buffer from a pool, reusing a buffer once every consumer of the
 * output it held has run (liveness over the render order), so a patch of many voices cycles
 * through a handful of cache-resident buffers instead of one buffer per module. A module never
 * gets a buffer freed at its own step (it may still be reading it as an input); the master's
 * outputs live to the end. Faulted modules zero their (shared) outputs every sub-block instead
 * of once. Render thread, at compile time (allocates the pool).
 */
function assignPooledOutputs(
  ordered: readonly ModuleInstance[],
  connections: readonly ResolvedConnection[],
  position: ReadonlyMap<string, number>,
  masterId: string,
): void {
  // Last step that reads each module's outputs (its own step when nothing reads them).
  const lastUse = ordered.map((_, i) => i);
  for (const c of connections) {
    const from = position.get(c.from)!;
    const to = position.get(c.to)!;
    if (to > lastUse[from]!) lastUse[from] = to;
  }
  const masterIndex = position.get(masterId);
  if (masterIndex !== undefined) lastUse[masterIndex] = Number.POSITIVE_INFINITY;
  const free: Float32Array[] = [];
  const releaseAt = new Map<number, Float32Array[]>();
  ordered.forEach((instance, i) => {
    const mine: Float32Array[] = [];
    for (let o = 0; o < instance.outputs.length; o++) {
      const buffer = free.pop() ?? new Float32Array(instance.maxBlock);
      instance.outputs[o] = buffer;
      mine.push(buffer);
    }
    const until = lastUse[i]!;
    if (Number.isFinite(until)) {
      const list = releaseAt.get(until);
      if (list === undefined) releaseAt.set(until, mine);
      else list.push(...mine);
    }
    // Buffers whose last reader is this step become free only after it.
    const released = releaseAt.get(i);
    if (released !== undefined) free.push(...released);
  });
}

/**
 * Sums a port's sources into its private buffer over [start, end). No allocation.
 * Up to four sources per pass over the buffer, the running sum kept in a register and rounded
 * to float32 (Math.fround) after each source exactly where a store to the buffer would round
 * it: the same bits as one pass per source (target = a0·s0; target += a·s per further source),
 * with a quarter of the buffer loads and stores (a patch of N voices summed into `out` is one
 * port with N sources).
 */
export function mixPort(mix: PortMix, start: number, end: number): void {
  const target = mix.target;
  const sources = mix.sources;
  const amounts = mix.amounts;
  const n = sources.length;
  const fround = Math.fround;
  for (let s = 0; s < n; s += 4) {
    // `first`: the pass that starts the sum (target = a0·s0, not target + a0·s0, so a
    // product of −0 stays −0 as before).
    const first = s === 0;
    const x0 = sources[s]!;
    const a0 = amounts[s]!;
    const left = n - s;
    if (left >= 4) {
      const x1 = sources[s + 1]!;
      const x2 = sources[s + 2]!;
      const x3 = sources[s + 3]!;
      const a1 = amounts[s + 1]!;
      const a2 = amounts[s + 2]!;
      const a3 = amounts[s + 3]!;
      for (let i = start; i < end; i++) {
        let t = first ? a0 * x0[i]! : fround(target[i]! + a0 * x0[i]!);
        t = fround(fround(t) + a1 * x1[i]!);
        t = fround(t + a2 * x2[i]!);
        target[i] = t + a3 * x3[i]!;
      }
    } else if (left === 3) {
      const x1 = sources[s + 1]!;
      const x2 = sources[s + 2]!;
      const a1 = amounts[s + 1]!;
      const a2 = amounts[s + 2]!;
      for (let i = start; i < end; i++) {
        let t = first ? a0 * x0[i]! : fround(target[i]! + a0 * x0[i]!);
        t = fround(fround(t) + a1 * x1[i]!);
        target[i] = t + a2 * x2[i]!;
      }
    } else if (left === 2) {
      const x1 = sources[s + 1]!;
      const a1 = amounts[s + 1]!;
      for (let i = start; i < end; i++) {
        const t = first ? a0 * x0[i]! : fround(target[i]! + a0 * x0[i]!);
        target[i] = fround(t) + a1 * x1[i]!;
      }
    } else if (first) {
      for (let i = start; i < end; i++) target[i] = a0 * x0[i]!;
    } else {
      for (let i = start; i < end; i++) target[i] = target[i]! + a0 * x0[i]!;
    }
  }
}
