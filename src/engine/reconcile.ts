// Reconciling a new patch with the live instances: which instances the new graph keeps (same
// id and type: DSP state carries over, params ramp to their new values), which it builds
// fresh, and the render plan over them; with a changed topology and a crossfade, the new graph
// runs on copies of the kept instances while the old graph fades out untouched (crossfade.ts).
// Owns the live set (instances by id and by handle) and hands out handles.
//
// Threading: the render thread that owns the engine, between blocks. Everything allocates.

import type { SampleBuffer } from '../dsp/sample-buffer.js';
import type { ResolvedModule, ResolvedPatch } from '../patch/document.js';
import { MASTER_ID } from '../patch/document.js';
import { cloneInstance, copyInstanceState, topologyChanged } from './crossfade.js';
import { instanceSeed, type ModuleInstance } from './instance.js';
import { PatchPreparation, freshInstance, type InstanceFactory } from './patch-preparation.js';
import { compileRenderPlan, type RenderPlan } from './render-plan.js';
import { restoreInstance, type InstanceSnapshot } from './snapshot.js';

/** What Reconciler.apply made live. */
export interface Reconciled {
  readonly plan: RenderPlan;
  /** True when the previous plan is to fade out (a changed topology with a crossfade). */
  readonly fading: boolean;
}

export class Reconciler {
  /** Live instances by module id. */
  readonly byId = new Map<string, ModuleInstance>();
  /** Live instances by handle (what events and the fault log name modules by). */
  readonly byHandle = new Map<number, ModuleInstance>();
  private livePatch: ResolvedPatch | undefined;
  private handleCounter = 1;

  /**
   * `factory`: what new instances are built from (here and in PatchPreparation). `buffers`: the
   * engine's sample buffers by name, bound to the kernels of modules with buffer params at apply.
   */
  constructor(private readonly factory: InstanceFactory, private readonly buffers: ReadonlyMap<string, SampleBuffer>) {}

  /** The handle the next module without an assigned one gets (part of a snapshot). */
  get nextHandle(): number {
    return this.handleCounter;
  }

  /** See Engine.preparePatch. */
  prepare(patch: ResolvedPatch, crossfadeFrames: number): PatchPreparation {
    const previous = this.livePatch;
    const changed = previous !== undefined && crossfadeFrames > 0 && topologyChanged(previous, patch);
    return new PatchPreparation(patch, this.factory, this.byId, previous, changed, crossfadeFrames > 0);
  }

  /**
   * Makes `patch` the live set and compiles its plan (see Engine.applyPatch for the contract);
   * `current` is the plan rendering now (undefined before the first patch). The caller starts
   * the crossfade from `current` when the result says `fading`.
   */
  apply(patch: ResolvedPatch, current: RenderPlan | undefined, handles: ReadonlyMap<string, number> | undefined, crossfadeFrames: number, prepared: PatchPreparation | undefined): Reconciled {
    const factory = this.factory;
    const ready = prepared !== undefined && prepared.patch === patch ? prepared : undefined;
    const previous = this.livePatch;
    // With a crossfade the old graph fades out as it is (its plan and instances untouched), and
    // the new graph runs on copies of the instances it keeps (crossfade.ts); the ones it drops
    // stay in the old graph only, so removing a thousand voices copies nothing.
    const fading = previous !== undefined && current !== undefined && crossfadeFrames > 0 &&
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
          kept = blank !== undefined ? copyInstanceState(blank, existing) : cloneInstance(existing, factory.sampleRate, instanceSeed(factory.seed, m.id), factory.scratch);
        } else {
          allPrepared = false;
        }
        m.params.forEach((value, p) => {
          if (kept.params.target(p) !== value) kept.params.setTarget(p, value);
        });
        bindBuffers(kept, m, this.buffers);
        ordered.push(kept);
      } else {
        const assigned = handles?.get(m.id);
        const handle = assigned ?? this.handleCounter;
        this.handleCounter = Math.max(this.handleCounter, handle) + 1;
        const built = ready?.takeFresh(m);
        if (built !== undefined) built.handle = handle;
        else allPrepared = false;
        const instance = built ?? freshInstance(m, handle, factory);
        bindBuffers(instance, m, this.buffers);
        ordered.push(instance);
      }
    }
    this.byId.clear();
    this.byHandle.clear();
    for (const instance of ordered) {
      this.byId.set(instance.id, instance);
      this.byHandle.set(instance.handle, instance);
    }
    const precompiled = allPrepared && fading ? ready?.plan : undefined;
    const plan = precompiled ?? compileRenderPlan(ordered, patch.connections, MASTER_ID, factory.scratch, factory.batching);
    this.livePatch = patch;
    return { plan, fading };
  }

  /**
   * Restores the live instances' handles, faults, ramps and DSP state from a snapshot of an
   * engine with the same patch applied (`live`: the instances in render order). Throws when
   * the module sets differ.
   */
  restore(live: readonly ModuleInstance[], saved: readonly InstanceSnapshot[], nextHandle: number): void {
    if (live.length !== saved.length) throw new Error('snapshot does not match the live patch');
    this.byHandle.clear();
    for (const s of saved) {
      const instance = this.byId.get(s.id);
      if (instance === undefined || instance.type !== s.type) {
        throw new Error(`snapshot module '${s.id}' (${s.type}) not in the live patch`);
      }
      restoreInstance(instance, s);
      this.byHandle.set(instance.handle, instance);
    }
    this.handleCounter = nextHandle;
  }
}

/** Hands a module with buffer params the buffers its patch entry names (undefined: not held). */
function bindBuffers(instance: ModuleInstance, m: ResolvedModule, buffers: ReadonlyMap<string, SampleBuffer>): void {
  const params = m.definition.spec.bufferParams;
  if (params === undefined) return;
  for (let k = 0; k < params.length; k++) instance.kernel.bindBuffer(k, buffers.get(m.buffers?.[k] ?? ''));
}
