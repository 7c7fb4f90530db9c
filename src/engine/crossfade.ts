// Crossfades between the old and the new graph when a commit changes the topology (modules
// added, removed or retyped, connections changed). The old graph keeps running on *clones* of
// the instances the new graph keeps (state copied at the commit frame), so those continue in
// the new graph with their real state while the old graph fades out over the window; instances
// the new graph drops join the fading graph themselves (the caller decides, see startCrossfade).
// A commit that only changes params does not crossfade: its params ramp instead.
//
// Threading: render thread. `startCrossfade` allocates (commit time); `mixCrossfade` does not.

import type { ResolvedConnection, ResolvedPatch } from '../patch/document.js';
import { MASTER_ID } from '../patch/document.js';
import { ModuleInstance } from './instance.js';
import { compileRenderPlan, type RenderPlan } from './render-plan.js';
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
  const copy = new ModuleInstance(
    source.id, source.type, source.handle, source.definition,
    source.definition.spec.params.map((_, p) => source.params.current(p)),
    sampleRate, seed, scratch,
  );
  copy.params.ramp.set(source.params.ramp);
  copy.params.invalidate();
  const from = source.kernel.stateArrays();
  copy.kernel.stateArrays().forEach((a, k) => a.set(from[k]!));
  copy.fault = source.fault;
  return copy;
}

/** Builds the fading-out graph: `clone` gives each current instance's stand-in (a copy, or itself when dropped). */
export function startCrossfade(
  current: readonly ModuleInstance[],
  patch: ResolvedPatch,
  frames: number,
  clone: (m: ModuleInstance) => ModuleInstance,
  silence: Float32Array,
): Crossfade {
  const copies = current.map(clone);
  return { plan: compileRenderPlan(copies, patch.connections, MASTER_ID, silence), total: frames, position: new Float64Array(1) };
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
