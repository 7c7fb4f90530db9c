import { createRegistry as registryForName } from '../../src/dsp/modules/index.js';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DELAY_CONSTANTS, delayModule, DelayKernel } from '../../src/dsp/modules/delay.js';
import { KernelHarness } from '../helpers/kernel-harness.js';
import { maxStep, rms, toDb } from '../helpers/analysis.js';
import { argMaxAbs, energy, impulse, sine, toneBurst } from '../helpers/signals.js';
import { TestRandom } from '../helpers/random.js';

const FS = 48000;
/** Echo levels: the bar. */
const LEVEL_TOLERANCE_DB = 0.1;
/** Echo position of a fractional (tempo) delay: the bar. */
const POSITION_TOLERANCE_SAMPLES = 1;
/** A time change: the output's largest step may exceed (1 + MAX_GLIDE_SPEED) × the input's by this factor (interpolation error). */
const CLICK_TOLERANCE = 1.01;
const MAX_GLIDE_SPEED = DELAY_CONSTANTS.maxGlideSpeed;
const MONO = 0;
const STEREO = 1;
const PINGPONG = 2;

/** A delay with no feedback, wet only, unless the params say otherwise. */
function delay(params: Record<string, number>, sampleRate = FS): KernelHarness {
  return new KernelHarness(delayModule, { sampleRate, params: { feedback: 0, mix: 1, ...params } });
}

/** |H| of the tone filters (TPT one-poles: bilinear, prewarped) at `freq`: one pass. */
function toneGain(freq: number, sampleRate: number, lowcut = 20, highcut = 20000): number {
  const t = Math.tan((Math.PI * freq) / sampleRate);
  const rl = t / Math.tan((Math.PI * lowcut) / sampleRate);
  const rh = t / Math.tan((Math.PI * highcut) / sampleRate);
  return (rl / Math.sqrt(1 + rl * rl)) * (1 / Math.sqrt(1 + rh * rh));
}

test('delay: spec declares the loop delay, a tempo-synced time and the stereo pairs', () => {
  const spec = delayModule.spec;
  assert.equal(spec.loopDelayMs, 1);
  assert.equal(spec.params.find((p) => p.id === 'time')?.tempoSync, true);
  assert.deepEqual(spec.inputs.slice(0, 2).map((p) => p.id), ['left', 'right']);
  assert.deepEqual(spec.outputs.map((p) => p.id), ['left', 'right']);
  const h = delay({});
  assert.equal((h.kernel as DelayKernel).loopDelaySamples, 48);
  assert.equal((delay({}, 44100).kernel as DelayKernel).loopDelaySamples, 44);
});

test('delay: the first echo is at exactly D samples for integer D (nothing before it, its peak at D)', () => {
  for (const [fs, d] of [[48000, 50], [48000, 51], [48000, 96], [48000, 12000], [44100, 441], [44100, 46]] as const) {
    const time = (d * 1000) / fs;
    assert.equal(time * (fs / 1000), d, `premise: ${time} ms is ${d} samples exactly at ${fs} Hz`);
    const h = delay({ time }, fs);
    const [left, right] = h.render(d + 400, { inputs: { left: impulse(d + 400, 0) } });
    for (const out of [left!, right!]) {
      for (let n = 0; n < d; n++) assert.equal(out[n], 0, `fs ${fs} D ${d}: output at ${n} before the echo`);
      assert.notEqual(out[d], 0, `fs ${fs} D ${d}: no echo at D`);
      assert.equal(argMaxAbs(out), d, `fs ${fs} D ${d}: echo peak`);
    }
  }
});

test('delay: the shortest delay is loopDelaySamples + 2 (a shorter time reads as that)', () => {
  for (const fs of [48000, 44100]) {
    const h = delay({ time: 1 }, fs);
    const [out] = h.render(400, { inputs: { left: impulse(400, 10) } });
    const expected = Math.floor(fs / 1000) + 2;
    assert.equal(argMaxAbs(out!), 10 + expected, `fs ${fs}`);
    for (let n = 0; n < 10 + expected; n++) assert.equal(out![n], 0);
  }
});

/** Energy of echo k relative to the burst, in dB, for echoes 1..count. */
function echoLevelsDb(out: Float32Array, x: Float32Array, period: number, burstLength: number, count: number): number[] {
  const margin = 200;
  const ref = energy(x, 0, burstLength + margin);
  const levels: number[] = [];
  for (let k = 1; k <= count; k++) levels.push(10 * Math.log10(energy(out, Math.round(k * period), Math.round(k * period) + burstLength + margin) / ref));
  return levels;
}

