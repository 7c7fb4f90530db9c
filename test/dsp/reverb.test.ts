// reverb: analytic tests. RT60 by Schroeder backward integration (M. R. Schroeder, "New Method
// of Measuring Reverberation Time", JASA 37, 1965): the energy decay curve of the impulse
// response, a least-squares line fitted between −5 and −35 dB and extrapolated to −60 dB (T30,
// ISO 3382-1). Band RT60s through 4th-order band filters (two cascaded RBJ biquads; their own
// ring-down is a few ms, far below the decays measured).

import { createRegistry as registryForName } from '../../src/dsp/modules/index.js';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { reverbModule, type ReverbKernel } from '../../src/dsp/modules/reverb.js';
import { KernelHarness } from '../helpers/kernel-harness.js';
import { TestRandom } from '../helpers/random.js';

const FS = 48000;
/** RT60 tolerance of the issue: ±15 %. */
const RT60_TOLERANCE = 0.15;
/** Freeze: energy lost over 10 s, at most 0.1 dB. */
const FREEZE_LOSS_DB = 0.1;
/** Decorrelation after the first 50 ms: |correlation| below 0.5. */
const MAX_CORRELATION = 0.5;
const DOUBLE_MIN_NORMAL = 2.2250738585072014e-308;
const FLOAT32_MIN_NORMAL = 1.1754943508222875e-38;

function reverb(params: Record<string, number>, sampleRate = FS): KernelHarness {
  return new KernelHarness(reverbModule, { sampleRate, params });
}

/** Wet (mix 1) response of both sides to a unit impulse at `at` fed to the given sides. */
function impulseResponse(params: Record<string, number>, seconds: number, opts: { at?: number; sides?: 'both' | 'left'; sampleRate?: number } = {}): Float32Array[] {
  const fs = opts.sampleRate ?? FS;
  const h = reverb({ mix: 1, ...params }, fs);
  const n = Math.round(seconds * fs);
  const x = new Float32Array(n);
  x[opts.at ?? 0] = 1;
  const silent = new Float32Array(n);
  return h.render(n, { inputs: { left: x, right: opts.sides === 'left' ? silent : x } });
}

/** RT60 (s) by Schroeder backward integration: T30 fit between −5 and −35 dB, extrapolated to −60. */
function schroederRt60(y: ArrayLike<number>, fs = FS): number {
  const n = y.length;
  const edc = new Float64Array(n);
  let acc = 0;
  for (let i = n - 1; i >= 0; i--) {
    acc += y[i]! * y[i]!;
    edc[i] = acc;
  }
  let sx = 0, sy = 0, sxx = 0, sxy = 0, count = 0;
  for (let i = 0; i < n; i++) {
    const db = 10 * Math.log10(edc[i]! / edc[0]!);
    if (db > -5 || db < -35) continue;
    const t = i / fs;
    sx += t;
    sy += db;
    sxx += t * t;
    sxy += t * db;
    count++;
  }
  assert.ok(count > 100, 'the energy decay curve reaches −35 dB');
  const slope = (count * sxy - sx * sy) / (count * sxx - sx * sx);
  return -60 / slope;
}

/** y through a biquad given as [b0, b1, b2, a1, a2] (a0 = 1), in double precision. */
function biquad(x: ArrayLike<number>, c: readonly number[]): Float64Array {
  const y = new Float64Array(x.length);
  let x1 = 0, x2 = 0, y1 = 0, y2 = 0;
  for (let i = 0; i < x.length; i++) {
    const v = c[0]! * x[i]! + c[1]! * x1 + c[2]! * x2 - c[3]! * y1 - c[4]! * y2;
    x2 = x1;
    x1 = x[i]!;
    y2 = y1;
    y1 = v;
    y[i] = v;
  }
  return y;
}

