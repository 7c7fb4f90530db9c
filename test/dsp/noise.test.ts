import { test } from 'node:test';
import assert from 'node:assert/strict';
import FFT from 'fft.js';
import { noiseModule } from '../../src/dsp/modules/noise.js';
import { specProblems } from '../../src/dsp/spec.js';
import { KernelHarness } from '../helpers/kernel-harness.js';
import { hann, rms } from '../helpers/analysis.js';
import { bipolar, fillBipolar, nextState, seedState } from '../../src/dsp/lib/random.js';

const FS = 48000;
const WHITE = 0;
const PINK = 1;
const BROWN = 2;

function noise(params: Record<string, number>, seed = 12345): KernelHarness {
  return new KernelHarness(noiseModule, { sampleRate: FS, seed, params });
}

/** KernelHarness.render with block sizes cycling through `sizes` at varying buffer offsets. */
function renderCuts(h: KernelHarness, frames: number, sizes: readonly number[], paramCurves: Record<string, Float64Array> = {}): Float32Array {
  const result = new Float32Array(frames);
  let pos = 0;
  let k = 0;
  while (pos < frames) {
    const n = Math.min(sizes[k % sizes.length]!, frames - pos, h.maxBlock);
    const start = (k * 37) % (h.maxBlock - n + 1);
    k++;
    for (const [id, curve] of Object.entries(paramCurves)) {
      const p = h.params[h.paramIndex(id)]!;
      p.isConstant = false;
      p.buffer.set(curve.subarray(pos, pos + n), start);
      p.value = curve[pos + n - 1]!;
    }
    h.kernel.process(start, start + n);
    result.set(h.outputs[0]!.subarray(start, start + n), pos);
    pos += n;
  }
  return result;
}

/** Welch power spectral density (arbitrary units), Hann window, 50% overlap. */
function psd(x: Float32Array, size: number): Float64Array {
  const fft = new FFT(size);
  const input = new Float64Array(size);
  const out = fft.createComplexArray() as number[];
  const power = new Float64Array(size / 2 + 1);
  for (let start = 0; start + size <= x.length; start += size / 2) {
    for (let i = 0; i < size; i++) input[i] = x[start + i]! * hann(i, size);
    fft.realTransform(out, input);
    for (let k = 0; k <= size / 2; k++) power[k]! += out[2 * k]! * out[2 * k]! + out[2 * k + 1]! * out[2 * k + 1]!;
  }
  return power;
}

/** Least-squares slope, in dB per octave, of the mean PSD in octave bands 100 Hz … 12.8 kHz. */
function slopePerOctave(x: Float32Array): number {
  const size = 8192;
  const p = psd(x, size);
  const binHz = FS / size;
  const xs: number[] = [];
  const ys: number[] = [];
  for (let band = 0; band < 7; band++) {
    const lo = 100 * 2 ** band;
    let sum = 0;
    let count = 0;
    for (let k = Math.ceil(lo / binHz); k * binHz < 2 * lo; k++) {
      sum += p[k]!;
      count++;
    }
    xs.push(band);
    ys.push(10 * Math.log10(sum / count));
  }
  const mx = xs.reduce((a, b) => a + b) / xs.length;
  const my = ys.reduce((a, b) => a + b) / ys.length;
  let num = 0;
  let den = 0;
  for (let i = 0; i < xs.length; i++) {
    num += (xs[i]! - mx) * (ys[i]! - my);
    den += (xs[i]! - mx) ** 2;
  }
  return num / den;
}

test('spec is valid', () => {
  assert.deepEqual(specProblems(noiseModule.spec), []);
});

test('same seed gives identical samples, a different seed different ones', () => {
  for (const color of [WHITE, PINK, BROWN]) {
    const a = noise({ color }, 7).render(4096)[0]!;
    const b = noise({ color }, 7).render(4096)[0]!;
    const c = noise({ color }, 8).render(4096)[0]!;
    assert.deepEqual(a, b);
    let same = 0;
    for (let i = 0; i < a.length; i++) if (a[i] === c[i]) same++;
    assert.ok(same < 10, `color ${color}: ${same} equal samples across seeds`);
  }
});

