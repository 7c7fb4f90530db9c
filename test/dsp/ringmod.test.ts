// ringmod: sum and difference frequencies at −6.02 dB each, no carrier leak, with an external
// or the internal carrier; mix.

import { createRegistry as registryForName } from '../../src/dsp/modules/index.js';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ringmodModule } from '../../src/dsp/modules/ringmod.js';
import { KernelHarness } from '../helpers/kernel-harness.js';
import { magnitudeSpectrum, toDb } from '../helpers/analysis.js';
import { TestRandom } from '../helpers/random.js';

const FS = 48000;
/** Coherent sampling: sines of whole cycles in N samples sit on single bins (rectangular window). */
const N = 65536;
/** Sum and difference, relative to the product amplitude A·B: 20·log10(½). */
const SIDEBAND_DB = 20 * Math.log10(0.5);
const SIDEBAND_TOLERANCE_DB = 0.01;
/** f1 and f2 themselves, relative to A·B. */
const CARRIER_LIMIT_DB = -100;

function sineOnBin(bin: number, amplitude: number): Float32Array {
  const x = new Float32Array(N);
  for (let i = 0; i < N; i++) x[i] = amplitude * Math.sin((2 * Math.PI * bin * i) / N);
  return x;
}

function checkSidebands(y: Float32Array, bin1: number, bin2: number, product: number, what: string): void {
  const mags = magnitudeSpectrum(y, N, 0, () => 1);
  const rel = (k: number): number => toDb(mags[k]! / product);
  for (const k of [bin1 + bin2, bin1 - bin2]) {
    assert.ok(Math.abs(rel(k) - SIDEBAND_DB) < SIDEBAND_TOLERANCE_DB, `${what}: bin ${k} at ${rel(k).toFixed(4)} dB`);
  }
  for (const k of [bin1, bin2]) assert.ok(rel(k) < CARRIER_LIMIT_DB, `${what}: carrier bin ${k} at ${rel(k).toFixed(1)} dB`);
  // Nothing else of note anywhere: all other bins below the carrier limit too.
  let worst = -Infinity;
  for (let k = 1; k <= N / 2; k++) if (k !== bin1 + bin2 && k !== bin1 - bin2) worst = Math.max(worst, rel(k));
  assert.ok(worst < CARRIER_LIMIT_DB, `${what}: strongest other bin at ${worst.toFixed(1)} dB`);
}

test('carrier input: f1 ± f2 at −6.02 dB of the product amplitude each, f1 and f2 below −100 dB', () => {
  for (const [bin1, bin2, a, b] of [[2731, 683, 0.8, 0.9], [5461, 4097, 0.5, 1], [301, 2999, 1, 0.25]] as const) {
    const h = new KernelHarness(ringmodModule, { sampleRate: FS });
    const y = h.render(N, { inputs: { in: sineOnBin(bin1, a), carrier: sineOnBin(bin2, b) } })[0]!;
    checkSidebands(y, Math.max(bin1, bin2), Math.min(bin1, bin2), a * b, `bins ${bin1}, ${bin2}`);
  }
});

test('internal carrier (carrier unconnected): a unit sine at `freq`, same sidebands, no leak', () => {
  for (const [bin1, bin2, a] of [[2731, 683, 0.8], [1001, 3333, 1]] as const) {
    const freq = (bin2 * FS) / N;
    const h = new KernelHarness(ringmodModule, { sampleRate: FS, params: { freq } });
    const y = h.render(N, { block: 97, inputs: { in: sineOnBin(bin1, a) } })[0]!;
    checkSidebands(y, Math.max(bin1, bin2), Math.min(bin1, bin2), a, `bins ${bin1}, internal ${bin2}`);
  }
});

test('mix 1 is the exact product; mix 0 the dry input; mix ½ their mean', () => {
  const rng = new TestRandom(2);
  const x = rng.noise(4000);
  const c = rng.noise(4000);
  const render = (mix: number): Float32Array =>
    new KernelHarness(ringmodModule, { params: { mix } }).render(x.length, { inputs: { in: x, carrier: c } })[0]!;
  const wet = render(1);
  for (let i = 0; i < x.length; i++) assert.equal(wet[i], Math.fround(x[i]! * c[i]!));
  assert.deepEqual(render(0), x);
  const half = render(0.5);
  for (let i = 0; i < x.length; i++) assert.ok(Math.abs(half[i]! - 0.5 * (x[i]! + wet[i]!)) < 1e-6, `sample ${i}`);
});

test('internal carrier: identical output for any block cutting and for constant vs per-sample freq', () => {
  // The conformance suite connects every input, so the internal carrier is checked here.
  const rng = new TestRandom(12);
  const x = rng.noise(5000);
  const render = (block: number, curve: boolean): Float32Array => {
    const h = new KernelHarness(ringmodModule, { params: { freq: 1234.5 } });
    return h.render(x.length, { block, inputs: { in: x }, ...(curve ? { paramCurves: { freq: new Float64Array(x.length).fill(1234.5) } } : {}) })[0]!;
  };
  const reference = render(128, false);
  for (const block of [1, 7, 100]) assert.deepEqual(render(block, false), reference, `block ${block}`);
  assert.deepEqual(render(33, true), reference);
});

test("the registry resolves 'ringmod' to this module", () => {
  assert.equal(registryForName().get('ringmod')?.kernel, ringmodModule.kernel);
});