/** RBJ cookbook (R. Bristow-Johnson, "Audio EQ Cookbook") band-pass (0 dB peak) and high-pass. */
function rbj(kind: 'bandpass' | 'highpass', f0: number, q: number, fs = FS): number[] {
  const w = (2 * Math.PI * f0) / fs;
  const alpha = Math.sin(w) / (2 * q);
  const a0 = 1 + alpha;
  const cos = Math.cos(w);
  const b = kind === 'bandpass' ? [alpha, 0, -alpha] : [(1 + cos) / 2, -(1 + cos), (1 + cos) / 2];
  return [b[0]! / a0, b[1]! / a0, b[2]! / a0, (-2 * cos) / a0, (1 - alpha) / a0];
}

/** Octave band around f0 (4th order: two cascaded band-passes of Q √2). */
function octaveBand(x: ArrayLike<number>, f0: number): Float64Array {
  const c = rbj('bandpass', f0, Math.SQRT2);
  return biquad(biquad(x, c), c);
}

function correlation(a: ArrayLike<number>, b: ArrayLike<number>, from: number): number {
  let ab = 0, aa = 0, bb = 0;
  for (let i = from; i < a.length; i++) {
    ab += a[i]! * b[i]!;
    aa += a[i]! * a[i]!;
    bb += b[i]! * b[i]!;
  }
  return ab / Math.sqrt(aa * bb);
}

function firstNonZero(x: ArrayLike<number>): number {
  for (let i = 0; i < x.length; i++) if (x[i] !== 0) return i;
  return -1;
}

function gcd(a: number, b: number): number {
  return b === 0 ? a : gcd(b, a % b);
}

function isPrime(n: number): boolean {
  if (n < 2) return false;
  for (let d = 2; d * d <= n; d++) if (n % d === 0) return false;
  return true;
}

test('reverb: stereo ports (left, right first), tempo-synced predelay, freeze as an enum', () => {
  const spec = reverbModule.spec;
  assert.deepEqual(spec.inputs.map((p) => p.id), ['left', 'right']);
  assert.deepEqual(spec.outputs.map((p) => p.id), ['left', 'right']);
  const param = (id: string) => spec.params.find((p) => p.id === id)!;
  assert.equal(param('predelay').tempoSync, true);
  assert.equal(param('predelay').smoothingMs, 0);
  assert.deepEqual([param('decay').min, param('decay').max], [0.1, 60]);
  assert.deepEqual(param('freeze').labels, ['off', 'on']);
  assert.equal(spec.silentInSilentOut, true);
});

for (const decay of [0.5, 2, 8]) {
  test(`reverb: broadband RT60 (Schroeder, damp 1) is ${decay} s within ${RT60_TOLERANCE * 100} %`, () => {
    const [left, right] = impulseResponse({ decay, damp: 1 }, decay * 1.3);
    for (const side of [left!, right!]) {
      const rt = schroederRt60(side);
      assert.ok(Math.abs(rt / decay - 1) <= RT60_TOLERANCE, `RT60 ${rt.toFixed(3)} s for decay ${decay} s`);
    }
  });
}

test('reverb: RT60 does not depend on size (0.25 and 2, decay 2 s)', () => {
  for (const size of [0.25, 2]) {
    const [left] = impulseResponse({ decay: 2, damp: 1, size }, 2.6);
    const rt = schroederRt60(left!);
    assert.ok(Math.abs(rt / 2 - 1) <= RT60_TOLERANCE, `RT60 ${rt.toFixed(3)} s at size ${size}`);
  }
});

test('reverb: with damping, the low band keeps `decay` and the top band decays in damp × decay (±15 %)', () => {
  for (const [decay, damp] of [[2, 0.5], [2, 0.25], [8, 0.3]] as const) {
    const [left] = impulseResponse({ decay, damp }, decay * 1.3);
    const low = schroederRt60(octaveBand(left!, 250));
    assert.ok(Math.abs(low / decay - 1) <= RT60_TOLERANCE, `250 Hz octave RT60 ${low.toFixed(3)} s, decay ${decay}, damp ${damp}`);
    // Near Nyquist (above 19 kHz) the absorption filters give exactly damp × decay.
    const hp = rbj('highpass', 19000, Math.SQRT1_2);
    const high = schroederRt60(biquad(biquad(left!, hp), hp));
    assert.ok(Math.abs(high / (damp * decay) - 1) <= RT60_TOLERANCE, `top band RT60 ${high.toFixed(3)} s, expected ${damp * decay}`);
  }
});

