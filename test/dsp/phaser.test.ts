import { createRegistry as registryForName } from '../../src/dsp/modules/index.js';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { phaserModule } from '../../src/dsp/modules/phaser.js';
import { KernelHarness } from '../helpers/kernel-harness.js';
import { TestRandom } from '../helpers/random.js';
import { argMin, transferMagnitude } from '../helpers/signals.js';
import { rms, toDb } from '../helpers/analysis.js';

const FS = 48000;
const FFT_SIZE = 65536;
const BIN_HZ = FS / FFT_SIZE;
/** The bar: notch positions from the allpass coefficients ±1 %. */
const NOTCH_TOLERANCE = 0.01;
/** Measured |H| against the formula with feedback (H1 estimate from 20 s of white noise). */
const RESPONSE_TOLERANCE_DB = 0.5;
/** Amplitude of a swept sine against the quasi-static prediction (absolute, of 1). */
const ENVELOPE_TOLERANCE = 0.03;

function phaser(params: Record<string, number>): KernelHarness {
  return new KernelHarness(phaserModule, { sampleRate: FS, params: { depth: 0, feedback: 0, mix: 0.5, ...params } });
}

/** Notch frequencies of N identical first-order allpasses at break frequency fc, mixed ½ with the dry signal. */
function expectedNotches(stages: number, fc: number): number[] {
  const t = Math.tan((Math.PI * fc) / FS);
  const notches: number[] = [];
  for (let k = 0; 2 * k + 1 < stages; k++) notches.push((FS / Math.PI) * Math.atan(t * Math.tan(((2 * k + 1) * Math.PI) / (2 * stages))));
  return notches;
}

/** One stage's frequency response (a + z⁻¹)/(1 + a·z⁻¹) at ω, as [re, im]. */
function allpass(a: number, w: number): [number, number] {
  const zr = Math.cos(w);
  const zi = -Math.sin(w);
  const nr = a + zr;
  const ni = zi;
  const dr = 1 + a * zr;
  const di = a * zi;
  const d2 = dr * dr + di * di;
  return [(nr * dr + ni * di) / d2, (ni * dr - nr * di) / d2];
}

function noiseRun(params: Record<string, number>): { x: Float32Array; left: Float32Array; right: Float32Array } {
  const x = new TestRandom(23).noise(20 * FS);
  const [left, right] = phaser(params).render(x.length, { inputs: { left: x } });
  return { x, left: left!, right: right! };
}

test('phaser: with the sweep stopped, notches where the chain\'s phase is an odd multiple of π, within ±1 %', () => {
  for (const [stages, center] of [[2, 300], [4, 1000], [5, 1500], [6, 4000], [8, 700], [12, 1000]] as const) {
    const { x, left, right } = noiseRun({ stages, center });
    for (const out of [left, right]) {
      const h = transferMagnitude(x, out, FFT_SIZE);
      for (const f of expectedNotches(stages, center)) {
        const m = argMin(h, Math.floor((f * 0.95) / BIN_HZ), Math.ceil((f * 1.05) / BIN_HZ));
        // |H|² is quadratic around a zero: the vertex of the parabola through three bins.
        const [a, b, c] = [h[m - 1]! ** 2, h[m]! ** 2, h[m + 1]! ** 2];
        const measured = (m + (0.5 * (a - c)) / (a - 2 * b + c)) * BIN_HZ;
        assert.ok(Math.abs(measured / f - 1) <= NOTCH_TOLERANCE, `${stages} stages at ${center} Hz: notch at ${measured.toFixed(2)} Hz, expected ${f.toFixed(2)}`);
        assert.ok(toDb(h[m]!) < -30, `${stages} stages at ${center} Hz: the ${f.toFixed(1)} Hz notch is only ${toDb(h[m]!).toFixed(1)} dB`);
      }
    }
  }
});

