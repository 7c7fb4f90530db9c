// Pattern notation, one character per step: `X` accent, `x` note, `.` rest, `_` tie (the note
// before goes on, not retriggered), `s` slide (glide into this note: the note before is held
// into it, see bank.ts), `S` accented slide; spaces and `|` are ignored. Patterns are stored
// normalised (only these six characters); shorter than the sequencer's steps means rests for
// the remaining steps; more than 64 steps is refused.
//
// Threading: main thread (normalisation; allocates); `stepCode` is allocation-free.

export const STEP_REST = 0;
export const STEP_NOTE = 1;
export const STEP_ACCENT = 2;
export const STEP_TIE = 3;
export const STEP_SLIDE = 4;
export const STEP_SLIDE_ACCENT = 5;

const SYMBOLS = 'Xx._sS';

/** Normalised pattern, or an error naming the first bad character. */
export function normalisePattern(text: string): { ok: true; pattern: string } | { ok: false; message: string } {
  let out = '';
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (c === ' ' || c === '|' || c === '\t') continue;
    if (!SYMBOLS.includes(c)) {
      return { ok: false, message: `pattern character '${c}' at ${i}: use X (accent), x (note), . (rest), _ (tie), s (slide), S (accented slide), spaces and |` };
    }
    out += c;
  }
  return { ok: true, pattern: out };
}

/** STEP_* code of character code `c` of a normalised pattern. */
export function stepCode(c: number): number {
  switch (c) {
    case 88 /* X */: return STEP_ACCENT;
    case 120 /* x */: return STEP_NOTE;
    case 95 /* _ */: return STEP_TIE;
    case 115 /* s */: return STEP_SLIDE;
    case 83 /* S */: return STEP_SLIDE_ACCENT;
    default: return STEP_REST;
  }
}

/** True for the codes that continue a held note (tie, slide). */
export function continuesNote(code: number): boolean {
  return code === STEP_TIE || code === STEP_SLIDE || code === STEP_SLIDE_ACCENT;
}
