// limiter: no output sample above the ceiling under fuzzed loud input; latency = lookahead
// (round(ms·fs/1000) samples) as the spec reports; below the ceiling an exact delayed copy;
// peaks land on the ceiling; release time constant; the lookahead ramp starts D samples early.

import { createRegistry as registryForName } from '../../src/dsp/modules/index.js';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { limiterModule, LimiterKernel, LIMITER_MAX_LOOKAHEAD_MS } from '../../src/dsp/modules/limiter.js';
import { toDb } from '../helpers/analysis.js';
import { KernelHarness } from '../helpers/kernel-harness.js';
import { TestRandom } from '../helpers/random.js';

const FS = 48000;
/** A peak that needs limiting comes out at the ceiling (not audibly below it). */
const PEAK_AT_CEILING_DB = 0.001;
/** Release time constant (the issue's ±10 % for time constants). */
const TIME_TOLERANCE = 0.1;

function ceilingOf(db: number): number {
  return 10 ** (db / 20);
}

/** Renders with random block cuts; `change` may set params before a block (by start frame). */
function renderCut(
  h: KernelHarness,
  inputs: Record<string, Float32Array>,
  frames: number,
  rng: TestRandom,
  change?: (frame: number) => void,
  curves: Record<string, Float64Array> = {},
): Float32Array[] {
  const out = h.outputs.map(() => new Float32Array(frames));
  for (let pos = 0; pos < frames; ) {
    const n = Math.min(rng.int(1, h.maxBlock), frames - pos);
    change?.(pos);
    const ins: Record<string, Float32Array> = {};
    for (const [id, s] of Object.entries(inputs)) ins[id] = s.subarray(pos, pos + n);
    const cs: Record<string, Float64Array> = {};
    for (const [id, c] of Object.entries(curves)) cs[id] = c.subarray(pos, pos + n);
    h.render(n, { block: n, inputs: ins, paramCurves: cs }).forEach((o, k) => out[k]!.set(o, pos));
    pos += n;
  }
  return out;
}

/** Loud test material: a noise bed with bursts up to +40 dBFS (noise, sines, DC, single spikes). */
function loudSignal(rng: TestRandom, frames: number): Float32Array {
  const x = rng.noise(frames, rng.range(0, 1));
  for (let burst = rng.int(3, 12); burst > 0; burst--) {
    const at = rng.int(0, frames - 1);
    const length = rng.next() < 0.3 ? 1 : rng.int(2, FS / 10);
    const amp = 10 ** (rng.range(-10, 40) / 20);
    const kind = rng.int(0, 2);
    const freq = rng.range(20, 15000);
    for (let i = at; i < Math.min(frames, at + length); i++) {
      const t = i - at;
      x[i] = kind === 0 ? amp * (2 * rng.next() - 1) : kind === 1 ? amp * Math.sin((2 * Math.PI * freq * t) / FS) : amp;
    }
  }
  return x;
}

test('no output sample above the ceiling, ever: fuzzed bursts up to +40 dBFS, random params and cuts', () => {
  const rng = new TestRandom(2024);
  const frames = FS / 2;
  for (let trial = 0; trial < 24; trial++) {
    const sampleRate = [44100, 48000, 96000][trial % 3]!;
    const params = { ceiling: rng.range(-40, 0), lookahead: trial % 4 === 0 ? rng.range(0, 0.1) : rng.range(0, LIMITER_MAX_LOOKAHEAD_MS), release: rng.range(1, 5000) };
    const h = new KernelHarness(limiterModule, { params, sampleRate });
    const left = loudSignal(rng, frames);
    const right = trial % 2 === 0 ? loudSignal(rng, frames) : left;
    // Every fourth trial moves the lookahead (and so the latency) while it plays.
    const change = trial % 4 === 3 ? (f: number) => (f > 0 && rng.next() < 0.02 ? h.setParam('lookahead', rng.range(0, LIMITER_MAX_LOOKAHEAD_MS)) : undefined) : undefined;
    const out = renderCut(h, { left, right }, frames, rng, change);
    const c = ceilingOf(params.ceiling);
    for (const o of out) {
      let worst = 0;
      for (let i = 0; i < frames; i++) worst = Math.max(worst, Math.abs(o[i]!));
      assert.ok(worst <= c, `trial ${trial} ${JSON.stringify(params)}: peak ${worst} above the ceiling ${c}`);
      assert.ok(worst >= c * 0.99, `trial ${trial}: the bursts reach the ceiling (peak ${worst}, ceiling ${c})`);
    }
    assert.equal((h.kernel as LimiterKernel).clampedSamples, 0, `trial ${trial}: the gain alone kept the ceiling (the safety clamp never acted)`);
  }
});

