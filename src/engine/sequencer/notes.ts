// Lane values: numbers, MIDI note numbers (`m60`) and note names (`C2`, `F#3`, `Bb1`, `c-1`),
// the last two converted to Hz in equal temperament with A4 (MIDI 69) = 440 Hz, C4 = MIDI 60.
// `-` and `.` mean "no change" (NaN in the engine's lane arrays).
//
// Threading: main thread (validation); allocates.

const NOTE_BASE: Readonly<Record<string, number>> = { c: 0, d: 2, e: 4, f: 5, g: 7, a: 9, b: 11 };
const NOTE_PATTERN = /^([A-Ga-g])(#|b|s)?(-?\d+)$/;

export function midiToHz(note: number): number {
  return 440 * Math.pow(2, (note - 69) / 12);
}

/** MIDI number of a note name (C4 = 60), or undefined when `text` is not a note name. */
export function noteNameToMidi(text: string): number | undefined {
  const m = NOTE_PATTERN.exec(text);
  if (m === null) return undefined;
  const accidental = m[2] === '#' || m[2] === 's' ? 1 : m[2] === 'b' ? -1 : 0;
  const midi = NOTE_BASE[m[1]!.toLowerCase()]! + accidental + 12 * (Number(m[3]) + 1);
  return midi >= 0 && midi <= 127 ? midi : undefined;
}

export type LaneValue = number | null;

/**
 * One lane value from OSC or a score: a finite number (raw value in the param's unit), `mNN`
 * (MIDI note 0–127 → Hz), a note name (→ Hz), or `-`/`.` (null: no change at that step).
 * Returns an error message for anything else.
 */
export function parseLaneValue(value: unknown): { ok: true; value: LaneValue } | { ok: false; message: string } {
  if (typeof value === 'number') {
    return Number.isFinite(value) ? { ok: true, value } : { ok: false, message: `${value} is not a finite number` };
  }
  if (typeof value !== 'string') return { ok: false, message: `cannot read ${JSON.stringify(value)} as a lane value` };
  const text = value.trim();
  if (text === '-' || text === '.') return { ok: true, value: null };
  const midi = /^m(\d{1,3})$/i.exec(text);
  if (midi !== null) {
    const n = Number(midi[1]);
    if (n > 127) return { ok: false, message: `MIDI note ${n} is outside 0–127` };
    return { ok: true, value: midiToHz(n) };
  }
  const named = noteNameToMidi(text);
  if (named !== undefined) return { ok: true, value: midiToHz(named) };
  if (/^[+-]?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$/i.test(text)) return { ok: true, value: Number(text) };
  return { ok: false, message: `cannot read '${text}' as a number, MIDI note (m60) or note name (C2, F#3, Bb1)` };
}

/**
 * A lane given as OSC args: each arg is one value, and string args may hold several values
 * separated by spaces, commas or `|` ("C2 - - G2 | C3 ..."). Returns the values or an error.
 */
export function parseLaneValues(args: readonly unknown[]): { ok: true; values: LaneValue[] } | { ok: false; message: string } {
  const values: LaneValue[] = [];
  for (const arg of args) {
    const parts = typeof arg === 'string' ? arg.split(/[\s,|]+/).filter((p) => p.length > 0) : [arg];
    for (const part of parts) {
      const parsed = parseLaneValue(part);
      if (!parsed.ok) return parsed;
      values.push(parsed.value);
    }
  }
  return { ok: true, values };
}
