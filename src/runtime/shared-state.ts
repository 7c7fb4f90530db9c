// The shared memory of a running server: one SharedArrayBuffer holding the control block
// (active slot, consumer position, clock anchor, counters), per slot an audio ring and a
// block-hash history, and the command ring all slots read (records plus payload bytes).
// Everything per slot is keyed by slot id, which never changes; "active" is one integer. Created by the supervisor, passed (not transferred) to workers.
//
// Threading: every field has one writer (noted per field); readers use Atomics.load.
// Block indices are int32 and may wrap after ~66 days at 128 frames/48 kHz: compare them
// by subtraction (`(a - b) | 0`), never with < directly.

import { MAX_SEQUENCERS } from '../engine/sequencer/limits.js';

export interface RuntimeConfig {
  readonly sampleRate: number;
  readonly blockSize: number;
  readonly slots: number;
  /** Blocks each audio ring holds (must exceed the largest lead). */
  readonly ringBlocks: number;
  /** Entries in each slot's block-hash history. */
  readonly hashHistory: number;
  /** Records in the shared command ring. */
  readonly commandCapacity: number;
  /** Bytes of the command ring's payload area (patch and control-op texts). */
  readonly payloadBytes: number;
  /** Blocks the record ring holds. */
  readonly recordBlocks: number;
}

// ---- control block: Int32 fields (index into `ctl`)
/** Slot the output takes blocks from (writer: supervisor for switches, output for failovers). */
export const CTL_ACTIVE = 0;
/** Next block index the output will consume (writer: output worker; producers wait on it). */
export const CTL_CONSUMED = 1;
/** Producers' lead target in blocks (writer: supervisor / adaptive controller). */
export const CTL_LEAD = 2;
/** 1 while the server runs; 0 asks every worker to stop (writer: supervisor). */
export const CTL_RUNNING = 3;
/** Blocks the output needed that no slot had (writer: output). */
export const CTL_UNDERRUNS = 4;
/** Output wake-ups later than one period (writer: output). */
export const CTL_LATE_CYCLES = 5;
/** Times the output re-anchored its clock after falling hopelessly behind (writer: output). */
export const CTL_REANCHORS = 6;
/** Blocks taken from a slot other than the active one (writer: output). */
export const CTL_TAKEN_FROM_OTHER = 7;
/** 1 while recording (writer: supervisor). */
export const CTL_RECORDING = 8;
/** Record ring: blocks written (writer: output) and read (writer: supervisor). */
export const CTL_RECORD_WRITE = 9;
export const CTL_RECORD_READ = 10;
/** Blocks the record ring could not take because the supervisor fell behind (writer: output). */
export const CTL_RECORD_DROPS = 11;
/** 1 once the output has anchored its clock (writer: output). */
export const CTL_CLOCK_STARTED = 12;
/**
 * Records written to the shared command ring (writer: supervisor). One ring for all slots, so
 * a command becomes visible to every slot at the same instant (see decideFrame).
 */
export const CTL_CMD_WRITE = 14;
/** Block index of a recording's first block; -1 until the output has tapped it (writer: both, handshake). */
export const CTL_RECORD_FIRST_BLOCK = 13;
/**
 * Device periods the sound card played as silence because no buffer was queued in time, counted
 * after start-up (device sink only; writer: output). Estimated from the stream time every 256
 * callbacks, so it moves in steps.
 */
export const CTL_DEVICE_GAPS = 15;
/**
 * The dashboard's module tap: engine handle of the tapped module (-1: none) and its output
 * index (writer: supervisor; slots read it before each block, see output-taps.ts).
 */
export const CTL_TAP_HANDLE = 16;
export const CTL_TAP_OUTPUT = 17;
const CTL_INT_FIELDS = 18;

// ---- control block: Float64 fields (index into `clock`)
/** performance.now() of block 0's deadline, shared timeline of all threads (writer: output). */
export const CLOCK_T0 = 0;
/** Largest wake-up lateness seen, ms (writer: output). */
export const CLOCK_MAX_LATE_MS = 1;
const CLOCK_FIELDS = 4;

