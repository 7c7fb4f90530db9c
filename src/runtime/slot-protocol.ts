// Messages between the supervisor and slot workers (structured clone over a MessagePort).
// Engine commands never travel here: every one of them, patches included, goes through the
// shared command ring (command-ring.ts); a new slot's backlog is journal entries, the same
// encoding.

import type { BatchStats, ModuleCost } from '../engine/engine.js';
import type { MessagePort } from 'node:worker_threads';
import type { HostSnapshot, PatchPayload } from './engine-host.js';
import type { JournalEntry } from './journal.js';
import type { SharedSample } from './sample-buffers.js';
import type { RuntimeConfig } from './shared-state.js';

/** Fault kinds `/debug/fault` can inject into a slot worker (tests and demos only). */
export const FAULT_KINDS = ['throw', 'hang', 'exit', 'oom', 'slow', 'stall'] as const;
export type FaultKind = (typeof FAULT_KINDS)[number];

/** What a slot worker starts from: a fresh patch at frame 0, or a snapshot of another slot. */
export type SlotStart = { readonly kind: 'fresh'; readonly live: PatchPayload } | { readonly kind: 'snapshot'; readonly snapshot: HostSnapshot };

/** workerData of every slot worker (spares too: they learn their slot when adopted). */
export interface SlotWorkerData {
  readonly config: RuntimeConfig;
  readonly buffer: SharedArrayBuffer;
  readonly seed: number;
  /** A spare: optimise the engine's code on a throwaway patch while waiting for adoption. */
  readonly warmUp?: boolean;
}

/**
 * The first message a slot worker receives (on parentPort), making it slot `slot`. `backlog`
 * holds the journal entries (encoded commands, as in the ring) that the snapshot does not
 * contain and the ring may no longer hold; the worker applies them before reading the ring
 * from the index the supervisor set.
 */
export interface SlotAdoption {
  readonly type: 'adopt';
  readonly slot: number;
  readonly port: MessagePort;
  readonly start: SlotStart;
  readonly backlog: readonly JournalEntry[];
  /** Every sample buffer's shared data the start state or the backlog may name (shared memory, not copied). */
  readonly samples: readonly SharedSample[];
}

/** Supervisor → slot, over the slot's port. */
export type SlotMessage =
  /** Asks for a snapshot at the next block boundary where one is possible (no crossfade running). */
  | { readonly type: 'snapshot'; readonly id: number }
  /** Fault injection (the supervisor refuses it unless the server allows it). */
  | { readonly type: 'fault'; readonly kind: FaultKind; readonly ms: number }
  /** A sample buffer's data, posted before the ring command that loads it (the memory is shared). */
  | { readonly type: 'buffer'; readonly sample: SharedSample }
  /** The data of a freed buffer no start state can name any more: the slot drops its view. */
  | { readonly type: 'buffer-drop'; readonly id: number };

/** Slot → supervisor. */
export type SlotReport =
  | { readonly type: 'ready' }
  | { readonly type: 'module-fault'; readonly module: string; readonly code: string; readonly frame: number }
  /** Per-module render cost, sampled (about once a second), and the batch kernels' counters. */
  | { readonly type: 'costs'; readonly costs: readonly ModuleCost[]; readonly batch: BatchStats; readonly sequencers: readonly string[] }
  /**
   * A snapshot at the start of block `block`, after reading the command ring up to `cmdRead`
   * (exclusive): every command before it is inside the snapshot, none after it.
   */
  | { readonly type: 'snapshot'; readonly id: number; readonly snapshot: HostSnapshot; readonly block: number; readonly cmdRead: number };

