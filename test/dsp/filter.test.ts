// MUS-03: filter −3 dB points, slopes, bp/notch at the centre, stability under fast sweeps at
// high Q, block-size invariance (with modulated cutoff and fm), constant vs buffer, snapshot.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { filterModule } from '../../src/dsp/modules/filter.js';
import { KernelHarness } from '../helpers/kernel-harness.js';
import { goertzelAmplitude, toDb } from '../helpers/analysis.js';

const SR = 48000;
const BUTTERWORTH_Q = 0.7071;
const HALF_POWER_DB = -10 * Math.log10(2);
/** −3 dB crossing within 2 % of the cutoff. */
const CUTOFF_REL_TOLERANCE = 0.02;
const SLOPE_DB_PER_OCTAVE = 12;
const SLOPE_TOLERANCE_DB = 1;
const BP_PEAK_TOLERANCE_DB = 0.1;
const NOTCH_MAX_DB = -40;
const STABILITY_BOUND = 100;
const SETTLE = 4800;
const WINDOW = 8192;
const MODE = { lp: 0, hp: 1, bp: 2, notch: 3 } as const;

/** Steady-state gain in dB at `freq` (Goertzel on output over Goertzel on input). */
function gainDb(mode: number, cutoff: number, freq: number, q = BUTTERWORTH_Q, fmOctaves?: number): number {
  const h = new KernelHarness(filterModule, { params: { mode, cutoff, q } });
  const n = SETTLE + WINDOW;
  const x = new Float32Array(n);
  for (let i = 0; i < n; i++) x[i] = 0.5 * Math.sin((2 * Math.PI * freq * i) / SR);
  const inputs = fmOctaves === undefined ? { in: x } : { in: x, fm: new Float32Array(n).fill(fmOctaves) };
  const [y] = h.render(n, { inputs });
  return toDb(goertzelAmplitude(y!, freq, SR, SETTLE, n) / goertzelAmplitude(x, freq, SR, SETTLE, n));
}

/** Frequency where the gain crosses −3 dB, by linear interpolation in log-frequency on a grid. */
function halfPowerFrequency(mode: number, cutoff: number, fmOctaves = 0): number {
  const steps = 8;
  const centre = cutoff * 2 ** fmOctaves;
  let prevF = 0;
  let prevDb = 0;
  for (let s = -steps; s <= steps; s++) {
    const f = centre * 2 ** (s / 48);
    const db = gainDb(mode, cutoff, f, BUTTERWORTH_Q, fmOctaves);
    if (s > -steps && (prevDb - HALF_POWER_DB) * (db - HALF_POWER_DB) <= 0) {
      const t = (HALF_POWER_DB - prevDb) / (db - prevDb);
      return 2 ** (Math.log2(prevF) + t * (Math.log2(f) - Math.log2(prevF)));
    }
    prevF = f;
    prevDb = db;
  }
  return NaN;
}

test('MUS-03 lp and hp are −3 dB at the cutoff (q = 0.7071)', () => {
  for (const cutoff of [200, 1000, 5000]) {
    for (const mode of [MODE.lp, MODE.hp]) {
      const f = halfPowerFrequency(mode, cutoff);
      const err = f / cutoff - 1;
      assert.ok(Math.abs(err) < CUTOFF_REL_TOLERANCE, `mode ${mode} cutoff ${cutoff}: −3 dB at ${f.toFixed(2)} Hz (${(100 * err).toFixed(3)} %)`);
    }
  }
});

test('fm shifts the cutoff in octaves: cutoff × 2^fm (lp and hp −3 dB points)', () => {
  for (const [cutoff, fm] of [[500, 1], [4000, -2], [300, 2.5]] as const) {
    for (const mode of [MODE.lp, MODE.hp]) {
      const f = halfPowerFrequency(mode, cutoff, fm);
      const err = f / (cutoff * 2 ** fm) - 1;
      assert.ok(Math.abs(err) < CUTOFF_REL_TOLERANCE, `mode ${mode} cutoff ${cutoff} fm ${fm}: −3 dB at ${f.toFixed(2)} Hz (${(100 * err).toFixed(3)} %)`);
    }
  }
});

