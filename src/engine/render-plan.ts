// Compiles a resolved patch over live instances into a flat render plan: the instances in
// topological order, and for each input that sums or scales its sources, the mix to perform.
// Inputs with exactly one source at unity gain read the source's output buffer directly.
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
  readonly master: ModuleInstance;
}

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
  const steps: PlanStep[] = [];
  for (const instance of ordered) {
    const incoming = byDestination.get(instance.id) ?? [];
    const mixes: PortMix[] = [];
    instance.inputs.forEach((port, k) => {
      const feeds = incoming.filter((c) => c.kind === 'input' && c.toIndex === k);
      const sources = feeds.map((c) => lookup(c.from).outputs[c.fromOutput]!);
      if (feeds.length === 0) {
        port.connected = false;
        port.buffer = silence;
      } else if (feeds.length === 1 && feeds[0]!.amount === 1) {
        port.connected = true;
        port.buffer = sources[0]!;
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
  return { steps, master: lookup(masterId) };
}

/** Sums a port's sources into its private buffer over [start, end). No allocation. */
export function mixPort(mix: PortMix, start: number, end: number): void {
  const target = mix.target;
  const sources = mix.sources;
  const amounts = mix.amounts;
  const first = sources[0]!;
  const a0 = amounts[0]!;
  for (let i = start; i < end; i++) target[i] = a0 * first[i]!;
  for (let s = 1; s < sources.length; s++) {
    const source = sources[s]!;
    const a = amounts[s]!;
    for (let i = start; i < end; i++) target[i] += a * source[i]!;
  }
}
