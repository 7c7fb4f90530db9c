// The engine command: everything that changes what the engine plays, in one type with one
// encoding and one place that applies it.
//
//   EngineCommand    what the control layer sends (a live server's command table, a score)
//   EncodedCommand   its one encoding: five numbers (kind, handle, index, value, aux), plus a
//                    JSON text for a patch or a control op. The command ring carries it (command-ring.ts: the numbers in a record,
//                    the text in the ring's payload bytes), the journal keeps it (journal.ts),
//                    a rejoining slot's backlog and the state folder hold it.
//   applyCommand     schedules an encoded command on an EngineHost at a frame: the slot
//                    workers, journal replay (state-folder resume, offline re-render of a
//                    journal) and the offline renderer (scores) all go through it, so they
//                    apply the same commands the same way and render the same samples.
//
// Threading: encodeCommand and decodeCommand on the main thread (or offline), allocating.
// applyCommand on the thread that owns the host: for the numeric kinds (param, ramp, gate,
// reset) it allocates nothing (no JSON, no closure); a patch or control op is decoded from its text
// (JSON.parse, between blocks: these are rare).

import { EVENT_GATE, EVENT_PARAM, EVENT_RAMP_EXP, EVENT_RAMP_LIN, EVENT_RESET } from '../engine/event-queue.js';
import type { ControlOp } from '../engine/sequencer/ops.js';
import type { EngineHost, PatchPayload } from './engine-host.js';
import type { BufferOp } from './sample-buffers.js';

/** Param change (smoothed): handle, param index, value. Same number as the engine's event kind. */
export const CMD_PARAM = EVENT_PARAM;
/** Gate: handle, value = the velocity in (0, 1] for on, 0 for off. */
export const CMD_GATE = EVENT_GATE;
/** Revive a faulted module with fresh state: handle. */
export const CMD_RESET = EVENT_RESET;
/** Automation ramp, linear: handle, index = param, value = target, aux = length in ms. */
export const CMD_RAMP_LIN = EVENT_RAMP_LIN;
/** Automation ramp, exponential (geometric): the same fields. */
export const CMD_RAMP_EXP = EVENT_RAMP_EXP;
/** Apply a patch at a block boundary: the payload is a PatchPayload's JSON text. */
export const CMD_PATCH = 100;
/** A control op (sequencer, transport) at an exact frame: the payload is the op's JSON text. */
export const CMD_CONTROL = 101;
/** A sample buffer loaded or freed (at a block boundary): the payload is a BufferOp's JSON text. */
export const CMD_BUFFER = 102;

export type EngineCommand =
  | { readonly kind: 'param'; readonly handle: number; readonly index: number; readonly value: number }
  /** Ramp param `index` from its value at the command's frame to `value` over `ms`. */
  | { readonly kind: 'ramp'; readonly handle: number; readonly index: number; readonly value: number; readonly ms: number; readonly curve: 'lin' | 'exp' }
  /** `velocity` in (0, 1] for an on gate (default 1). */
  | { readonly kind: 'gate'; readonly handle: number; readonly on: boolean; readonly velocity?: number }
  | { readonly kind: 'reset'; readonly handle: number }
  | { readonly kind: 'patch'; readonly patch: PatchPayload }
  | { readonly kind: 'control'; readonly op: ControlOp }
  | { readonly kind: 'buffer'; readonly op: BufferOp };

/** The one encoding of an EngineCommand (plain data: structured-clone and JSON safe). */
export interface EncodedCommand {
  /** CMD_* kind. */
  readonly kind: number;
  readonly handle: number;
  readonly index: number;
  readonly value: number;
  /** CMD_RAMP_*: the ramp's length in ms. 0 (or absent, in journals written before ramps) otherwise. */
  readonly aux?: number;
  /** CMD_PATCH, CMD_CONTROL: the JSON text of the patch payload or control op. */
  readonly payload?: string;
}

/** True for the kinds that carry a payload text. No allocation. */
export function hasPayload(kind: number): boolean {
  return kind === CMD_PATCH || kind === CMD_CONTROL || kind === CMD_BUFFER;
}

