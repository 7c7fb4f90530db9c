// Messages between the supervisor and slot workers (structured clone over a MessagePort).
// High-rate commands do not use messages: they go through the shared command ring.

import type { BatchStats, ModuleCost } from '../engine/engine.js';
import type { MessagePort } from 'node:worker_threads';
import type { ControlOp } from '../engine/sequencer/ops.js';
import type { HostSnapshot, PatchPayload } from './engine-host.js';
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
 * holds command records (CMD_FIELDS float64s each, as in the ring) that the snapshot does not
 * contain and the ring may no longer hold; the worker applies them before reading the ring
 * from the index the supervisor set. `payloads` are the patches those records announce.
 */
export interface SlotAdoption {
  readonly type: 'adopt';
  readonly slot: number;
  readonly port: MessagePort;
  readonly start: SlotStart;
  readonly backlog: Float64Array;
  readonly payloads: ReadonlyArray<readonly [number, PatchPayload]>;
  /** The control ops those records announce. */
  readonly controls: ReadonlyArray<readonly [number, ControlOp]>;
}

/** Supervisor → slot, over the slot's port. */
export type SlotMessage =
  /** A validated patch; applied when its CMD_APPLY_PATCH ring record (value = id) comes due. */
  | { readonly type: 'patch'; readonly id: number; readonly payload: PatchPayload }
  /** A validated control op (sequencer, transport); applied at its CMD_CONTROL record's frame. */
  | { readonly type: 'control'; readonly id: number; readonly op: ControlOp }
  /** Asks for a snapshot at the next block boundary where one is possible (no crossfade running). */
  | { readonly type: 'snapshot'; readonly id: number }
  /** Fault injection (the supervisor refuses it unless the server allows it). */
  | { readonly type: 'fault'; readonly kind: FaultKind; readonly ms: number };

/** Slot → supervisor. */
export type SlotReport =
  | { readonly type: 'ready' }
  | { readonly type: 'module-fault'; readonly module: string; readonly code: string; readonly frame: number }
  /** Per-module render cost, sampled (about once a second), and the batch kernels' counters. */
  | { readonly type: 'costs'; readonly costs: readonly ModuleCost[]; readonly batch: BatchStats }
  /**
   * A snapshot at the start of block `block`, after reading the command ring up to `cmdRead`
   * (exclusive): every command before it is inside the snapshot, none after it.
   */
  | { readonly type: 'snapshot'; readonly id: number; readonly snapshot: HostSnapshot; readonly block: number; readonly cmdRead: number };

