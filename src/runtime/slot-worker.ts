// A slot worker: one Engine rendering blocks into its slot's audio ring, in lockstep with the
// other slot. Both slots run exactly this code; nothing depends on which one is active.
//
// Loop: apply messages (patches) and ring commands, then render while the ring is below the
// lead target (paced by the consumer's position and by the shared clock, so a stalled consumer
// does not stop production), else sleep on Atomics.wait until the consumer moves.
// Per block the only allocation is the clock read around the render (Node has no
// allocation-free clock; 16 bytes per read).

import { performance } from 'node:perf_hooks';
import { receiveMessageOnPort, workerData, type MessagePort } from 'node:worker_threads';
import { createRegistry } from '../dsp/modules/index.js';
import { Engine } from '../engine/engine.js';
import { EVENT_GATE, EVENT_PARAM, EVENT_PARAM_IMMEDIATE, EVENT_RESET } from '../engine/event-queue.js';
import { FAULT_NAMES } from '../engine/instance.js';
import type { PatchDocument, ResolvedPatch } from '../patch/document.js';
import { validatePatch } from '../patch/validate.js';
import type { ControlOp } from '../engine/sequencer/ops.js';
import { CMD_APPLY_PATCH, CMD_CONTROL, decideFrame, drainCommands } from './command-ring.js';
import {
  CLOCK_T0, CMD_FRAME, CMD_HANDLE, CMD_INDEX, CMD_KIND, CMD_SEQ, CMD_VALUE, CTL_CLOCK_STARTED, CTL_CONSUMED, CTL_LEAD,
  CTL_RUNNING, HIST_BUCKET_MS, HIST_BUCKETS, SLOT_BUSY, SLOT_HEARTBEAT, SLOT_LATE_COMMANDS, SLOT_MODULE_FAULTS, SLOT_PRODUCED,
  STAT_RENDER_COUNT, STAT_RENDER_LAST_MS, STAT_RENDER_MAX_MS, STAT_RENDER_SUM_MS, attachSharedState, hashBlock,
  type RuntimeConfig,
} from './shared-state.js';
import type { SlotMessage, SlotReport } from './slot-protocol.js';

interface SlotWorkerData {
  readonly config: RuntimeConfig;
  readonly buffer: SharedArrayBuffer;
  readonly slot: number;
  readonly port: MessagePort;
  readonly seed: number;
  readonly patch: PatchDocument;
  readonly handles: ReadonlyArray<readonly [string, number]>;
}

const data = workerData as SlotWorkerData;
const { config, slot, port } = data;
const views = attachSharedState(config, data.buffer);
const me = views.slots[slot]!;
const ctl = views.ctl;
const registry = createRegistry();
const engine = new Engine({ sampleRate: config.sampleRate, maxBlock: config.blockSize, seed: data.seed });
const block = config.blockSize;
const periodMs = (1000 * block) / config.sampleRate;
const ringMask = config.ringBlocks - 1;
const hashMask = config.hashHistory - 1;
const left = new Float32Array(block);
const right = new Float32Array(block);

function report(message: SlotReport): void {
  port.postMessage(message);
}

function resolve(doc: PatchDocument): ResolvedPatch {
  const result = validatePatch(doc, registry);
  // The supervisor validated the same document with the same registry; failing here is a bug.
  if (!result.ok) throw new Error(`slot ${slot}: patch rejected: ${JSON.stringify(result.errors)}`);
  return result.patch;
}

engine.applyPatch(resolve(data.patch), new Map(data.handles));

/** Patches received by message, waiting for their ring record (keyed by patch id). */
const received = new Map<number, { patch: ResolvedPatch; handles: Map<string, number>; crossfadeFrames: number }>();
/** Patches scheduled by ring records, in frame order (commits can follow each other closely). */
/** Control ops received by message, waiting for their ring record (keyed by id). */
const controls = new Map<number, ControlOp>();
const scheduled: Array<{ patch: ResolvedPatch; handles: Map<string, number>; crossfadeFrames: number; frame: number }> = [];

function pollMessages(): void {
  for (;;) {
    const envelope = receiveMessageOnPort(port);
    if (envelope === undefined) return;
    const message = envelope.message as SlotMessage;
    if (message.type === 'patch') {
      received.set(message.id, { patch: resolve(message.doc), handles: new Map(message.handles), crossfadeFrames: message.crossfadeFrames });
    } else if (message.type === 'control') {
      controls.set(message.id, message.op);
    }
  }
}

