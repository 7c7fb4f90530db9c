// An Engine plus what a slot does around it: the live patch document and its handles, and
// patches scheduled for a block boundary. Slot workers render with it, and so do journal
// replay (state restore after a crash, offline re-render of a journal) and the offline
// renderer (scores); all three apply engine commands to it with applyCommand
// (engine-command.ts), so they produce bit-identical blocks.
//
// Threading: one owner thread. `renderBlock` does not allocate (apart from the patch
// application it performs when one is due); `schedulePatch`, `prepare`,
// `snapshot` and `fromSnapshot` allocate and run between blocks. A scheduled patch may be
// prepared ahead (`prepare`: resolve, build instances) to make its application cheap; the
// output is bit-identical whether or not it was, and preparation never enters a snapshot.

import type { ModuleRegistry } from '../dsp/registry.js';
import { performance } from 'node:perf_hooks';
import { Engine } from '../engine/engine.js';
import type { PatchPreparation } from '../engine/patch-preparation.js';
import type { EngineSnapshot } from '../engine/snapshot.js';
import type { PatchDocument, ResolvedPatch } from '../patch/document.js';
import { resolveValidatedPatch } from '../patch/validate.js';
import type { BufferMeta, BufferOp, BufferSource } from './sample-buffers.js';

export interface HostSettings {
  readonly sampleRate: number;
  readonly blockSize: number;
  readonly seed: number;
  /** Time every module on one block in this many (0: off); see Engine.moduleCosts. */
  readonly profileEvery?: number;
  /** Capacity of the engine's event queue (default: the engine's). */
  readonly eventCapacity?: number;
  /** SIMD batch kernels (default: the engine's, on). */
  readonly batch?: boolean;
}

/** A patch as it travels between threads and into the journal: plain data. */
export interface PatchPayload {
  readonly doc: PatchDocument;
  readonly handles: ReadonlyArray<readonly [string, number]>;
  /** Crossfade length in frames where the topology changed (0: none). */
  readonly crossfadeFrames: number;
}

/** Everything a fresh host needs to continue exactly where another one was (plain data). */
export interface HostSnapshot {
  readonly live: PatchPayload;
  readonly engine: EngineSnapshot;
  /** Patches decided but not yet applied, in frame order. */
  readonly pending: ReadonlyArray<PatchPayload & { readonly frame: number }>;
  /** Sample buffers the engine holds, by name (their data comes from the host's BufferSource). */
  readonly buffers?: readonly BufferMeta[];
  /** Buffer commands decided but not yet applied, in frame order. */
  readonly pendingBuffers?: ReadonlyArray<{ readonly frame: number; readonly op: BufferOp }>;
}

/** No sample data anywhere (offline renders, warm-up): buffers bind as silence. */
const NO_BUFFERS: BufferSource = { get: () => undefined };

interface Scheduled {
  readonly payload: PatchPayload;
  readonly frame: number;
  /** Command sequence number (undefined when scheduled from a snapshot or a journal). */
  readonly seq: number | undefined;
  /** Resolved when first needed: by `prepare`, else at the apply frame. */
  patch: ResolvedPatch | undefined;
  handles: ReadonlyMap<string, number> | undefined;
  /** Built ahead by `prepare` (derived state: never snapshotted); prepared once it is done. */
  preparation: PatchPreparation | undefined;
}

export class EngineHost {
  readonly engine: Engine;
  private live: PatchPayload;
  private readonly scheduled: Scheduled[] = [];
  /** Patches applied later than their frame (never, by construction; counted if it happens). */
  latePatches = 0;
  /** Buffer commands waiting for their frame (applied at the first block boundary at or after it). */
  private readonly scheduledBuffers: Array<{ readonly frame: number; readonly op: BufferOp }> = [];
  /** The buffers the engine holds, by name. */
  private readonly bufferMetas = new Map<string, BufferMeta>();
  /** Buffer ids whose data the source did not have (a missing file after a restart): they play as silence. */
  readonly missingBuffers: BufferMeta[] = [];

  private constructor(
    readonly settings: HostSettings, private readonly registry: ModuleRegistry, live: PatchPayload,
    private readonly bufferSource: BufferSource = NO_BUFFERS, buffers: readonly BufferMeta[] = [],
  ) {
    this.engine = new Engine({
      sampleRate: settings.sampleRate, maxBlock: settings.blockSize, seed: settings.seed, profileEvery: settings.profileEvery ?? 0,
      ...(settings.eventCapacity === undefined ? {} : { eventCapacity: settings.eventCapacity }),
      ...(settings.batch === undefined ? {} : { batch: settings.batch }),
    });
    this.live = live;
    for (const meta of buffers) this.applyBuffer({ op: 'load', meta });
    this.engine.applyPatch(this.resolve(live.doc), new Map(live.handles));
  }

  /** A host at frame 0 playing `live`; `buffers`: where sample data is found by id. */
  static fresh(settings: HostSettings, registry: ModuleRegistry, live: PatchPayload, buffers?: BufferSource): EngineHost {
    return new EngineHost(settings, registry, live, buffers);
  }

  /** A host continuing bit-identically from `snapshot` (taken by `snapshot()` anywhere). */
  static fromSnapshot(settings: HostSettings, registry: ModuleRegistry, snapshot: HostSnapshot, buffers?: BufferSource): EngineHost {
    if (snapshot.engine.seed !== settings.seed >>> 0) throw new Error(`snapshot seed ${snapshot.engine.seed} differs from ${settings.seed}`);
    const host = new EngineHost(settings, registry, snapshot.live, buffers, snapshot.buffers ?? []);
    host.engine.restore(snapshot.engine);
    for (const b of snapshot.pendingBuffers ?? []) host.scheduleBuffer(b.frame, b.op);
    for (const p of snapshot.pending) host.schedulePatch(p.frame, p);
    return host;
  }