test('white noise is the seeded generator sequence (block fill = scalar functions)', () => {
  const x = noise({ color: WHITE, gain: 1 }, 42).render(1000)[0]!;
  let s = seedState(42);
  for (let i = 0; i < x.length; i++) {
    s = nextState(s);
    assert.equal(x[i], Math.fround(bipolar(s)), `sample ${i}`);
  }
  const buf = new Float64Array([seedState(42)]);
  const out = new Float64Array(1000);
  fillBipolar(buf, 0, out, 0, 1000);
  assert.equal(buf[0], s);
  for (let i = 0; i < 1000; i++) assert.equal(Math.fround(out[i]!), x[i]);
});

test('white: uniform, RMS = gain/√3 (±1%), mean ≈ 0, flat spectrum', () => {
  const gain = 0.5;
  const x = noise({ color: WHITE, gain }).render(200000)[0]!;
  const r = rms(x);
  assert.ok(Math.abs(r / (gain / Math.sqrt(3)) - 1) < 0.01, `rms ${r}`);
  let mean = 0;
  for (const v of x) mean += v;
  assert.ok(Math.abs(mean / x.length) < 0.005, `mean ${mean / x.length}`);
  // Uniform: a quarter of the samples in each quarter of [-gain, gain].
  const quarters = [0, 0, 0, 0];
  for (const v of x) quarters[Math.min(3, Math.floor(((v / gain + 1) / 2) * 4))]!++;
  for (const q of quarters) assert.ok(Math.abs(q / x.length - 0.25) < 0.01, `quarters ${quarters}`);
  const slope = slopePerOctave(x);
  assert.ok(Math.abs(slope) < 0.3, `white slope ${slope.toFixed(2)} dB/oct`);
});

test('pink slopes -3 dB/oct and brown -6 dB/oct (±1 dB/oct); both have RMS ≈ 0.25·gain', () => {
  const gain = 0.8;
  for (const [color, expected] of [[PINK, -3], [BROWN, -6]] as const) {
    const x = noise({ color, gain }).render(1 << 18)[0]!;
    const slope = slopePerOctave(x);
    assert.ok(Math.abs(slope - expected) <= 1, `color ${color}: slope ${slope.toFixed(2)} dB/oct`);
    const r = rms(x);
    assert.ok(Math.abs(r / (0.25 * gain) - 1) < 0.15, `color ${color}: rms ${r}`);
  }
});

test('output is finite and within ±gain', () => {
  const gain = 0.9;
  for (const color of [WHITE, PINK, BROWN]) {
    const x = noise({ color, gain }).render(200000)[0]!;
    for (const v of x) assert.ok(Number.isFinite(v) && Math.abs(v) <= gain * (1 + 1e-6), `color ${color}: ${v}`);
  }
});

test('block-size invariance, constant vs buffer params, colour switching mid-block', () => {
  const frames = 10000;
  const gain = new Float64Array(frames);
  const color = new Float64Array(frames);
  for (let i = 0; i < frames; i++) {
    gain[i] = 0.5 + 0.3 * Math.sin((2 * Math.PI * 4 * i) / FS);
    color[i] = Math.floor(i / 1111) % 3;
  }
  const a = noise({}).render(frames, { block: 128, paramCurves: { gain, color } })[0]!;
  const b = renderCuts(noise({}), frames, [1, 37, 128, 5, 64, 2, 99], { gain, color });
  assert.deepEqual(b, a);
  for (const c of [WHITE, PINK, BROWN]) {
    const constant = noise({ color: c, gain: 0.7 }).render(frames)[0]!;
    const buffered = renderCuts(noise({}), frames, [128, 13], {
      color: new Float64Array(frames).fill(c),
      gain: new Float64Array(frames).fill(0.7),
    });
    assert.deepEqual(buffered, constant, `color ${c}`);
  }
});

test('snapshot/restore continues bit-identically; reset re-seeds', () => {
  for (const color of [WHITE, PINK, BROWN]) {
    const whole = noise({ color }).render(8000)[0]!;
    const first = noise({ color });
    first.render(3000);
    const second = noise({ color });
    first.kernel.stateArrays().forEach((a, i) => second.kernel.stateArrays()[i]!.set(a));
    assert.deepEqual(second.render(5000, { block: 33 })[0]!, whole.subarray(3000));
    first.kernel.reset();
    assert.deepEqual(first.render(8000)[0]!, whole);
  }
});
