// Pattern notation: `X` accent, `x` note, `.` rest; spaces and `|` are ignored.
// Patterns are stored normalised (only X, x, .), shorter than the sequencer's steps means rests
// for the remaining steps, longer is refused.
//
// Threading: main thread (normalisation; allocates); `stepCode` is allocation-free.

export const STEP_REST = 0;
export const STEP_NOTE = 1;
export const STEP_ACCENT = 2;

/** Normalised pattern, or an error naming the first bad character. */
export function normalisePattern(text: string): { ok: true; pattern: string } | { ok: false; message: string } {
  let out = '';
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (c === ' ' || c === '|' || c === '\t') continue;
    if (c !== 'X' && c !== 'x' && c !== '.') {
      return { ok: false, message: `pattern character '${c}' at ${i}: use X (accent), x (note), . (rest), spaces and |` };
    }
    out += c;
  }
  return { ok: true, pattern: out };
}

/** STEP_* code of character code `c` of a normalised pattern. */
export function stepCode(c: number): number {
  return c === 88 /* X */ ? STEP_ACCENT : c === 120 /* x */ ? STEP_NOTE : STEP_REST;
}
