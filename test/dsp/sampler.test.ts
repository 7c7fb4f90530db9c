// sampler: analytic tests with the tolerances of issue 14 (bit-exact copy at rate 1, pitch
// ±0.01 %, Hermite ≥ 10 dB better THD+N than linear, onset on the trigger sample, loop modes,
// choke ≤ −60 dB within 5 ms).

import { strict as assert } from 'node:assert';
import { test } from 'node:test';
import { createRegistry } from '../../src/dsp/modules/index.js';
import { samplerModule } from '../../src/dsp/modules/sampler.js';
import { sampleBufferOver, type SampleBuffer } from '../../src/dsp/sample-buffer.js';
import { peakAbs, peakFrequency } from '../helpers/analysis.js';
import { KernelHarness } from '../helpers/kernel-harness.js';

const FS = 48000;
/** Pitch tolerance: ±0.01 %. */
const PITCH_TOLERANCE = 1e-4;
/** Hermite must beat linear by this much THD+N (dB). */
const HERMITE_GAIN_DB = 10;
/** A choked voice is this far down (dB) 5 ms after the choke. */
const CHOKE_FLOOR_DB = -60;

function buffer(name: string, left: Float32Array, right?: Float32Array): SampleBuffer {
  const frames = left.length;
  const data = new SharedArrayBuffer(frames * 4 * (right === undefined ? 1 : 2));
  const b = sampleBufferOver(name, data, frames, right === undefined ? 1 : 2);
  b.left.set(left);
  if (right !== undefined) b.right.set(right);
  return b;
}

function sine(freq: number, frames: number, amplitude = 0.5): Float32Array {
  const x = new Float32Array(frames);
  for (let i = 0; i < frames; i++) x[i] = amplitude * Math.sin((2 * Math.PI * freq * i) / FS);
  return x;
}

function noise(frames: number, seed: number): Float32Array {
  const x = new Float32Array(frames);
  let s = seed >>> 0;
  for (let i = 0; i < frames; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    x[i] = s / 2 ** 32 - 0.5;
  }
  return x;
}

function harness(b: SampleBuffer | undefined, params: Record<string, number> = {}, maxBlock = 128): KernelHarness {
  const h = new KernelHarness(samplerModule, { sampleRate: FS, maxBlock, params });
  h.kernel.bindBuffer(0, b);
  return h;
}

/** A rising edge at `at` with value `velocity` on an otherwise zero gate signal of `frames`, held until `until`. */
function gateSignal(frames: number, at: number, velocity = 1, until = frames): Float32Array {
  const g = new Float32Array(frames);
  for (let i = at; i < until; i++) g[i] = velocity;
  return g;
}

/** THD+N in dB: residual after removing the least-squares fit of DC + sin + cos at `freq`, over [start, end). */
function thdN(x: Float32Array, freq: number, start: number, end: number): number {
  const w = (2 * Math.PI * freq) / FS;
  // Normal equations for [1, sin, cos].
  const m = [[0, 0, 0], [0, 0, 0], [0, 0, 0]];
  const r = [0, 0, 0];
  for (let n = start; n < end; n++) {
    const basis = [1, Math.sin(w * n), Math.cos(w * n)];
    for (let a = 0; a < 3; a++) {
      r[a]! += basis[a]! * x[n]!;
      for (let b = 0; b < 3; b++) m[a]![b]! += basis[a]! * basis[b]!;
    }
  }
  // Gaussian elimination (3x3).
  for (let c = 0; c < 3; c++) {
    for (let k = c + 1; k < 3; k++) {
      const f = m[k]![c]! / m[c]![c]!;
      for (let j = c; j < 3; j++) m[k]![j]! -= f * m[c]![j]!;
      r[k]! -= f * r[c]!;
    }
  }
  const coef = [0, 0, 0];
  for (let c = 2; c >= 0; c--) {
    let s = r[c]!;
    for (let j = c + 1; j < 3; j++) s -= m[c]![j]! * coef[j]!;
    coef[c] = s / m[c]![c]!;
  }
  let fundamental = 0;
  let residual = 0;
  for (let n = start; n < end; n++) {
    const fit = coef[0]! + coef[1]! * Math.sin(w * n) + coef[2]! * Math.cos(w * n);
    fundamental += (fit - coef[0]!) ** 2;
    residual += (x[n]! - fit) ** 2;
  }
  return 10 * Math.log10(residual / fundamental);
}

