// Fixed limits and the musical grid of the sequencer. Everything here is pure arithmetic.
//
// Time is counted in ticks of the transport grid: TICKS_PER_BEAT ticks per quarter note, a bar
// is 4 beats. A sequencer step lasts 4/division beats (division 4 = quarter notes, 16 =
// sixteenths), i.e. BAR_TICKS / division ticks, which must be a whole number of ticks.

/** Sequencers per engine. */
export const MAX_SEQUENCERS = 32;
/** Steps per sequencer. */
export const MAX_STEPS = 64;
/** Param lanes per sequencer. */
export const MAX_LANES = 8;
/** Gate targets per sequencer (every note gates all of them). */
export const MAX_GATE_TARGETS = 8;
/** Accent targets (module.param + amount) per sequencer. */
export const MAX_ACCENT_TARGETS = 8;
/** Longest slide glide (ms) for lane params on slide steps. */
export const MAX_GLIDE_MS = 10_000;

export const TICKS_PER_BEAT = 960;
export const BEATS_PER_BAR = 4;
export const BAR_TICKS = TICKS_PER_BEAT * BEATS_PER_BAR;
export const SIXTEENTH_TICKS = TICKS_PER_BEAT / 4;
export const EIGHTH_TICKS = TICKS_PER_BEAT / 2;

export const MIN_BPM = 20;
export const MAX_BPM = 300;
export const MAX_SWING = 0.6;
export const MIN_GATE_LEN = 0.01;
export const MAX_GATE_LEN = 1;
export const MAX_DIVISION = 64;

/** Divisions a step can use: 1..64 whose step is a whole number of ticks (BAR_TICKS / division). */
export function validDivision(division: number): boolean {
  return Number.isInteger(division) && division >= 1 && division <= MAX_DIVISION && BAR_TICKS % division === 0;
}

export const VALID_DIVISIONS: readonly number[] = Array.from({ length: MAX_DIVISION }, (_, i) => i + 1).filter(validDivision);

/**
 * Swing as a time warp of each eighth note (EIGHTH_TICKS ticks): its first sixteenth is
 * stretched to (1 + swing) sixteenths and its second compressed to (1 − swing), so
 *   an odd sixteenth starts exactly swing × (one sixteenth) late,
 * even sixteenths, eighths, beats and bars do not move, and any tick in between moves in
 * proportion (the warp is monotonic for swing < 1, so events never reorder).
 * Returns the warped position in (fractional) ticks. No allocation.
 */
export function swingWarp(tick: number, swing: number): number {
  if (swing === 0) return tick;
  const within = tick % EIGHTH_TICKS;
  const base = tick - within;
  if (within <= SIXTEENTH_TICKS) return base + within * (1 + swing);
  return base + SIXTEENTH_TICKS * (1 + swing) + (within - SIXTEENTH_TICKS) * (1 - swing);
}
