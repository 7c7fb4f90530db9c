// A slot worker: one EngineHost rendering blocks into its slot's audio ring, in lockstep with
// the other slot. Both slots run exactly this code; nothing depends on which one is active.
//
// Start: the worker loads, then waits for its adoption message (slot, port, start state,
// backlog). A spare worker is started ahead of need and adopted when a slot fails, which
// saves the worker's start-up time from a rejoin.
//
// Loop: apply messages (snapshot requests, injected faults) and ring commands, then
// prepare a slice of a scheduled patch when it is this slot's turn (staged commits: slot 0
// first, slot 1 once slot 0 is done, so the two never stall together; see prepareSlice), then
// render while the ring is below the lead target (paced by the consumer's position and by the
// shared clock, so a stalled consumer does not stop production), else sleep on Atomics.wait
// until the consumer moves. Per block the only allocation is the clock read around the render
// (Node has no allocation-free clock; 16 bytes per read).

import { performance } from 'node:perf_hooks';
import { parentPort, receiveMessageOnPort, workerData, type MessagePort } from 'node:worker_threads';
import { createRegistry } from '../dsp/modules/index.js';
import { FAULT_NAMES } from '../engine/instance.js';
import { EngineHost } from './engine-host.js';
import { SlotCommands } from './slot-commands.js';
import { SampleTable } from './sample-buffers.js';
import { warmUp } from './warm-up.js';
import { MAX_SEQUENCERS } from '../engine/sequencer/limits.js';
import { mayPrepare } from './staged-commit.js';
import {
  CLOCK_T0, CTL_CLOCK_STARTED, CTL_CONSUMED, CTL_LEAD,
  CTL_RUNNING, CTL_TAP_HANDLE, CTL_TAP_OUTPUT, HIST_BUCKET_MS, HIST_BUCKETS, SLOT_BUSY, SLOT_CMD_READ, SLOT_HEARTBEAT, SLOT_LATE_COMMANDS, SLOT_MODULE_FAULTS,
  SLOT_PREPARED_SEQ, SLOT_PRODUCED, SLOT_TAP_HANDLE, STAT_RENDER_COUNT, STAT_RENDER_LAST_MS, STAT_RENDER_MAX_MS, STAT_RENDER_SUM_MS, attachSharedState, hashBlock,
} from './shared-state.js';
import type { SlotAdoption, SlotMessage, SlotReport, SlotWorkerData } from './slot-protocol.js';

const data = workerData as SlotWorkerData;
const { config } = data;
const views = attachSharedState(config, data.buffer);
const ctl = views.ctl;
const registry = createRegistry();
const block = config.blockSize;
const periodMs = (1000 * block) / config.sampleRate;
const ringMask = config.ringBlocks - 1;
const hashMask = config.hashHistory - 1;
const left = new Float32Array(block);
const right = new Float32Array(block);

/** Blocks a spare renders of a throwaway patch while it waits, so its code is optimised when adopted. */
const WARM_UP_BLOCKS = 600;
// The adoption message waits in the port's queue while this runs.
if (data.warmUp === true) warmUp({ sampleRate: config.sampleRate, blockSize: block, seed: data.seed }, registry, WARM_UP_BLOCKS);
// Loaded (and warm): the supervisor takes the start snapshot only now, so there is little to catch up.
parentPort!.postMessage({ type: 'loaded' });
const adoption = await new Promise<SlotAdoption>((resolve) => parentPort!.once('message', (m: SlotAdoption) => resolve(m)));
const slot = adoption.slot;
const port: MessagePort = adoption.port;
const me = views.slots[slot]!;
/** One block in PROFILE_EVERY is timed module by module (per-module cost in /engine/status). */
const PROFILE_EVERY = 32;
/** Blocks between two cost reports (about a second). */
const COST_REPORT_BLOCKS = Math.max(1, Math.round(config.sampleRate / block));
const settings = { sampleRate: config.sampleRate, blockSize: block, seed: data.seed, profileEvery: PROFILE_EVERY };
/** Sample buffers' shared data by id: from the adoption, then `buffer` messages (polled on a miss, see sample-buffers.ts). */
const polling = { ready: false };
const samples = new SampleTable(() => {
  // Not during construction: a buffer missing then is missing for good (a file gone after a restart).
  if (polling.ready) pollMessages();
});
for (const sample of adoption.samples) samples.add(sample);
const host = adoption.start.kind === 'fresh'
  ? EngineHost.fresh(settings, registry, adoption.start.live, samples)
  : EngineHost.fromSnapshot(settings, registry, adoption.start.snapshot, samples);
