// Step lanes: per-step values every sequencer has without an assign (ops.ts StepLaneKind):
//   velocity  the note's gate velocity, 0–1 (0: the step rests); default 1
//   length    the gate length as a fraction of the step, 0.01–1; default the sequencer's gate_len
//   prob      the chance the step plays, 0–1; default 1
//   cond      N of M bars: the step plays only in bar N of every M (bars counted from the
//             sequencer's start, reset or config change, the first is bar 1); default always
// NaN stands for "the default". Like param lanes, a lane written while the sequencer runs waits
// for the next bar (`pending`) unless applied at once.
//
// Threading: render thread; nothing here allocates except snapshot/restore (between blocks).

import { MAX_SEQUENCERS, MAX_STEPS } from './limits.js';
import type { StepLaneKind } from './ops.js';

export const K_VELOCITY = 0;
export const K_LENGTH = 1;
export const K_PROB = 2;
export const K_COND_N = 3;
export const K_COND_M = 4;
const KINDS = 5;

export interface StepLanesSnapshot {
  readonly data: Float64Array;
  readonly pending: Float64Array;
  readonly flags: Uint8Array;
}

export class StepLanes {
  private readonly data = new Float64Array(MAX_SEQUENCERS * KINDS * MAX_STEPS).fill(Number.NaN);
  private readonly pending = new Float64Array(MAX_SEQUENCERS * KINDS * MAX_STEPS).fill(Number.NaN);
  private readonly flags = new Uint8Array(MAX_SEQUENCERS * KINDS);

  /** Step `index`'s value of lane `k` (K_*), NaN for the default; `ahead`: as it will be after the pending changes. */
  value(s: number, k: number, index: number, ahead: boolean): number {
    const lane = s * KINDS + k;
    return (ahead && this.flags[lane] === 1 ? this.pending : this.data)[lane * MAX_STEPS + index]!;
  }

  /** Writes a lane (cond: N in `values`, M in `of`) now or for the next bar. */
  write(s: number, kind: StepLaneKind, values: ReadonlyArray<number | null>, of: ReadonlyArray<number | null> | undefined, now: boolean): void {
    if (kind === 'cond') {
      this.writeOne(s, K_COND_N, values, now);
      this.writeOne(s, K_COND_M, of ?? [], now);
      return;
    }
    this.writeOne(s, kind === 'velocity' ? K_VELOCITY : kind === 'length' ? K_LENGTH : K_PROB, values, now);
  }

  private writeOne(s: number, k: number, values: ReadonlyArray<number | null>, now: boolean): void {
    const lane = s * KINDS + k;
    const target = now ? this.data : this.pending;
    for (let i = 0; i < MAX_STEPS; i++) {
      const v = i < values.length ? values[i] : null;
      target[lane * MAX_STEPS + i] = v === null || v === undefined ? Number.NaN : v;
    }
    this.flags[lane] = now ? 0 : 1;
  }

  /** The bar line: pending lanes of sequencer s take effect. */
  applyPending(s: number): void {
    for (let k = 0; k < KINDS; k++) {
      const lane = s * KINDS + k;
      if (this.flags[lane] !== 1) continue;
      this.flags[lane] = 0;
      for (let i = 0; i < MAX_STEPS; i++) this.data[lane * MAX_STEPS + i] = this.pending[lane * MAX_STEPS + i]!;
    }
  }

  clear(s: number): void {
    this.data.fill(Number.NaN, s * KINDS * MAX_STEPS, (s + 1) * KINDS * MAX_STEPS);
    this.pending.fill(Number.NaN, s * KINDS * MAX_STEPS, (s + 1) * KINDS * MAX_STEPS);
    this.flags.fill(0, s * KINDS, (s + 1) * KINDS);
  }

  snapshot(): StepLanesSnapshot {
    return { data: this.data.slice(), pending: this.pending.slice(), flags: this.flags.slice() };
  }

  restore(snap: StepLanesSnapshot): void {
    this.data.set(snap.data);
    this.pending.set(snap.pending);
    this.flags.set(snap.flags);
  }
}

/**
 * The chance draw of a step, uniform in [0, 1): a hash (the lowbias32 finaliser, after C.
 * Wellons' "Prospecting for hash functions") of the engine seed, the sequencer's seed and the
 * step's count since the sequencer was created. Stateless, so every renderer draws the same.
 */
export function stepChance(engineSeed: number, seed: number, total: number): number {
  let h = (Math.imul(engineSeed | 0, 0x9e3779b9) ^ (seed | 0) ^ Math.imul(total | 0, 0x85ebca6b)) | 0;
  h ^= h >>> 16;
  h = Math.imul(h, 0x7feb352d);
  h ^= h >>> 15;
  h = Math.imul(h, 0x846ca68b);
  h ^= h >>> 16;
  return (h >>> 0) / 4294967296;
}
