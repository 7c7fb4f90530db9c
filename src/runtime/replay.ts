// Rendering a host through a list of timed engine commands: journal replay (a server restored
// from its state folder, an offline re-render of what a live server played) and the offline
// renderer (a score's commands) both go through `replayCommands`, which applies every command
// with applyCommand, the function the slot workers use, so the blocks are bit-identical to
// what the slots rendered.
//
// Threading: any thread that owns the host (main thread on restore). Allocates per block
// call-back and per patch or control command, not per event.

import { CMD_PATCH, applyCommand, type EncodedCommand } from './engine-command.js';
import type { EngineHost } from './engine-host.js';
import type { JournalEntry } from './journal.js';

/** An encoded command with the frame it applies at (a decided journal entry, a score's command). */
export interface ScheduledCommand extends EncodedCommand {
  /** Decided (journal) or exact (score) frame; undefined is an error (an undecided entry). */
  readonly frame: number | undefined;
  readonly seq?: number;
}

export interface ReplayHooks<T extends ScheduledCommand> {
  /** Each rendered piece: `frames` frames of left/right starting at engine frame `startFrame`. */
  readonly onBlock?: (left: Float32Array, right: Float32Array, frames: number, startFrame: number) => void;
  /** A command the engine refused (its event queue was full). Default: ignored (counted by the engine), as in a slot. */
  readonly onRefused?: (command: T) => void;
}

/**
 * Renders `host` up to `untilFrame`, in pieces of at most one block, applying every command
 * before the piece that contains its frame, in list order (the order slots drain the ring;
 * the engine orders events by frame, stably, so when each is scheduled does not change the
 * output). A patch whose frame falls inside a piece ends the piece there, so it applies at
 * exactly its frame whatever the block size (a live slot's patches fall on block boundaries,
 * where this never cuts). Commands must be in frame order. Returns how many were applied
 * (the rest lie at or beyond `untilFrame`).
 */
export function replayCommands<T extends ScheduledCommand>(host: EngineHost, commands: readonly T[], untilFrame: number, hooks: ReplayHooks<T> = {}): number {
  const block = host.settings.blockSize;
  const left = new Float32Array(block);
  const right = new Float32Array(block);
  let next = 0;
  for (;;) {
    const start = host.frame;
    let end = start + block;
    while (next < commands.length) {
      const command = commands[next]!;
      const frame = command.frame;
      if (frame === undefined) throw new Error(`command ${command.seq ?? next} has no decided frame`);
      if (frame >= end) break;
      if (command.kind === CMD_PATCH && frame > start) {
        end = frame;
        break;
      }
      if (!applyCommand(host, frame, command.kind, command.handle, command.index, command.value, command.aux ?? 0, command.payload, command.seq)) hooks.onRefused?.(command);
      next++;
    }
    if (start >= untilFrame) break;
    const frames = Math.min(end, untilFrame) - start;
    host.renderBlock(left, right, frames);
    hooks.onBlock?.(left, right, frames, start);
  }
  return next;
}

/**
 * Renders `host` up to `untilFrame` (a block boundary at or past its frame), applying every
 * decided journal entry (in sequence order) before the block that contains its frame.
 */
export function replayJournal(
  host: EngineHost,
  entries: readonly JournalEntry[],
  untilFrame: number,
  onBlock?: (left: Float32Array, right: Float32Array, startFrame: number) => void,
): number {
  return replayCommands(host, entries, untilFrame, onBlock === undefined ? {} : { onBlock: (l, r, _frames, start) => onBlock(l, r, start) });
}
