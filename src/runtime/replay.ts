// Journal replay: applies decided journal entries to an EngineHost at their frames while it
// renders, exactly as a slot worker does, so the blocks are bit-identical to what the slots
// rendered. Used to restore a server from its state folder and to re-render offline what a
// live server played.
//
// Threading: any thread that owns the host (main thread on restore). Allocates per entry.

import { CMD_APPLY_PATCH, CMD_CONTROL } from './command-ring.js';
import type { EngineHost } from './engine-host.js';
import type { JournalEntry } from './journal.js';

/**
 * Renders `host` up to `untilFrame` (a block boundary at or past its frame), applying every
 * entry before the block that contains its frame. Entries must be decided and in sequence
 * order. Returns how many entries were applied (the rest lie at or beyond `untilFrame`).
 */
export function replayJournal(
  host: EngineHost,
  entries: readonly JournalEntry[],
  untilFrame: number,
  onBlock?: (left: Float32Array, right: Float32Array, startFrame: number) => void,
): number {
  const block = host.settings.blockSize;
  const left = new Float32Array(block);
  const right = new Float32Array(block);
  let next = 0;
  for (;;) {
    const blockEnd = host.frame + block;
    // Entries are applied in sequence order, like slots drain the ring; the engine orders
    // them by frame (stably), so when each is scheduled does not change the output.
    while (next < entries.length && entries[next]!.frame! < blockEnd) applyEntry(host, entries[next++]!);
    if (host.frame >= untilFrame) break;
    const start = host.frame;
    host.renderBlock(left, right, block);
    onBlock?.(left, right, start);
  }
  return next;
}

/** Schedules one decided entry on the host. */
export function applyEntry(host: EngineHost, entry: JournalEntry): void {
  if (entry.frame === undefined) throw new Error(`journal entry ${entry.seq} has no decided frame`);
  if (entry.kind === CMD_APPLY_PATCH) {
    if (entry.patch === undefined) throw new Error(`journal entry ${entry.seq} announces a patch it does not hold`);
    host.schedulePatch(entry.frame, entry.patch);
  } else if (entry.kind === CMD_CONTROL) {
    if (entry.control === undefined) throw new Error(`journal entry ${entry.seq} announces a control op it does not hold`);
    host.control(entry.frame, entry.control);
  } else {
    host.event(entry.frame, entry.kind, entry.handle, entry.index, entry.value);
  }
}
