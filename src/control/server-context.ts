// What command handlers may do: the server's capabilities, as one interface, so the command
// table does not depend on how the server is assembled.

import type { RecordingStatus } from '../runtime/recorder.js';
import type { ModuleCommand } from './address.js';
import type { Reply } from './command-table.js';
import type { PatchEditor } from './patch-editor.js';

export interface ServerContext {
  readonly editor: PatchEditor;
  /** Sends a module command to every slot; `frame` from a timetag, else the next safe frame. */
  sendModuleCommand(command: ModuleCommand, frame: number | undefined): number | undefined;
  /** Validates and applies the staged patch; `crossfadeMs` where the topology changed (default 20). */
  commit(crossfadeMs?: number): Reply;
  savePatch(name: string): Reply;
  loadPatch(name: string): Reply;
  startRecording(name: string | undefined): Reply;
  stopRecording(): Reply;
  recordingStatus(): RecordingStatus;
  status(): Record<string, unknown>;
  schema(): Record<string, unknown>;
  switchActive(): number;
  sync(): Promise<void>;
  setSubscribed(client: string, on: boolean): void;
  requestQuit(): void;
}
