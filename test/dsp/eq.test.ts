// eq: each band's gain at its frequency (the design values), the whole response against the RBJ
// cookbook biquads computed independently here, the bands in series, exact pass-through when
// flat, and block-size invariance while the coefficients move.

import { createRegistry as registryForName } from '../../src/dsp/modules/index.js';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { eqModule } from '../../src/dsp/modules/eq.js';
import { KernelHarness } from '../helpers/kernel-harness.js';
import { TestRandom } from '../helpers/random.js';

const FS = 48000;
/** Gain at a band's centre or corner frequency: within this of the design value. */
const DESIGN_TOLERANCE_DB = 0.05;
/** Whole response against the RBJ biquad (the same transfer function, realised differently). */
const RBJ_TOLERANCE_DB = 0.01;
/** All gains 0 and the cuts off: the output equals the input within this. */
const PASS_THROUGH_TOLERANCE = 1e-6;
/** Impulse response length: every band here has decayed below float32 resolution by then. */
const IR_LENGTH = 65536;
/** −3.0103 dB: a Butterworth cut at its cutoff. */
const CUT_DB = -10 * Math.log10(2);

const FLAT = { lowcut: 10, low_gain: 0, mid_gain: 0, high_gain: 0, highcut: 20000 };

function impulseResponse(params: Record<string, number>): Float32Array {
  const h = new KernelHarness(eqModule, { sampleRate: FS, params: { ...FLAT, ...params } });
  const x = new Float32Array(IR_LENGTH);
  x[0] = 1;
  return h.render(IR_LENGTH, { inputs: { in: x } })[0]!;
}

/** |H(f)| in dB from an impulse response (exact DTFT of the truncated response). */
function gainDb(ir: Float32Array, freq: number): number {
  const w = (2 * Math.PI * freq) / FS;
  let re = 0;
  let im = 0;
  for (let n = 0; n < ir.length; n++) {
    re += ir[n]! * Math.cos(w * n);
    im -= ir[n]! * Math.sin(w * n);
  }
  return 10 * Math.log10(re * re + im * im);
}

// RBJ cookbook biquads (R. Bristow-Johnson, "Cookbook formulae for audio EQ biquad filter
// coefficients"), written here from the cookbook, independently of the module's SVF form.
type Biquad = [number, number, number, number, number, number]; // b0 b1 b2 a0 a1 a2
type Kind = 'peak' | 'lowshelf' | 'highshelf' | 'lowpass' | 'highpass';

function rbj(kind: Kind, f0: number, gainDbValue: number, q: number): Biquad {
  const a = Math.pow(10, gainDbValue / 40);
  const w0 = (2 * Math.PI * f0) / FS;
  const cos = Math.cos(w0);
  const alpha = Math.sin(w0) / (2 * q);
  const s = 2 * Math.sqrt(a) * alpha;
  switch (kind) {
    case 'peak': return [1 + alpha * a, -2 * cos, 1 - alpha * a, 1 + alpha / a, -2 * cos, 1 - alpha / a];
    case 'lowshelf': return [
      a * (a + 1 - (a - 1) * cos + s), 2 * a * (a - 1 - (a + 1) * cos), a * (a + 1 - (a - 1) * cos - s),
      a + 1 + (a - 1) * cos + s, -2 * (a - 1 + (a + 1) * cos), a + 1 + (a - 1) * cos - s,
    ];
    case 'highshelf': return [
      a * (a + 1 + (a - 1) * cos + s), -2 * a * (a - 1 + (a + 1) * cos), a * (a + 1 + (a - 1) * cos - s),
      a + 1 - (a - 1) * cos + s, 2 * (a - 1 - (a + 1) * cos), a + 1 - (a - 1) * cos - s,
    ];
    case 'lowpass': return [(1 - cos) / 2, 1 - cos, (1 - cos) / 2, 1 + alpha, -2 * cos, 1 - alpha];
    case 'highpass': return [(1 + cos) / 2, -(1 + cos), (1 + cos) / 2, 1 + alpha, -2 * cos, 1 - alpha];
  }
}

function biquadDb([b0, b1, b2, a0, a1, a2]: Biquad, freq: number): number {
  const w = (2 * Math.PI * freq) / FS;
  const num = [b0 + b1 * Math.cos(w) + b2 * Math.cos(2 * w), -(b1 * Math.sin(w) + b2 * Math.sin(2 * w))];
  const den = [a0 + a1 * Math.cos(w) + a2 * Math.cos(2 * w), -(a1 * Math.sin(w) + a2 * Math.sin(2 * w))];
  return 10 * Math.log10((num[0]! ** 2 + num[1]! ** 2) / (den[0]! ** 2 + den[1]! ** 2));
}

