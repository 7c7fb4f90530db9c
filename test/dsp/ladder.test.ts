// ladder: small-signal response (−12.04 dB at the cutoff, −24 dB/octave, the diode ladder
// against its analog prototype), passband compensation, drive-independent small-signal gain,
// self-oscillation at the cutoff, stability under random per-sample cutoff modulation at max
// res, and the tanh approximation of lib/ladder.ts.

import { createRegistry as registryForName } from '../../src/dsp/modules/index.js';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ladderModule } from '../../src/dsp/modules/ladder.js';
import { tanhRatio } from '../../src/dsp/lib/ladder.js';
import { KernelHarness } from '../helpers/kernel-harness.js';
import { goertzelAmplitude, toDb } from '../helpers/analysis.js';
import { TestRandom } from '../helpers/random.js';

const SR = 48000;
const MODE = { moog: 0, diode: 1 } as const;
/** Small signal: the tanh stages are linear to within 1e-6 at this level. */
const SMALL = 1e-3;
const SETTLE = 9600;
const WINDOW = 16384;
const H_FC_DB = 20 * Math.log10(0.25); // −12.04 dB
const H_FC_TOLERANCE_DB = 0.2;
const SLOPE_DB_PER_OCTAVE = 24;
const SLOPE_TOLERANCE_DB = 1;
const PROTOTYPE_TOLERANCE_DB = 0.05;
const COMP_TOLERANCE_DB = 0.1;
const DRIVE_TOLERANCE_DB = 0.05;
/** Self-oscillation frequency tolerances (relative). */
const OSC_TOLERANCE = { moog: 0.01, diode: 0.02 } as const;
const STABILITY_BOUND = 10;

interface Setting {
  mode?: number;
  cutoff: number;
  res?: number;
  drive?: number;
  comp?: number;
  fm?: number;
}

/** Steady-state gain in dB at `freq` of a small sine (Goertzel out / in). */
function gainDb(s: Setting, freq: number, amplitude = SMALL): number {
  const h = new KernelHarness(ladderModule, { params: { mode: s.mode ?? MODE.moog, cutoff: s.cutoff, res: s.res ?? 0, drive: s.drive ?? 0, comp: s.comp ?? 0 } });
  const n = SETTLE + WINDOW;
  const x = new Float32Array(n);
  for (let i = 0; i < n; i++) x[i] = amplitude * Math.sin((2 * Math.PI * freq * i) / SR);
  const inputs = s.fm === undefined ? { in: x } : { in: x, fm: new Float32Array(n).fill(s.fm) };
  const [y] = h.render(n, { inputs });
  return toDb(goertzelAmplitude(y!, freq, SR, SETTLE, n) / goertzelAmplitude(x, freq, SR, SETTLE, n));
}

test('moog, res 0: small-signal |H(fc)| = −12.04 ± 0.2 dB (cutoff param and fm input)', (t) => {
  for (const cutoff of [100, 1000, 5000, 12000]) {
    const db = gainDb({ cutoff }, cutoff);
    t.diagnostic(`cutoff ${cutoff}: |H(fc)| ${db.toFixed(4)} dB`);
    assert.ok(Math.abs(db - H_FC_DB) < H_FC_TOLERANCE_DB, `cutoff ${cutoff}: ${db.toFixed(3)} dB`);
  }
  // fm in octaves: cutoff 500 × 2^2 = 2 kHz, 4000 × 2^-1.5 ≈ 1414 Hz.
  for (const [cutoff, fm] of [[500, 2], [4000, -1.5]] as const) {
    const fc = cutoff * 2 ** fm;
    const db = gainDb({ cutoff, fm }, fc);
    assert.ok(Math.abs(db - H_FC_DB) < H_FC_TOLERANCE_DB, `cutoff ${cutoff} fm ${fm}: ${db.toFixed(3)} dB at ${fc.toFixed(1)} Hz`);
  }
});

test('moog, res 0: −24 ± 1 dB/octave between 4·fc and 8·fc', (t) => {
  for (const cutoff of [150, 300, 600]) {
    const slope = gainDb({ cutoff }, 4 * cutoff) - gainDb({ cutoff }, 8 * cutoff);
    t.diagnostic(`cutoff ${cutoff}: ${slope.toFixed(3)} dB/octave`);
    assert.ok(Math.abs(slope - SLOPE_DB_PER_OCTAVE) < SLOPE_TOLERANCE_DB, `cutoff ${cutoff}: ${slope.toFixed(3)} dB/octave`);
  }
});

