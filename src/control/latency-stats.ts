// Control latency statistics: for each immediate command, the time from its arrival to the
// sink frame at which it takes effect, computed from frame counters (application frame minus
// the sink clock's position at arrival). Keeps the last `capacity` samples.
// Threading: main thread.

import { round, sortedQuantile } from '../runtime/stats.js';

export class LatencyStats {
  private readonly samples: Float64Array;
  private count = 0;

  constructor(capacity = 16384) {
    this.samples = new Float64Array(capacity);
  }

  add(ms: number): void {
    this.samples[this.count % this.samples.length] = ms;
    this.count++;
  }

  reset(): void {
    this.count = 0;
  }

  summary(): { count: number; p50: number; p99: number; max: number } {
    const n = Math.min(this.count, this.samples.length);
    if (n === 0) return { count: 0, p50: 0, p99: 0, max: 0 };
    const sorted = Float64Array.from(this.samples.subarray(0, n)).sort();
    return { count: this.count, p50: round(sortedQuantile(sorted, 0.5)), p99: round(sortedQuantile(sorted, 0.99)), max: round(sortedQuantile(sorted, 1)) };
  }
}

/** What the probe needs from the supervisor: the decided frame of a command, if decided. */
export interface DecisionSource {
  decidedFrameNow(seq: number): number | undefined;
}

/**
 * Tracks immediate commands until a slot has decided their frame, then records latency =
 * decided frame − sink frame at arrival. Resolved from a timer, so the high-rate /mod path
 * creates no promise per message. Threading: main thread.
 */
export class LatencyProbe {
  private readonly seqs = new Float64Array(8192);
  private readonly arrivals = new Float64Array(8192);
  private head = 0;
  private tail = 0;

  constructor(private readonly source: DecisionSource, private readonly stats: LatencyStats, private readonly sampleRate: number) {}

  track(seq: number, arrivalFrame: number | undefined): void {
    if (arrivalFrame === undefined) return;
    if (this.head - this.tail >= this.seqs.length) this.tail++; // keep the newest
    const i = this.head % this.seqs.length;
    this.seqs[i] = seq;
    this.arrivals[i] = arrivalFrame;
    this.head++;
  }

  resolve(): void {
    while (this.tail < this.head) {
      const i = this.tail % this.seqs.length;
      const frame = this.source.decidedFrameNow(this.seqs[i]!);
      if (frame === undefined) return;
      this.stats.add(((frame - this.arrivals[i]!) / this.sampleRate) * 1000);
      this.tail++;
    }
  }
}
