// Tempo-synced params (ParamSpec.tempoSync, given as note values such as `1/8.`): each is set to
// its note value's length in ms at the transport's tempo when a patch is applied, and again at
// the exact frame of every tempo change (the sequencer bank reports it, SequencerHost).
//
// Threading: render thread. rebuild allocates (patch-apply time); setAll and scheduleAll do not.

import { syncedMs, type ParamSpec } from '../dsp/spec.js';
import type { ResolvedPatch } from '../patch/document.js';
import type { ModuleInstance } from './instance.js';

interface SyncedEntry {
  readonly instance: ModuleInstance;
  readonly param: number;
  readonly spec: ParamSpec;
  readonly beats: number;
}

export class TempoSync {
  private entries: readonly SyncedEntry[] = [];

  /** The synced params of `patch`, on the instances that now play it. */
  rebuild(patch: ResolvedPatch, instanceOf: (id: string) => ModuleInstance | undefined): void {
    const entries: SyncedEntry[] = [];
    for (const m of patch.modules) {
      const instance = instanceOf(m.id);
      if (m.synced === undefined || instance === undefined) continue;
      for (const s of m.synced) entries.push({ instance, param: s.param, spec: m.definition.spec.params[s.param]!, beats: s.beats });
    }
    this.entries = entries;
  }

  /** Sets every synced param to its time at `bpm` now (patch apply). */
  setAll(bpm: number): void {
    const entries = this.entries;
    for (let k = 0; k < entries.length; k++) {
      const e = entries[k]!;
      e.instance.params.setImmediate(e.param, syncedMs(e.spec, e.beats, bpm));
    }
  }

  /** Schedules every synced param's time at `bpm` for `frame` (a tempo change). */
  scheduleAll(frame: number, bpm: number, schedule: (frame: number, handle: number, param: number, value: number) => boolean): void {
    const entries = this.entries;
    for (let k = 0; k < entries.length; k++) {
      const e = entries[k]!;
      schedule(frame, e.instance.handle, e.param, syncedMs(e.spec, e.beats, bpm));
    }
  }
}