test('a ceiling that moves per sample is never exceeded either (the final clamp covers a ceiling lowered within the lookahead)', () => {
  const rng = new TestRandom(77);
  const frames = FS / 2;
  for (let trial = 0; trial < 6; trial++) {
    const ceiling = new Float64Array(frames);
    for (let i = 0; i < frames; i++) ceiling[i] = -20 + 19 * Math.sin((2 * Math.PI * (0.5 + trial) * i) / FS);
    const h = new KernelHarness(limiterModule, { params: { lookahead: rng.range(0, 20), release: rng.range(1, 500) } });
    const x = loudSignal(rng, frames);
    const [outL, outR] = renderCut(h, { left: x, right: x }, frames, rng, undefined, { ceiling });
    for (let i = 0; i < frames; i++) {
      const c = ceilingOf(ceiling[i]!);
      assert.ok(Math.abs(outL![i]!) <= c && Math.abs(outR![i]!) <= c, `trial ${trial} sample ${i}: ${outL![i]} above ${c}`);
    }
  }
});

test('latency = round(lookahead · fs / 1000) samples, as the spec reports', () => {
  assert.deepEqual(limiterModule.spec.latency, { param: 'lookahead' });
  for (const sampleRate of [44100, 48000]) {
    for (const ms of [0, 0.01, 0.5, 1.51, 5, 12.345, LIMITER_MAX_LOOKAHEAD_MS]) {
      const d = Math.round((ms * sampleRate) / 1000);
      const h = new KernelHarness(limiterModule, { sampleRate, params: { lookahead: ms, ceiling: -1 } });
      const frames = 2000;
      const x = new Float32Array(frames);
      x[100] = 0.5;
      x[101] = -0.25;
      const [outL, outR] = h.render(frames, { inputs: { left: x, right: x } });
      const nonzero = [...outL!.keys()].filter((i) => outL![i] !== 0);
      assert.deepEqual(nonzero, [100 + d, 101 + d], `${ms} ms at ${sampleRate} Hz: impulse out at ${nonzero}, expected ${100 + d}`);
      assert.equal(outL![100 + d], 0.5);
      assert.equal(outR![101 + d], -0.25);
      assert.equal((h.kernel as LimiterKernel).lookaheadSamples, d);
    }
  }
});

test('a lookahead change applies at the next multiple of 32 samples, and the latency follows it', () => {
  const h = new KernelHarness(limiterModule, { params: { lookahead: 1, ceiling: -1 } });
  const kernel = h.kernel as LimiterKernel;
  const x = new Float32Array(4000);
  x[500] = 0.5;
  x[3000] = 0.25;
  const out = new Float32Array(4000);
  const at = (from: number, to: number): void => out.set(h.render(to - from, { inputs: { left: x.subarray(from, to), right: x.subarray(from, to) } })[0]!, from);
  at(0, 1000);
  assert.equal(kernel.lookaheadSamples, 48);
  h.setParam('lookahead', 3);
  at(1000, 1024);
  assert.equal(kernel.lookaheadSamples, 48, 'still 1 ms up to sample 1023');
  at(1024, 1025);
  assert.equal(kernel.lookaheadSamples, 144, '3 ms from sample 1024 (a multiple of 32)');
  at(1025, 4000);
  const nonzero = [...out.keys()].filter((i) => out[i] !== 0);
  assert.deepEqual(nonzero, [500 + 48, 3000 + 144]);
});

test('below the ceiling the output is the input delayed by exactly D samples, bit for bit', () => {
  const rng = new TestRandom(5);
  const frames = FS;
  for (const [ceiling, lookahead] of [[-1, 5], [0, 0], [-30, 20], [-6, 1.3]] as const) {
    const c = ceilingOf(ceiling) * (1 - 1e-6);
    const left = rng.noise(frames, c);
    const right = rng.noise(frames, c);
    left[1000] = c;
    right[2000] = -c;
    const h = new KernelHarness(limiterModule, { params: { ceiling, lookahead, release: 50 } });
    const [outL, outR] = renderCut(h, { left, right }, frames, rng);
    const d = Math.round((lookahead * FS) / 1000);
    for (let i = 0; i < frames; i++) {
      assert.equal(outL![i], i < d ? 0 : left[i - d], `ceiling ${ceiling} lookahead ${lookahead}: left sample ${i}`);
      assert.equal(outR![i], i < d ? 0 : right[i - d], `ceiling ${ceiling} lookahead ${lookahead}: right sample ${i}`);
    }
  }
});

