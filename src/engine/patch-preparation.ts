// The allocating half of a patch application, done ahead of the apply frame (see
// Engine.preparePatch / Engine.applyPatch): fresh instances for the modules the live graph does
// not have with the same id and type and, when the commit will crossfade, blank instances to
// receive copies of the instances the new graph keeps (crossfade.ts: the new graph runs on
// copies, the old one fades out untouched) and then the new graph's render plan over them
// (which binds only these instances, none of the live graph). Applying then only copies state
// into the blanks and swaps plans. Everything here is derived state: never part of a snapshot
// or journal.
//
// What is prepared is a guess made against the live set at preparation time; the apply takes
// an instance only where it still fits (same id, type and definition) and the plan only if it
// took every instance from here; it constructs and compiles anything else as if nothing had
// been prepared. Construction is deterministic (id, type, params, seed), so the output is
// bit-identical either way.
//
// Threading: the render thread that owns the engine, between blocks. Everything allocates.

import { performance } from 'node:perf_hooks';
import type { ResolvedModule, ResolvedPatch } from '../patch/document.js';
import { MASTER_ID } from '../patch/document.js';
import { blankInstance } from './crossfade.js';
import { ModuleInstance, instanceSeed } from './instance.js';
import { compileRenderPlan, type BatchBinding, type RenderPlan } from './render-plan.js';
import type { RenderScratch } from './render-scratch.js';

/** What an instance needs from the engine that builds it. */
export interface InstanceFactory {
  readonly sampleRate: number;
  readonly seed: number;
  readonly scratch: RenderScratch;
  /** How plans batch (undefined: no batching). */
  readonly batching: BatchBinding | undefined;
}

/** A fresh instance of module `m` (what applyPatch builds for a module the live graph lacks). Allocates. */
export function freshInstance(m: ResolvedModule, handle: number, f: InstanceFactory): ModuleInstance {
  return new ModuleInstance(m.id, m.type, handle, m.definition, m.params, f.sampleRate, instanceSeed(f.seed, m.id), f.scratch);
}

export class PatchPreparation {
  /** Module id → type in the new patch (the crossfade's "kept" test). */
  readonly nextTypes: ReadonlyMap<string, string>;
  private readonly fresh = new Map<string, ModuleInstance>();
  private readonly blanks = new Map<string, ModuleInstance>();
  /** Work still to do, in order: modules to construct fresh, then live instances to shadow. */
  private readonly todoFresh: ResolvedModule[];
  private readonly todoBlanks: ModuleInstance[];
  private cursorFresh = 0;
  private cursorBlanks = 0;
  /** Whether the new graph's plan is compiled here (every instance it needs is built here). */
  private readonly compiles: boolean;
  private compiled: RenderPlan | undefined;

  /**
   * `live`: the live instances now; `topologyChanged`: whether applying to the live patch now
   * would crossfade (then the kept instances get blanks), computed against `against`.
   */
  constructor(
    readonly patch: ResolvedPatch,
    private readonly factory: InstanceFactory,
    live: ReadonlyMap<string, ModuleInstance>,
    readonly against: ResolvedPatch | undefined,
    readonly topologyChanged: boolean,
    crossfade: boolean,
  ) {
    this.nextTypes = new Map(patch.modules.map((m) => [m.id, m.type] as const));
    this.todoFresh = patch.modules.filter((m) => live.get(m.id)?.type !== m.type);
    const fading = crossfade && topologyChanged;
    this.todoBlanks = fading ? [...live.values()].filter((m) => this.nextTypes.get(m.id) === m.type) : [];
    this.compiles = fading;
  }

  /** True once every instance is built (and the plan compiled, when it is compiled here). */
  get done(): boolean {
    return this.instancesDone && (!this.compiles || this.compiled !== undefined);
  }

  private get instancesDone(): boolean {
    return this.cursorFresh >= this.todoFresh.length && this.cursorBlanks >= this.todoBlanks.length;
  }

  /** Work units this preparation does in all: instances, plus one for the plan. */
  get size(): number {
    return this.todoFresh.length + this.todoBlanks.length + (this.compiles ? 1 : 0);
  }

  /**
   * The new graph's plan compiled over this preparation's instances in patch order, if done;
   * valid for an apply that took every one of its instances from here.
   */
  get plan(): RenderPlan | undefined {
    return this.compiled;
  }

  /** Does work until done or `budgetMs` has passed (at least one unit). Returns `done`. */
  advance(budgetMs = Number.POSITIVE_INFINITY): boolean {
    const until = performance.now() + budgetMs;
    const f = this.factory;
    while (!this.done) {
      if (this.cursorFresh < this.todoFresh.length) {
        const m = this.todoFresh[this.cursorFresh++]!;
        // Handle 0: the apply sets the handle it assigns at that moment.
        this.fresh.set(m.id, freshInstance(m, 0, f));
      } else if (this.cursorBlanks < this.todoBlanks.length) {
        const m = this.todoBlanks[this.cursorBlanks++]!;
        this.blanks.set(m.id, blankInstance(m, f.sampleRate, instanceSeed(f.seed, m.id), f.scratch));
      } else {
        // Patch order, like applyPatch builds it: a blank where the module is kept, else fresh.
        const ordered = this.patch.modules.map((m) => this.blanks.get(m.id) ?? this.fresh.get(m.id)!);
        this.compiled = compileRenderPlan(ordered, this.patch.connections, MASTER_ID, f.scratch, f.batching);
      }
      if (performance.now() >= until) break;
    }
    return this.done;
  }

  /** The prepared fresh instance for `m`, once (undefined if none fits). */
  takeFresh(m: ResolvedModule): ModuleInstance | undefined {
    const instance = this.fresh.get(m.id);
    if (instance === undefined || instance.type !== m.type || instance.definition !== m.definition) return undefined;
    this.fresh.delete(m.id);
    return instance;
  }

  /** The prepared blank to receive a copy of `source`, once (undefined if none fits). */
  takeBlank(source: ModuleInstance): ModuleInstance | undefined {
    const blank = this.blanks.get(source.id);
    if (blank === undefined || blank.type !== source.type || blank.definition !== source.definition) return undefined;
    this.blanks.delete(source.id);
    return blank;
  }
}