test('delay: echo k is at fb^(k−1) (tone wide open) within ±0.1 dB, for integer and fractional D', () => {
  const burstLength = 960;
  const freq = 1000;
  for (const [d, fb] of [[4800, 0.7], [4800.5, 0.5], [2000.25, 0.9]] as const) {
    const frames = Math.ceil(9 * d) + 2000;
    const x = toneBurst(frames, freq, FS, burstLength);
    const h = delay({ time: (d * 1000) / FS, feedback: fb, mode: STEREO });
    const [left, right] = h.render(frames, { inputs: { left: x } });
    const levels = echoLevelsDb(left!, x, d, burstLength, 8);
    levels.forEach((db, i) => {
      const k = i + 1;
      const expected = toDb(Math.pow(fb, k - 1) * Math.pow(toneGain(freq, FS), k));
      assert.ok(Math.abs(db - expected) <= LEVEL_TOLERANCE_DB, `D ${d} fb ${fb}: echo ${k} at ${db.toFixed(3)} dB, expected ${expected.toFixed(3)}`);
    });
    assert.deepEqual(right, left, 'right (normalled to left) echoes the same');
  }
});

test('delay: the tone filters shape each repeat by their response (lowcut 400 Hz, highcut 3 kHz)', () => {
  const burstLength = 4800;
  const d = 9600;
  for (const freq of [200, 1000, 6000]) {
    const frames = 6 * d;
    const x = toneBurst(frames, freq, FS, burstLength);
    const h = delay({ time: 200, feedback: 0.8, lowcut: 400, highcut: 3000 });
    const [left] = h.render(frames, { inputs: { left: x } });
    const levels = echoLevelsDb(left!, x, d, burstLength, 4);
    levels.forEach((db, i) => {
      const k = i + 1;
      const expected = toDb(Math.pow(0.8, k - 1) * Math.pow(toneGain(freq, FS, 400, 3000), k));
      // A 100 ms burst spreads ±20 Hz around its frequency, which the filters' slopes weigh: 0.2 dB.
      assert.ok(Math.abs(db - expected) <= 0.2, `${freq} Hz echo ${k}: ${db.toFixed(2)} dB, expected ${expected.toFixed(2)}`);
    });
  }
});

test('delay: 1/8. at 175 BPM (257.142857 ms) puts the echo within ±1 sample of 257.142857 ms', () => {
  const timeMs = (60000 / 175) * 0.75;
  assert.ok(Math.abs(timeMs - 257.142857) < 1e-6);
  for (const fs of [48000, 44100]) {
    const expected = (timeMs * fs) / 1000;
    const frames = Math.ceil(expected) + 400;
    const h = delay({ time: timeMs }, fs);
    const [out] = h.render(frames, { inputs: { left: impulse(frames, 0) } });
    const peak = argMaxAbs(out!);
    assert.ok(Math.abs(peak - expected) <= POSITION_TOLERANCE_SAMPLES, `fs ${fs}: echo at ${peak}, expected ${expected}`);
    assert.equal(out![Math.floor(expected) - 2], 0, 'nothing before the interpolator reaches the echo');
  }
});

/** Renders through renderOutput/acceptInput in random chunks ≤ loopDelaySamples; inputs hold NaN during renderOutput. */
function renderSplit(h: KernelHarness, left: Float32Array, right: Float32Array | undefined, rng: TestRandom, loop?: { gain: number }): Float32Array[] {
  const kernel = h.kernel as DelayKernel;
  const frames = left.length;
  const out = [new Float32Array(frames), new Float32Array(frames)];
  h.inputs[0]!.connected = true;
  h.inputs[1]!.connected = right !== undefined;
  const lag = kernel.loopDelaySamples;
  for (let pos = 0; pos < frames; ) {
    const blockStart = rng.int(0, h.maxBlock - lag);
    const n = Math.min(rng.int(1, lag), frames - pos);
    const s = blockStart;
    const e = blockStart + n;
    h.inputs.forEach((port) => port.buffer.fill(Number.NaN, s, e));
    kernel.renderOutput(s, e);
    for (let k = 0; k < 2; k++) out[k]!.set(h.outputs[k]!.subarray(s, e), pos);
    for (let i = 0; i < n; i++) {
      // A patch loop: the input is the source plus this chunk's output (through other modules).
      h.inputs[0]!.buffer[s + i] = Math.fround(left[pos + i]! + (loop === undefined ? 0 : loop.gain * h.outputs[0]![s + i]!));
      if (right !== undefined) h.inputs[1]!.buffer[s + i] = right[pos + i]!;
    }
    kernel.acceptInput(s, e);
    pos += n;
  }
  return out;
}