export function encodeCommand(command: EngineCommand): EncodedCommand {
  switch (command.kind) {
    case 'param':
      return { kind: CMD_PARAM, handle: command.handle, index: command.index, value: command.value };
    case 'ramp':
      return { kind: command.curve === 'exp' ? CMD_RAMP_EXP : CMD_RAMP_LIN, handle: command.handle, index: command.index, value: command.value, aux: command.ms };
    case 'gate':
      return { kind: CMD_GATE, handle: command.handle, index: 0, value: command.on ? (command.velocity ?? 1) : 0 };
    case 'reset':
      return { kind: CMD_RESET, handle: command.handle, index: 0, value: 0 };
    case 'patch':
      return { kind: CMD_PATCH, handle: 0, index: 0, value: 0, payload: JSON.stringify(command.patch) };
    case 'control':
      return { kind: CMD_CONTROL, handle: 0, index: 0, value: 0, payload: JSON.stringify(command.op) };
    case 'buffer':
      return { kind: CMD_BUFFER, handle: 0, index: 0, value: 0, payload: JSON.stringify(command.op) };
  }
}

/** The command an encoding stands for (tools, tests, the resumed sequencer mirror). Throws on a bad encoding. */
export function decodeCommand(encoded: EncodedCommand): EngineCommand {
  switch (encoded.kind) {
    case CMD_PARAM:
      return { kind: 'param', handle: encoded.handle, index: encoded.index, value: encoded.value };
    case CMD_RAMP_LIN:
    case CMD_RAMP_EXP:
      return { kind: 'ramp', handle: encoded.handle, index: encoded.index, value: encoded.value, ms: encoded.aux ?? 0, curve: encoded.kind === CMD_RAMP_EXP ? 'exp' : 'lin' };
    case CMD_GATE:
      return encoded.value === 0 ? { kind: 'gate', handle: encoded.handle, on: false } : { kind: 'gate', handle: encoded.handle, on: true, velocity: encoded.value };
    case CMD_RESET:
      return { kind: 'reset', handle: encoded.handle };
    case CMD_PATCH:
      return { kind: 'patch', patch: JSON.parse(payloadOf(encoded)) as PatchPayload };
    case CMD_CONTROL:
      return { kind: 'control', op: JSON.parse(payloadOf(encoded)) as ControlOp };
    case CMD_BUFFER:
      return { kind: 'buffer', op: JSON.parse(payloadOf(encoded)) as BufferOp };
    default:
      throw new Error(`unknown engine command kind ${encoded.kind}`);
  }
}

function payloadOf(encoded: EncodedCommand): string {
  if (encoded.payload === undefined) throw new Error(`engine command kind ${encoded.kind} without its payload`);
  return encoded.payload;
}

/**
 * Schedules one encoded command on `host` at `frame` (a patch at that block boundary; events
 * and control ops at that exact frame; past frames apply at the next rendered sample). `aux`:
 * the EncodedCommand's aux (0 when absent). `seq`:
 * the command's sequence number when it has one (staged commits prepare by it). `payload`: the
 * text of a CMD_PATCH or CMD_CONTROL command, unused otherwise. Returns false when the engine's
 * event queue is full (the event is dropped and counted). The numeric kinds allocate nothing.
 */
export function applyCommand(
  host: EngineHost, frame: number, kind: number, handle: number, index: number, value: number, aux: number, payload: string | undefined, seq: number | undefined,
): boolean {
  // Kept small, so V8 can inline it (and the engine's schedule calls) into the slot's loop:
  // a double crossing a call that is not inlined is boxed (see the allocation probe).
  if (kind === CMD_PARAM) return host.engine.scheduleParam(frame, handle, index, value);
  if (kind === CMD_GATE) return host.engine.scheduleGate(frame, handle, value !== 0, value);
  if (kind === CMD_RESET) return host.engine.scheduleReset(frame, handle);
  if (kind === CMD_RAMP_LIN || kind === CMD_RAMP_EXP) return host.engine.scheduleRamp(frame, handle, index, value, aux, kind === CMD_RAMP_EXP);
  applyPayloadCommand(host, frame, kind, payload, seq);
  return true;
}

/** A patch or a control op: decoded from its text (allocates; between blocks, rare). */
function applyPayloadCommand(host: EngineHost, frame: number, kind: number, payload: string | undefined, seq: number | undefined): void {
  if (kind !== CMD_PATCH && kind !== CMD_CONTROL && kind !== CMD_BUFFER) throw new Error(`unknown engine command kind ${kind}`);
  if (payload === undefined) throw new Error(`engine command ${seq ?? ''} (kind ${kind}) without its payload`);
  if (kind === CMD_PATCH) host.schedulePatch(frame, JSON.parse(payload) as PatchPayload, seq);
  else if (kind === CMD_BUFFER) host.scheduleBuffer(frame, JSON.parse(payload) as BufferOp);
  else host.engine.scheduleControl(frame, JSON.parse(payload) as ControlOp);
}
