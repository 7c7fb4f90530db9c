// pluck: tuning (all-pass), T60 (loop gain), pick-position comb, triggers, velocity, idle.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createRegistry } from '../../src/dsp/modules/index.js';
import { pluckModule } from '../../src/dsp/modules/pluck.js';
import { KernelHarness } from '../helpers/kernel-harness.js';
import { cents, goertzelAmplitude, rms, toDb } from '../helpers/analysis.js';
import { measureFrequency } from '../helpers/frequency.js';

const FS = 48000;
/** Fundamental: ± cents. */
const F0_CENTS = 1;
/** T60: ± fraction. */
const T60_TOLERANCE = 0.1;

function pluck(params: Record<string, number>, seed = 12345): KernelHarness {
  return new KernelHarness(pluckModule, { sampleRate: FS, seed, params });
}

/** Plucks at frame 0 with `velocity` and renders `frames`. */
function plucked(params: Record<string, number>, frames: number, velocity = 1, seed = 12345): Float32Array {
  const h = pluck(params, seed);
  h.kernel.gate(true, velocity);
  return h.render(frames)[0]!;
}

test(`pluck: f0 within ±${F0_CENTS} cent from 55 to 1760 Hz (tuning all-pass)`, () => {
  for (const f of [55, 61.7, 82.41, 110, 220, 329.63, 440, 659.26, 880, 1234.5, 1760]) {
    for (const damp of [0, 0.5, 1]) {
      const y = plucked({ freq: f, decay: 6, damp, position: 0.13 }, 5000 + 65536 + 16384);
      const measured = measureFrequency(y, FS, { start: 5000, minHz: f * 0.97, maxHz: f * 1.03, fftSize: 65536, size: 16384, hop: 4096 });
      const off = cents(measured, f);
      assert.ok(Math.abs(off) < F0_CENTS, `${f} Hz damp ${damp}: measured ${measured.toFixed(4)} Hz (${off.toFixed(3)} cents)`);
    }
  }
});

test('pluck: pitch input, transpose and fine retune the string', () => {
  const frames = 5000 + 65536;
  const h = pluck({ freq: 440, transpose: -5, fine: 20, decay: 6 });
  h.kernel.gate(true);
  const y = h.render(frames, { inputs: { pitch: new Float32Array(frames).fill(-0.5) } })[0]!;
  const expected = 440 * 2 ** (-0.5 - 5 / 12 + 20 / 1200);
  const measured = measureFrequency(y, FS, { start: 5000, minHz: expected * 0.97, maxHz: expected * 1.03 });
  assert.ok(Math.abs(cents(measured, expected)) < F0_CENTS, `${measured} vs ${expected}`);
});

/** Least-squares slope (dB per second) of `db` against time `t`. */
function slope(t: number[], db: number[]): number {
  const n = t.length;
  const mt = t.reduce((a, b) => a + b, 0) / n;
  const md = db.reduce((a, b) => a + b, 0) / n;
  let num = 0;
  let den = 0;
  for (let i = 0; i < n; i++) {
    num += (t[i]! - mt) * (db[i]! - md);
    den += (t[i]! - mt) ** 2;
  }
  return num / den;
}

/**
 * T60 from a straight-line fit of the level in dB (frames of `frame` samples, hop frame/2) between
 * the first frame 3 dB under the first measured one and the one `rangeDb` under it.
 * `level(start)` gives a frame's amplitude.
 */
function fitT60(frames: number, frame: number, level: (start: number) => number, rangeDb = 45): number {
  const t: number[] = [];
  const db: number[] = [];
  const first = toDb(level(2400));
  for (let s = 2400; s + frame <= frames; s += frame / 2) {
    const d = toDb(level(s));
    if (d > first - 3) continue;
    if (d < first - rangeDb) break;
    t.push((s + frame / 2) / FS);
    db.push(d);
  }
  assert.ok(t.length > 10, `only ${t.length} frames to fit`);
  return -60 / slope(t, db);
}

test(`pluck: damp 0: the string's energy decays with T60 = decay ±${T60_TOLERANCE * 100} % (energy decay fit)`, () => {
  for (const [f, decay] of [[110, 1], [440, 3], [1000, 0.4], [1760, 2], [55, 0.6], [220, 12]] as const) {
    const frames = Math.round(decay * 0.9 * FS) + 4800;
    const y = plucked({ freq: f, decay, damp: 0 }, frames);
    const frame = decay < 1 ? 1024 : 2048; // ≥ one period, ≥ 20 frames in the fit
    const t60 = fitT60(frames, frame, (s) => {
      let e = 0;
      for (let i = s; i < s + frame; i++) e += y[i]! * y[i]!;
      return Math.sqrt(e / frame);
    });
    assert.ok(Math.abs(t60 / decay - 1) < T60_TOLERANCE, `${f} Hz decay ${decay} s: fitted T60 ${t60.toFixed(3)} s`);
  }
});