/** Probe frequencies: 20 Hz … 20 kHz, 6 per octave. */
const GRID = Array.from({ length: 61 }, (_, i) => 20 * Math.pow(2, i / 6));

interface BandCase {
  readonly what: string;
  readonly params: Record<string, number>;
  readonly kind: Kind;
  readonly f0: number;
  readonly gain: number;
  readonly q: number;
  /** Gain at f0 by design. */
  readonly designDb: number;
}

const CASES: BandCase[] = [];
for (const fc of [30, 200, 2000, 9000]) {
  CASES.push({ what: `lowcut ${fc}`, params: { lowcut: fc }, kind: 'highpass', f0: fc, gain: 0, q: Math.SQRT1_2, designDb: CUT_DB });
}
for (const fc of [500, 5000, 15000]) {
  CASES.push({ what: `highcut ${fc}`, params: { highcut: fc }, kind: 'lowpass', f0: fc, gain: 0, q: Math.SQRT1_2, designDb: CUT_DB });
}
for (const [f0, gain, q] of [[50, 12, Math.SQRT1_2], [300, -24, 0.5], [1500, 6, 2], [120, 24, 1]] as const) {
  CASES.push({ what: `low shelf ${f0} Hz ${gain} dB q ${q}`, params: { low_freq: f0, low_gain: gain, low_q: q }, kind: 'lowshelf', f0, gain, q, designDb: gain / 2 });
}
for (const [f0, gain, q] of [[100, 18, 10], [1000, -6, 0.5], [10000, 12, 2], [3000, -24, 1], [20, 6, 0.1]] as const) {
  CASES.push({ what: `peak ${f0} Hz ${gain} dB q ${q}`, params: { mid_freq: f0, mid_gain: gain, mid_q: q }, kind: 'peak', f0, gain, q, designDb: gain });
}
for (const [f0, gain, q] of [[1000, 12, Math.SQRT1_2], [5000, -18, 1.5], [15000, 6, 0.4], [8000, 24, 4]] as const) {
  CASES.push({ what: `high shelf ${f0} Hz ${gain} dB q ${q}`, params: { high_freq: f0, high_gain: gain, high_q: q }, kind: 'highshelf', f0, gain, q, designDb: gain / 2 });
}

test('each band alone: gain at its centre/corner frequency within 0.05 dB of the design (peak G, shelves G/2, cuts −3.01 dB)', () => {
  for (const c of CASES) {
    const measured = gainDb(impulseResponse(c.params), c.f0);
    assert.ok(Math.abs(measured - c.designDb) < DESIGN_TOLERANCE_DB, `${c.what}: ${measured.toFixed(4)} dB, design ${c.designDb.toFixed(4)} dB`);
  }
});

test('each band alone: the whole response is the RBJ cookbook biquad\'s within 0.01 dB (20 Hz … 20 kHz)', () => {
  for (const c of CASES) {
    const ir = impulseResponse(c.params);
    const design = rbj(c.kind, c.f0, c.gain, c.q);
    for (const f of GRID) {
      const expected = biquadDb(design, f);
      if (expected < -60) continue; // deep in a cut's stopband: float32 resolution, not the design
      const measured = gainDb(ir, f);
      assert.ok(Math.abs(measured - expected) < RBJ_TOLERANCE_DB, `${c.what} at ${f.toFixed(1)} Hz: ${measured.toFixed(4)} vs ${expected.toFixed(4)} dB`);
    }
  }
});

test('all five bands in series: the response is the product of the five RBJ responses (within 0.05 dB)', () => {
  const params = { lowcut: 40, low_freq: 150, low_gain: 4, low_q: 0.8, mid_freq: 900, mid_gain: -7, mid_q: 1.4, high_freq: 6000, high_gain: 5, high_q: 0.6, highcut: 16000 };
  const ir = impulseResponse(params);
  const designs = [
    rbj('highpass', 40, 0, Math.SQRT1_2), rbj('lowshelf', 150, 4, 0.8), rbj('peak', 900, -7, 1.4), rbj('highshelf', 6000, 5, 0.6), rbj('lowpass', 16000, 0, Math.SQRT1_2),
  ];
  for (const f of GRID) {
    const expected = designs.reduce((sum, d) => sum + biquadDb(d, f), 0);
    const measured = gainDb(ir, f);
    assert.ok(Math.abs(measured - expected) < DESIGN_TOLERANCE_DB, `${f.toFixed(1)} Hz: ${measured.toFixed(4)} vs ${expected.toFixed(4)} dB`);
  }
});