const engine = host.engine;
/** The command ring (and the adoption backlog), applied to the host: slot-commands.ts. */
const commands = new SlotCommands(views, slot, host);
if (engine.frame !== Atomics.load(me.ints, SLOT_PRODUCED) * block) {
  throw new Error(`slot ${slot}: start frame ${engine.frame} does not match block ${Atomics.load(me.ints, SLOT_PRODUCED)}`);
}

function report(message: SlotReport): void {
  port.postMessage(message);
}

/** Snapshot requests waiting for a block boundary without a crossfade. */
const snapshotRequests: number[] = [];
/** Injected slowness: every block takes at least slowMs until slowUntil (performance.now ms). */
let slowMs = 0;
let slowUntil = 0;

function injectFault(kind: SlotMessage & { type: 'fault' }): void {
  switch (kind.kind) {
    case 'throw':
      throw new Error(`injected fault in slot ${slot}: throw`);
    case 'hang':
      for (;;) {
        // An infinite loop, as a kernel bug would cause; only terminate() ends it.
      }
    case 'exit':
      process.exit(3);
      break;
    case 'oom': {
      const hog: number[][] = [];
      for (;;) hog.push(new Array<number>(1 << 16).fill(hog.length));
    }
    case 'slow':
      slowMs = kind.ms;
      slowUntil = performance.now() + 2000;
      break;
    case 'stall':
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, kind.ms);
      break;
  }
}

function pollMessages(): void {
  for (;;) {
    const envelope = receiveMessageOnPort(port);
    if (envelope === undefined) return;
    const message = envelope.message as SlotMessage;
    if (message.type === 'snapshot') snapshotRequests.push(message.id);
    else if (message.type === 'fault') injectFault(message);
    else if (message.type === 'buffer') samples.add(message.sample);
    else if (message.type === 'buffer-drop') samples.delete(message.id);
  }
}

/**
 * Staged commits (staged-commit.ts; the slots take turns, see mayPrepare): a slot spends at
 * about this long per loop turn preparing a patch (resolving it, building its instances,
 * compiling the new graph's plan), then renders a block if one is due. Far below the 150 ms
 * hang limit; above the 12 ms suspect limit, so the output takes its blocks from the other
 * slot meanwhile (hence the turns). Resolving and compiling are one step each (tens of ms for
 * a thousand modules: docs/performance.md, "Staged commits"), so a patch of several thousand
 * modules overruns the slice towards the hang limit. A patch still unprepared at its frame is
 * built there, in one go (correct; audible if large).
 */
const PREPARE_SLICE_MS = 20;

/** Publishes how far this slot has prepared (SLOT_PREPARED_SEQ). No allocation. */
function publishPrepared(pending: number | null | undefined): void {
  if (pending === undefined) Atomics.store(me.ints, SLOT_PREPARED_SEQ, commands.lastSeq);
  else if (pending !== null) Atomics.store(me.ints, SLOT_PREPARED_SEQ, (pending - 1) | 0);
}

/**
 * One slice of preparation if a patch awaits it and this slot's turn has come. Returns true
 * while this slot has preparation it may do right away (the loop then does not sleep).
 * Between blocks; allocates (building instances).
 */
function prepareSlice(): boolean {
  let pending = host.preparationSeq();
  let more = false;
  if (pending !== undefined && mayPrepare(views, slot, pending)) {
    host.prepare(PREPARE_SLICE_MS);
    pending = host.preparationSeq();
    more = pending !== undefined && mayPrepare(views, slot, pending);
  }
  publishPrepared(pending);
  return more;
}

/** The dashboard's tap (CTL_TAP_HANDLE/OUTPUT) as this slot last applied it. */
let tapHandle = -1;
let tapOutput = 0;

/** Follows the supervisor's tap choice (between blocks; no allocation). */
function followTap(): void {
  const handle = Atomics.load(ctl, CTL_TAP_HANDLE);
  const output = Atomics.load(ctl, CTL_TAP_OUTPUT);
  if (handle === tapHandle && output === tapOutput) return;
  tapHandle = handle;
  tapOutput = output;
  engine.setTap(handle, output);
  Atomics.store(me.ints, SLOT_TAP_HANDLE, handle);
}

/** The tapped output and the sequencers' playing steps of block `produced`, for the dashboard. */
function publishTaps(produced: number): void {
  if (tapHandle >= 0) {
    const tap = engine.tapBuffer;
    const ring = me.tap;
    const base = (produced & ringMask) * block;
    for (let i = 0; i < block; i++) ring[base + i] = tap[i]!;
  }
  const sequencer = engine.sequencer;
  const steps = me.seqSteps;
  for (let s = 0; s < MAX_SEQUENCERS; s++) steps[s] = sequencer.playingStep(s);
}

