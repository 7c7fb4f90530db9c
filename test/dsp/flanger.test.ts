import { createRegistry as registryForName } from '../../src/dsp/modules/index.js';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { flangerModule } from '../../src/dsp/modules/flanger.js';
import { KernelHarness } from '../helpers/kernel-harness.js';
import { TestRandom } from '../helpers/random.js';
import { argMin, transferMagnitude } from '../helpers/signals.js';
import { rms, toDb } from '../helpers/analysis.js';

const FS = 48000;
const FFT_SIZE = 16384;
const BIN_HZ = FS / FFT_SIZE;
/** The bar: notch position ±1 FFT bin, depth ≥ 30 dB. */
const NOTCH_BINS = 1;
const NOTCH_DEPTH_DB = 30;
/** Measured |H| against the comb's formula (H1 estimate from 10 s of white noise). */
const RESPONSE_TOLERANCE_DB = 0.5;
/** Read delay measured from a ramp (float32 resolution of the output near 65536 is 1/128). */
const DELAY_TOLERANCE_SAMPLES = 0.01;

function flanger(params: Record<string, number>): KernelHarness {
  return new KernelHarness(flangerModule, { sampleRate: FS, params: { depth: 0, feedback: 0, mix: 0.5, ...params } });
}

function noiseRun(params: Record<string, number>): { x: Float32Array; left: Float32Array; right: Float32Array } {
  const x = new TestRandom(17).noise(10 * FS);
  const [left, right] = flanger(params).render(x.length, { inputs: { left: x } });
  return { x, left: left!, right: right! };
}

test('flanger: with the sweep stopped, notches at (2k+1)·fs/(2D) within ±1 bin and at least 30 dB deep', () => {
  for (const d of [36, 96]) {
    const delay = (d * 1000) / FS;
    assert.equal(delay * (FS / 1000), d, 'premise: an integer delay');
    const { x, left, right } = noiseRun({ delay });
    for (const out of [left, right]) {
      const h = transferMagnitude(x, out, FFT_SIZE);
      for (let k = 0; (2 * k + 1) * FS / (2 * d) < 0.45 * FS; k++) {
        const notchHz = ((2 * k + 1) * FS) / (2 * d);
        const expectedBin = notchHz / BIN_HZ;
        const found = argMin(h, Math.floor(expectedBin) - 3, Math.ceil(expectedBin) + 3);
        assert.ok(Math.abs(found - expectedBin) <= NOTCH_BINS, `D ${d}: notch ${k} at bin ${found}, expected ${expectedBin.toFixed(2)}`);
        // Depth below the neighbouring peak at k·fs/D (|H| = 1 there).
        const peakBin = Math.round(((k + 1) * FS) / d / BIN_HZ);
        const depth = toDb(h[peakBin]! / h[found]!);
        assert.ok(depth >= NOTCH_DEPTH_DB, `D ${d}: notch ${k} (${notchHz} Hz) only ${depth.toFixed(1)} dB deep`);
      }
    }
  }
});

test('flanger: feedback shapes the comb as (1 − mix) + mix·z^−D/(1 − fb·z^−D) (±0.5 dB)', () => {
  const d = 48;
  for (const fb of [0.7, -0.7, 0.3]) {
    for (const mix of [0.5, 1]) {
      const { x, left } = noiseRun({ delay: 1, feedback: fb, mix });
      const h = transferMagnitude(x, left, FFT_SIZE);
      let worst = 0;
      for (let bin = Math.round(100 / BIN_HZ); bin < Math.round(20000 / BIN_HZ); bin++) {
        const w = (2 * Math.PI * bin * BIN_HZ) / FS;
        // z^−D = e^(−iωD)
        const zr = Math.cos(w * d);
        const zi = -Math.sin(w * d);
        const denR = 1 - fb * zr;
        const denI = -fb * zi;
        const den2 = denR * denR + denI * denI;
        const wetR = (zr * denR + zi * denI) / den2;
        const wetI = (zi * denR - zr * denI) / den2;
        const expected = Math.hypot(1 - mix + mix * wetR, mix * wetI);
        if (expected < 0.1) continue; // the notches' depth is the test above
        worst = Math.max(worst, Math.abs(toDb(h[bin]! / expected)));
      }
      assert.ok(worst <= RESPONSE_TOLERANCE_DB, `fb ${fb} mix ${mix}: worst deviation ${worst.toFixed(3)} dB`);
    }
  }
});

test('flanger: the sweep reads at delay·(1 + depth·sin(2π·rate·t)), the right side spread/2 turns behind', () => {
  const frames = 65536;
  const x = new Float32Array(frames);
  for (let n = 0; n < frames; n++) x[n] = n;
  for (const p of [{ delay: 5, depth: 0.9, rate: 2.5, spread: 0.5 }, { delay: 0.5, depth: 0.5, rate: 7, spread: 1 }]) {
    const [l, r] = flanger({ ...p, mix: 1 }).render(frames, { inputs: { left: x } });
    for (const [side, out] of [[0, l!], [1, r!]] as const) {
      for (let n = 1000; n < frames; n++) {
        const phase = (n * p.rate) / FS - (side * p.spread) / 2;
        const expected = Math.max(3, ((p.delay * FS) / 1000) * (1 + p.depth * Math.sin(2 * Math.PI * phase)));
        assert.ok(Math.abs(n - out[n]! - expected) <= DELAY_TOLERANCE_SAMPLES, `${JSON.stringify(p)} side ${side} at ${n}: ${n - out[n]!} vs ${expected}`);
      }
    }
  }
});

test('flanger: mix 0 is the dry input exactly', () => {
  const rng = new TestRandom(3);
  const left = rng.noise(10000);
  const right = rng.noise(10000);
  const [l, r] = flanger({ mix: 0, depth: 0.8, feedback: 0.9 }).render(10000, { inputs: { left, right } });
  assert.deepEqual(l, left);
  assert.deepEqual(r, right);
});

test('flanger: feedback ±0.95 with a loud swept input stays bounded and its tail flushes to exact zeros', () => {
  const rng = new TestRandom(8);
  const frames = 5 * FS;
  const x = new Float32Array(frames);
  x.set(rng.noise(FS / 2, 10));
  for (const fb of [0.95, -0.95]) {
    const h = flanger({ feedback: fb, depth: 0.9, rate: 5, delay: 1.3, mix: 1 });
    const [left] = h.render(frames, { inputs: { left: x } });
    assert.ok(left!.every(Number.isFinite));
    assert.ok(rms(left!, 0, FS / 2) <= rms(x, 0, FS / 2) / (1 - 0.95), 'loop gain ≤ 0.95');
    for (let n = frames - FS / 2; n < frames; n++) assert.equal(left![n], 0, `fb ${fb}: tail at ${n}`);
    for (const arr of h.kernel.stateArrays()) for (const v of arr) assert.ok(v === 0 || Math.abs(v) >= 1e-30);
  }
});

test("the registry resolves 'flanger' to this module", () => {
  assert.equal(registryForName().get('flanger')?.kernel, flangerModule.kernel);
});
