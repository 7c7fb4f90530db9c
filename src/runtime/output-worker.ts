// The output worker: takes block n from the active slot (or, if the active slot does not have
// it in time, from the other slot, which rendered the identical block in lockstep), feeds the
// sink and the recording tap, then publishes n+1 as consumed and wakes the producers.
//
// Null sink (no sound card): a clock with frame-indexed deadlines t0 + n·P (never accumulated
// sleep errors); after a stall it catches up block by block, and if it is hopelessly late
// (> REANCHOR_MS) it re-anchors its clock instead of bursting. Waits use Atomics.wait with a
// timeout (spinning gave no better tail on this VM, at many times the CPU: docs/performance.md).
// Allocation per block: one clock read (16 bytes; Node has no allocation-free clock).
//
// Device sink (sound card through audify, device-sink.ts): the device pulls; each callback
// takes the next block exactly as the null sink does (same take/tap), and the clock anchor is
// estimated from the callbacks. This worker's event loop then stays idle between callbacks.

import { performance } from 'node:perf_hooks';
import { workerData } from 'node:worker_threads';
import { loadAudify } from './audify.js';
import { OutputHistoryWriter, type OutputHistoryConfig } from './output-taps.js';
import { startDeviceSink, stderrLine } from './device-sink.js';
import {
  CLOCK_MAX_LATE_MS, CLOCK_T0, CTL_ACTIVE, CTL_CLOCK_STARTED, CTL_CONSUMED, CTL_LATE_CYCLES, CTL_LEAD, CTL_REANCHORS,
  CTL_RECORDING, CTL_RECORD_DROPS, CTL_RECORD_FIRST_BLOCK, CTL_RECORD_READ, CTL_RECORD_WRITE, CTL_RUNNING, CTL_TAKEN_FROM_OTHER, CTL_UNDERRUNS,
  SLOT_LOCKSTEP, SLOT_PRODUCED, SLOT_STATE, attachSharedState, type RuntimeConfig,
} from './shared-state.js';

interface OutputWorkerData {
  readonly config: RuntimeConfig;
  readonly buffer: SharedArrayBuffer;
  /** Longest wait for the first blocks before the clock starts anyway, ms. */
  readonly startTimeoutMs: number;
  /** 'device': the sound card through audify (chosen and probed by the main thread); default 'null'. */
  readonly sink?: 'null' | 'device';
  /** RtAudio device id for the device sink; -1 or absent: the default output device. */
  readonly deviceId?: number;
  /** The output history ring (output-taps.ts): every block the sink got is written there. */
  readonly history: { readonly config: OutputHistoryConfig; readonly buffer: SharedArrayBuffer };
}

/** Beyond this lateness the clock re-anchors rather than catching up. */
const REANCHOR_MS = 200;

const data = workerData as OutputWorkerData;
const { config } = data;
const views = attachSharedState(config, data.buffer);
const ctl = views.ctl;
const block = config.blockSize;
const periodMs = (1000 * block) / config.sampleRate;
const ringMask = config.ringBlocks - 1;
const recordMask = config.recordBlocks - 1;
const slotCount = views.slots.length;
const left = new Float32Array(block);
const right = new Float32Array(block);
const history = new OutputHistoryWriter(data.history.config, data.history.buffer);

/** Copies block n into left/right from `slot`'s ring. */
function copyFrom(slot: number, n: number): void {
  const audio = views.slots[slot]!.audio;
  const base = (n & ringMask) * 2 * block;
  for (let i = 0; i < block; i++) {
    left[i] = audio[base + i]!;
    right[i] = audio[base + block + i]!;
  }
}

/** True when `slot` is in lockstep and has block n in its ring. */
function has(slot: number, n: number): boolean {
  const s = views.slots[slot]!;
  return Atomics.load(s.ints, SLOT_STATE) === SLOT_LOCKSTEP && Atomics.load(s.stamps, n & ringMask) === n;
}

/**
 * Takes block n from the active slot, else from any other slot in lockstep that has it (the
 * identical block: failover within one block, sample-continuous), else silence (an underrun).
 */