// ---- per-slot Int32 fields (index into `slotInts[slot]`)
/** Next block the slot will render = blocks rendered so far (writer: slot). */
export const SLOT_PRODUCED = 0;
/** Incremented on every loop turn, rendering or waiting: a heartbeat (writer: slot). */
export const SLOT_HEARTBEAT = 1;
/** SLOT_DOWN, SLOT_LOCKSTEP or SLOT_JOINING (writer: supervisor). */
export const SLOT_STATE = 2;
/** No worker, or a worker declared failed: the output and the command decisions ignore it. */
export const SLOT_DOWN = 0;
/** Up and rendering in lockstep: the output may take its blocks. */
export const SLOT_LOCKSTEP = 1;
/** A replacement worker catching up from a snapshot: not heard until its hashes match. */
export const SLOT_JOINING = 2;
/** Commands applied later than their frame (writer: slot). */
export const SLOT_LATE_COMMANDS = 3;
/** Records of the shared command ring this slot has read (writer: slot). */
export const SLOT_CMD_READ = 5;
/** Module faults reported by the engine (writer: slot). */
export const SLOT_MODULE_FAULTS = 6;
/**
 * 1 from the top of the slot's loop (before it drains the command ring) until it goes to
 * sleep; 0 while it sleeps (writer: slot). See decideFrame.
 */
export const SLOT_BUSY = 7;
/**
 * Staged commits: the sequence number through which this slot has prepared every patch command
 * it drained (EngineHost.prepare), so the next slot prepares only after it and the two never
 * stall together (writer: slot; -1 at start). See slot-worker.ts.
 */
export const SLOT_PREPARED_SEQ = 8;
/** Handle of the module whose output the slot's tap ring holds (-1: none; writer: slot). */
export const SLOT_TAP_HANDLE = 9;
const SLOT_INT_FIELDS = 10;

// ---- per-slot Float64 fields (index into `slotStats[slot]`)
/** Render time statistics of the last block and running totals, ms (writer: slot). */
export const STAT_RENDER_LAST_MS = 0;
export const STAT_RENDER_SUM_MS = 1;
export const STAT_RENDER_MAX_MS = 2;
export const STAT_RENDER_COUNT = 3;
const STAT_FIELDS = 4;
/** Render-time histogram: bucket k counts blocks that took [k, k+1) × HIST_BUCKET_MS. */
export const HIST_BUCKETS = 200;
export const HIST_BUCKET_MS = 0.05;

// ---- fields of one command record (Float64): an EncodedCommand (engine-command.ts) and its stamps
/** Requested frame: the command applies at max(requested, start of the deciding slot's next block). */
export const CMD_FRAME = 0;
/** CMD_* kind, handle, index, value (and CMD_AUX): the EncodedCommand's numbers. */
export const CMD_KIND = 1;
export const CMD_HANDLE = 2;
export const CMD_INDEX = 3;
export const CMD_VALUE = 4;
/** Sequence number of the command: its entry in the decision table. */
export const CMD_SEQ = 5;
/** Where the command's payload text lies in the payload area (byte offset, UTF-8 length; 0 and 0 without one). */
export const CMD_PAYLOAD_AT = 6;
export const CMD_PAYLOAD_BYTES = 7;
/** The EncodedCommand's aux (a ramp's length in ms; 0 for the other kinds). */
export const CMD_AUX = 8;
export const CMD_FIELDS = 9;

/**
 * Decision table entry value meaning "no slot has decided yet". Otherwise an entry holds the
 * block index at whose start the first slot to drain the command was about to render.
 */
export const UNDECIDED = -2147483648;

export interface SlotViews {
  readonly ints: Int32Array;
  readonly stats: Float64Array;
  readonly histogram: Float64Array;
  /** ringBlocks × 2 channels × blockSize samples: block b at ((b mod ringBlocks) · 2 + ch) · blockSize. */
  readonly audio: Float32Array;
  /** The same memory as `audio`, as raw bits (for block hashes). */
  readonly audioBits: Int32Array;
  /** Per ring position: the block index it holds (stored last, with Atomics.store). */
  readonly stamps: Int32Array;
  /** Per history position (block mod hashHistory): block index and its hash. */
  readonly hashBlocks: Int32Array;
  readonly hashes: Int32Array;
  /**
   * The tapped module output (CTL_TAP_HANDLE), mono: ringBlocks × blockSize samples, block b at
   * (b mod ringBlocks) · blockSize, stamped by the same `stamps` as the audio ring.
   */
  readonly tap: Float32Array;
  /** Per sequencer index: the step it last played, or -1 (SequencerBank.playingStep; writer: slot). */
  readonly seqSteps: Int32Array;
}

export interface SharedViews {
  readonly config: RuntimeConfig;
  readonly buffer: SharedArrayBuffer;
  readonly ctl: Int32Array;
  readonly clock: Float64Array;
  readonly slots: readonly SlotViews[];
  /** The command ring, shared by all slots: commandCapacity records of CMD_FIELDS float64s. */
  readonly commands: Float64Array;
  /** The command ring's payload area: UTF-8 texts of patches and control ops (payloadBytes). */
  readonly payloads: Buffer;
  /**
   * One entry per command sequence number (mod commandCapacity), shared by all slots: the first
   * slot to drain a command fixes its application block with compareExchange, so every slot
   * applies it at the same frame however far apart they run (lockstep without a race).
   */
  readonly decisions: Int32Array;
  /** Record ring: recordBlocks × 2 × blockSize, written by the output worker. */
  readonly record: Float32Array;
}