/**
 * The diode ladder's analog prototype (lib/ladder.ts equations, linearised, ωc = 1):
 * (s + 2)·y1 = u + y2, (s + 2)·y2 = y1 + y3, (s + 2)·y3 = y2 + y4, (s + 2)·y4 = 2·y3,
 * u = x − k·y4; returns |y4/x| at s = jw.
 */
function diodePrototypeMagnitude(w: number, k: number): number {
  type C = [number, number];
  const mul = (a: C, b: C): C => [a[0] * b[0] - a[1] * b[1], a[0] * b[1] + a[1] * b[0]];
  const sub = (a: C, b: C): C => [a[0] - b[0], a[1] - b[1]];
  const sp2: C = [2, w];
  const y4: C = [1, 0];
  const y3: C = [sp2[0] / 2, sp2[1] / 2]; // (s + 2)·y4 / 2
  const y2 = sub(mul(sp2, y3), y4);
  const y1 = sub(mul(sp2, y2), y3);
  const u = sub(mul(sp2, y1), y2);
  const x: C = [u[0] + k, u[1]]; // x = u + k·y4
  return 1 / Math.hypot(x[0], x[1]);
}

test('diode, small signal: the bilinear image of its analog prototype within 0.05 dB (res 0 and 0.6)', () => {
  const cutoff = 1000;
  // g = tan(π·fc/fs)/√2 is ωc·T/2, so the analog frequency of f is tan(π·f/fs)/g (ωc = 1).
  const g = Math.tan((Math.PI * cutoff) / SR) / Math.SQRT2;
  for (const res of [0, 0.6]) {
    for (const f of [100, 500, 1000, 1414, 3000]) {
      const expected = toDb(diodePrototypeMagnitude(Math.tan((Math.PI * f) / SR) / g, 17 * res));
      const db = gainDb({ mode: MODE.diode, cutoff, res }, f);
      assert.ok(Math.abs(db - expected) < PROTOTYPE_TOLERANCE_DB, `res ${res} at ${f} Hz: ${db.toFixed(3)} dB, prototype ${expected.toFixed(3)} dB`);
    }
  }
  // The prototype's loop crosses −180° at √2·ωc with gain 1/17: the threshold the module's res 1 names.
  const atResonance = diodePrototypeMagnitude(Math.SQRT2, 0) * 17;
  assert.ok(Math.abs(atResonance - 1) < 1e-9, `loop gain at √2·ωc is ${atResonance / 17}`);
});

test('comp: DC gain (1 + k·comp)/(1 + k) ± 0.1 dB (moog k = 4·res, diode k = 17·res)', () => {
  for (const mode of [MODE.moog, MODE.diode]) {
    const kScale = mode === MODE.moog ? 4 : 17;
    for (const [res, comp] of [[0.5, 0], [0.5, 1], [0.9, 0.5]] as const) {
      const k = kScale * res;
      const expected = toDb((1 + k * comp) / (1 + k));
      const db = gainDb({ mode, cutoff: 4000, res, comp }, 20);
      assert.ok(Math.abs(db - expected) < COMP_TOLERANCE_DB, `mode ${mode} res ${res} comp ${comp}: ${db.toFixed(3)} dB, expected ${expected.toFixed(3)}`);
    }
  }
});

test('drive changes the character, not the small-signal gain (±0.05 dB at 0 and 18 dB)', () => {
  for (const mode of [MODE.moog, MODE.diode]) {
    const a = gainDb({ mode, cutoff: 800, res: 0.5 }, 800);
    const b = gainDb({ mode, cutoff: 800, res: 0.5, drive: 18 }, 800);
    assert.ok(Math.abs(a - b) < DRIVE_TOLERANCE_DB, `mode ${mode}: ${a.toFixed(3)} vs ${b.toFixed(3)} dB`);
    // …while a loud input is compressed more with drive than without.
    const loud = gainDb({ mode, cutoff: 800, res: 0.5, drive: 18 }, 800, 0.5);
    assert.ok(loud < b - 3, `mode ${mode}: loud driven gain ${loud.toFixed(2)} dB vs small ${b.toFixed(2)} dB`);
  }
});

