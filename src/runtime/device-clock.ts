// The clock anchor of the sound-card sink, estimated from the device's pull callbacks.
//
// The null sink owns its timeline (block n is due at t0 + n·P by construction). A sound card
// owns its own: it asks for a block whenever it has room, and the callback for block n runs at
// the device's moment for n plus a delay that is never negative (thread-safe-function hand-over,
// the worker's event-loop jitter). So every callback gives an upper bound of t0:
//   s = now − n·P  ≥  t0,
// and the estimate follows the low edge of recent s:
// - warm-up: the device starts with a burst (it fills its own buffer as fast as it can) and,
//   under PulseAudio, a pause of up to ~2 s; nothing is published until `warmup` consecutive
//   callbacks arrived at a plausible interval (¼ .. 4 device periods apart); t0 is then the least
//   s of that run. (A device period may hold several blocks: then n advances by that many.)
// - running: at the end of every chunk of `chunk` callbacks t0 moves to a low percentile (10 %)
//   of that chunk's s: a low percentile rather than the least value, because a device that
//   restarts after an underrun refills its buffer with a burst of early callbacks, which must
//   not drag the timeline earlier. This follows clock drift either way and also a slip (the
//   device played silence while the worker or the device stalled, and every later block plays
//   that much later); a move of more than P/2 counts as a re-anchor. A slip shows sooner as a
//   run of callbacks all later than `slipMs`: after `slipRun` of them t0 moves at once to the
//   least s of the run.
// - lateness of a callback = s − t0, 0 for early ones.
//
// Threading: output worker only. No allocation after construction (the chunk sorts in place).

export class DeviceClock {
  /** performance.now() of block 0's deadline on the device's timeline (valid once started). */
  t0 = 0;
  started = false;
  /** Times t0 moved by more than half a period (the device's timeline slipped). */
  reanchors = 0;
  /** Callbacks seen before the clock started (burst and start-up pause included). */
  warmupCallbacks = 0;
  private lastNow = -1;
  private streak = 0;
  private streakMin = Infinity;
  private chunkCount = 0;
  private readonly chunkS: Float64Array;
  private slipCount = 0;
  private slipMin = Infinity;
  private readonly slipMs: number;

  private readonly callbackPeriodMs: number;

  constructor(
    /** Block period P, ms (t0 is on the block timeline: block n due at t0 + n·P). */
    private readonly periodMs: number,
    /** Blocks each callback takes (the device buffer holds that many blocks). */
    blocksPerCallback = 1,
    private readonly warmup = 16,
    private readonly chunk = 128,
    /** Start anyway after this many callbacks without a steady run (keeps a jittery device usable). */
    private readonly maxWarmupCallbacks = 2000,
    private readonly slipRun = 8,
    slipMs = Math.max(4 * periodMs * blocksPerCallback, 20),
  ) {
    this.callbackPeriodMs = periodMs * blocksPerCallback;
    this.slipMs = slipMs;
    this.chunkS = new Float64Array(chunk);
  }

  /**
   * Feeds the callback that takes block `n` at time `now` (ms). Returns its lateness in ms, or
   * -1 while warming up. After a call, `t0` may have moved; `started` may have become true.
   */
  observe(now: number, n: number): number {
    const s = now - n * this.periodMs;
    if (!this.started) return this.warm(now, s);
    const late = s - this.t0;
    if (late > this.slipMs) {
      if (s < this.slipMin) this.slipMin = s;
      if (++this.slipCount >= this.slipRun) this.move(this.slipMin);
    } else {
      this.slipCount = 0;
      this.slipMin = Infinity;
    }
    this.chunkS[this.chunkCount++] = s;
    if (this.chunkCount >= this.chunk) {
      this.chunkS.sort();
      this.move(this.chunkS[Math.floor(this.chunk * 0.1)]!);
    }
    return late < 0 ? 0 : late;
  }

  /** Moves t0 to `to`; restarts both windows. */
  private move(to: number): void {
    if (Math.abs(to - this.t0) > this.periodMs / 2) this.reanchors++;
    this.t0 = to;
    this.chunkCount = 0;
    this.slipCount = 0;
    this.slipMin = Infinity;
  }

  private warm(now: number, s: number): number {
    this.warmupCallbacks++;
    const interval = this.lastNow < 0 ? -1 : now - this.lastNow;
    this.lastNow = now;
    if (interval >= this.callbackPeriodMs / 4 && interval <= 4 * this.callbackPeriodMs) {
      this.streak++;
      if (s < this.streakMin) this.streakMin = s;
    } else {
      this.streak = 0;
      this.streakMin = s;
    }
    if (this.streak >= this.warmup || this.warmupCallbacks >= this.maxWarmupCallbacks) {
      this.t0 = Math.min(this.streakMin, s);
      this.started = true;
    }
    return -1;
  }
}