test('MUS-03 lp and hp roll off at 12 dB/octave', () => {
  // 8·fc stays ≤ 4 kHz: higher up, the bilinear map (exact at fc only) steepens the lp
  // response towards its zero at Nyquist (e.g. 13.3 dB between 4 and 8 kHz for fc = 1 kHz).
  for (const cutoff of [200, 500]) {
    const slope = gainDb(MODE.lp, cutoff, 4 * cutoff) - gainDb(MODE.lp, cutoff, 8 * cutoff);
    assert.ok(Math.abs(slope - SLOPE_DB_PER_OCTAVE) < SLOPE_TOLERANCE_DB, `lp ${cutoff}: ${slope.toFixed(3)} dB/oct`);
  }
  for (const cutoff of [1000, 5000]) {
    const slope = gainDb(MODE.hp, cutoff, cutoff / 4) - gainDb(MODE.hp, cutoff, cutoff / 8);
    assert.ok(Math.abs(slope - SLOPE_DB_PER_OCTAVE) < SLOPE_TOLERANCE_DB, `hp ${cutoff}: ${slope.toFixed(3)} dB/oct`);
  }
});

test('MUS-03 bp peaks at 0 dB at the cutoff, notch is deep there', () => {
  for (const cutoff of [200, 1000, 5000]) {
    for (const q of [BUTTERWORTH_Q, 5]) {
      const bp = gainDb(MODE.bp, cutoff, cutoff, q);
      assert.ok(Math.abs(bp) < BP_PEAK_TOLERANCE_DB, `bp ${cutoff} q ${q}: ${bp.toFixed(4)} dB`);
      assert.ok(gainDb(MODE.bp, cutoff, cutoff * 1.5, q) < bp && gainDb(MODE.bp, cutoff, cutoff / 1.5, q) < bp);
    }
    const notch = gainDb(MODE.notch, cutoff, cutoff);
    assert.ok(notch < NOTCH_MAX_DB, `notch ${cutoff}: ${notch.toFixed(1)} dB`);
  }
});

/** Deterministic white-ish noise in [−1, 1) (32-bit LCG, Numerical Recipes constants). */
function noise(n: number, seed = 1): Float32Array {
  const x = new Float32Array(n);
  let s = seed >>> 0;
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    x[i] = s / 2 ** 31 - 1;
  }
  return x;
}

/** Log-frequency triangle 20 Hz → 20 kHz → 20 Hz, period `period` samples, as a cutoff curve. */
function sweepCurve(n: number, period: number): Float64Array {
  const c = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const ph = (i % period) / period;
    const tri = ph < 0.5 ? 2 * ph : 2 - 2 * ph;
    c[i] = 20 * 1000 ** tri;
  }
  return c;
}

function assertBounded(y: Float32Array, what: string): void {
  for (let i = 0; i < y.length; i++) {
    const v = y[i]!;
    if (!(Math.abs(v) < STABILITY_BOUND)) assert.fail(`${what}: sample ${i} = ${v}`);
  }
}

test('MUS-03 stable at q = 20 under 10 ms full-range sweeps for 5 s', () => {
  const n = 5 * SR;
  const x = noise(n);
  const period = SR / 100;
  for (const mode of [MODE.lp, MODE.hp, MODE.bp, MODE.notch]) {
    const h = new KernelHarness(filterModule, { params: { mode, q: 20 } });
    const [y] = h.render(n, { inputs: { in: x }, paramCurves: { cutoff: sweepCurve(n, period) } });
    assertBounded(y!, `mode ${mode} cutoff sweep`);
  }
  // The same sweep through the fm input (cutoff 20 Hz, fm 0..10 octaves).
  const fm = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    const ph = (i % period) / period;
    fm[i] = 10 * (ph < 0.5 ? 2 * ph : 2 - 2 * ph);
  }
  const h = new KernelHarness(filterModule, { params: { mode: MODE.lp, q: 20, cutoff: 20 } });
  const [y] = h.render(n, { inputs: { in: x, fm } });
  assertBounded(y!, 'fm sweep');
});

/** Renders with block sizes taken cyclically from `blocks`. */
function renderCut(
  h: KernelHarness,
  n: number,
  blocks: number[],
  inputs: Record<string, Float32Array>,
  curves: Record<string, Float64Array> = {},
): Float32Array {
  const out = new Float32Array(n);
  for (let pos = 0, b = 0; pos < n; ) {
    const len = Math.min(blocks[b++ % blocks.length]!, n - pos);
    const ins: Record<string, Float32Array> = {};
    for (const [id, s] of Object.entries(inputs)) ins[id] = s.subarray(pos, pos + len);
    const cs: Record<string, Float64Array> = {};
    for (const [id, c] of Object.entries(curves)) cs[id] = c.subarray(pos, pos + len);
    out.set(h.render(len, { block: len, inputs: ins, paramCurves: cs })[0]!, pos);
    pos += len;
  }
  return out;
}

