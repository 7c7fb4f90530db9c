// Streaming short-term loudness (LUFS) of a stereo signal for the dashboard's meter, after
// ITU-R BS.1770-4 (Annex 1) and EBU Tech 3341 (short-term: a sliding 3 s rectangular window):
// K-weighting, mean square per channel over the window, L = −0.691 + 10·log10(Σ G_c · z_c) with
// G = 1 for left and right. The K-weighting filters come from src/analysis/loudness.ts (their
// derivation for any rate and their test against the standard's 48 kHz tables are there);
// this adds what a live meter needs: block-by-block filtering with state carried across
// blocks, and a sliding window of per-block sums.
//
// Threading: main thread (the dashboard feed). `push` allocates nothing.

import { kWeightingFilters, type Biquad } from '../analysis/loudness.js';

/** Loudness of a mean-square sum, LUFS (−Infinity for silence). */
export function lufsOf(meanSquareSum: number): number {
  return meanSquareSum > 0 ? -0.691 + 10 * Math.log10(meanSquareSum) : Number.NEGATIVE_INFINITY;
}

/**
 * Short-term loudness, updated block by block: push each block (left, right) as it is played;
 * `shortTerm` is the loudness of the last 3 s (of what was pushed; less at the start).
 */
export class ShortTermLoudness {
  /** Per channel, direct form I state of both stages: x1 x2 y1 y2 (shelf), y1' y2' (high-pass). */
  private readonly state = new Float64Array(12);
  private readonly shelf: Biquad;
  private readonly highPass: Biquad;
  /** Sum of squares of K-weighted samples per block (both channels summed), a ring over the window. */
  private readonly blockSums: Float64Array;
  private readonly blockFrames: Float64Array;
  private next = 0;

  constructor(sampleRate: number, blockSize: number, windowSeconds = 3) {
    [this.shelf, this.highPass] = kWeightingFilters(sampleRate);
    const blocks = Math.max(1, Math.round((windowSeconds * sampleRate) / blockSize));
    this.blockSums = new Float64Array(blocks);
    this.blockFrames = new Float64Array(blocks);
  }

  /** Adds `frames` frames of a stereo signal starting at `offset`. No allocation. */
  push(left: Float32Array, right: Float32Array, offset: number, frames: number): void {
    const sum = this.filter(left, offset, frames, 0) + this.filter(right, offset, frames, 6);
    this.blockSums[this.next] = sum;
    this.blockFrames[this.next] = frames;
    this.next = (this.next + 1) % this.blockSums.length;
  }

  /** Loudness of the window, LUFS (−Infinity for digital silence). */
  get shortTerm(): number {
    let sum = 0;
    let frames = 0;
    for (let i = 0; i < this.blockSums.length; i++) {
      sum += this.blockSums[i]!;
      frames += this.blockFrames[i]!;
    }
    return frames === 0 ? Number.NEGATIVE_INFINITY : lufsOf(sum / frames);
  }

  /** Forgets the window and the filter state. */
  reset(): void {
    this.state.fill(0);
    this.blockSums.fill(0);
    this.blockFrames.fill(0);
  }

  /** Runs one channel through both stages; returns the sum of squares of the output. */
  private filter(x: Float32Array, offset: number, frames: number, at: number): number {
    const s = this.state;
    const p = this.shelf;
    const h = this.highPass;
    let x1 = s[at]!, x2 = s[at + 1]!, y1 = s[at + 2]!, y2 = s[at + 3]!, z1 = s[at + 4]!, z2 = s[at + 5]!;
    let sum = 0;
    for (let i = offset; i < offset + frames; i++) {
      const x0 = x[i]!;
      const y0 = p.b0 * x0 + p.b1 * x1 + p.b2 * x2 - p.a1 * y1 - p.a2 * y2;
      // High-pass input is the shelf output: its x history is y0, y1, y2.
      const z0 = y0 - 2 * y1 + y2 - h.a1 * z1 - h.a2 * z2;
      x2 = x1;
      x1 = x0;
      y2 = y1;
      y1 = Math.abs(y0) < 1e-30 ? 0 : y0;
      z2 = z1;
      z1 = Math.abs(z0) < 1e-30 ? 0 : z0;
      sum += z0 * z0;
    }
    s[at] = x1;
    s[at + 1] = x2;
    s[at + 2] = y1;
    s[at + 3] = y2;
    s[at + 4] = z1;
    s[at + 5] = z2;
    return sum;
  }
}
