// The patch document (what users write, save and load) and the resolved patch (what the
// engine compiles). Validation (`validate.ts`) turns the first into the second or reports
// every error at once.

import type { ModuleDefinition } from '../dsp/kernel.js';

export const PATCH_FORMAT = 'chronus-patch';
export const PATCH_VERSION = 1;

/** The id of the master output module; it exists in every patch (added when not declared). */
export const MASTER_ID = 'out';

export type ParamInput = number | string | boolean;

export interface PatchModule {
  id: string;
  type: string;
  params?: Record<string, ParamInput>;
}

export interface PatchConnection {
  /** `"<module>"` (first output) or `"<module>.<output>"`. */
  from: string;
  /** `"<module>"` (first input), `"<module>.<input>"` or `"<module>.<param>"`. */
  to: string;
  /** Gain for audio inputs (default 1); for params, the modulation depth in the param's unit. */
  amount?: number;
}

export interface PatchDocument {
  format: typeof PATCH_FORMAT;
  version: typeof PATCH_VERSION;
  modules: PatchModule[];
  connections: PatchConnection[];
}

export interface ResolvedModule {
  readonly id: string;
  /** Canonical type (aliases resolved). */
  readonly type: string;
  readonly definition: ModuleDefinition;
  /** Every param value in spec order, defaults and alias defaults applied. */
  readonly params: readonly number[];
  /**
   * Tempo-synced params given as note values (spec tempoSync): the engine sets them to
   * `beats` at the transport's tempo and keeps them in step with it; `params` holds their ms at
   * the default tempo. Absent when there are none.
   */
  readonly synced?: readonly SyncedParam[];
  /** Buffer param values (sample buffer names) in spec.bufferParams order, '' when unset. Absent when the type has none. */
  readonly buffers?: readonly string[];
}

export interface SyncedParam {
  /** Index in the spec's params. */
  readonly param: number;
  /** The note value as written (`1/8.`). */
  readonly text: string;
  readonly beats: number;
}

export interface ResolvedConnection {
  readonly from: string;
  readonly fromOutput: number;
  readonly to: string;
  readonly kind: 'input' | 'param';
  /** Index into the destination's spec inputs or params. */
  readonly toIndex: number;
  readonly amount: number;
}

export interface ResolvedPatch {
  /** In render order: every module after all of its sources. */
  readonly modules: readonly ResolvedModule[];
  readonly connections: readonly ResolvedConnection[];
}

export interface PatchError {
  /** Stable machine-readable code, listed in `errors.ts`. */
  readonly code: string;
  /** JSON path of the offending value, e.g. `modules[2].params.freq`. */
  readonly path: string;
  readonly message: string;
}

export type PatchResult =
  | { ok: true; patch: ResolvedPatch; document: PatchDocument }
  | { ok: false; errors: PatchError[] };