test("the registry resolves 'sampler' to this module", () => {
  assert.equal(createRegistry().get('sampler')?.kernel, samplerModule.kernel);
});

test('sampler: rate 1 from an integer start is a bit-exact copy (mono and stereo, any block cut)', () => {
  const frames = 4096;
  const left = noise(frames, 1);
  const right = noise(frames, 2);
  for (const b of [buffer('m', left), buffer('s', left, right)]) {
    for (const block of [128, 37, 1]) {
      const h = harness(b, { start: 0.25 }, 128);
      const out = h.render(frames, { block, inputs: { gate: gateSignal(frames, 0) } });
      const first = 1024;
      for (let k = 0; k < frames - first; k++) {
        if (out[0]![k] !== b.left[first + k] || out[1]![k] !== b.right[first + k]) {
          assert.fail(`${b.name} block ${block}: sample ${k} differs (${out[0]![k]} vs ${b.left[first + k]})`);
        }
      }
      // Loop off: silence (exact zeros) once the region has played.
      assert.equal(peakAbs(out[0]!, frames - first), 0);
    }
  }
});

test('sampler: +7 semitones plays a 1 kHz sample at 1000·2^(7/12) Hz ±0.01 %', () => {
  const b = buffer('tone', sine(1000, 4 * FS));
  const h = harness(b, { transpose: 7 });
  h.kernel.gate(true, 1);
  const out = h.render(65536 + 4096);
  const expected = 1000 * 2 ** (7 / 12);
  const measured = peakFrequency(out[0]!, FS, { size: 65536, start: 2048, minHz: 500, maxHz: 5000 }).freq;
  assert.ok(Math.abs(measured / expected - 1) <= PITCH_TOLERANCE, `measured ${measured} Hz, expected ${expected} Hz`);
  // The same through the rate param (rate = 2^(7/12)).
  const r = harness(b, { rate: 2 ** (7 / 12) });
  r.kernel.gate(true, 1);
  const viaRate = peakFrequency(r.render(65536 + 4096)[0]!, FS, { size: 65536, start: 2048, minHz: 500, maxHz: 5000 }).freq;
  assert.ok(Math.abs(viaRate / expected - 1) <= PITCH_TOLERANCE, `rate: measured ${viaRate} Hz`);
});

test(`sampler: Hermite beats linear by ≥ ${HERMITE_GAIN_DB} dB THD+N on a 5 kHz tone at −4 semitones`, () => {
  const b = buffer('tone', sine(5000, 2 * FS));
  const freq = 5000 * 2 ** (-4 / 12);
  const measure = (interp: number): number => {
    const h = harness(b, { transpose: -4, interp });
    h.kernel.gate(true, 1);
    const out = h.render(32768);
    return thdN(out[0]!, freq, 1024, 32768);
  };
  const hermite = measure(0);
  const linear = measure(1);
  assert.ok(linear - hermite >= HERMITE_GAIN_DB, `Hermite ${hermite.toFixed(1)} dB, linear ${linear.toFixed(1)} dB`);
});

test('sampler: onset on the trigger sample; a /gate at frame n sounds like a gate input rising at n', () => {
  const b = buffer('n', noise(2048, 3).map((v) => v + 0.75));
  const at = 100;
  const viaInput = harness(b).render(512, { inputs: { gate: gateSignal(512, at, 0.5) } });
  assert.equal(peakAbs(viaInput[0]!, 0, at), 0);
  assert.equal(viaInput[0]![at], Math.fround(b.left[0]! * 0.5));
  const h = harness(b);
  const before = h.render(at);
  h.kernel.gate(true, 0.5);
  const after = h.render(512 - at);
  assert.equal(peakAbs(before[0]!), 0);
  assert.deepEqual(after[0], viaInput[0]!.subarray(at));
});

