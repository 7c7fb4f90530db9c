// Crossfades between the old and the new graph when a commit changes the topology (modules
// added, removed or retyped, connections changed). The old graph keeps running as it is (its
// render plan and instances, untouched) and fades out over the window; the new graph runs on
// *copies* of the instances it keeps (state copied at the commit frame, so they continue
// exactly where the originals were) plus its new instances, and fades in. Because the new
// graph holds no live instance, its instances and plan can be built ahead of the commit frame
// (PatchPreparation); the old graph costs nothing at the commit. A commit that only changes
// params does not crossfade: its params ramp instead.
//
// Threading: render thread. `cloneInstance`, `copyInstanceState` and `startCrossfade` run at
// commit time (the first allocates); `mixCrossfade` does not allocate.

import type { ResolvedConnection, ResolvedPatch } from '../patch/document.js';
import { ModuleInstance } from './instance.js';
import type { RenderPlan } from './render-plan.js';
import type { RenderScratch } from './render-scratch.js';

export interface Crossfade {
  readonly plan: RenderPlan;
  readonly total: number;
  /** Samples of the window already played; in a Float64Array so updates never box. */
  readonly position: Float64Array;
}

/** True when the two patches differ in anything but param values. */
export function topologyChanged(before: ResolvedPatch, after: ResolvedPatch): boolean {
  if (before.modules.length !== after.modules.length || before.connections.length !== after.connections.length) return true;
  const modules = (p: ResolvedPatch): string => p.modules.map((m) => `${m.id}:${m.type}`).sort().join(',');
  const connection = (c: ResolvedConnection): string => `${c.from}.${c.fromOutput}>${c.to}.${c.kind}${c.toIndex}*${c.amount}`;
  const connections = (p: ResolvedPatch): string => p.connections.map(connection).sort().join(',');
  return modules(before) !== modules(after) || connections(before) !== connections(after);
}

/** Copies an instance: same spec, params and DSP state; own buffers. */
export function cloneInstance(source: ModuleInstance, sampleRate: number, seed: number, scratch: RenderScratch): ModuleInstance {
  return copyInstanceState(blankInstance(source, sampleRate, seed, scratch), source);
}

/** A never-rendered instance of `source`'s id and definition, ready for copyInstanceState. Allocates. */
export function blankInstance(source: ModuleInstance, sampleRate: number, seed: number, scratch: RenderScratch): ModuleInstance {
  return new ModuleInstance(
    source.id, source.type, source.handle, source.definition,
    source.definition.spec.params.map((_, p) => source.params.current(p)),
    sampleRate, seed, scratch,
  );
}

/**
 * Makes `copy` (an instance of the same id and definition that has never rendered, e.g. one
 * built ahead by PatchPreparation) what cloneInstance would have built from `source` now:
 * handle, param signals, ramps, DSP state and fault. Allocates only stateArrays' list.
 */
export function copyInstanceState(copy: ModuleInstance, source: ModuleInstance): ModuleInstance {
  copy.handle = source.handle;
  const signals = copy.params.signals;
  for (let p = 0; p < signals.length; p++) signals[p]!.value = source.params.current(p);
  copy.params.ramp.set(source.params.ramp);
  copy.params.invalidate();
  const from = source.kernel.stateArrays();
  copy.kernel.stateArrays().forEach((a, k) => a.set(from[k]!));
  copy.fault = source.fault;
  return copy;
}

/** Starts fading out `plan` (the old graph, left as it is) over `frames` frames. Allocates one array. */
export function startCrossfade(plan: RenderPlan, frames: number): Crossfade {
  return { plan, total: frames, position: new Float64Array(1) };
}

/**
 * Mixes the old graph's master output into left/right over [start, end): new·g + old·(1 − g)
 * with g rising linearly over the window (both graphs are correlated where modules are kept,
 * so a linear, amplitude-preserving fade is right). Returns true while the fade goes on.
 */
export function mixCrossfade(fade: Crossfade, left: Float32Array, right: Float32Array, start: number, end: number): boolean {
  const oldLeft = fade.plan.master.outputs[0]!;
  const oldRight = fade.plan.master.outputs[1]!;
  const total = fade.total;
  let pos = fade.position[0]!;
  for (let i = start; i < end; i++) {
    const g = pos < total ? (pos + 1) / total : 1;
    left[i] = left[i]! * g + oldLeft[i]! * (1 - g);
    right[i] = right[i]! * g + oldRight[i]! * (1 - g);
    pos++;
  }
  fade.position[0] = pos;
  return pos < total;
}
