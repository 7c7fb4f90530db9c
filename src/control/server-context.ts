// What command handlers may do: the server's capabilities, as one interface, so the command
// table does not depend on how the server is assembled.

import type { RecordingStatus } from '../runtime/recorder.js';
import type { FaultKind } from '../runtime/slot-protocol.js';
import type { ModuleCommand } from './address.js';
import type { Reply } from './command-table.js';
import type { PatchEditor } from './patch-editor.js';
import type { ControlOp } from '../engine/sequencer/ops.js';
import type { SequencerMirror } from './seq-mirror.js';

export interface ServerContext {
  readonly editor: PatchEditor;
  readonly sampleRate: number;
  /** Sequencer configuration as commanded (validation, /seq/get). */
  readonly sequencers: SequencerMirror;
  /**
   * Sends a validated control op to every slot, at `frame` (timetag, exact sample) or as soon as
   * possible, and records it in the mirror. Returns its sequence number, undefined when full.
   */
  sendControl(op: ControlOp, frame: number | undefined): number | undefined;
  /** Per client: apply late timetagged bundles (default) or drop them. */
  setLatePolicy(client: string, policy: 'apply' | 'drop'): void;
  /**
   * Sends a module command to every slot, to apply at `frame` (from a timetag) or as soon as
   * possible. Returns its sequence number, or undefined when the rings are full.
   */
  sendModuleCommand(command: ModuleCommand, frame: number | undefined): number | undefined;
  /** The frame a sent command applies at, once a slot has decided it (undefined: no slot did). */
  decidedFrame(seq: number, requestedFrame: number): Promise<number | undefined>;
  /** Validates and applies the staged patch; `crossfadeMs` where the topology changed (default 20). */
  commit(crossfadeMs?: number): Promise<Reply>;
  savePatch(name: string): Reply;
  loadPatch(name: string): Promise<Reply>;
  startRecording(name: string | undefined, format?: 's16' | 'f32'): Reply;
  stopRecording(): Reply;
  recordingStatus(): RecordingStatus;
  status(): Record<string, unknown>;
  schema(): Record<string, unknown>;
  switchActive(): number;
  /** Injects a fault into a slot worker (refused unless the server allows fault injection). */
  injectFault(slot: number, kind: FaultKind, ms: number): Reply;
  sync(): Promise<void>;
  setSubscribed(client: string, on: boolean): void;
  requestQuit(): void;
}
