// comp: the static curve against the soft-knee equation of Giannoulis, Massberg & Reiss (JAES
// 2012), attack and release time constants (1 − 1/e) fitted from level steps, ratio 1 = input ×
// makeup, the sidechain ducking a pad by the curve's gain, and the stereo link.

import { createRegistry as registryForName } from '../../src/dsp/modules/index.js';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { compModule } from '../../src/dsp/modules/comp.js';
import { goertzelAmplitude, toDb } from '../helpers/analysis.js';
import { KernelHarness } from '../helpers/kernel-harness.js';

const FS = 48000;
/** Static curve: measured output level vs the paper's equations (issue 13). */
const CURVE_TOLERANCE_DB = 0.5;
/** Attack/release time constants (issue 13). */
const TIME_TOLERANCE = 0.1;
/** ratio 1: output = input × makeup (issue 13). */
const UNITY_RELATIVE = 1e-7;
/** Sidechain ducking: gain on the pad vs the curve's reduction at the kick's level. */
const DUCK_TOLERANCE_DB = 0.5;

interface Curve {
  threshold: number;
  ratio: number; // Infinity for `limit` on
  knee: number;
}

/** The paper's soft-knee gain computer: output level y_G (dB) for input level x_G (dB). */
function staticCurve(xg: number, c: Curve): number {
  const { threshold: t, ratio: r, knee: w } = c;
  if (2 * (xg - t) < -w) return xg;
  if (2 * Math.abs(xg - t) <= w) return xg + ((1 / r - 1) * (xg - t + w / 2) ** 2) / (2 * w);
  return t + (xg - t) / r;
}

function compParams(c: Curve, extra: Record<string, number>): Record<string, number> {
  return { threshold: c.threshold, knee: c.knee, ratio: Number.isFinite(c.ratio) ? c.ratio : 20, limit: Number.isFinite(c.ratio) ? 0 : 1, ...extra };
}

function sine(frames: number, freq: number, amplitude: number, phase = 0): Float32Array {
  const x = new Float32Array(frames);
  for (let i = 0; i < frames; i++) x[i] = amplitude * Math.sin((2 * Math.PI * freq * i) / FS + phase);
  return x;
}

const CURVES: Curve[] = [
  { threshold: -24, ratio: 4, knee: 12 },
  { threshold: -40, ratio: 20, knee: 0 },
  { threshold: -12, ratio: 2, knee: 24 },
  { threshold: -30, ratio: Infinity, knee: 6 },
];

for (const detector of ['peak', 'rms'] as const) {
  test(`${detector} detector: steady 1 kHz sines from −60 to 0 dBFS follow the static curve within ${CURVE_TOLERANCE_DB} dB`, () => {
    const frames = FS / 2;
    const makeup = 4;
    for (const curve of CURVES) {
      for (let level = -60; level <= 0; level += 3) {
        const h = new KernelHarness(compModule, {
          params: compParams(curve, { makeup, attack: 1, release: 1000, detector: detector === 'peak' ? 0 : 1 }),
        });
        const x = sine(frames, 1000, 10 ** (level / 20));
        const [left, right] = h.render(frames, { inputs: { left: x, right: x } });
        // The detector's level: the sine's peak, or its RMS (peak − 3.01 dB).
        const xg = detector === 'peak' ? level : level + toDb(Math.SQRT1_2);
        const expected = level + staticCurve(xg, curve) - xg + makeup;
        const from = frames - FS / 10;
        const measured = toDb(goertzelAmplitude(left!, 1000, FS, from, frames));
        const where = `${JSON.stringify(curve)} at ${level} dBFS`;
        assert.ok(Math.abs(measured - expected) <= CURVE_TOLERANCE_DB, `${where}: output ${measured.toFixed(3)} dB, curve ${expected.toFixed(3)} dB`);
        assert.deepEqual(right, left, `${where}: right channel`);
      }
    }
  });
}

/** Reduction (dB) per sample of a DC run: makeup − 20·log10(out/in). */
function reductionDb(out: Float32Array, input: Float32Array, makeup: number): Float64Array {
  const r = new Float64Array(out.length);
  for (let i = 0; i < out.length; i++) r[i] = makeup - toDb(out[i]! / input[i]!);
  return r;
}

/**
 * Time constant (samples) of an exponential approach from `from` to `to` starting at sample
 * `start`: least-squares slope of ln|y − to| against n over the samples between 90 % and 10 %
 * of the remaining distance.
 */
function fitTimeConstant(y: Float64Array, start: number, from: number, to: number): number {
  let n = 0;
  let sx = 0;
  let sy = 0;
  let sxx = 0;
  let sxy = 0;
  const span = Math.abs(from - to);
  for (let i = start; i < y.length; i++) {
    const distance = Math.abs(y[i]! - to);
    if (distance > 0.9 * span) continue;
    if (distance < 0.1 * span) break;
    const t = i - start;
    const v = Math.log(distance);
    n++;
    sx += t;
    sy += v;
    sxx += t * t;
    sxy += t * v;
  }
  assert.ok(n > 10, `fit over ${n} samples`);
  const slope = (n * sxy - sx * sy) / (n * sxx - sx * sx);
  return -1 / slope;
}

