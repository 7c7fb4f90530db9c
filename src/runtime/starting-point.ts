// Where a server's slots start: the initial patch at frame 0, or, when the state folder holds
// a state, its base snapshot fast-forwarded through its journal (replay.ts), so a server killed
// with -9 resumes the patch, parameters and sequencers it had.
//
// Threading: main thread, at start-up; allocates.

import { performance } from 'node:perf_hooks';
import { createRegistry } from '../dsp/modules/index.js';
import type { ModuleRegistry } from '../dsp/registry.js';
import type { ControlOp } from '../engine/sequencer/ops.js';
import type { PatchDocument } from '../patch/document.js';
import { validatePatch } from '../patch/validate.js';
import type { CommandBus } from './command-bus.js';
import { CMD_CONTROL, decodeCommand } from './engine-command.js';
import { EngineHost, type HostSettings, type HostSnapshot, type PatchPayload } from './engine-host.js';
import { replayJournal } from './replay.js';
import type { SlotStart } from './slot-protocol.js';
import type { BufferSource } from './sample-buffers.js';
import type { LoadedState } from './state-store.js';
import { round } from './stats.js';

export interface ResumeInfo {
  readonly block: number;
  readonly entries: number;
  readonly skippedLines: number;
  readonly ms: number;
  readonly savedAtMs: number;
  /** What `saveExtra` returned when the base was written. */
  readonly extra: unknown;
  /** Control ops of the journal replayed after the base, in order (to bring `extra` up to date). */
  readonly controls: readonly ControlOp[];
  /** Parameter values the engine holds that differ from `committedPatch` (set by /mod since). */
  readonly params: readonly ResumedParam[];
}

export interface ResumedParam {
  readonly id: string;
  readonly paramId: string;
  readonly value: number;
}

export interface StartingPoint {
  readonly start: SlotStart;
  /** The start state as a snapshot (the first checkpoint). */
  readonly snapshot: HostSnapshot;
  readonly block: number;
  /** Set when the state folder held a state. */
  readonly resumed?: ResumeInfo;
  /** The patch committed last: the resumed one (or the initial one). */
  readonly committedPatch: PatchDocument;
}

/**
 * The slots' start: `store`'s saved state fast-forwarded (the bus takes its handles), or
 * `initial`. Throws when the state folder was written with other settings.
 */
export function startingPoint(settings: HostSettings, loaded: LoadedState | undefined, bus: CommandBus, initial: PatchPayload, buffers?: BufferSource): StartingPoint {
  const registry = createRegistry();
  if (loaded === undefined) {
    const snapshot = EngineHost.fresh(settings, registry, initial).snapshot();
    return { start: { kind: 'fresh', live: initial }, snapshot, block: 0, committedPatch: initial.doc };
  }
  const began = performance.now();
  const { base, entries } = loaded;
  if (base.sampleRate !== settings.sampleRate || base.blockSize !== settings.blockSize || base.seed !== settings.seed >>> 0) {
    throw new Error(`the state folder was written at ${base.sampleRate} Hz, block ${base.blockSize}, seed ${base.seed}; start with the same settings`);
  }
  const host = EngineHost.fromSnapshot(settings, registry, base.host, buffers);
  // Fast-forward through the journal: everything decided before the kill is applied, so the
  // server resumes with the patch, parameters and sequencers it had.
  const blockSize = settings.blockSize;
  const last = entries.reduce((most, e) => Math.max(most, e.frame ?? 0), host.frame);
  replayJournal(host, entries, Math.ceil((last + 1) / blockSize) * blockSize);
  const left = new Float32Array(blockSize);
  const right = new Float32Array(blockSize);
  while (!host.canSnapshot) host.renderBlock(left, right, blockSize);
  const snapshot = host.snapshot();
  bus.restore(snapshot);
  const pending = snapshot.pending.length > 0;
  const block = host.frame / blockSize;
  const controls: ControlOp[] = [];
  for (const e of entries) {
    if (e.kind !== CMD_CONTROL) continue;
    const command = decodeCommand(e);
    if (command.kind === 'control') controls.push(command.op);
  }
  const resumed: ResumeInfo = {
    block, entries: entries.length, skippedLines: loaded.skippedLines, ms: round(performance.now() - began), savedAtMs: base.savedAtMs,
    extra: base.extra, controls, params: pending ? [] : liveParamChanges(snapshot.live.doc, host, registry),
  };
  return {
    start: { kind: 'snapshot', snapshot }, snapshot, block, resumed,
    committedPatch: pending ? snapshot.pending[snapshot.pending.length - 1]!.doc : snapshot.live.doc,
  };
}

/**
 * Parameters whose value in the engine differs from the committed document (set by /mod after
 * the commit), so the control layer can record them and /patch/get shows what plays.
 */
function liveParamChanges(doc: PatchDocument, host: EngineHost, registry: ModuleRegistry): ResumedParam[] {
  const resolved = validatePatch(doc, registry);
  if (!resolved.ok) return [];
  const changes: ResumedParam[] = [];
  for (const m of resolved.patch.modules) {
    const instance = host.engine.instance(m.id);
    if (instance === undefined) continue;
    instance.definition.spec.params.forEach((p, i) => {
      const value = instance.params.target(i);
      if (value !== m.params[i]) changes.push({ id: m.id, paramId: p.id, value });
    });
  }
  return changes;
}
