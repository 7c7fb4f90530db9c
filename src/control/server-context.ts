// What command handlers may do, as interfaces, so the command table does not depend on how
// the server is assembled:
//   SessionContext  what a session has, live or in a score: the staged and live patch (the
//                   editor, which also finds live modules and their handles), the sequencer
//                   mirror, and a way to send engine commands. The live server (its
//                   command bus, src/runtime/command-bus.ts) and the offline renderer's score
//                   (score.ts) both implement it, so both run the same handlers.
//   ServerContext   adds what only a running server has: recordings, status, slots, files.

import type { RecordingStatus } from '../runtime/recorder.js';
import type { FaultKind } from '../runtime/slot-protocol.js';
import type { CommittedPatch } from '../runtime/command-bus.js';
import type { EngineCommand } from '../runtime/engine-command.js';
import type { PatchDocument } from '../patch/document.js';
import type { Outcome, Reply } from './command-table.js';
import type { PatchEditor } from './patch-editor.js';
import type { SequencerMirror } from './seq-mirror.js';

/** A patch in the command ring: its command's sequence number and its modules' engine handles. */
export type SentPatch = CommittedPatch;

export interface SessionContext {
  readonly editor: PatchEditor;
  readonly sampleRate: number;
  /** Sequencer configuration as commanded (validation, /seq/get). */
  readonly sequencers: SequencerMirror;
  /**
   * Sends a validated engine command (not a patch: see sendPatch) to apply at `frame` (a
   * timetag or a score's time, exact sample) or as soon as possible. Returns its sequence
   * number, undefined when the command ring is full.
   */
  send(command: Exclude<EngineCommand, { kind: 'patch' }>, frame: number | undefined): number | undefined;
  /** Warnings of an accepted command (a score collects them; the live server replies them in /done). */
  warn?(warnings: readonly string[]): void;
  /** True when one more command fits now (a validated patch must reach the engine or stay staged). */
  canSend(): boolean;
  /**
   * Sends a validated patch to apply at the next block boundary, crossfading over `crossfadeMs`
   * where the topology changed, and assigns its modules' handles. Returns its sequence number
   * and the handles; undefined (nothing changed) when it does not fit the command ring now;
   * 'too-big' when it never will.
   */
  sendPatch(doc: PatchDocument, crossfadeMs: number): SentPatch | undefined | 'too-big';
}

export interface ServerContext extends SessionContext {
  /** The seed of noise and random modules (offline renders of the live state use it). */
  readonly seed: number;
  /** Per client: apply late timetagged bundles (default) or drop them. */
  setLatePolicy(client: string, policy: 'apply' | 'drop'): void;
  /** Stages `<data-dir>/patches/<name>.json` (validated); a failure reply when it cannot. */
  stagePatchFile(name: string): Reply | undefined;
  savePatch(name: string): Reply;
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
  /** `/buffer/load <name> <file>`: decodes `<data-dir>/samples/<file>` off the audio thread, then sends the load. */
  loadBuffer(name: string, file: string): Promise<Outcome>;
  freeBuffer(name: string): Outcome;
  listBuffers(): Reply;
  requestQuit(): void;
}
