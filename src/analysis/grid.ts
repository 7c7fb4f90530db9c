// Onsets against the grid the sequencer ran: steps of 60 / (bpm · stepsPerBeat) seconds from
// gridStartSeconds (or, when not given, from the phase that best fits the onsets: the
// strength-weighted circular mean of their positions within a step). Main thread.

import { round } from './math.js';
import type { Onset } from './onsets.js';
import { isMeasured, notMeasurable, type GridReport, type Measured, type Tempo } from './types.js';

export function gridDeviation(
  onsets: readonly Onset[],
  expected: { bpm: number; stepsPerBeat?: number; gridStartSeconds?: number },
  tempo: Measured<Tempo>,
): Measured<GridReport> {
  const stepsPerBeat = expected.stepsPerBeat ?? 4;
  if (!(expected.bpm > 0) || !(stepsPerBeat > 0)) return notMeasurable('expected bpm and stepsPerBeat must be positive');
  if (onsets.length === 0) return notMeasurable('no onsets to hold against the grid');
  const step = 60 / (expected.bpm * stepsPerBeat);
  let start = expected.gridStartSeconds;
  if (start === undefined) {
    let sx = 0, sy = 0;
    for (const o of onsets) {
      const a = (2 * Math.PI * o.time) / step;
      sx += o.strength * Math.cos(a);
      sy += o.strength * Math.sin(a);
    }
    start = ((Math.atan2(sy, sx) / (2 * Math.PI) + 1) % 1) * step;
  }
  const deviations = onsets.map((o) => {
    const k = Math.round((o.time - start) / step);
    return o.time - (start + k * step);
  });
  const abs = deviations.map(Math.abs);
  return {
    bpm: expected.bpm,
    stepsPerBeat,
    startSeconds: round(start, 4),
    stepSeconds: round(step, 5),
    meanAbsDeviationMs: round((1000 * abs.reduce((a, b) => a + b, 0)) / abs.length, 2),
    maxAbsDeviationMs: round(1000 * Math.max(...abs), 2),
    offGrid: abs.filter((d) => d > step / 4).length,
    tempoMatch: tempoMatch(tempo, expected.bpm),
  };
}

/** How the measured tempo relates to the expected one, in words. */
export function tempoMatch(tempo: Measured<Tempo>, bpm: number): string {
  if (!isMeasured(tempo)) return `not measured (${tempo.reason})`;
  const within = (x: number): boolean => Math.abs(x - bpm) <= Math.max(0.5, 0.01 * bpm);
  if (within(tempo.bpm)) return `as expected (${tempo.bpm - bpm >= 0 ? '+' : ''}${round(tempo.bpm - bpm, 2)} BPM)`;
  if (within(tempo.bpm / 2)) return 'double the expected tempo (octave error or a double-time feel)';
  if (within(tempo.bpm * 2)) return 'half the expected tempo (octave error or a half-time feel)';
  const alt = tempo.alternatives.find((a) => within(a.bpm));
  if (alt !== undefined) return `the expected tempo is the alternative ${alt.label} (${alt.bpm} BPM)`;
  return `differs: measured ${tempo.bpm} BPM, expected ${bpm}`;
}