test('sampler: loop off stops at end; forward wraps to start; ping-pong reflects at end − 1 and start', () => {
  const frames = 64;
  const ramp = new Float32Array(frames).map((_, i) => i / frames);
  const b = buffer('ramp', ramp);
  const expectAt = (out: Float32Array, position: (k: number) => number, n: number, what: string): void => {
    for (let k = 0; k < n; k++) assert.equal(out[k], ramp[position(k)], `${what}: sample ${k}`);
  };
  // Region [16, 48).
  const off = harness(b, { start: 0.25, end: 0.75, loop: 0 });
  off.kernel.gate(true, 1);
  const o = off.render(200)[0]!;
  expectAt(o, (k) => 16 + k, 32, 'off');
  assert.equal(peakAbs(o, 32), 0);
  const fwd = harness(b, { start: 0.25, end: 0.75, loop: 1 });
  fwd.kernel.gate(true, 1);
  expectAt(fwd.render(200)[0]!, (k) => 16 + (k % 32), 200, 'forward');
  const pp = harness(b, { start: 0.25, end: 0.75, loop: 2 });
  pp.kernel.gate(true, 1);
  // Positions 16..47, 46..16, 17..47, ...: a triangle of period 2·31.
  expectAt(pp.render(200)[0]!, (k) => {
    const t = k % 62;
    return t <= 31 ? 16 + t : 16 + 62 - t;
  }, 200, 'ping-pong');
});

test(`sampler: a choke fades to ≤ ${CHOKE_FLOOR_DB} dB within 5 ms`, () => {
  const b = buffer('tone', sine(440, FS, 0.9));
  const h = harness(b, { loop: 1 });
  h.kernel.gate(true, 1);
  const before = h.render(4800)[0]!;
  h.kernel.choke();
  const after = h.render(960)[0]!;
  const fiveMs = (5 * FS) / 1000;
  const ratio = peakAbs(after, fiveMs) / peakAbs(before, 2400);
  assert.ok(20 * Math.log10(ratio) <= CHOKE_FLOOR_DB, `${(20 * Math.log10(ratio)).toFixed(1)} dB after 5 ms`);
});

test('sampler: gated mode releases on gate off (T60 = release), one-shot ignores it; velocity scales the level', () => {
  const b = buffer('dc', new Float32Array(FS).fill(0.5));
  const releaseMs = 50;
  const gated = harness(b, { mode: 1, release: releaseMs });
  const g = gated.render(4800, { inputs: { gate: gateSignal(4800, 0, 1, 2400) } })[0]!;
  assert.equal(g[2399], 0.5);
  const t60 = 2400 + (releaseMs * FS) / 1000;
  assert.ok(Math.abs(20 * Math.log10(g[Math.round(t60) - 1]! / 0.5) + 60) < 0.1, `at T60: ${g[Math.round(t60) - 1]}`);
  const oneShot = harness(b, { mode: 0 });
  const s = oneShot.render(4800, { inputs: { gate: gateSignal(4800, 0, 0.25, 2400) } })[0]!;
  assert.equal(s[4799], 0.125);
});

test('sampler: without a buffer it is silent; rebinding another buffer stops the note', () => {
  const silent = harness(undefined);
  silent.kernel.gate(true, 1);
  assert.equal(peakAbs(silent.render(256)[0]!), 0);
  const b = buffer('dc', new Float32Array(4800).fill(0.5));
  const h = harness(b, { loop: 1 });
  h.kernel.gate(true, 1);
  assert.equal(h.render(64)[0]![63], 0.5);
  h.kernel.bindBuffer(0, b);
  assert.equal(h.render(64)[0]![63], 0.5);
  h.kernel.bindBuffer(0, buffer('other', new Float32Array(4800).fill(0.25)));
  assert.equal(peakAbs(h.render(64)[0]!), 0);
});