test('delay: renderOutput never reads the inputs, and renderOutput + acceptInput in chunks ≤ loopDelaySamples equals process()', () => {
  const rng = new TestRandom(31);
  const frames = 20000;
  for (const mode of [MONO, STEREO, PINGPONG]) {
    for (const time of [1, 1.05, 3.3, 100]) {
      const params = { time, feedback: 0.8, mix: 0.6, mode, wow: 0.4, wow_rate: 3.1, lowcut: 90, highcut: 7000 };
      const left = rng.noise(frames);
      const right = rng.noise(frames);
      const viaProcess = delay(params).render(frames, { block: 128, inputs: { left, right } });
      const viaSplit = renderSplit(delay(params), left, right, rng);
      assert.deepEqual(viaSplit, viaProcess, `mode ${mode} time ${time}`);
      assert.ok(viaSplit.every((o) => o.every(Number.isFinite)), 'NaN in the inputs during renderOutput leaked into the output');
    }
  }
});

test('delay: a patch loop through the delay (output fed back into its input) equals its internal feedback', () => {
  const rng = new TestRandom(5);
  for (const time of [1, 6.25, 100.3]) {
    const frames = 20000;
    const source = rng.noise(frames);
    source.fill(0, frames / 2);
    const params = { time, mode: STEREO, wow: 0.2, lowcut: 50, highcut: 9000 };
    const [patchLoop] = renderSplit(delay({ ...params, feedback: 0 }), source, undefined, rng, { gain: 0.7 });
    const [internal] = delay({ ...params, feedback: 0.7 }).render(frames, { inputs: { left: source } });
    // Same recursion; the patch loop rounds its input to float32, the internal one does not.
    for (let n = 0; n < frames; n++) assert.ok(Math.abs(patchLoop![n]! - internal![n]!) < 1e-5, `time ${time} at ${n}: ${patchLoop![n]} vs ${internal![n]}`);
    assert.ok(rms(internal!, frames / 2, frames) > 1e-3, 'the loop rings on after the source stops');
  }
});

test('delay: ping-pong alternates sides (odd echoes left, even right) at fb^(k−1)', () => {
  const d = 4800;
  const burstLength = 960;
  const fb = 0.6;
  const frames = 8 * d;
  const x = toneBurst(frames, 1000, FS, burstLength);
  const [left, right] = delay({ time: 100, feedback: fb, mode: PINGPONG }).render(frames, { inputs: { left: x } });
  const levelsL = echoLevelsDb(left!, x, d, burstLength, 6);
  const levelsR = echoLevelsDb(right!, x, d, burstLength, 6);
  for (let k = 1; k <= 6; k++) {
    const [on, off] = k % 2 === 1 ? [levelsL, levelsR] : [levelsR, levelsL];
    const expected = toDb(Math.pow(fb, k - 1) * Math.pow(toneGain(1000, FS), k));
    assert.ok(Math.abs(on[k - 1]! - expected) <= LEVEL_TOLERANCE_DB, `echo ${k}: ${on[k - 1]} dB, expected ${expected}`);
    assert.ok(off[k - 1]! < -120, `echo ${k} leaks to the other side: ${off[k - 1]} dB`);
  }
});

test('delay: mono sums the sides into one echo on both outputs; stereo keeps them apart', () => {
  const frames = 3000;
  const left = impulse(frames, 0, 1);
  const right = impulse(frames, 100, 0.5);
  const [ml, mr] = delay({ time: 20, mode: MONO, highcut: 20000 }).render(frames, { inputs: { left, right } });
  assert.deepEqual(ml, mr);
  const [solo] = delay({ time: 20, mode: MONO, highcut: 20000 }).render(frames, { inputs: { left: impulse(frames, 0, 0.5) } });
  for (let n = 0; n < 1000; n++) assert.ok(Math.abs(ml![n]! - solo![n]!) < 1e-7, 'the left half of the sum');
  const silent = new Float32Array(frames);
  const [sl, sr] = delay({ time: 20, mode: STEREO }).render(frames, { inputs: { left, right } });
  const [leftOnly] = delay({ time: 20, mode: STEREO }).render(frames, { inputs: { left, right: silent } });
  const [, rightOnly] = delay({ time: 20, mode: STEREO }).render(frames, { inputs: { left: silent, right } });
  assert.deepEqual(sl, leftOnly, 'the right input leaks into the left output');
  assert.deepEqual(sr, rightOnly, 'the left input leaks into the right output');
  assert.equal(argMaxAbs(sl!), 960);
  assert.equal(argMaxAbs(sr!), 1060);
});