/** Sequencer ids by bank index, for the cost report (allocates: once a second). */
function sequencerIds(): string[] {
  const ids: string[] = [];
  for (let s = 0; s < MAX_SEQUENCERS; s++) ids.push(engine.sequencer.idAt(s));
  return ids;
}

function renderBlock(produced: number): void {
  followTap();
  const started = performance.now();
  host.renderBlock(left, right, block);
  if (host.latePatches !== 0) {
    // decideFrame makes this impossible; count it where late commands are counted if it happens.
    Atomics.add(me.ints, SLOT_LATE_COMMANDS, host.latePatches);
    host.latePatches = 0;
  }
  if (slowMs > 0) {
    if (started < slowUntil) while (performance.now() - started < slowMs);
    else slowMs = 0;
  }
  const ms = performance.now() - started;
  const position = produced & ringMask;
  const base = position * 2 * block;
  const audio = me.audio;
  for (let i = 0; i < block; i++) {
    audio[base + i] = left[i]!;
    audio[base + block + i] = right[i]!;
  }
  publishTaps(produced);
  const h = produced & hashMask;
  me.hashes[h] = hashBlock(me.audioBits, base, 2 * block);
  Atomics.store(me.hashBlocks, h, produced);
  Atomics.store(me.stamps, position, produced);
  Atomics.store(me.ints, SLOT_PRODUCED, (produced + 1) | 0);
  const stats = me.stats;
  stats[STAT_RENDER_LAST_MS] = ms;
  stats[STAT_RENDER_SUM_MS]! += ms;
  stats[STAT_RENDER_COUNT]!++;
  if (ms > stats[STAT_RENDER_MAX_MS]!) stats[STAT_RENDER_MAX_MS] = ms;
  const bucket = (ms / HIST_BUCKET_MS) | 0;
  me.histogram[bucket < HIST_BUCKETS ? bucket : HIST_BUCKETS - 1]!++;
  if (produced % COST_REPORT_BLOCKS === 0) {
    // Each report covers the last interval (start-up JIT warm-up does not linger in the figures).
    report({ type: 'costs', costs: engine.moduleCosts(), batch: engine.batchStats(), sequencers: sequencerIds() });
    engine.resetModuleCosts();
  }
  if (engine.counters.moduleFaults !== Atomics.load(me.ints, SLOT_MODULE_FAULTS)) {
    Atomics.store(me.ints, SLOT_MODULE_FAULTS, engine.counters.moduleFaults);
    engine.drainFaults((module, code, frame) => report({ type: 'module-fault', module, code: FAULT_NAMES[code] ?? String(code), frame }));
  }
}

/** Answers pending snapshot requests at this block boundary, unless a crossfade runs. */
function answerSnapshots(produced: number): void {
  if (snapshotRequests.length === 0 || !host.canSnapshot) return;
  const snapshot = host.snapshot();
  const cmdRead = Atomics.load(me.ints, SLOT_CMD_READ);
  for (const id of snapshotRequests.splice(0)) report({ type: 'snapshot', id, snapshot, block: produced, cmdRead });
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

// Commands the snapshot does not contain and the ring may no longer hold (see SlotAdoption).
polling.ready = true;
for (const entry of adoption.backlog) commands.applyBacklog(entry);
report({ type: 'ready' });
while (Atomics.load(ctl, CTL_RUNNING) === 1) {
  Atomics.add(me.ints, SLOT_HEARTBEAT, 1);
  // Busy before draining, asleep only after the last drain: see decideFrame (command-ring.ts).
  Atomics.store(me.ints, SLOT_BUSY, 1);
  pollMessages();
  commands.drain();
  const produced = Atomics.load(me.ints, SLOT_PRODUCED);
  answerSnapshots(produced);
  const preparing = prepareSlice();
  const consumed = Atomics.load(ctl, CTL_CONSUMED);
  // Cheap check first: below the lead on the consumer's position alone, render at once.
  if (((produced - ((consumed + Atomics.load(ctl, CTL_LEAD)) | 0)) | 0) < 0 || ((produced - targetBlock(consumed)) | 0) < 0) {
    renderBlock(produced);
  } else if (!preparing) {
    Atomics.store(me.ints, SLOT_BUSY, 0);
    Atomics.wait(ctl, CTL_CONSUMED, consumed, periodMs);
  }
}
port.close();