const CUTTING = [1, 7, 64, 128, 3, 100, 17, 128, 2, 55, 16, 15];

test('filter: block-size invariance with modulated cutoff, q and fm', () => {
  const n = 20000;
  const x = noise(n, 7);
  const fm = new Float32Array(n);
  for (let i = 0; i < n; i++) fm[i] = 1.5 * Math.sin(i / 900);
  const curves = { cutoff: sweepCurve(n, 3000), q: new Float64Array(n) };
  for (let i = 0; i < n; i++) curves.q[i] = 0.5 + 4 * (0.5 + 0.5 * Math.sin(i / 1300));
  for (const mode of [MODE.lp, MODE.hp, MODE.bp, MODE.notch]) {
    const ref = renderCut(new KernelHarness(filterModule, { params: { mode } }), n, [128], { in: x, fm }, curves);
    const cut = renderCut(new KernelHarness(filterModule, { params: { mode } }), n, CUTTING, { in: x, fm }, curves);
    assert.deepEqual(cut, ref, `mode ${mode}`);
  }
  // Plateaus and steps (moving ↔ static transitions), and `mode` switching per sample.
  const steps = { cutoff: new Float64Array(n), mode: new Float64Array(n) };
  for (let i = 0; i < n; i++) {
    steps.cutoff[i] = i < 3001 ? 300 : i < 7777 ? 300 + (i - 3001) : i < 12345 ? 5000 : 150;
    steps.mode[i] = Math.floor(i / 2501) % 4;
  }
  const ref = renderCut(new KernelHarness(filterModule), n, [128], { in: x }, steps);
  const cut = renderCut(new KernelHarness(filterModule), n, CUTTING, { in: x }, steps);
  assert.deepEqual(cut, ref, 'steps and mode changes');
});

test('filter: constant vs buffer params give the same bits, snapshot/restore continues', () => {
  const n = 5000;
  const x = noise(n, 3);
  const params = { mode: MODE.bp, cutoff: 1234, q: 3 };
  const constant = renderCut(new KernelHarness(filterModule, { params }), n, [128], { in: x });
  const flat: Record<string, Float64Array> = {};
  for (const [id, v] of Object.entries(params)) flat[id] = new Float64Array(n).fill(v);
  const buffered = renderCut(new KernelHarness(filterModule, { params }), n, CUTTING, { in: x }, flat);
  assert.deepEqual(buffered, constant);

  const a = new KernelHarness(filterModule, { params });
  const b = new KernelHarness(filterModule, { params });
  const curves = { cutoff: sweepCurve(n, 2000) };
  renderCut(a, 1003, [128], { in: x.subarray(0, 1003) }, { cutoff: curves.cutoff.subarray(0, 1003) });
  b.kernel.state.set(a.kernel.state);
  const rest = { in: x.subarray(1003) };
  const restCurves = { cutoff: curves.cutoff.subarray(1003) };
  assert.deepEqual(renderCut(b, n - 1003, CUTTING, rest, restCurves), renderCut(a, n - 1003, [128], rest, restCurves));
});

test('filter: silent in, silent out; non-finite input does not poison the state forever', () => {
  const h = new KernelHarness(filterModule, { params: { mode: MODE.lp } });
  const [y0] = h.render(1000, { inputs: { in: new Float32Array(1000) } });
  assert.ok(y0!.every((v) => v === 0));
  const bad = new Float32Array(1000).fill(0.1);
  bad[10] = NaN;
  h.render(1000, { inputs: { in: bad } });
  const [y] = h.render(1000, { inputs: { in: new Float32Array(1000).fill(0.1) } });
  assert.ok(y!.every((v) => Number.isFinite(v)));
  // Decaying integrator states are flushed to exact zeros instead of lingering as denormals.
  h.render(SR, { inputs: { in: new Float32Array(SR) } });
  assert.equal(h.kernel.state[0], 0);
  assert.equal(h.kernel.state[1], 0);
});