function take(n: number): void {
  const active = Atomics.load(ctl, CTL_ACTIVE);
  if (has(active, n)) {
    copyFrom(active, n);
    return;
  }
  for (let s = 0; s < slotCount; s++) {
    if (s !== active && has(s, n)) {
      copyFrom(s, n);
      Atomics.add(ctl, CTL_TAKEN_FROM_OTHER, 1);
      return;
    }
  }
  Atomics.add(ctl, CTL_UNDERRUNS, 1);
  left.fill(0);
  right.fill(0);
}

/**
 * Block n, as the sink received it, into the output history (always; allocation-free) and the
 * record ring (while recording).
 */
function tap(n: number): void {
  history.write(n, left, right);
  if (Atomics.load(ctl, CTL_RECORDING) !== 1) return;
  if (Atomics.load(ctl, CTL_RECORD_FIRST_BLOCK) === -1) Atomics.store(ctl, CTL_RECORD_FIRST_BLOCK, n);
  const write = Atomics.load(ctl, CTL_RECORD_WRITE);
  if (((write - Atomics.load(ctl, CTL_RECORD_READ)) | 0) >= config.recordBlocks) {
    Atomics.add(ctl, CTL_RECORD_DROPS, 1);
    return;
  }
  const base = (write & recordMask) * 2 * block;
  const record = views.record;
  for (let i = 0; i < block; i++) {
    record[base + i] = left[i]!;
    record[base + block + i] = right[i]!;
  }
  Atomics.store(ctl, CTL_RECORD_WRITE, (write + 1) | 0);
}

/** Waits (bounded) until the active slot has its first `lead` blocks, so playback starts full. */
function awaitFirstBlocks(): void {
  const deadline = performance.now() + data.startTimeoutMs;
  while (Atomics.load(ctl, CTL_RUNNING) === 1 && performance.now() < deadline) {
    const active = Atomics.load(ctl, CTL_ACTIVE);
    const produced = Atomics.load(views.slots[active]!.ints, SLOT_PRODUCED);
    if (((produced - Atomics.load(ctl, CTL_CONSUMED)) | 0) >= Atomics.load(ctl, CTL_LEAD)) return;
    Atomics.wait(ctl, CTL_RUNNING, 1, 1);
  }
}

/** The clocked null sink: runs until CTL_RUNNING is 0 (blocks this thread; no event loop). */
function runNullSink(): void {
  let n = Atomics.load(ctl, CTL_CONSUMED);
  // Block n (not always 0: a resumed server continues its block count) is due one period from now.
  let t0 = performance.now() + periodMs - n * periodMs;
  views.clock[CLOCK_T0] = t0;
  Atomics.store(ctl, CTL_CLOCK_STARTED, 1);
  while (Atomics.load(ctl, CTL_RUNNING) === 1) {
    const due = t0 + n * periodMs;
    const now = performance.now();
    if (now < due) {
      Atomics.wait(ctl, CTL_RUNNING, 1, due - now);
      continue;
    }
    const late = now - due;
    if (late > periodMs) Atomics.add(ctl, CTL_LATE_CYCLES, 1);
    if (late > views.clock[CLOCK_MAX_LATE_MS]!) views.clock[CLOCK_MAX_LATE_MS] = late;
    if (late > REANCHOR_MS) {
      // Hopelessly late: move the timeline instead of bursting through the backlog.
      t0 = now - n * periodMs;
      views.clock[CLOCK_T0] = t0;
      Atomics.add(ctl, CTL_REANCHORS, 1);
    }
    take(n);
    tap(n);
    n = (n + 1) | 0;
    Atomics.store(ctl, CTL_CONSUMED, n);
    Atomics.notify(ctl, CTL_CONSUMED);
  }
}

awaitFirstBlocks();
if (data.sink === 'device') {
  // The main thread probed the device before starting us; failing here is a race (device
  // taken or gone in between): the error ends this worker and the supervisor reports it.
  const audify = await loadAudify();
  if (!audify.ok) throw new Error(`the device sink needs audify: ${audify.reason}`);
  startDeviceSink({
    audify: audify.audify,
    views,
    deviceId: data.deviceId ?? -1,
    fill: (n) => {
      take(n);
      tap(n);
    },
    left,
    right,
    log: stderrLine,
  });
} else {
  runNullSink();
}
