// Frequency → note name (12-TET, A4 = 440 Hz) and cents from that note.

const NAMES = ['C', 'C#', 'D', 'D#', 'E', 'F', 'F#', 'G', 'G#', 'A', 'A#', 'B'];

export interface NoteOf {
  readonly note: string;
  readonly midi: number;
  /** Cents of `hz` above (+) or below (−) the named note, in [-50, 50). */
  readonly cents: number;
}

export function noteOf(hz: number): NoteOf {
  const exact = 69 + 12 * Math.log2(hz / 440);
  const midi = Math.round(exact);
  const name = NAMES[((midi % 12) + 12) % 12]!;
  return { note: `${name}${Math.floor(midi / 12) - 1}`, midi, cents: 100 * (exact - midi) };
}

export function centsBetween(hz: number, referenceHz: number): number {
  return 1200 * Math.log2(hz / referenceHz);
}