test(`attack and release time constants (time to 1 − 1/e) within ±${TIME_TOLERANCE * 100} % of the params`, () => {
  const curve: Curve = { threshold: -20, ratio: 4, knee: 0 };
  const makeup = 2;
  // Step from −40 dBFS (no reduction) to 0 dBFS (15 dB of reduction) and back, as DC.
  const quiet = 0.01;
  const loud = 1;
  const target = -staticCurve(0, curve); // reduction at 0 dBFS: 15 dB
  for (const [attack, release] of [[1, 50], [5, 100], [30, 500], [0.5, 2000]] as const) {
    const up = FS / 4;
    const down = up + Math.ceil((12 * attack * FS) / 1000);
    const frames = down + Math.ceil((8 * release * FS) / 1000);
    const x = new Float32Array(frames);
    for (let i = 0; i < frames; i++) x[i] = i >= up && i < down ? loud : quiet;
    const h = new KernelHarness(compModule, { params: compParams(curve, { makeup, attack, release }) });
    const [out] = h.render(frames, { inputs: { left: x, right: x } });
    const r = reductionDb(out!, x, makeup);
    assert.ok(Math.abs(r[up - 1]!) < 1e-6, `no reduction below the threshold (${r[up - 1]} dB)`);
    assert.ok(Math.abs(r[down - 1]! - target) < 0.01, `settled at ${r[down - 1]} dB, curve ${target} dB`);
    const tauA = (fitTimeConstant(r.subarray(0, down), up, 0, target) * 1000) / FS;
    const tauR = (fitTimeConstant(r, down, target, 0) * 1000) / FS;
    assert.ok(Math.abs(tauA / attack - 1) <= TIME_TOLERANCE, `attack ${attack} ms measured ${tauA.toFixed(4)} ms`);
    assert.ok(Math.abs(tauR / release - 1) <= TIME_TOLERANCE, `release ${release} ms measured ${tauR.toFixed(4)} ms`);
    // And the 1 − 1/e point itself: one time constant after each step.
    const k = Math.round((attack * FS) / 1000);
    assert.ok(Math.abs(r[up + k]! / target - (1 - Math.exp(-1))) < 0.05, `attack at τ: ${r[up + k]} of ${target} dB`);
    const m = Math.round((release * FS) / 1000);
    assert.ok(Math.abs(r[down + m]! / target - Math.exp(-1)) < 0.05, `release at τ: ${r[down + m]} of ${target} dB`);
  }
});

test(`ratio 1 gives input × 10^(makeup/20) within ${UNITY_RELATIVE} relative, whatever the level, detector or sidechain`, () => {
  const frames = FS;
  const left = new Float32Array(frames);
  const right = new Float32Array(frames);
  const sc = new Float32Array(frames);
  for (let i = 0; i < frames; i++) {
    const env = 2 * Math.abs(Math.sin((2 * Math.PI * 3 * i) / FS)); // up to +6 dBFS
    left[i] = env * Math.sin((2 * Math.PI * 440 * i) / FS);
    right[i] = 0.3 * Math.sin((2 * Math.PI * 97 * i) / FS);
    sc[i] = 4 * Math.sin((2 * Math.PI * 55 * i) / FS);
  }
  for (const makeup of [0, 7.5, -12]) {
    for (const detector of [0, 1]) {
      for (const withSc of [false, true]) {
        const h = new KernelHarness(compModule, { params: { ratio: 1, threshold: -60, knee: 12, attack: 0.1, release: 10, makeup, detector } });
        const inputs: Record<string, Float32Array> = withSc ? { left, right, sc } : { left, right };
        const [outL, outR] = h.render(frames, { inputs });
        const g = 10 ** (makeup / 20);
        for (let i = 0; i < frames; i++) {
          for (const [out, x] of [[outL!, left], [outR!, right]] as const) {
            const expected = x[i]! * g;
            const err = Math.abs(out[i]! - expected);
            assert.ok(err <= UNITY_RELATIVE * Math.abs(expected), `makeup ${makeup} detector ${detector} sc ${withSc} sample ${i}: ${out[i]} vs ${expected}`);
          }
        }
      }
    }
  }
});

