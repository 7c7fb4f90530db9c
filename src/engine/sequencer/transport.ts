// The transport: one tempo and swing for every sequencer, and the map from grid ticks to
// frames. A tick's frame is computed from the anchor, never accumulated:
//   frame(t) = anchorFrame + round((swingWarp(t) − anchorPos) · 60 · rate / (bpm · TICKS_PER_BEAT))
// so a step's frame carries at most ½ frame of rounding, never a sum of errors (at 120 BPM and
// 48 kHz a tick is exactly 25 frames and sixteenths are exactly 6000 frames apart forever).
// A tempo or swing change re-anchors at the tick where it takes effect (the next sixteenth for
// tempo, the next eighth for swing): the anchor becomes that tick's frame under the old
// settings, so no step before it moves and none is skipped or doubled.
//
// Threading: render thread. No method allocates. State is one Float64Array (snapshots).

import { EIGHTH_TICKS, SIXTEENTH_TICKS, TICKS_PER_BEAT, swingWarp } from './limits.js';

const T_RUNNING = 0;
const T_BPM = 1;
const T_SWING = 2;
const T_ANCHOR_FRAME = 3;
/** Warped tick position at the anchor frame. */
const T_ANCHOR_POS = 4;
/** Pending tempo (NaN: none) and the tick it takes effect at. */
const T_PENDING_BPM = 5;
const T_BPM_TICK = 6;
const T_PENDING_SWING = 7;
const T_SWING_TICK = 8;
export const TRANSPORT_FIELDS = 9;

export class Transport {
  readonly state = new Float64Array(TRANSPORT_FIELDS);

  constructor(private readonly sampleRate: number) {
    this.reset();
  }

  reset(): void {
    const s = this.state;
    s.fill(0);
    s[T_BPM] = 120;
    s[T_PENDING_BPM] = Number.NaN;
    s[T_PENDING_SWING] = Number.NaN;
    s[T_BPM_TICK] = Number.POSITIVE_INFINITY;
    s[T_SWING_TICK] = Number.POSITIVE_INFINITY;
  }

  get running(): boolean {
    return this.state[T_RUNNING] === 1;
  }
  get bpm(): number {
    return this.state[T_BPM]!;
  }
  get swing(): number {
    return this.state[T_SWING]!;
  }

  /** Bar 1 (tick 0) starts at `frame`. */
  start(frame: number): void {
    const s = this.state;
    s[T_RUNNING] = 1;
    s[T_ANCHOR_FRAME] = frame;
    s[T_ANCHOR_POS] = 0;
  }

  /**
   * Stops; pending tempo and swing take effect at once (there is no grid to wait for).
   * Returns true when that changed the tempo.
   */
  stop(): boolean {
    const s = this.state;
    s[T_RUNNING] = 0;
    const tempoChanged = s[T_PENDING_BPM] === s[T_PENDING_BPM];
    if (tempoChanged) s[T_BPM] = s[T_PENDING_BPM]!;
    if (s[T_PENDING_SWING] === s[T_PENDING_SWING]) s[T_SWING] = s[T_PENDING_SWING]!;
    s[T_PENDING_BPM] = Number.NaN;
    s[T_PENDING_SWING] = Number.NaN;
    s[T_BPM_TICK] = Number.POSITIVE_INFINITY;
    s[T_SWING_TICK] = Number.POSITIVE_INFINITY;
    return tempoChanged;
  }

  /** Frame of grid tick `tick` under the current anchor, tempo and swing. */
  frameOf(tick: number): number {
    const s = this.state;
    const dt = swingWarp(tick, s[T_SWING]!) - s[T_ANCHOR_POS]!;
    return s[T_ANCHOR_FRAME]! + Math.round((dt * 60 * this.sampleRate) / (s[T_BPM]! * TICKS_PER_BEAT));
  }

  /** The first tick on a `grid`-tick grid (multiples of grid) whose frame is ≥ `frame`. */
  firstTickAtOrAfter(frame: number, grid: number): number {
    const s = this.state;
    const position = s[T_ANCHOR_POS]! + ((frame - s[T_ANCHOR_FRAME]!) * s[T_BPM]! * TICKS_PER_BEAT) / (60 * this.sampleRate);
    // swingWarp(t) ∈ [t, t + 0.6 sixteenth]: starting a sixteenth early is a safe lower bound.
    let tick = Math.floor((position - SIXTEENTH_TICKS) / grid) * grid;
    if (tick < 0) tick = 0;
    while (this.frameOf(tick) < frame) tick += grid;
    return tick;
  }

  /**
   * Tempo change: at once when stopped, else at the next sixteenth at or after `frame`.
   * Returns true when the tempo changed at once.
   */
  setBpm(frame: number, bpm: number): boolean {
    const s = this.state;
    if (!this.running) {
      s[T_BPM] = bpm;
      return true;
    }
    s[T_PENDING_BPM] = bpm;
    s[T_BPM_TICK] = this.firstTickAtOrAfter(frame, SIXTEENTH_TICKS);
    return false;
  }

  /** Swing change: at once when stopped, else at the next eighth at or after `frame`. */
  setSwing(frame: number, swing: number): void {
    const s = this.state;
    if (!this.running) {
      s[T_SWING] = swing;
      return;
    }
    s[T_PENDING_SWING] = swing;
    s[T_SWING_TICK] = this.firstTickAtOrAfter(frame, EIGHTH_TICKS);
  }

  /** Tick of the next pending change (+Infinity when none). */
  nextChangeTick(): number {
    const s = this.state;
    return s[T_BPM_TICK]! < s[T_SWING_TICK]! ? s[T_BPM_TICK]! : s[T_SWING_TICK]!;
  }

  /**
   * Applies the pending change(s) at `tick` (the value nextChangeTick returned): re-anchors there.
   * Returns true when the tempo changed (at the frame of `tick`, now the anchor frame).
   */
  applyChangeAt(tick: number): boolean {
    const s = this.state;
    s[T_ANCHOR_FRAME] = this.frameOf(tick);
    s[T_ANCHOR_POS] = swingWarp(tick, s[T_SWING]!);
    const tempoChanged = s[T_BPM_TICK] === tick;
    if (tempoChanged) {
      s[T_BPM] = s[T_PENDING_BPM]!;
      s[T_PENDING_BPM] = Number.NaN;
      s[T_BPM_TICK] = Number.POSITIVE_INFINITY;
    }
    if (s[T_SWING_TICK] === tick) {
      // An eighth boundary: swingWarp(tick) is the same for every swing, the anchor holds.
      s[T_SWING] = s[T_PENDING_SWING]!;
      s[T_PENDING_SWING] = Number.NaN;
      s[T_SWING_TICK] = Number.POSITIVE_INFINITY;
    }
    return tempoChanged;
  }

  /** Frame of the current anchor (where the last applied change took effect). */
  get anchorFrame(): number {
    return this.state[T_ANCHOR_FRAME]!;
  }
}
