// Messages between the supervisor and slot workers (structured clone over a MessagePort).
// High-rate commands do not use messages: they go through the shared command rings.

import type { ControlOp } from '../engine/sequencer/ops.js';
import type { PatchDocument } from '../patch/document.js';

/** Supervisor → slot. */
export type SlotMessage =
  /** A validated patch; applied when its CMD_APPLY_PATCH ring record (value = id) comes due. */
  {
    readonly type: 'patch';
    readonly id: number;
    readonly doc: PatchDocument;
    readonly handles: ReadonlyArray<readonly [string, number]>;
    /** Crossfade length in frames where the topology changed (0: none). */
    readonly crossfadeFrames: number;
  }
  /** A validated control op (sequencer, transport); applied at its CMD_CONTROL record's frame. */
  | { readonly type: 'control'; readonly id: number; readonly op: ControlOp };

/** Slot → supervisor. */
export type SlotReport =
  | { readonly type: 'ready' }
  | { readonly type: 'module-fault'; readonly module: string; readonly code: string; readonly frame: number };
