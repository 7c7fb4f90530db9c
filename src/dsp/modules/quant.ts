// quant: pitch quantiser. A pitch in octaves (1 V/oct) goes to the nearest degree of a scale.
//
// Sources: the scales as interval sets (pitch classes from the root) after standard theory
// references: the seven diatonic modes, harmonic and (ascending) melodic minor, the two
// pentatonics, the six-note blues scale and the whole-tone scale (e.g. S. Kostka, D. Payne,
// Tonal Harmony, ch. 1 and 28; M. Levine, The Jazz Theory Book, ch. 2). The nearest-degree
// quantiser is the behaviour of modular pitch quantisers (e.g. Doepfer A-156, Mutable
// Instruments Braids/Ornament & Crime "nearest" mode), here with a stated tie rule.
//
// Contract (x the input in octaves, R = round(root) in semitones, clamped to 0–11):
// - s = 12·x − R (semitones above the root). The output is (n + R) / 12 octaves where n is the
//   integer semitone of a scale degree (12·octave + degree) nearest to s; ties (s exactly
//   halfway between two neighbouring degrees) go to the upper degree, as Math.round does
//   (chromatic: n = floor(s + ½)).
// - Every output is a degree of the scale at that root: (12·k + degree + R) / 12 rounded once to
//   float32 (within 6e-8 · |out| octave of it; the double before the store is exact to 1e-15).
// - Idempotent, bit-exact: quant(quant(x)) = quant(x) (a degree is its own nearest degree and
//   the float32 rounding error, ≤ 1e-5 semitone, is far inside the half-semitone it must cross).
// - Inputs beyond ±100 octaves are clamped there first.
// - How it is computed: the nearest degree is constant between consecutive midpoints of the
//   scale's degrees, which are multiples of ½ semitone, so a table of 24 half-semitone bins per
//   scale holds it: bin b = floor(2·(s mod 12)) (exact in doubles: 12·x is exact for a float32
//   x), no search and no comparison per degree.
// Zero input is not silent output: 0 is a scale degree only when the root's scale contains C.
//
// Render thread; no allocation. The render function takes and returns integers only.

import { Kernel } from '../kernel.js';
import { defineModule } from '../define.js';
import { enumIndexAt, enumRunEnd } from '../lib/enum-param.js';

/** Scales as semitones above the root (ascending, starting at 0). */
export const QUANT_SCALES = {
  chromatic: [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11],
  major: [0, 2, 4, 5, 7, 9, 11],
  minor: [0, 2, 3, 5, 7, 8, 10],
  dorian: [0, 2, 3, 5, 7, 9, 10],
  phrygian: [0, 1, 3, 5, 7, 8, 10],
  lydian: [0, 2, 4, 6, 7, 9, 11],
  mixolydian: [0, 2, 4, 5, 7, 9, 10],
  locrian: [0, 1, 3, 5, 6, 8, 10],
  harmonic_minor: [0, 2, 3, 5, 7, 8, 11],
  melodic_minor: [0, 2, 3, 5, 7, 9, 11],
  major_pentatonic: [0, 2, 4, 7, 9],
  minor_pentatonic: [0, 3, 5, 7, 10],
  blues: [0, 3, 5, 6, 7, 10],
  whole_tone: [0, 2, 4, 6, 8, 10],
} as const satisfies Record<string, readonly number[]>;

export const QUANT_SCALE_NAMES = Object.keys(QUANT_SCALES) as (keyof typeof QUANT_SCALES)[];
const SCALE_COUNT = QUANT_SCALE_NAMES.length;

const decl = defineModule({
  type: 'quant',
  doc:
    'Pitch quantiser: a pitch in octaves (1 V/oct) to the nearest degree of `scale` at `root` (semitones above C). Ties ' +
    '(exactly halfway between two degrees) go to the upper degree. Idempotent (quantising twice changes nothing, bit for ' +
    'bit); every output is a scale degree. Scales: chromatic, the seven modes (major = ionian, minor = aeolian), harmonic ' +
    'and melodic (ascending) minor, major and minor pentatonic, blues (1 ♭3 4 ♭5 5 ♭7), whole tone.',
  params: [
    { id: 'scale', unit: 'enum', min: 0, max: SCALE_COUNT - 1, default: 0, smoothingMs: 0, labels: QUANT_SCALE_NAMES, modulatable: false, doc: 'The scale\'s degrees (pitch classes above the root).' },
    { id: 'root', unit: 'semitones', min: 0, max: 11, default: 0, smoothingMs: 0, doc: 'Root pitch class in semitones above C (0 = C, 9 = A), rounded to an integer; pitch 0 octaves is C.' },
  ],
  inputs: [{ id: 'in', doc: 'Pitch in octaves (1 V/oct), e.g. from an lfo, sh or a sequencer lane.' }],
  outputs: [{ id: 'out', doc: 'The quantised pitch in octaves, into a `pitch` input or `glide`.' }],
  silentInSilentOut: false,
});

const P = decl.param;
const IN = decl.input;
const OUT = decl.output;

const BINS = 24; // half-semitone bins per octave
const LIMIT = 100; // octaves

/** NEAREST[scale·24 + b]: the degree (0–12; 12 = the root an octave up) nearest to bin b. */
const NEAREST = (() => {
  const table = new Float64Array(SCALE_COUNT * BINS);
  QUANT_SCALE_NAMES.forEach((name, k) => {
    const degrees = [...QUANT_SCALES[name], 12];
    for (let b = 0; b < BINS; b++) {
      // The bin's centre is never halfway between two degrees (those points are bin edges);
      // a point on an edge goes to the bin above it, i.e. to the upper degree.
      const centre = b / 2 + 0.25;
      let best = 0;
      for (const d of degrees) if (Math.abs(d - centre) < Math.abs(best - centre)) best = d;
      table[k * BINS + b] = best;
    }
  });
  return table;
})();

export class QuantKernel extends Kernel {
  readonly state = new Float64Array(0);

  process(start: number, end: number): void {
    const scale = this.io.params[P.scale];
    this.outputCheck[0] = 0;
    let i = start;
    while (i < end) {
      const runEnd = enumRunEnd(scale, i, end);
      this.render(i, runEnd, enumIndexAt(scale, i, SCALE_COUNT) * BINS);
      i = runEnd;
    }
  }

  private render(from: number, to: number, tableOffset: number): void {
    const input = this.io.inputs[IN.in].buffer;
    const out = this.io.outputs[OUT.out];
    const rootP = this.io.params[P.root];
    const rootConst = rootP.isConstant;
    const rootValue = rootP.value;
    const rootBuf = rootP.buffer;
    const table = NEAREST;
    let sq = 0;
    for (let i = from; i < to; i++) {
      const rv = Math.floor((rootConst ? rootValue : rootBuf[i]) + 0.5);
      const root = rv > 0 ? (rv < 11 ? rv : 11) : 0;
      const x0 = input[i];
      const x = x0 > LIMIT ? LIMIT : x0 < -LIMIT ? -LIMIT : x0;
      const s = 12 * x - root;
      const h = Math.floor(2 * s); // half-semitone index
      const octave = Math.floor(h / BINS);
      const bin = (h - BINS * octave) | 0;
      const y = (12 * octave + table[tableOffset + bin] + root) / 12;
      out[i] = y;
      sq += y * y;
    }
    this.outputCheck[0] += sq;
  }
}

export const quantModule = decl.withKernel(QuantKernel);
