// The sound-card sink: an RtAudio output stream (audify) driven from the output worker.
//
// Pull model (audify 1.10.1, read from its rt_audio.cpp): write() copies one buffer of exactly
// `frameSize` frames into a native queue; on RtAudio's own thread, each device period pops one
// buffer into the device (or plays silence if the queue is empty) and, only when it popped one,
// calls `frameOutputCallback` on this worker's event loop through a thread-safe function. So the
// queue must never run dry or the callbacks stop: it is primed with `queueBuffers` buffers before
// start(), and every callback writes exactly one buffer back. A buffer holds `perBuffer` whole
// blocks (at least DEVICE_PERIOD_MIN_MS: RtAudio keeps only 4 buffers in ALSA, too little for
// 128 frames on a noisy VM). For each block the callback takes block n the way the
// null sink does (active slot, else the other slot, else silence + underrun) and taps the
// recording; then it writes the buffer, publishes CTL_CONSUMED and wakes the producers.
//
// Clock: the device's timeline is estimated from the callbacks (device-clock.ts) and published
// as CLOCK_T0 / CTL_CLOCK_STARTED, so producers' clock pacing and the timetag mapping work as
// with the null sink. "Block n due at t0 + n·P" means "taken from the ring"; the device plays it
// later by the queue, RtAudio's ALSA buffer and the sound server's latency (tens of ms to
// PulseAudio's monitor: docs/performance.md, "Figures behind design choices").
// Counters: a callback later than the queue's slack (queued audio minus one buffer: later than
// that, the device may already have played silence) → CTL_LATE_CYCLES; the largest lateness →
// CLOCK_MAX_LATE_MS (lateness is relative to the estimated timeline, whose jitter under
// PulseAudio is about one period even when all is well). A slip of the device timeline
// (silence played while this worker or the device stalled) → CTL_REANCHORS. Device periods of
// silence (from RtAudio's stream time) and the callback period are reported in one line at
// shutdown.
//
// Threading: output worker only; the worker's event loop must stay idle between callbacks.
// Allocation per callback: none in JS besides the clock reads (performance.now(), streamTime);
// audify's write() copies into a native buffer it allocates.
// RtAudio's error callback lives in a process-wide variable of the addon: open at most one
// stream per process (the server has one output worker; probing happens in a child process).

import { writeSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { RTAUDIO_ERROR_DEBUG_WARNING, RTAUDIO_FLOAT32, type AudifyModule, type RtAudioInstance } from './audify.js';
import { DeviceClock } from './device-clock.js';
import {
  CLOCK_MAX_LATE_MS, CLOCK_T0, CTL_CLOCK_STARTED, CTL_CONSUMED, CTL_DEVICE_GAPS, CTL_LATE_CYCLES, CTL_REANCHORS, CTL_RUNNING,
  SLOT_PRODUCED, type SharedViews,
} from './shared-state.js';
import { histogramQuantile } from './stats.js';

/**
 * Audio the device queue holds ahead of the device: covers this worker's event-loop jitter
 * (16 ms left fewer audible gaps than 8 ms: docs/performance.md, "Figures behind design
 * choices").
 */
export const DEVICE_QUEUE_MS = 16;
/**
 * Shortest device buffer. RtAudio keeps 4 of them in ALSA, and 4 × 128 frames (10.7 ms) was too
 * little (far more audible gaps than 256-frame buffers: docs/performance.md, "Figures behind
 * design choices"). So blocks are batched into buffers of at least 5 ms (128-frame blocks: 2
 * per buffer).
 */
export const DEVICE_PERIOD_MIN_MS = 5;
/** Longest wait for one block while priming the device queue, ms. */
const PRIME_WAIT_MS = 200;
/**
 * After stop() and closeStream(), the worker's event loop runs this long before the thread ends,
 * so thread-safe calls RtAudio queued meanwhile (a last frame callback, a warning from draining
 * the ALSA stream) reach JS while JS can still run. Ending the thread with such a call pending
 * makes audify's callback throw a C++ Napi::Error during teardown, which aborts the process
 * ("terminate called after throwing an instance of 'Napi::Error'", seen once in CI).
 */
const CLOSE_DRAIN_MS = 100;
/** Shutdown/stall watch period of the worker's timer, ms. */
const WATCH_MS = 20;
/** A running device that has not called back for this long is reported (once) as stalled. */
const STALL_REPORT_MS = 1000;
/** Callback-interval histogram: 0.05 ms buckets up to 100 ms. */
const HIST_BUCKET_MS = 0.05;
const HIST_BUCKETS = 2000;

export interface DeviceSinkContext {
  readonly audify: AudifyModule;
  readonly views: SharedViews;
  /** RtAudio device id, or -1 for the default output device. */
  readonly deviceId: number;
  /** Fills `left`/`right` with block n (take from a slot + recording tap). */
  readonly fill: (n: number) => void;
  readonly left: Float32Array;
  readonly right: Float32Array;
  /** Writes one line to the server's stderr (not on the per-block path). */
  readonly log: (line: string) => void;
}

/** Blocks in one device buffer: whole blocks, at least DEVICE_PERIOD_MIN_MS. */
export function deviceBlocksPerBuffer(sampleRate: number, blockSize: number): number {
  return Math.max(1, Math.ceil((DEVICE_PERIOD_MIN_MS * sampleRate) / (1000 * blockSize)));
}

/** Device buffers to keep queued in audify: at least 2, about DEVICE_QUEUE_MS. */
export function deviceQueueBuffers(sampleRate: number, blockSize: number): number {
  const bufferFrames = deviceBlocksPerBuffer(sampleRate, blockSize) * blockSize;
  return Math.max(2, Math.ceil((DEVICE_QUEUE_MS * sampleRate) / (1000 * bufferFrames)));
}

/**
 * Opens the device, primes it, starts it and returns; the stream then runs on callbacks until
 * CTL_RUNNING becomes 0, when it stops and closes the stream and ends the worker thread
 * (a closed RtAudio keeps the event loop alive). Throws if the device cannot be opened.
 */
export function startDeviceSink(ctx: DeviceSinkContext): void {
  const { views, left, right, fill } = ctx;
  const { ctl, config } = views;
  const block = config.blockSize;
  const periodMs = (1000 * block) / config.sampleRate;
  const perBuffer = deviceBlocksPerBuffer(config.sampleRate, block);
  const bufferFrames = perBuffer * block;
  const queueBuffers = deviceQueueBuffers(config.sampleRate, block);
  const lateMs = (queueBuffers - 1) * perBuffer * periodMs;
  const clock = new DeviceClock(periodMs, perBuffer);
  const pcm = Buffer.alloc(bufferFrames * 2 * 4);
  const samples = new Float32Array(pcm.buffer, pcm.byteOffset, bufferFrames * 2);
  const intervals = new Float64Array(HIST_BUCKETS);
  let n = Atomics.load(ctl, CTL_CONSUMED);
  let callbacks = 0;
  let lastCallback = -1;
  let maxIntervalMs = 0;
  let stopping = false;
  let stallReported = false;
  let errors = 0;
  // Silent device periods = device periods (stream time) − buffers popped; least value per chunk.
  // (Stream time ticks after the device write, so the value may read one low: only differences count.)
  let silentChunkMin = Infinity;
  let silentBase = 0;
  let haveSilentBase = false;
  let silentLast = 0;

  const rt: RtAudioInstance = new ctx.audify.RtAudio();
  /** Takes the next `perBuffer` blocks, interleaves them into `pcm` and queues it. */
  const writeBuffer = (): void => {
    for (let b = 0; b < perBuffer; b++) {
      fill(n);
      const base = 2 * b * block;
      for (let i = 0; i < block; i++) {
        samples[base + 2 * i] = left[i]!;
        samples[base + 2 * i + 1] = right[i]!;
      }
      n = (n + 1) | 0;
      Atomics.store(ctl, CTL_CONSUMED, n);
    }
    rt.write(pcm);
    Atomics.notify(ctl, CTL_CONSUMED);
  };

  const onFrame = (): void => {
    if (stopping) return;
    const now = performance.now();
    if (lastCallback >= 0) {
      const interval = now - lastCallback;
      const bucket = (interval / HIST_BUCKET_MS) | 0;
      intervals[bucket < HIST_BUCKETS ? bucket : HIST_BUCKETS - 1]!++;
      if (interval > maxIntervalMs) maxIntervalMs = interval;
    }
    lastCallback = now;
    callbacks++;
    const wasStarted = clock.started;
    const previousT0 = clock.t0;
    const reanchors = clock.reanchors;
    const late = clock.observe(now, n);
    if (clock.started) {
      if (!wasStarted) {
        views.clock[CLOCK_T0] = clock.t0;
        Atomics.store(ctl, CTL_CLOCK_STARTED, 1);
      } else if (clock.t0 !== previousT0) {
        views.clock[CLOCK_T0] = clock.t0;
        if (clock.reanchors !== reanchors) Atomics.add(ctl, CTL_REANCHORS, 1);
      }
      if (late > lateMs) Atomics.add(ctl, CTL_LATE_CYCLES, 1);
      if (late > views.clock[CLOCK_MAX_LATE_MS]!) views.clock[CLOCK_MAX_LATE_MS] = late;
      // Device periods so far minus buffers popped (= callbacks): silence the device played.
      const silent = Math.round((rt.streamTime * config.sampleRate) / bufferFrames) - callbacks;
      if (silent < silentChunkMin) silentChunkMin = silent;
      if (callbacks % 256 === 0) {
        if (!haveSilentBase) {
          silentBase = silentChunkMin;
          haveSilentBase = true;
        }
        silentLast = silentChunkMin;
        silentChunkMin = Infinity;
        Atomics.store(ctl, CTL_DEVICE_GAPS, Math.max(0, silentLast - silentBase));
      }
    }
    writeBuffer();
  };

  const onError = (type: number, message: string): void => {
    errors++;
    if (errors <= 3) ctx.log(`chronus: sound card ${type <= RTAUDIO_ERROR_DEBUG_WARNING ? 'warning' : 'error'}: ${message}${errors === 3 ? ' (further messages are only counted)' : ''}`);
  };

  let frames: number;
  try {
    const deviceId = ctx.deviceId >= 0 ? ctx.deviceId : rt.getDefaultOutputDevice();
    frames = rt.openStream({ deviceId, nChannels: 2 }, null, RTAUDIO_FLOAT32, config.sampleRate, bufferFrames, 'chronus', null, onFrame, 0, onError);
  } catch (error) {
    throw new Error(`cannot open the sound card: ${(error as Error).message}`);
  }
  if (frames !== bufferFrames || rt.getStreamSampleRate() !== config.sampleRate) {
    rt.closeStream();
    throw new Error(`the sound card would not run ${bufferFrames}-frame buffers at ${config.sampleRate} Hz (it offered ${frames} frames at ${rt.getStreamSampleRate()} Hz)`);
  }
  for (let i = 0; i < queueBuffers; i++) {
    // Priming may ask for more blocks than the lead holds: let the producers catch up first.
    awaitBlock(views, (n + perBuffer - 1) | 0, PRIME_WAIT_MS);
    writeBuffer();
  }
  rt.start();

  const shutdown = (): void => {
    stopping = true;
    clearInterval(watch);
    try {
      rt.stop();
    } catch {
      // already stopped or the device is gone: closing is what matters
    }
    try {
      rt.closeStream();
    } catch {
      // nothing left to release
    }
    setTimeout(() => {
      const gaps = haveSilentBase ? Math.max(0, silentLast - silentBase) : 0;
      ctx.log(`chronus: sound card stopped: ${callbacks} callbacks, period p50 ${histogramQuantile(intervals, HIST_BUCKET_MS, 0.5).toFixed(2)} ms, p99 ${histogramQuantile(intervals, HIST_BUCKET_MS, 0.99).toFixed(2)} ms, max ${maxIntervalMs.toFixed(2)} ms; ${gaps} silent device period(s) after start; buffers of ${bufferFrames} frames, ${queueBuffers} queued; ${clock.warmupCallbacks} warm-up callbacks; ${errors} RtAudio message(s)`);
      process.exit(0);
    }, CLOSE_DRAIN_MS);
  };
  const watch = setInterval(() => {
    if (Atomics.load(ctl, CTL_RUNNING) !== 1) {
      shutdown();
      return;
    }
    if (!stallReported && clock.started && performance.now() - lastCallback > STALL_REPORT_MS) {
      stallReported = true;
      ctx.log(`chronus: the sound card stopped asking for audio (no callback for ${STALL_REPORT_MS} ms)`);
    }
  }, WATCH_MS);
}

/** Before the stream starts only: waits (bounded) until some slot has rendered block n. */
function awaitBlock(views: SharedViews, n: number, timeoutMs: number): void {
  const { ctl } = views;
  const deadline = performance.now() + timeoutMs;
  while (Atomics.load(ctl, CTL_RUNNING) === 1 && performance.now() < deadline) {
    for (const slot of views.slots) if (((Atomics.load(slot.ints, SLOT_PRODUCED) - n) | 0) > 0) return;
    Atomics.wait(ctl, CTL_RUNNING, 1, 1);
  }
}

/** A logger for worker threads: synchronous writes to fd 2, so lines survive process.exit(). */
export function stderrLine(line: string): void {
  try {
    writeSync(2, `${line}\n`);
  } catch {
    // stderr closed: nothing to do
  }
}