test('all gains 0 with the cuts off: a pass-through within 1e-6, also after the bands were moved and returned', () => {
  const rng = new TestRandom(31);
  const x = rng.noise(20000);
  const flat = new KernelHarness(eqModule, { sampleRate: FS, params: FLAT }).render(x.length, { block: 77, inputs: { in: x } })[0]!;
  let worst = 0;
  for (let i = 0; i < x.length; i++) worst = Math.max(worst, Math.abs(flat[i]! - x[i]!));
  assert.ok(worst <= PASS_THROUGH_TOLERANCE, `flat: error ${worst}`);
  // Gains and cuts active for 5000 samples, then ramped back over 1000 samples (as smoothing would).
  const curves: Record<string, Float64Array> = {};
  const active: Record<string, number> = { lowcut: 300, low_gain: 9, mid_gain: -12, high_gain: 6, highcut: 3000 };
  for (const [id, value] of Object.entries(active)) {
    const flatValue = FLAT[id as keyof typeof FLAT];
    const c = new Float64Array(x.length);
    for (let i = 0; i < x.length; i++) c[i] = i < 5000 ? value : i < 6000 ? value + ((flatValue - value) * (i - 5000)) / 1000 : flatValue;
    curves[id] = c;
  }
  const moved = new KernelHarness(eqModule, { sampleRate: FS }).render(x.length, { block: 64, inputs: { in: x }, paramCurves: curves })[0]!;
  worst = 0;
  // The flat coefficients are reached by the first control point after the ramp plus one period.
  for (let i = 6032; i < x.length; i++) worst = Math.max(worst, Math.abs(moved[i]! - x[i]!));
  assert.ok(worst <= PASS_THROUGH_TOLERANCE, `after moving: error ${worst}`);
});

test('block-size invariance while every frequency, gain and q sweeps per sample', () => {
  const rng = new TestRandom(17);
  const frames = 6000;
  const x = rng.noise(frames);
  const curves: Record<string, Float64Array> = {};
  for (const p of eqModule.spec.params) {
    const c = new Float64Array(frames);
    for (let i = 0; i < frames; i++) c[i] = p.min + (p.max - p.min) * (0.5 + 0.5 * Math.sin(i / (300 + 17 * p.id.length)));
    curves[p.id] = c;
  }
  const render = (block: number): Float32Array =>
    new KernelHarness(eqModule, { sampleRate: FS }).render(frames, { block, inputs: { in: x }, paramCurves: curves })[0]!;
  const reference = render(128);
  assert.ok(reference.every(Number.isFinite));
  for (const block of [1, 5, 16, 100]) assert.deepEqual(render(block), reference, `block ${block}`);
});

test('a band moving in from flat does not click: every band ramped in over 20 ms on a 100 Hz sine', () => {
  const frames = 9600;
  const x = new Float32Array(frames);
  for (let i = 0; i < frames; i++) x[i] = 0.5 * Math.sin((2 * Math.PI * 100 * i) / FS + 0.3);
  const ramp = (from: number, to: number): Float64Array => {
    const c = new Float64Array(frames);
    for (let i = 0; i < frames; i++) c[i] = i < 3000 ? from : i < 3960 ? from + ((to - from) * (i - 3000)) / 960 : to; // 20 ms, as smoothing does
    return c;
  };
  const largestStep = (y: Float32Array, from: number, to: number): number => {
    let m = 0;
    for (let i = from + 1; i < to; i++) m = Math.max(m, Math.abs(y[i]! - y[i - 1]!));
    return m;
  };
  const moves = [
    ['lowcut', ramp(10, 200)], ['low_gain', ramp(0, 12)], ['mid_gain', ramp(0, 18)], ['high_gain', ramp(0, -12)], ['highcut', ramp(20000, 300)],
  ] as const;
  for (const [id, curve] of moves) {
    const params = { low_freq: 300, mid_freq: 100, mid_q: 2, high_freq: 50 };
    const y = new KernelHarness(eqModule, { sampleRate: FS, params }).render(frames, { block: 50, inputs: { in: x }, paramCurves: { [id]: curve } })[0]!;
    // No step during the move larger than the steady signal's own steps before or after it
    // (with 20 % margin): a band starting from a badly placed state steps by up to 0.5.
    const bound = 1.2 * Math.max(largestStep(y, 0, 3000), largestStep(y, 7000, frames));
    const during = largestStep(y, 2990, 7000);
    assert.ok(during <= bound, `${id}: largest step ${during.toFixed(5)} while moving in, ${bound.toFixed(5)} allowed`);
  }
});

test("the registry resolves 'eq' to this module", () => {
  assert.equal(registryForName().get('eq')?.kernel, eqModule.kernel);
});