function applyRecord(c: Float64Array, at: number): void {
  const kind = c[at + CMD_KIND]!;
  const produced = Atomics.load(me.ints, SLOT_PRODUCED);
  const frame = decideFrame(views, slot, c[at + CMD_SEQ]! | 0, c[at + CMD_FRAME]!, produced);
  // decideFrame never returns a frame this slot has rendered; count it if that ever changes.
  if (frame < engine.frame) Atomics.add(me.ints, SLOT_LATE_COMMANDS, 1);
  const handle = c[at + CMD_HANDLE]! | 0;
  const index = c[at + CMD_INDEX]! | 0;
  const value = c[at + CMD_VALUE]!;
  switch (kind) {
    case EVENT_PARAM:
      engine.scheduleParam(frame, handle, index, value);
      break;
    case EVENT_PARAM_IMMEDIATE:
      engine.scheduleParamImmediate(frame, handle, index, value);
      break;
    case EVENT_GATE:
      engine.scheduleGate(frame, handle, value !== 0);
      break;
    case EVENT_RESET:
      engine.scheduleReset(frame, handle);
      break;
    case CMD_APPLY_PATCH: {
      // The message was posted before the record was written, so it is already queued.
      pollMessages();
      const entry = received.get(value);
      if (entry === undefined) throw new Error(`slot ${slot}: patch #${value} announced but not received`);
      received.delete(value);
      // Decided frames are block starts and never decrease, so appending keeps frame order.
      scheduled.push({ ...entry, frame });
      break;
    }
    case CMD_CONTROL: {
      // Posted before the record was written, like patches. Applied at the exact frame (a
      // timetag may put it inside a block).
      pollMessages();
      const op = controls.get(value);
      if (op === undefined) throw new Error(`slot ${slot}: control #${value} announced but not received`);
      controls.delete(value);
      engine.scheduleControl(frame, op);
      break;
    }
    default:
      throw new Error(`slot ${slot}: unknown command kind ${kind}`);
  }
}

function renderBlock(produced: number): void {
  while (scheduled.length > 0 && scheduled[0]!.frame <= engine.frame) {
    const next = scheduled.shift()!;
    if (next.frame < engine.frame) Atomics.add(me.ints, SLOT_LATE_COMMANDS, 1);
    engine.applyPatch(next.patch, next.handles, next.crossfadeFrames);
  }
  const started = performance.now();
  engine.render(left, right, block);
  const ms = performance.now() - started;
  const position = produced & ringMask;
  const base = position * 2 * block;
  const audio = me.audio;
  for (let i = 0; i < block; i++) {
    audio[base + i] = left[i]!;
    audio[base + block + i] = right[i]!;
  }
  const h = produced & hashMask;
  me.hashes[h] = hashBlock(me.audioBits, base, 2 * block);
  Atomics.store(me.hashBlocks, h, produced);
  Atomics.store(me.stamps, position, produced);
  Atomics.store(me.ints, SLOT_PRODUCED, (produced + 1) | 0);
  const stats = me.stats;
  stats[STAT_RENDER_LAST_MS] = ms;
  stats[STAT_RENDER_SUM_MS] += ms;
  stats[STAT_RENDER_COUNT]++;
  if (ms > stats[STAT_RENDER_MAX_MS]!) stats[STAT_RENDER_MAX_MS] = ms;
  const bucket = (ms / HIST_BUCKET_MS) | 0;
  me.histogram[bucket < HIST_BUCKETS ? bucket : HIST_BUCKETS - 1]++;
  if (engine.counters.moduleFaults !== Atomics.load(me.ints, SLOT_MODULE_FAULTS)) {
    Atomics.store(me.ints, SLOT_MODULE_FAULTS, engine.counters.moduleFaults);
    engine.drainFaults((module, code, frame) => report({ type: 'module-fault', module, code: FAULT_NAMES[code] ?? String(code), frame }));
  }
}

/** The block index the producers should have rendered up to (exclusive). */
function targetBlock(consumed: number): number {
  let base = consumed;
  if (Atomics.load(ctl, CTL_CLOCK_STARTED) === 1) {
    // Clock pacing: if the consumer is stalled, keep producing for where it will be.
    const clockBlock = Math.floor((performance.now() - views.clock[CLOCK_T0]!) / periodMs) | 0;
    if (((clockBlock - base) | 0) > 0) base = clockBlock;
  }
  const target = (base + Atomics.load(ctl, CTL_LEAD)) | 0;
  const cap = (consumed + config.ringBlocks - 1) | 0;
  return ((target - cap) | 0) > 0 ? cap : target;
}

report({ type: 'ready' });
while (Atomics.load(ctl, CTL_RUNNING) === 1) {
  Atomics.add(me.ints, SLOT_HEARTBEAT, 1);
  // Busy before draining, asleep only after the last drain: see decideFrame (command-ring.ts).
  Atomics.store(me.ints, SLOT_BUSY, 1);
  pollMessages();
  drainCommands(views, me, applyRecord);
  const produced = Atomics.load(me.ints, SLOT_PRODUCED);
  const consumed = Atomics.load(ctl, CTL_CONSUMED);
  // Cheap check first: below the lead on the consumer's position alone, render at once.
  if (((produced - ((consumed + Atomics.load(ctl, CTL_LEAD)) | 0)) | 0) < 0 || ((produced - targetBlock(consumed)) | 0) < 0) {
    renderBlock(produced);
  } else {
    Atomics.store(me.ints, SLOT_BUSY, 0);
    Atomics.wait(ctl, CTL_CONSUMED, consumed, periodMs);
  }
}
port.close();