test(`a kick into \`sc\` ducks a steady pad by the curve's gain (±${DUCK_TOLERANCE_DB} dB), and only while it sounds`, () => {
  const curve: Curve = { threshold: -30, ratio: 4, knee: 6 };
  const release = 1000;
  const frames = 2 * FS;
  const pad = sine(frames, 220, 0.25); // −12 dBFS: above the threshold itself
  // Kick: 60 Hz at full scale, 1 ms fade-in, held 150 ms, then a 30 ms exponential decay.
  const onset = FS / 2;
  const hold = (150 * FS) / 1000;
  const kick = new Float32Array(frames);
  for (let i = onset; i < frames; i++) {
    const t = i - onset;
    const env = t < 48 ? t / 48 : t < hold ? 1 : Math.exp(-(t - hold) / ((30 * FS) / 1000));
    kick[i] = env * Math.sin((2 * Math.PI * 60 * t) / FS);
  }
  const h = new KernelHarness(compModule, { params: compParams(curve, { attack: 0.2, release }) });
  const [outL, outR] = h.render(frames, { inputs: { left: pad, right: pad, sc: kick } });
  const gainDb = (i: number): number => toDb(outL![i]! / pad[i]!);
  // Before the kick: the pad passes untouched (the sidechain, silent, drives the detector).
  for (let i = 0; i < onset; i++) assert.equal(outL![i], pad[i], `sample ${i} before the kick`);
  // During the held part of the kick: the curve's reduction at 0 dBFS (22.5 dB for 4:1 at −30).
  const expected = staticCurve(0, curve) - 0;
  let worst = 0;
  for (let i = onset + (20 * FS) / 1000; i < onset + hold; i++) {
    if (Math.abs(pad[i]!) < 0.05) continue; // gain read where the pad is well away from zero
    worst = Math.max(worst, Math.abs(gainDb(i) - expected));
  }
  assert.ok(worst <= DUCK_TOLERANCE_DB, `pad gain during the kick off the curve's ${expected} dB by up to ${worst.toFixed(3)} dB`);
  assert.deepEqual(outR, outL, 'both sides ducked alike');
  // After it: the gain recovers with the release constant (below 0.1 dB five constants later).
  const after = onset + hold + (300 * FS) / 1000 + (5 * release * FS) / 1000;
  if (after < frames) {
    let i = after;
    while (Math.abs(pad[i]!) < 0.05) i++;
    assert.ok(Math.abs(gainDb(i)) < 0.2, `recovered to ${gainDb(i)} dB`);
  }
  // Without the sidechain the pad compresses by its own level instead.
  const own = new KernelHarness(compModule, { params: compParams(curve, { attack: 0.2, release }) });
  const [selfL] = own.render(FS / 2, { inputs: { left: pad.subarray(0, FS / 2), right: pad.subarray(0, FS / 2) } });
  const ownExpected = staticCurve(-12, curve) + 12;
  const measured = toDb(goertzelAmplitude(selfL!, 220, FS, FS / 4, FS / 2) / 0.25);
  assert.ok(Math.abs(measured - ownExpected) <= DUCK_TOLERANCE_DB, `pad alone: ${measured.toFixed(3)} dB, curve ${ownExpected} dB`);
});

test('stereo link: both sides take the gain of the louder side', () => {
  const curve: Curve = { threshold: -20, ratio: 3, knee: 0 };
  const frames = FS / 2;
  const loud = sine(frames, 1000, 1);
  const quiet = sine(frames, 1000, 0.01);
  const h = new KernelHarness(compModule, { params: compParams(curve, { attack: 1, release: 1000 }) });
  const [outL, outR] = h.render(frames, { inputs: { left: quiet, right: loud } });
  const from = frames - FS / 10;
  const gl = toDb(goertzelAmplitude(outL!, 1000, FS, from, frames) / 0.01);
  const gr = toDb(goertzelAmplitude(outR!, 1000, FS, from, frames) / 1);
  const expected = staticCurve(0, curve);
  assert.ok(Math.abs(gl - gr) < 0.01, `left ${gl} dB, right ${gr} dB`);
  assert.ok(Math.abs(gr - expected) <= CURVE_TOLERANCE_DB, `gain ${gr} dB, curve ${expected} dB`);
});

test('a quiet passage after compression returns to exact unity gain (the detector snaps to 0, no subnormal tail)', () => {
  const frames = 3 * FS;
  const x = new Float32Array(frames);
  for (let i = 0; i < FS / 10; i++) x[i] = Math.sin((2 * Math.PI * 100 * i) / FS);
  for (let i = FS / 10; i < frames; i++) x[i] = 1e-3 * Math.sin((2 * Math.PI * 100 * i) / FS);
  const h = new KernelHarness(compModule, { params: { threshold: -40, ratio: 10, release: 50, makeup: 0 } });
  const [out] = h.render(frames, { inputs: { left: x, right: x } });
  assert.equal(h.kernel.state[0], 0, 'detector state (state[0], y_L) snapped to exactly 0');
  for (let i = frames - FS / 2; i < frames; i++) assert.equal(out![i], x[i], `sample ${i}`);
});

test("the registry resolves 'comp' to this module", () => {
  assert.equal(registryForName().get('comp')?.kernel, compModule.kernel);
});