test(`reverb: a mono impulse gives decorrelated sides after 50 ms (|r| < ${MAX_CORRELATION})`, () => {
  for (const params of [{ decay: 0.5 }, { decay: 2 }, { decay: 8, size: 2 }, { decay: 2, size: 0.25, damp: 0.2 }]) {
    const [left, right] = impulseResponse(params, Math.min(3, params.decay));
    const r = correlation(left!, right!, Math.round(0.05 * FS));
    assert.ok(Math.abs(r) < MAX_CORRELATION, `${JSON.stringify(params)}: correlation ${r.toFixed(3)}`);
  }
});

test('reverb: width 0 makes the wet signal mono (left = right exactly); width 1 leaves the sides apart', () => {
  const [left, right] = impulseResponse({ decay: 2, width: 0 }, 1, { sides: 'left' });
  assert.deepEqual(left, right);
  const [wideLeft, wideRight] = impulseResponse({ decay: 2, width: 1 }, 1, { sides: 'left' });
  assert.ok(Math.abs(correlation(wideLeft!, wideRight!, 2400)) < MAX_CORRELATION);
});

test('reverb: the first wet sample comes exactly round(predelay · fs / 1000) samples after the input (network offset 0)', () => {
  const at = 1000;
  const cases: Array<[number, number]> = [[0, FS], [10, FS], [37.3, FS], [1000, FS], [257.142857, FS], [257.142857, 44100], [5.01, 96000]];
  for (const [predelay, fs] of cases) {
    const expected = at + Math.round((predelay * fs) / 1000);
    for (const size of [0.25, 2]) {
      const [left, right] = impulseResponse({ predelay, size }, (expected + 100) / fs, { at, sampleRate: fs });
      assert.equal(firstNonZero(left!), expected, `left, predelay ${predelay} ms at ${fs} Hz, size ${size}`);
      assert.equal(firstNonZero(right!), expected, `right, predelay ${predelay} ms at ${fs} Hz, size ${size}`);
    }
    // A left-only impulse starts the left side at the same sample.
    const [leftOnly] = impulseResponse({ predelay }, (expected + 100) / fs, { at, sides: 'left', sampleRate: fs });
    assert.equal(firstNonZero(leftOnly!), expected);
  }
});

test('reverb: 1/8. at 175 BPM (257.142857 ms) is 12343 samples at 48 kHz', () => {
  const [left] = impulseResponse({ predelay: (60000 / 175) * 0.75 }, 0.3);
  assert.equal(firstNonZero(left!), 12343);
});

test('reverb: freeze holds the tail within 0.1 dB over 10 s and keeps new input out', () => {
  const rng = new TestRandom(21);
  const frozen: Float32Array[][] = [];
  for (const feed of ['silence', 'loud noise']) {
    const h = reverb({ decay: 2, mix: 1 });
    const warm = 2 * FS;
    h.render(warm, { inputs: { left: new TestRandom(3).noise(warm, 0.5), right: new TestRandom(4).noise(warm, 0.5) } });
    h.setParam('freeze', 1);
    const n = 10 * FS;
    const input = feed === 'silence' ? new Float32Array(n) : rng.noise(n, 1);
    const [left, right] = h.render(n, { inputs: { left: input, right: input } });
    const windowDb: number[] = [];
    for (let s = 0; s < n; s += FS) {
      let e = 0;
      for (let i = s; i < s + FS; i++) e += left![i]! ** 2 + right![i]! ** 2;
      windowDb.push(10 * Math.log10(e));
    }
    for (const [k, db] of windowDb.entries()) {
      assert.ok(Math.abs(db - windowDb[0]!) <= FREEZE_LOSS_DB, `${feed}: window ${k} at ${(db - windowDb[0]!).toFixed(3)} dB`);
    }
    frozen.push([left!, right!]);
    // Released, the tail decays again: 60 dB in `decay` (2 s), so > 40 dB down after 2 s.
    h.setParam('freeze', 0);
    const [after] = h.render(3 * FS, { inputs: { left: new Float32Array(3 * FS), right: new Float32Array(3 * FS) } });
    let late = 0;
    for (let i = 2 * FS; i < 3 * FS; i++) late += after![i]! ** 2;
    assert.ok(10 * Math.log10(late) < windowDb[0]! - 40, `${feed}: after release ${(10 * Math.log10(late) - windowDb[0]!).toFixed(1)} dB`);
  }
  // The frozen wet signal is the same whatever comes in.
  assert.deepEqual(frozen[1], frozen[0]);
});