test('delay: mix 0 is the dry input exactly, loopDelaySamples late (the dry path cannot be instantaneous)', () => {
  const rng = new TestRandom(2);
  const frames = 4000;
  const left = rng.noise(frames);
  const right = rng.noise(frames);
  const [l, r] = delay({ time: 37, feedback: 0.7, mix: 0 }).render(frames, { inputs: { left, right } });
  for (let n = 0; n < frames; n++) {
    assert.equal(l![n], n < 48 ? 0 : left[n - 48]);
    assert.equal(r![n], n < 48 ? 0 : right[n - 48]);
  }
});

test('delay: a time change glides without a click (output step ≤ (1 + MAX_GLIDE_SPEED) × the input step) and settles exactly', () => {
  const freq = 440;
  for (const [from, to] of [[300, 120], [120, 2000], [250, 251], [5, 1]] as const) {
    const frames = 48000 * 7;
    const change = 48000;
    const x = sine(frames, freq, FS, 0.5);
    const curve = new Float64Array(frames).fill(from);
    curve.fill(to, change);
    const [out] = delay({ time: from }).render(frames, { inputs: { left: x }, paramCurves: { time: curve } });
    const bound = (1 + MAX_GLIDE_SPEED) * maxStep(x) * CLICK_TOLERANCE;
    const step = maxStep(out!, change - 10);
    assert.ok(step <= bound, `${from} → ${to} ms: largest step ${step.toFixed(5)}, bound ${bound.toFixed(5)}`);
    // Settled: bit for bit a constant delay of the new time (the line holds the same signal).
    const [reference] = delay({ time: to }).render(frames, { inputs: { left: x } });
    for (let n = frames - 1000; n < frames; n++) assert.equal(out![n], reference![n], `${from} → ${to}: settled at ${n}`);
  }
});

test('delay: feedback 0.99 with a loud input stays bounded and decays at least by 0.99 per round trip', () => {
  const rng = new TestRandom(9);
  const frames = 10 * FS;
  const x = new Float32Array(frames);
  x.set(rng.noise(FS / 2, 10));
  for (const wow of [0, 1]) {
    const time = 10.3;
    const [left] = delay({ time, feedback: 0.99, mode: STEREO, wow, wow_rate: 0.5 }).render(frames, { inputs: { left: x } });
    assert.ok(left!.every(Number.isFinite));
    // Loop gain ≤ 0.99 at every frequency: the steady level cannot exceed the input's / (1 − 0.99).
    assert.ok(rms(left!, 0, FS / 2) <= rms(x, 0, FS / 2) / (1 - 0.99));
    const perSecond = Math.pow(0.99, 1000 / time);
    const tolerance = wow === 0 ? 1.05 : 1.1;
    for (let s = 1; s < 9; s++) {
      const ratio = rms(left!, (s + 1) * FS, (s + 2) * FS) / rms(left!, s * FS, (s + 1) * FS);
      assert.ok(ratio <= perSecond * tolerance, `wow ${wow}: second ${s + 1} / ${s} = ${ratio.toFixed(4)}, at most ${perSecond.toFixed(4)}`);
    }
  }
});

test('delay: a decaying tail flushes to exact zeros (no subnormal line or filter values)', () => {
  const rng = new TestRandom(10);
  const frames = 3 * FS;
  const x = new Float32Array(frames);
  x.set(rng.noise(FS / 5));
  for (const mode of [MONO, STEREO, PINGPONG]) {
    const h = delay({ time: 1.2, feedback: 0.5, mix: 0.5, mode, lowcut: 20, highcut: 8000 });
    const [left, right] = h.render(frames, { inputs: { left: x } });
    for (let n = frames - FS / 2; n < frames; n++) assert.ok(left![n] === 0 && right![n] === 0, `mode ${mode}: tail at ${n}`);
    for (const arr of h.kernel.stateArrays()) {
      for (const v of arr) assert.ok(v === 0 || Math.abs(v) >= 1e-30, `mode ${mode}: subnormal-range state ${v}`);
    }
  }
});

