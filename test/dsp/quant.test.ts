// quant: idempotent bit for bit, every output a scale degree, the nearest degree (checked against
// a brute-force search over neighbouring octaves) with ties going to the upper degree.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createRegistry as registryForName } from '../../src/dsp/modules/index.js';
import { QUANT_SCALE_NAMES, QUANT_SCALES, quantModule } from '../../src/dsp/modules/quant.js';
import { KernelHarness } from '../helpers/kernel-harness.js';
import { TestRandom } from '../helpers/random.js';

/**
 * A degree in the output: the float32 nearest to (12k + degree + root)/12. The "within
 * 1e-9 octave" is what the double before the store meets (exact to ~1e-15); a float32 output
 * cannot (its spacing is 1.2e-7 at 1 octave), so the output is checked to be the degree
 * rounded once to float32, which is as close as the output buffer can be.
 */
const DEGREE_TOLERANCE_OCTAVES = 1e-9;

function quant(scale: number, root: number, input: Float32Array): Float32Array {
  const h = new KernelHarness(quantModule, { params: { scale, root } });
  return h.render(input.length, { inputs: { in: input }, block: 97 })[0]!;
}

/** Inputs: random pitches over ±5 octaves, exact degrees, and points halfway between semitones. */
function inputs(): Float32Array {
  const rng = new TestRandom(14);
  const x = rng.noise(6000, 5);
  const extra: number[] = [];
  for (let n = -60; n <= 60; n++) extra.push(n / 12, (n + 0.5) / 12, (n + 1e-4) / 12, (n - 1e-4) / 12);
  const all = new Float32Array(x.length + extra.length);
  all.set(x);
  all.set(extra, x.length);
  return all;
}

/** Brute force: the integer semitone (relative to C) of the scale degree nearest to s = 12x; ties up. */
function nearestDegree(x: number, degrees: readonly number[], root: number): number {
  const s = 12 * x - root;
  const base = Math.floor(s / 12);
  let best = Number.NaN;
  for (let k = base - 1; k <= base + 1; k++) {
    for (const d of degrees) {
      const n = 12 * k + d;
      const dist = Math.abs(s - n);
      const bestDist = Math.abs(s - best);
      if (Number.isNaN(best) || dist < bestDist || (dist === bestDist && n > best)) best = n;
    }
  }
  return best + root;
}

const ROOTS = [0, 1, 5, 9, 11];

test('quant: idempotent, bit for bit (quant(quant(x)) = quant(x)), for every scale and several roots', () => {
  const x = inputs();
  QUANT_SCALE_NAMES.forEach((name, scale) => {
    for (const root of ROOTS) {
      const once = quant(scale, root, x);
      assert.deepEqual(quant(scale, root, once), once, `${name} root ${root}`);
    }
  });
});

test('quant: every output is a degree of the scale at the root, the nearest one to the input (ties up)', () => {
  const x = inputs();
  QUANT_SCALE_NAMES.forEach((name, scale) => {
    const degrees = QUANT_SCALES[name];
    for (const root of ROOTS) {
      const y = quant(scale, root, x);
      for (let i = 0; i < x.length; i++) {
        const n = nearestDegree(x[i]!, degrees, root);
        const exact = n / 12;
        // A degree: the semitone's pitch class (above the root) is in the scale.
        const pc = (((n - root) % 12) + 12) % 12;
        assert.ok((degrees as readonly number[]).includes(pc));
        assert.equal(y[i], Math.fround(exact), `${name} root ${root}: in ${x[i]} gave ${y[i]}, nearest degree ${n} semitones`);
        // As close to the degree as a float32 allows (half its spacing), and the double within 1e-9.
        const halfUlp = Math.abs(exact) * 2 ** -24;
        assert.ok(Math.abs(y[i]! - exact) <= halfUlp + DEGREE_TOLERANCE_OCTAVES);
      }
    }
  });
});

test('quant: ties go to the upper degree', () => {
  // Inputs exactly halfway between two neighbouring degrees (exact in float32: multiples of 1/8 octave).
  const cases: [string, number, number, number][] = [
    // scale, root, input (octaves), expected (semitones above C)
    ['chromatic', 0, 0.375, 5], // 4.5: E | F
    ['chromatic', 0, -0.625, -7], // −7.5
    ['major', 0, 0.375, 5], // 4.5: E | F
    ['major', 0, 0.25, 4], // 3: D | E
    ['major', 0, 0.5, 7], // 6: F | G
    ['major', 0, -0.5, -5], // −6: F | G an octave down
    ['major', 1, 0.75, 10], // C♯ major, 8 above the root: G♯ | A♯ → A♯ (10 above C)
    ['whole_tone', 0, 0.25, 4], // 3: D | E
    ['minor_pentatonic', 0, 0.125, 3], // 1.5: C | E♭
    ['blues', 0, 0.125, 3],
  ];
  for (const [name, root, x, semis] of cases) {
    const y = quant(QUANT_SCALE_NAMES.indexOf(name as (typeof QUANT_SCALE_NAMES)[number]), root, new Float32Array([x]));
    assert.equal(y[0], Math.fround(semis / 12), `${name} root ${root}: ${x * 12} semitones`);
  }
});

test("the registry resolves 'quant' to this module", () => {
  assert.equal(registryForName().get('quant')?.kernel, quantModule.kernel);
});
