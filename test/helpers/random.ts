// Seeded pseudo-random numbers for tests (mulberry32), so every fuzz run is reproducible.

export class TestRandom {
  private s: number;
  constructor(seed: number) {
    this.s = seed >>> 0;
  }
  /** Uniform in [0, 1). */
  next(): number {
    this.s = (this.s + 0x6d2b79f5) >>> 0;
    let t = this.s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }
  range(lo: number, hi: number): number {
    return lo + (hi - lo) * this.next();
  }
  int(lo: number, hiInclusive: number): number {
    return lo + Math.floor(this.next() * (hiInclusive - lo + 1));
  }
  /** `n` samples of uniform noise in [-amp, amp). */
  noise(n: number, amp = 1): Float32Array {
    const out = new Float32Array(n);
    for (let i = 0; i < n; i++) out[i] = amp * (2 * this.next() - 1);
    return out;
  }
  /** Random block lengths in [1, max] covering `total` frames. */
  cuts(total: number, max: number): number[] {
    const out: number[] = [];
    for (let done = 0; done < total; ) {
      const n = Math.min(total - done, this.int(1, max));
      out.push(n);
      done += n;
    }
    return out;
  }
}