/** Frequency of the self-oscillation after a short kick: mean period of the last `seconds`. */
function oscillationFrequency(mode: number, cutoff: number, res: number): { freq: number; peak: number } {
  const seconds = cutoff < 150 ? 3 : 1.5;
  const n = Math.round(seconds * SR);
  const h = new KernelHarness(ladderModule, { params: { mode, cutoff, res } });
  const x = new Float32Array(n);
  for (let i = 0; i < 32; i++) x[i] = 0.2;
  const [y] = h.render(n, { inputs: { in: x } });
  const from = n - Math.round(0.5 * n);
  const crossings: number[] = [];
  let peak = 0;
  for (let i = from; i < n - 1; i++) {
    const a = y![i]!;
    const b = y![i + 1]!;
    peak = Math.max(peak, Math.abs(a));
    if (a <= 0 && b > 0) crossings.push(i + a / (a - b));
  }
  const first = crossings[0]!;
  const last = crossings[crossings.length - 1]!;
  return { freq: ((crossings.length - 1) * SR) / (last - first), peak };
}

test('self-oscillation at the cutoff: within 1 % (moog) and 2 % (diode) from 50 Hz to 5 kHz at res 1.01', (t) => {
  for (const [name, mode] of [['moog', MODE.moog], ['diode', MODE.diode]] as const) {
    for (const cutoff of [50, 100, 200, 500, 1000, 2000, 5000]) {
      const { freq, peak } = oscillationFrequency(mode, cutoff, 1.01);
      assert.ok(peak > 0.01, `${name} ${cutoff} Hz: no oscillation (peak ${peak})`);
      const err = freq / cutoff - 1;
      t.diagnostic(`${name} ${cutoff} Hz: ${freq.toFixed(2)} Hz (${(100 * err).toFixed(3)} %), peak ${peak.toFixed(3)}`);
      assert.ok(Math.abs(err) < OSC_TOLERANCE[name], `${name} ${cutoff} Hz: oscillates at ${freq.toFixed(2)} Hz (${(100 * err).toFixed(3)} %)`);
    }
  }
});

test('res below 1 does not self-oscillate: the ring-out decays (res 0.95)', () => {
  for (const mode of [MODE.moog, MODE.diode]) {
    const n = SR;
    const h = new KernelHarness(ladderModule, { params: { mode, cutoff: 1000, res: 0.95 } });
    const x = new Float32Array(n);
    for (let i = 0; i < 32; i++) x[i] = 0.2;
    const [y] = h.render(n, { inputs: { in: x } });
    let tail = 0;
    for (let i = n - 4800; i < n; i++) tail = Math.max(tail, Math.abs(y![i]!));
    assert.ok(tail < 1e-6, `mode ${mode}: tail peak ${tail}`);
  }
});

test('stable under random per-sample cutoff modulation at max res: finite and bounded for 10 s', () => {
  const rng = new TestRandom(31);
  const n = 10 * SR;
  const fm = new Float32Array(n);
  const x = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    fm[i] = rng.range(-5, 5);
    x[i] = (((i * 110) / SR) % 1) * 2 - 1; // a naive saw, full scale
  }
  for (const mode of [MODE.moog, MODE.diode]) {
    for (const drive of [0, 24]) {
      const h = new KernelHarness(ladderModule, { params: { mode, cutoff: 2000, res: 1.2, drive, comp: 1 } });
      const [y] = h.render(n, { inputs: { in: x, fm } });
      let peak = 0;
      for (let i = 0; i < n; i++) {
        const v = y![i]!;
        assert.ok(Number.isFinite(v), `mode ${mode} drive ${drive}: non-finite at ${i}`);
        peak = Math.max(peak, Math.abs(v));
      }
      assert.ok(peak < STABILITY_BOUND, `mode ${mode} drive ${drive}: peak ${peak}`);
    }
  }
});

test('tanhRatio: v·T(v) within 1.4e-3 of tanh(v), continuous at the edge, odd-symmetric', () => {
  let worst = 0;
  for (let i = -200000; i <= 200000; i++) {
    const v = i / 10000;
    worst = Math.max(worst, Math.abs(v * tanhRatio(v) - Math.tanh(v)));
    assert.equal(tanhRatio(v), tanhRatio(-v));
  }
  assert.ok(worst < 1.4e-3, `worst ${worst}`);
  const edge = Math.sqrt(13.298702382666672);
  assert.ok(Math.abs(tanhRatio(edge * (1 - 1e-12)) - tanhRatio(edge * (1 + 1e-12))) < 1e-9);
  assert.equal(tanhRatio(0), 1);
});

test("the registry resolves 'ladder' to this module", () => {
  assert.equal(registryForName().get('ladder')?.kernel, ladderModule.kernel);
});
