// Adaptive lead: grows the producers' lead quickly after underruns and shrinks it slowly once
// playback has been clean for a while, so latency follows what the machine can sustain.
// Threading: main thread (supervisor tick).

export interface AdaptiveLeadOptions {
  readonly min: number;
  readonly max: number;
  /** Blocks added per underrun episode. */
  readonly growBy: number;
  /** Clean time before the lead shrinks by one block, ms. */
  readonly shrinkAfterMs: number;
}

export const DEFAULT_ADAPTIVE_LEAD: AdaptiveLeadOptions = { min: 2, max: 24, growBy: 2, shrinkAfterMs: 30_000 };

export class AdaptiveLead {
  private lastUnderruns = 0;
  private cleanSince: number;
  changes = 0;

  constructor(readonly options: AdaptiveLeadOptions, now: number) {
    this.cleanSince = now;
  }

  /** Returns the lead to use given the underrun counter now. */
  update(lead: number, underruns: number, now: number): number {
    if (underruns !== this.lastUnderruns) {
      this.lastUnderruns = underruns;
      this.cleanSince = now;
      const grown = Math.min(this.options.max, lead + this.options.growBy);
      if (grown !== lead) this.changes++;
      return grown;
    }
    if (now - this.cleanSince >= this.options.shrinkAfterMs && lead > this.options.min) {
      this.cleanSince = now;
      this.changes++;
      return lead - 1;
    }
    return lead;
  }
}