test('phaser: feedback and mix shape the response as (1 − mix) + mix·A^N/(1 − fb·z⁻¹·A^N) (±0.5 dB)', () => {
  for (const [stages, center, fb, mix] of [[4, 1000, 0.7, 0.5], [6, 600, -0.6, 0.5], [8, 2000, 0.4, 0.8]] as const) {
    const { x, left } = noiseRun({ stages, center, feedback: fb, mix });
    const h = transferMagnitude(x, left, FFT_SIZE);
    const tc = Math.tan((Math.PI * center) / FS);
    const a = (tc - 1) / (tc + 1);
    let worst = 0;
    for (let bin = Math.round(50 / BIN_HZ); bin < Math.round(20000 / BIN_HZ); bin += 7) {
      const w = (2 * Math.PI * bin * BIN_HZ) / FS;
      let [cr, ci] = [1, 0];
      const [ar, ai] = allpass(a, w);
      for (let k = 0; k < stages; k++) [cr, ci] = [cr * ar - ci * ai, cr * ai + ci * ar];
      // Loop: A^N / (1 − fb·e^(−iω)·A^N)
      const lr = fb * (Math.cos(w) * cr + Math.sin(w) * ci);
      const li = fb * (Math.cos(w) * ci - Math.sin(w) * cr);
      const dr = 1 - lr;
      const di = -li;
      const d2 = dr * dr + di * di;
      const wetR = (cr * dr + ci * di) / d2;
      const wetI = (ci * dr - cr * di) / d2;
      const expected = Math.hypot(1 - mix + mix * wetR, mix * wetI);
      if (expected < 0.1) continue;
      worst = Math.max(worst, Math.abs(toDb(h[bin]! / expected)));
    }
    assert.ok(worst <= RESPONSE_TOLERANCE_DB, `${stages} stages fb ${fb} mix ${mix}: worst ${worst.toFixed(3)} dB`);
  }
});

test('phaser: the sweep moves the break frequency as center·2^(depth·sin(2π·rate·t)), the right side spread/2 turns behind', () => {
  // A sine through ½(1 + A^N) has amplitude |cos(N·φ₁/2)|, φ₁ = −2·atan(tan(ω/2)/t): at a slow
  // rate the chain follows the break frequency quasi-statically.
  const stages = 4;
  const p = { center: 1000, depth: 2, rate: 0.5, spread: 0.5 };
  const f0 = 1000;
  const frames = 4 * FS;
  const x = new Float32Array(frames);
  for (let n = 0; n < frames; n++) x[n] = Math.sin((2 * Math.PI * f0 * n) / FS);
  const [l, r] = phaser({ stages, ...p }).render(frames, { inputs: { left: x } });
  const win = 480;
  let worst = 0;
  for (const [side, out] of [[0, l!], [1, r!]] as const) {
    for (let s = 2 * win; s + win <= frames; s += win) {
      const amplitude = rms(out, s, s + win) * Math.SQRT2;
      const mid = s + win / 2;
      const fc = p.center * Math.pow(2, p.depth * Math.sin(2 * Math.PI * ((mid * p.rate) / FS - (side * p.spread) / 2)));
      const phi = -2 * Math.atan(Math.tan((Math.PI * f0) / FS) / Math.tan((Math.PI * fc) / FS));
      worst = Math.max(worst, Math.abs(amplitude - Math.abs(Math.cos((stages * phi) / 2))));
    }
  }
  assert.ok(worst <= ENVELOPE_TOLERANCE, `worst amplitude error ${worst.toFixed(4)}`);
});

test('phaser: mix 0 is the dry input exactly', () => {
  const rng = new TestRandom(3);
  const left = rng.noise(10000);
  const right = rng.noise(10000);
  const [l, r] = phaser({ mix: 0, depth: 2, feedback: 0.9, stages: 12 }).render(10000, { inputs: { left, right } });
  assert.deepEqual(l, left);
  assert.deepEqual(r, right);
});

test('phaser: feedback ±0.95 with a loud swept input stays bounded and its tail flushes to exact zeros', () => {
  const rng = new TestRandom(8);
  const frames = 6 * FS;
  const x = new Float32Array(frames);
  x.set(rng.noise(FS / 2, 10));
  for (const fb of [0.95, -0.95]) {
    const h = phaser({ feedback: fb, depth: 3, rate: 4, stages: 12, center: 500, mix: 1 });
    const [left] = h.render(frames, { inputs: { left: x } });
    assert.ok(left!.every(Number.isFinite));
    for (let n = frames - FS / 2; n < frames; n++) assert.equal(left![n], 0, `fb ${fb}: tail at ${n}`);
    for (const v of h.kernel.state) assert.ok(v === 0 || Math.abs(v) >= 1e-30 || Number.isInteger(v));
  }
});

test("the registry resolves 'phaser' to this module", () => {
  assert.equal(registryForName().get('phaser')?.kernel, phaserModule.kernel);
});