/** Byte layout: computed identically by every thread from the config. */
function layout(config: RuntimeConfig): { size: number; carve: (buffer: SharedArrayBuffer) => SharedViews } {
  let offset = 0;
  const take = (bytes: number): number => {
    offset = Math.ceil(offset / 8) * 8;
    const at = offset;
    offset += bytes;
    return at;
  };
  const ctlAt = take(CTL_INT_FIELDS * 4);
  const clockAt = take(CLOCK_FIELDS * 8);
  const audioSamples = config.ringBlocks * 2 * config.blockSize;
  const slotOffsets = Array.from({ length: config.slots }, () => ({
    ints: take(SLOT_INT_FIELDS * 4),
    stats: take(STAT_FIELDS * 8),
    histogram: take(HIST_BUCKETS * 8),
    audio: take(audioSamples * 4),
    stamps: take(config.ringBlocks * 4),
    hashBlocks: take(config.hashHistory * 4),
    hashes: take(config.hashHistory * 4),
    tap: take(config.ringBlocks * config.blockSize * 4),
    seqSteps: take(MAX_SEQUENCERS * 4),
  }));
  const recordAt = take(config.recordBlocks * 2 * config.blockSize * 4);
  const decisionsAt = take(config.commandCapacity * 4);
  const commandsAt = take(config.commandCapacity * CMD_FIELDS * 8);
  const payloadsAt = take(config.payloadBytes);
  return {
    size: offset,
    carve: (buffer) => ({
      config,
      buffer,
      ctl: new Int32Array(buffer, ctlAt, CTL_INT_FIELDS),
      clock: new Float64Array(buffer, clockAt, CLOCK_FIELDS),
      slots: slotOffsets.map((o) => ({
        ints: new Int32Array(buffer, o.ints, SLOT_INT_FIELDS),
        stats: new Float64Array(buffer, o.stats, STAT_FIELDS),
        histogram: new Float64Array(buffer, o.histogram, HIST_BUCKETS),
        audio: new Float32Array(buffer, o.audio, audioSamples),
        audioBits: new Int32Array(buffer, o.audio, audioSamples),
        stamps: new Int32Array(buffer, o.stamps, config.ringBlocks),
        hashBlocks: new Int32Array(buffer, o.hashBlocks, config.hashHistory),
        hashes: new Int32Array(buffer, o.hashes, config.hashHistory),
        tap: new Float32Array(buffer, o.tap, config.ringBlocks * config.blockSize),
        seqSteps: new Int32Array(buffer, o.seqSteps, MAX_SEQUENCERS),
      })),
      record: new Float32Array(buffer, recordAt, config.recordBlocks * 2 * config.blockSize),
      decisions: new Int32Array(buffer, decisionsAt, config.commandCapacity),
      commands: new Float64Array(buffer, commandsAt, config.commandCapacity * CMD_FIELDS),
      payloads: Buffer.from(buffer, payloadsAt, config.payloadBytes),
    }),
  };
}

function isPowerOfTwo(n: number): boolean {
  return Number.isInteger(n) && n > 0 && (n & (n - 1)) === 0;
}

/** Allocates and initialises the shared state (supervisor). */
export function createSharedState(config: RuntimeConfig): SharedViews {
  for (const key of ['ringBlocks', 'hashHistory', 'commandCapacity', 'recordBlocks'] as const) {
    if (!isPowerOfTwo(config[key])) throw new Error(`${key} must be a power of two, got ${config[key]}`);
  }
  const { size, carve } = layout(config);
  const views = carve(new SharedArrayBuffer(size));
  views.ctl[CTL_TAP_HANDLE] = -1;
  for (const slot of views.slots) {
    slot.ints[SLOT_TAP_HANDLE] = -1;
    slot.seqSteps.fill(-1);
    slot.stamps.fill(-1);
    slot.ints[SLOT_PREPARED_SEQ] = -1;
    slot.hashBlocks.fill(-1);
  }
  return views;
}

/** Views over an existing buffer (workers). */
export function attachSharedState(config: RuntimeConfig, buffer: SharedArrayBuffer): SharedViews {
  return layout(config).carve(buffer);
}

/** FNV-1a over the bits of a stereo block: a cheap fingerprint for lockstep checks. No allocation. */
export function hashBlock(bits: Int32Array, start: number, length: number): number {
  let h = 0x811c9dc5 | 0;
  for (let i = start; i < start + length; i++) {
    h = Math.imul(h ^ bits[i]!, 0x01000193);
  }
  return h;
}