test('after limiting, the gain releases (time constant within ±10 %) and the output becomes an exact delayed copy again', () => {
  const lookahead = 2;
  const d = Math.round((lookahead * FS) / 1000);
  for (const release of [20, 100, 400]) {
    const loudEnd = FS / 4;
    const frames = loudEnd + Math.ceil((40 * release * FS) / 1000);
    const x = new Float32Array(frames);
    for (let i = 0; i < frames; i++) x[i] = i < loudEnd ? 4 : 0.1; // DC: +12 dBFS, then −20 dBFS
    const h = new KernelHarness(limiterModule, { params: { ceiling: 0, lookahead, release } });
    const [out] = h.render(frames, { inputs: { left: x, right: x } });
    // Reduction in dB per output sample (aligned with its input sample n − D).
    const reduction = new Float64Array(frames - d);
    for (let n = d; n < frames; n++) reduction[n - d] = -toDb(out![n]! / x[n - d]!);
    assert.ok(Math.abs(reduction[loudEnd - 1]! - 12.0412) < 1e-3, `limited to the ceiling: ${reduction[loudEnd - 1]} dB of reduction`);
    // Fit ln(reduction) against time over 90 % … 10 % of the reduction, past the lookahead ramp.
    let n = 0;
    let sx = 0;
    let sy = 0;
    let sxx = 0;
    let sxy = 0;
    const top = reduction[loudEnd - 1]!;
    for (let i = loudEnd + 2 * d; i < reduction.length; i++) {
      if (reduction[i]! > 0.9 * top) continue;
      if (reduction[i]! < 0.1 * top) break;
      const t = i - loudEnd;
      const v = Math.log(reduction[i]!);
      n++;
      sx += t;
      sy += v;
      sxx += t * t;
      sxy += t * v;
    }
    const tau = (-1 / ((n * sxy - sx * sy) / (n * sxx - sx * sx)) / FS) * 1000;
    assert.ok(Math.abs(tau / release - 1) <= TIME_TOLERANCE, `release ${release} ms measured ${tau.toFixed(3)} ms`);
    const tail = frames - FS / 10;
    for (let i = tail; i < frames; i++) assert.equal(out![i], x[i - d], `release ${release}: sample ${i} is an exact delayed copy again`);
  }
});

test('a lone peak: the gain ramps down over exactly the D samples before it and the peak lands on the ceiling', () => {
  for (const lookahead of [0, 1, 5, 20]) {
    const d = Math.round((lookahead * FS) / 1000);
    const frames = 4 * FS / 10;
    const at = FS / 10;
    const x = new Float32Array(frames).fill(0.1);
    x[at] = 10; // +20 dBFS spike over a −20 dBFS bed
    const ceiling = -3;
    const h = new KernelHarness(limiterModule, { params: { ceiling, lookahead, release: 100 } });
    const [out] = h.render(frames, { inputs: { left: x, right: x } });
    const gain = (input: number): number => out![input + d]! / x[input]!;
    for (let i = 0; i < at - d; i++) assert.equal(out![i + d], x[i], `lookahead ${lookahead}: untouched before the ramp (sample ${i})`);
    if (d > 0) assert.ok(gain(at - d) < 1, `lookahead ${lookahead}: the ramp starts D = ${d} samples before the peak`);
    for (let i = at - d + 1; i <= at; i++) assert.ok(gain(i) <= gain(i - 1), `lookahead ${lookahead}: the gain falls monotonically towards the peak (${i})`);
    const peakDb = toDb(Math.abs(out![at + d]!));
    assert.ok(peakDb <= ceiling && peakDb > ceiling - PEAK_AT_CEILING_DB, `lookahead ${lookahead}: peak out at ${peakDb} dBFS, ceiling ${ceiling}`);
  }
});

test("the registry resolves 'limiter' to this module", () => {
  assert.equal(registryForName().get('limiter')?.kernel, limiterModule.kernel);
});