test('delay: wow modulates the read delay by ±wow ms at wow_rate (frequency deviation f·2π·rate·depth)', () => {
  const f0 = 1000;
  const depthMs = 2;
  const rate = 2;
  const frames = FS;
  const x = sine(frames + 4000, f0, FS, 0.5);
  const [out] = delay({ time: 50, wow: depthMs, wow_rate: rate }).render(frames, { inputs: { left: x } });
  // Instantaneous frequency from the intervals between rising zero crossings (interpolated).
  const crossings: number[] = [];
  for (let n = 4000; n < frames; n++) {
    if (out![n - 1]! < 0 && out![n]! >= 0) crossings.push(n - 1 + out![n - 1]! / (out![n - 1]! - out![n]!));
  }
  let maxF = 0;
  let minF = Infinity;
  let atMax = 0;
  for (let k = 1; k < crossings.length; k++) {
    const f = FS / (crossings[k]! - crossings[k - 1]!);
    if (f > maxF) {
      maxF = f;
      atMax = crossings[k]!;
    }
    minF = Math.min(minF, f);
  }
  const deviation = f0 * 2 * Math.PI * rate * (depthMs / 1000);
  assert.ok(Math.abs(maxF - (f0 + deviation)) < 0.5, `max ${maxF}, expected ${f0 + deviation}`);
  assert.ok(Math.abs(minF - (f0 - deviation)) < 0.5, `min ${minF}, expected ${f0 - deviation}`);
  // Fastest read (highest pitch) where the delay falls fastest: cos(2π·rate·t) = −1, t = 0.25 s, 0.75 s.
  const phase = ((atMax / FS) * rate) % 1;
  assert.ok(Math.abs(phase - 0.5) < 0.02, `fastest read at LFO phase ${phase}`);
});

test('delay: output n never reads a line sample newer than n − loopDelaySamples, interpolator taps included', () => {
  // Chunks of exactly L at every alignment: before each renderOutput(s, s + L), the line slots of
  // samples s … s + L + 2 (not written yet) hold NaN. Output s + L − 1 may read up to sample s − 1
  // = (s + L − 1) − L, so at some alignment every output sits where the bound is exact; a read of
  // a newer slot, even with weight 0, gives NaN.
  const rng = new TestRandom(12);
  for (const time of [1, 1.02, 1.05, 1.5, 3]) {
    for (const wow of [0, 0.3]) {
      const h = delay({ time, feedback: 0.9, mix: 1, wow, wow_rate: 7, mode: PINGPONG });
      const kernel = h.kernel as DelayKernel;
      const lag = kernel.loopDelaySamples;
      const [lineL, lineR] = kernel.stateArrays().slice(1) as Float32Array[];
      const mask = lineL!.length - 1;
      h.inputs[0]!.connected = true;
      for (let offset = 0; offset < lag; offset++) {
        let s = offset;
        for (let chunk = 0; chunk < 6; chunk++) {
          const write = kernel.state[0]!;
          for (let k = 0; k < lag + 3; k++) {
            lineL![(write + k) & mask] = Number.NaN;
            lineR![(write + k) & mask] = Number.NaN;
          }
          const e = (s % (h.maxBlock - lag)) + lag;
          const b = e - lag;
          kernel.renderOutput(b, e);
          for (let i = b; i < e; i++) {
            assert.ok(Number.isFinite(h.outputs[0]![i]!) && Number.isFinite(h.outputs[1]![i]!), `time ${time} wow ${wow}: output read an unwritten sample`);
          }
          for (let i = b; i < e; i++) h.inputs[0]!.buffer[i] = rng.range(-1, 1);
          kernel.acceptInput(b, e);
          s += lag;
        }
      }
    }
  }
});

test('delay: identical output for any block size (1, 47, 48, 49, 128), chunked internally by loopDelaySamples', () => {
  const rng = new TestRandom(13);
  const frames = 12000;
  const left = rng.noise(frames);
  const right = rng.noise(frames);
  const params = { time: 2.7, feedback: 0.85, mix: 0.7, wow: 0.5, mode: PINGPONG };
  const reference = delay(params).render(frames, { block: 128, inputs: { left, right } });
  for (const block of [1, 47, 48, 49, 100]) {
    assert.deepEqual(delay(params).render(frames, { block, inputs: { left, right } }), reference, `block ${block}`);
  }
});

test("the registry resolves 'delay' to this module", () => {
  assert.equal(registryForName().get('delay')?.kernel, delayModule.kernel);
});