test(`pluck: damp > 0: the fundamental decays with T60 = decay ±${T60_TOLERANCE * 100} %, the third harmonic as the loop filter says`, () => {
  for (const [f, decay, damp] of [[220, 2, 0.6], [880, 1.5, 1], [110, 4, 0.3]] as const) {
    const frames = Math.round(decay * 0.9 * FS) + 4800;
    const y = plucked({ freq: f, decay, damp }, frames);
    const frame = 4096;
    const fundamental = (s: number): number => goertzelAmplitude(y, f, FS, s, s + frame);
    const t60 = fitT60(frames, frame, fundamental);
    assert.ok(Math.abs(t60 / decay - 1) < T60_TOLERANCE, `${f} Hz decay ${decay} s damp ${damp}: fitted T60 ${t60.toFixed(3)} s`);
    // The third harmonic loses ρ·|Hd(3ω0)| per round trip: Hd(ω) = 1 − 2a(1 − cos ω), a = damp/4,
    // ρ = 10^(−3/(decay·f))/Hd(ω0).
    const hd = (w: number): number => 1 - (damp / 2) * (1 - Math.cos(w));
    const w0 = (2 * Math.PI * f) / FS;
    const rho = 10 ** (-3 / (decay * f)) / hd(w0);
    const expectedThird = 60 / (-20 * Math.log10(rho * hd(3 * w0)) * f);
    const thirdFrame = 2 ** Math.ceil(Math.log2((8 * FS) / f)); // 8 bins between the harmonics
    const third = fitT60(frames, thirdFrame, (s) => goertzelAmplitude(y, 3 * f, FS, s, s + thirdFrame), 30);
    assert.ok(Math.abs(third / expectedThird - 1) < T60_TOLERANCE, `third harmonic T60 ${third.toFixed(3)} s, loop filter gives ${expectedThird.toFixed(3)} s`);
  }
});

test('pluck: pick position: a pluck at the middle has no even harmonics; at 1/5 no 5th or 10th', () => {
  // f = 480 Hz: P = 100 samples exactly, M = 50 (or 20): the comb zeros land on the harmonics.
  const f = 480;
  const y = plucked({ freq: f, decay: 4, damp: 0.2, position: 0.5 }, 4800 + FS);
  const h = (k: number): number => goertzelAmplitude(y, k * f, FS, 4800, 4800 + FS);
  const odd = Math.max(h(1), h(3), h(5));
  for (const k of [2, 4, 6]) assert.ok(toDb(h(k) / odd) < -40, `harmonic ${k}: ${toDb(h(k) / odd).toFixed(1)} dB`);
  const z = plucked({ freq: f, decay: 4, damp: 0.2, position: 0.2 }, 4800 + FS);
  const hz = (k: number): number => goertzelAmplitude(z, k * f, FS, 4800, 4800 + FS);
  const others = Math.max(hz(1), hz(2), hz(3), hz(4));
  for (const k of [5, 10]) assert.ok(toDb(hz(k) / others) < -40, `harmonic ${k}: ${toDb(hz(k) / others).toFixed(1)} dB`);
});

test('pluck: seeded excitation: two plucks of a string at rest are identical; same seed same string, other seed other noise', () => {
  const h = pluck({ freq: 330, decay: 0.1 });
  h.kernel.gate(true);
  const first = h.render(FS)[0]!;
  assert.ok(first.subarray(FS / 2).every((v) => v === 0), 'the string fell silent (exact zeros)');
  h.kernel.gate(true);
  const second = h.render(FS)[0]!;
  assert.deepEqual(second, first);
  assert.deepEqual(plucked({ freq: 330 }, 4096, 1, 7), plucked({ freq: 330 }, 4096, 1, 7));
  assert.notDeepEqual(plucked({ freq: 330 }, 4096, 1, 7), plucked({ freq: 330 }, 4096, 1, 8));
});

test('pluck: a trig rising edge at frame n sounds exactly like a gate at n (with its value as velocity); onset on that sample', () => {
  const n = 300;
  const frames = 9000;
  const gated = pluck({ freq: 200, decay: 0.5 });
  const before = gated.render(n)[0]!;
  gated.kernel.gate(true, 0.75); // a float32 value: the trig input carries float32 samples
  const after = gated.render(frames - n)[0]!;
  const byGate = new Float32Array(frames);
  byGate.set(before, 0);
  byGate.set(after, n);
  const trig = new Float32Array(frames);
  trig.fill(0.75, n, n + 100);
  const byTrig = pluck({ freq: 200, decay: 0.5 }).render(frames, { inputs: { trig }, block: 37 })[0]!;
  assert.deepEqual(byTrig, byGate);
  assert.ok(byGate.subarray(0, n).every((v) => v === 0), 'silent before the edge');
  assert.notEqual(byGate[n], 0, 'sounds on the edge sample');
});

test('pluck: velocity scales the excitation (and so the whole note) exactly', () => {
  const full = plucked({ freq: 250, decay: 1 }, 20000, 1);
  const half = plucked({ freq: 250, decay: 1 }, 20000, 0.5);
  for (let i = 0; i < full.length; i++) assert.equal(half[i], full[i]! * 0.5);
  // A trig value above 1 counts as 1.
  const trig = new Float32Array(20000);
  trig.fill(3, 0, 10);
  assert.deepEqual(pluck({ freq: 250, decay: 1 }).render(20000, { inputs: { trig } })[0], full);
});

test('pluck: gate off does not stop the string; output peaks within ±gain', () => {
  const h = pluck({ freq: 150, decay: 2, gain: 0.8 });
  h.kernel.gate(true);
  const a = h.render(4800)[0]!;
  h.kernel.gate(false);
  const b = h.render(4800)[0]!;
  assert.ok(toDb(rms(b, 4000) / rms(a, 0, 800)) > -20, 'still ringing after gate off');
  for (const x of [a, b]) for (const v of x) assert.ok(Math.abs(v) <= 0.8 * 1.25, `peak ${v}`);
});

test("the registry resolves type 'pluck' to this module (one registry line, src/dsp/modules/index.ts)", () => {
  assert.deepEqual(createRegistry().get('pluck')?.spec, pluckModule.spec);
});