  /** The sample buffers the engine holds now (plain data). */
  get buffers(): BufferMeta[] {
    return [...this.bufferMetas.values()];
  }

  /**
   * Schedules a buffer load or free for the first block boundary at or after `frame`; at one
   * boundary buffer commands apply before patches (a patch naming a buffer is always sent after
   * its load). A load's data is looked up now (the slot's message arrived before the command).
   * Between blocks; allocates.
   */
  scheduleBuffer(frame: number, op: BufferOp): void {
    if (op.op === 'load') this.bufferSource.get(op.meta.id);
    let at = this.scheduledBuffers.length;
    while (at > 0 && this.scheduledBuffers[at - 1]!.frame > frame) at--;
    this.scheduledBuffers.splice(at, 0, { frame, op });
  }

  private applyBuffer(op: BufferOp): void {
    const buffers = this.engine.buffers;
    if (op.op === 'free') {
      // Kernels bound to it keep their views until their patch changes (the free is refused
      // while the live patch names it).
      buffers.delete(op.name);
      this.bufferMetas.delete(op.name);
      return;
    }
    this.bufferMetas.set(op.meta.name, op.meta);
    const data = this.bufferSource.get(op.meta.id);
    if (data === undefined) {
      buffers.delete(op.meta.name);
      this.missingBuffers.push(op.meta);
    } else {
      buffers.set(op.meta.name, data);
    }
  }

  get frame(): number {
    return this.engine.frame;
  }

  /** The patch playing now (plain data). */
  get livePatch(): PatchPayload {
    return this.live;
  }

  /** False while a crossfade runs: its old graph is not part of a snapshot. */
  get canSnapshot(): boolean {
    return !this.engine.crossfading;
  }

  /**
   * Schedules a patch for the block boundary `frame` (decided frames never decrease). Cheap:
   * the document is resolved and its instances built by `prepare`, or at the apply frame.
   * `seq`: the command's sequence number, for the slot worker's staggering (preparationSeq).
   */
  schedulePatch(frame: number, payload: PatchPayload, seq?: number): void {
    const entry: Scheduled = { payload, frame, seq, patch: undefined, handles: undefined, preparation: undefined };
    let at = this.scheduled.length;
    while (at > 0 && this.scheduled[at - 1]!.frame > frame) at--;
    this.scheduled.splice(at, 0, entry);
  }

  /**
   * The first scheduled patch not yet fully prepared: its sequence number (null when it has
   * none), or undefined when every scheduled patch is prepared.
   */
  preparationSeq(): number | null | undefined {
    // Called by slot workers every loop turn: no allocation (a loop, not find with a closure).
    const next = this.firstUnprepared();
    return next === undefined ? undefined : (next.seq ?? null);
  }

  private firstUnprepared(): Scheduled | undefined {
    const scheduled = this.scheduled;
    for (let i = 0; i < scheduled.length; i++) if (scheduled[i]!.preparation?.done !== true) return scheduled[i];
    return undefined;
  }

  /**
   * Does up to about `budgetMs` of the expensive half of the first unprepared patch (resolving
   * it, building its instances, compiling the new graph's plan when it will crossfade; work is
   * cut between steps, and resolving and compiling are one step each, so a slice may overrun).
   * Returns true while a scheduled patch remains unprepared. Between blocks; allocates.
   */
  prepare(budgetMs = Number.POSITIVE_INFINITY): boolean {
    const next = this.firstUnprepared();
    if (next === undefined) return false;
    const started = performance.now();
    if (next.patch === undefined) {
      next.patch = this.resolve(next.payload.doc);
      next.handles = new Map(next.payload.handles);
    }
    next.preparation ??= this.engine.preparePatch(next.patch, next.payload.crossfadeFrames);
    const left = budgetMs - (performance.now() - started);
    if (left > 0) next.preparation.advance(left);
    return this.firstUnprepared() !== undefined;
  }

  /** Applies the patches due at the current frame, then renders `frames` frames. */
  renderBlock(left: Float32Array, right: Float32Array, frames: number): void {
    const engine = this.engine;
    while (this.scheduledBuffers.length > 0 && this.scheduledBuffers[0]!.frame <= engine.frame) this.applyBuffer(this.scheduledBuffers.shift()!.op);
    while (this.scheduled.length > 0 && this.scheduled[0]!.frame <= engine.frame) {
      const next = this.scheduled.shift()!;
      if (next.frame < engine.frame) this.latePatches++;
      // Whatever `prepare` did not get to is done here (the instances in applyPatch).
      const patch = next.patch ?? this.resolve(next.payload.doc);
      const handles = next.handles ?? new Map(next.payload.handles);
      engine.applyPatch(patch, handles, next.payload.crossfadeFrames, next.preparation);
      this.live = next.payload;
    }
    engine.render(left, right, frames);
  }

  /** The complete state at this block boundary (allocates). Throws while crossfading. */
  snapshot(): HostSnapshot {
    if (!this.canSnapshot) throw new Error('cannot snapshot during a crossfade');
    return {
      live: this.live,
      engine: this.engine.snapshot(),
      pending: this.scheduled.map((s) => ({ ...s.payload, frame: s.frame })),
      buffers: this.buffers,
      pendingBuffers: this.scheduledBuffers.map((b) => ({ frame: b.frame, op: b.op })),
    };
  }

  private resolve(doc: PatchDocument): ResolvedPatch {
    // Patches reach a host only after the supervisor validated them with the same registry.
    return resolveValidatedPatch(doc, this.registry);
  }
}
