// Health verdicts for slot workers, from what they publish in shared memory (heartbeat, blocks
// rendered, last render time). Two levels, because healthy threads on this machine kind stall
// for tens of ms now and then (figures: docs/performance.md, "Thread stalls on the VM"):
//   suspect: heartbeat silent for a few periods, not holding the next block, or rendering over
//            budget: the output should prefer another slot (a gapless switch: lockstep);
//   hung:    heartbeat silent for `hangMs` while the observer itself ran on time and, when
//            there is one, another slot kept beating: terminate and replace.
// A slot that falls behind and recovers is never declared hung: its heartbeat keeps moving.
//
// Threading: main thread (supervisor tick). Pure logic over numbers; no I/O.

export interface HealthOptions {
  /** Heartbeat silence that makes a slot suspect, ms. */
  readonly suspectMs: number;
  /** Heartbeat silence that makes a slot hung, ms. */
  readonly hangMs: number;
  /**
   * An observation gap longer than this means the observer itself was stalled (a whole-VM
   * stall freezes every thread): silence measured across it proves nothing and is forgiven.
   */
  readonly observerGapMs: number;
}

export const DEFAULT_HEALTH: HealthOptions = { suspectMs: 12, hangMs: 150, observerGapMs: 40 };

export interface SlotObservation {
  /** Only slots in lockstep are judged. */
  readonly judged: boolean;
  readonly heartbeat: number;
  readonly produced: number;
  readonly lastRenderMs: number;
}

export type Suspicion = 'silent' | 'starving' | 'slow';

export interface HealthVerdict {
  readonly hung: readonly number[];
  /** Why each slot is suspect (undefined: healthy). */
  readonly suspect: ReadonlyArray<Suspicion | undefined>;
}

export class SlotHealth {
  private readonly lastBeat: number[];
  private readonly lastBeatAt: number[];
  private lastObservedAt = Number.NaN;

  constructor(slots: number, private readonly options: HealthOptions = DEFAULT_HEALTH) {
    this.lastBeat = new Array<number>(slots).fill(Number.NaN);
    this.lastBeatAt = new Array<number>(slots).fill(Number.NaN);
  }

  /** Forgets a slot's history (a new worker took it over at `now`). */
  restart(slot: number, now: number): void {
    this.lastBeat[slot] = Number.NaN;
    this.lastBeatAt[slot] = now;
  }

  observe(now: number, slots: readonly SlotObservation[], consumed: number, periodMs: number): HealthVerdict {
    const gap = now - this.lastObservedAt;
    this.lastObservedAt = now;
    const forgiven = !(gap <= this.options.observerGapMs);
    const beating: boolean[] = [];
    slots.forEach((s, i) => {
      const moved = s.heartbeat !== this.lastBeat[i];
      if (moved || forgiven || Number.isNaN(this.lastBeatAt[i]!)) this.lastBeatAt[i] = now;
      this.lastBeat[i] = s.heartbeat;
      beating.push(moved);
    });
    const hung: number[] = [];
    const suspect = slots.map((s, i): Suspicion | undefined => {
      if (!s.judged) return undefined;
      const silence = now - this.lastBeatAt[i]!;
      const othersBeat = slots.every((o, j) => j === i || !o.judged || beating[j]);
      if (silence > this.options.hangMs && othersBeat) hung.push(i);
      if (silence > this.options.suspectMs) return 'silent';
      if (((s.produced - consumed) | 0) <= 0) return 'starving';
      if (s.lastRenderMs > periodMs) return 'slow';
      return undefined;
    });
    return { hung, suspect };
  }
}