test('reverb: mix 0 is the dry signal exactly, even with a ringing tank', () => {
  const rng = new TestRandom(5);
  const h = reverb({ decay: 8, mix: 1 });
  h.render(FS, { inputs: { left: rng.noise(FS), right: rng.noise(FS) } });
  h.setParam('mix', 0);
  const left = rng.noise(FS, 0.8);
  const right = rng.noise(FS, 0.3);
  const [outLeft, outRight] = h.render(FS, { inputs: { left, right } });
  assert.deepEqual(outLeft, left);
  assert.deepEqual(outRight, right);
});

test('reverb: silence in gives silence out and an all-zero state, frozen or not', () => {
  for (const freeze of [0, 1]) {
    const h = reverb({ decay: 60, freeze, predelay: 3, mix: 0.7 });
    const n = FS;
    const out = h.render(n, { inputs: { left: new Float32Array(n), right: new Float32Array(n) } });
    for (const o of out) assert.equal(firstNonZero(o), -1);
    for (const arr of h.kernel.stateArrays().slice(1)) assert.equal(firstNonZero(arr), -1);
  }
});

test('reverb: 30 s after a burst no state value is subnormal, and a finished tail is exact zeros', () => {
  const rng = new TestRandom(8);
  for (const params of [{ decay: 2 }, { decay: 0.1, damp: 0.05 }, { decay: 60, damp: 0.05, size: 2 }, { decay: 2, size: 0.25, predelay: 500 }]) {
    const h = reverb({ mix: 1, ...params });
    const burst = FS / 2;
    h.render(burst, { inputs: { left: rng.noise(burst), right: rng.noise(burst) } });
    const silence = 30 * FS;
    const [left] = h.render(silence, { inputs: { left: new Float32Array(silence), right: new Float32Array(silence) } });
    for (const arr of h.kernel.stateArrays()) {
      const minNormal = arr instanceof Float32Array ? FLOAT32_MIN_NORMAL : DOUBLE_MIN_NORMAL;
      const bad = arr.findIndex((v) => v !== 0 && Math.abs(v) < minNormal);
      assert.equal(bad, -1, `${JSON.stringify(params)}: subnormal ${arr[bad]} at ${bad} of a ${arr.constructor.name}`);
    }
    if (params.decay <= 2) {
      for (const arr of h.kernel.stateArrays().slice(1)) assert.equal(firstNonZero(arr), -1, `${JSON.stringify(params)}: the tail ended`);
      assert.equal(left![silence - 1], 0);
    }
  }
});

test('reverb: line lengths are distinct primes (mutually prime), scaled by size', () => {
  const base = [27.1, 30.7, 34.1, 39.3, 43.3, 49.9, 55.3, 63.7];
  for (const fs of [44100, 48000, 96000]) {
    for (const size of [0.25, 0.5, 1, 1.37, 2]) {
      const h = reverb({ size }, fs);
      h.render(1);
      const kernel = h.kernel as ReverbKernel;
      const lengths = base.map((_, k) => kernel.lineLength(k));
      for (const [k, m] of lengths.entries()) {
        assert.ok(isPrime(m), `${m} is prime`);
        const target = (base[k]! * size * fs) / 1000;
        assert.ok(m <= target + 0.5 && m > target * 0.97, `line ${k}: ${m} samples for ${target.toFixed(1)} at size ${size}, ${fs} Hz`);
        for (let j = 0; j < k; j++) assert.equal(gcd(m, lengths[j]!), 1);
      }
    }
  }
});

test("the registry resolves 'reverb' to this module", () => {
  assert.equal(registryForName().get('reverb')?.kernel, reverbModule.kernel);
});
