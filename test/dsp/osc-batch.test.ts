// The osc's SIMD batch kernel (wasm/osc.ts via src/dsp/modules/osc-batch.ts) against
// OscKernel.process, directly (no engine): random lanes (waveforms, freq, detune, gain and pw
// across their ranges including the extremes, fm connected or not with loud, huge and NaN fm),
// random cuts of the timeline, lane counts 2..4, lanes at different phases and ring positions,
// params that jump between sub-blocks, and instances that move between the batch path and
// their own `process`: the outputs, every state value and the output checks must be identical
// bit for bit (NaN = NaN).

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { WasmArena } from '../../src/dsp/lib/wasm-arena.js';
import { residentIn, type BatchKernel } from '../../src/dsp/batch.js';
import { createOscBatch } from '../../src/dsp/modules/osc-batch.js';
import { oscModule } from '../../src/dsp/modules/osc.js';
import type { Kernel } from '../../src/dsp/kernel.js';
import { KernelHarness } from '../helpers/kernel-harness.js';
import { TestRandom } from '../helpers/random.js';
import { differingValues } from '../helpers/bits.js';

const MAX_BLOCK = 128;
const SAMPLE_RATE = 48000;
const WAVEFORM = 0;
const FREQ = 1;
const DETUNE = 2;
const GAIN = 3;
const PW = 4;

interface Lane {
  wave: number;
  freq: number;
  detune: number;
  gain: number;
  pw: number;
  fm: boolean;
  /** fm noise amplitude in Hz (beyond ±fs makes the increment hit its ±0.5 limit). */
  fmAmp: number;
  nanFm: boolean;
}

function pick(rng: TestRandom, extremes: readonly number[], lo: number, hi: number, log = false): number {
  if (rng.next() < 0.15) return extremes[rng.int(0, extremes.length - 1)]!;
  return log ? Math.exp(rng.range(Math.log(lo), Math.log(hi))) : rng.range(lo, hi);
}

function randomLane(rng: TestRandom, waves: readonly number[], fmAllowed: boolean): Lane {
  return {
    wave: waves[rng.int(0, waves.length - 1)]!,
    freq: pick(rng, [0.1, 20000, 440, 12000], 0.1, 20000, true),
    detune: pick(rng, [-1200, 1200, 0], -1200, 1200),
    gain: pick(rng, [0, 1], 0, 1),
    pw: pick(rng, [0.05, 0.95, 0.5], 0.05, 0.95),
    fm: fmAllowed && rng.next() < 0.6,
    fmAmp: [1, 300, 20000, 60000, 1e30][rng.int(0, 4)]!,
    nanFm: rng.next() < 0.1,
  };
}

/**
 * Lanes at the rounding edge: freq a hair off 440 Hz against fm = -440 Hz gives |dt| ≈ 2e-18,
 * so a backward step from phase 0 lands on -tiny and p + 1 rounds to 1 (osc.ts: no event,
 * phase 0), or the increment is exactly 0.
 */
function edgeLane(rng: TestRandom, waves: readonly number[]): Lane {
  return { wave: waves[rng.int(0, waves.length - 1)]!, freq: [440 - 1e-13, 440 + 1e-13, 440][rng.int(0, 2)]!, detune: 0, gain: 1, pw: 0.5, fm: true, fmAmp: 0, nanFm: false };
}

function applyParams(h: KernelHarness, s: Lane): void {
  h.setParam('waveform', s.wave);
  h.setParam('freq', s.freq);
  h.setParam('detune', s.detune);
  h.setParam('gain', s.gain);
  h.setParam('pw', s.pw);
  h.inputs[0]!.connected = s.fm;
}

/**
 * Runs `trials` random trials: JS instances always through `process`, their twins through the
 * batch kernel whenever it accepts them (and at least 2 are accepted), else `process`.
 */
function fuzz(batch: BatchKernel, arena: WasmArena, seed: number, trials: number, waves: readonly number[], fmAllowed: boolean): number {
  const rng = new TestRandom(seed);
  const check = new Float64Array(4);
  let batchedLaneCalls = 0;
  for (let trial = 0; trial < trials; trial++) {
    const count = rng.int(2, 4);
    const setup: Lane[] = [];
    for (let l = 0; l < count; l++) setup.push(fmAllowed && rng.next() < 0.1 ? edgeLane(rng, waves) : randomLane(rng, waves, fmAllowed));
    // Trial 0: the W2 case as the engine creates it (same saw, same phase).
    if (trial === 0) for (let l = 0; l < count; l++) setup[l] = { ...setup[0]!, wave: 1, fm: false };
    // Trial 1 (with fm): every lane at the rounding edge, backwards.
    if (trial === 1 && fmAllowed) for (let l = 0; l < count; l++) setup[l] = { ...edgeLane(rng, waves), freq: 440 - 1e-13, wave: 1 + (l % 3) };
    const js: KernelHarness[] = [];
    const wasm: KernelHarness[] = [];
    for (const group of [js, wasm]) {
      for (let l = 0; l < count; l++) {
        const h = new KernelHarness(oscModule, { maxBlock: MAX_BLOCK, sampleRate: SAMPLE_RATE, memory: group === wasm ? arena : undefined });
        applyParams(h, setup[l]!);
        group.push(h);
      }
    }
    const kernels: Kernel[] = wasm.map((h) => h.kernel);
    for (const k of kernels) assert.ok(residentIn(arena, k));
    // Lanes start at different phases and ring positions: a random number of samples first.
    for (let l = 0; l < count; l++) {
      const pre = trial % 3 === 0 ? 0 : rng.int(0, 100);
      for (const h of [js[l]!, wasm[l]!]) {
        h.kernel.process(0, pre);
        // A square at the rounding edge: its second saw at phase 0 too (then b = -tiny, b + 1 rounds to 1).
        if (setup[l]!.fmAmp === 0 && setup[l]!.wave === 2) {
          h.kernel.process(pre, pre + 1);
          h.kernel.state[1] = 0;
        }
      }
    }
    for (let block = 0; block < 40; block++) {
      const cuts = rng.cuts(MAX_BLOCK, block % 5 === 0 ? 7 : MAX_BLOCK);
      for (let l = 0; l < count; l++) {
        const s = setup[l]!;
        const fm = s.fmAmp === 0 ? new Float32Array(MAX_BLOCK).fill(-440) : rng.noise(MAX_BLOCK, s.fmAmp);
        if (s.nanFm && block % 7 === 3) fm[rng.int(0, MAX_BLOCK - 1)] = Number.NaN;
        for (const h of [js[l]!, wasm[l]!]) h.inputs[0]!.buffer.set(fm);
      }
      let start = 0;
      for (const n of cuts) {
        const end = start + n;
        // Params jump between sub-blocks now and then (constant within each).
        let changed = false;
        for (let l = 0; l < count; l++) {
          if (rng.next() < 0.08) {
            changed = true;
            const fresh = randomLane(rng, waves, fmAllowed);
            const s = setup[l]!;
            const which = rng.int(0, 4);
            if (which === 0) s.wave = fresh.wave;
            else if (which === 1) s.freq = fresh.freq;
            else if (which === 2) s.detune = fresh.detune;
            else if (which === 3) s.pw = fresh.pw;
            else s.gain = fresh.gain;
            for (const h of [js[l]!, wasm[l]!]) applyParams(h, s);
          }
        }
        // Now and then an empty call first (after a param change: its state effects differ).
        if (changed && rng.next() < 0.5) renderBoth(start, start);
        renderBoth(start, end);
        start = end;
      }
      for (let l = 0; l < count; l++) {
        assert.equal(differingValues(js[l]!.outputs[0]!, wasm[l]!.outputs[0]!), 0, `trial ${trial} block ${block} lane ${l} (${JSON.stringify(setup[l])}): outputs differ`);
        assert.equal(differingValues(js[l]!.kernel.state, wasm[l]!.kernel.state), 0, `trial ${trial} block ${block} lane ${l} (${JSON.stringify(setup[l])}): state differs`);
      }
      function renderBoth(start: number, end: number): void {
        const jsCheck: number[] = [];
        for (let l = 0; l < count; l++) {
          js[l]!.kernel.process(start, end);
          jsCheck.push(js[l]!.kernel.outputCheck[0]!);
        }
        const accepted: Kernel[] = [];
        const acceptedLane: number[] = [];
        for (let l = 0; l < count; l++) {
          if (batch.accepts(kernels[l]!)) {
            accepted.push(kernels[l]!);
            acceptedLane.push(l);
          }
        }
        if (accepted.length >= 2) {
          assert.ok(batch.run(accepted, accepted.length, start, end, check));
          batchedLaneCalls += accepted.length;
          for (let a = 0; a < accepted.length; a++) {
            const l = acceptedLane[a]!;
            assert.ok(Object.is(check[a], jsCheck[l]), `trial ${trial} block ${block} lane ${l}: output check ${check[a]} vs ${jsCheck[l]}`);
          }
        } else acceptedLane.length = 0;
        for (let l = 0; l < count; l++) if (!acceptedLane.includes(l)) kernels[l]!.process(start, end);
        if (start === end) {
          for (let l = 0; l < count; l++) assert.equal(differingValues(js[l]!.kernel.state, wasm[l]!.kernel.state), 0, `trial ${trial} block ${block} lane ${l}: state differs after an empty call`);
        }
      }
    }
  }
  return batchedLaneCalls;
}

function makeBatch(): { arena: WasmArena; batch: BatchKernel } {
  const arena = WasmArena.create();
  assert.ok(typeof arena !== 'string', `wasm unavailable: ${String(arena)}`);
  const batch = createOscBatch(arena, SAMPLE_RATE);
  assert.ok(batch !== undefined);
  return { arena, batch };
}

test('osc batch kernel = OscKernel.process for saw without fm (the W2 case), outputs, state and output checks bit for bit', () => {
  const { arena, batch } = makeBatch();
  const batched = fuzz(batch, arena, 20250401, 40, [1], false);
  assert.ok(batched > 1000, `batch path exercised (${batched} lane calls)`);
});

test('osc batch accepts only what it reproduces', () => {
  const { arena, batch } = makeBatch();
  const h = new KernelHarness(oscModule, { maxBlock: MAX_BLOCK, sampleRate: SAMPLE_RATE, memory: arena });
  const k = h.kernel;
  const reset = (): void => {
    for (const [id, v] of [['waveform', 1], ['freq', 440], ['detune', 0], ['gain', 0.5], ['pw', 0.5]] as const) h.setParam(id, v);
    h.inputs[0]!.connected = false;
  };
  reset();
  assert.equal(batch.accepts(k), true, 'saw, constant params');
  for (const p of [WAVEFORM, FREQ, DETUNE, GAIN]) {
    reset();
    h.params[p]!.isConstant = false;
    assert.equal(batch.accepts(k), false, `non-constant param ${p}`);
  }
  reset();
  h.setParam('waveform', 0);
  assert.equal(batch.accepts(k), false, 'sine (Math.sin per sample)');
  h.setParam('waveform', -3);
  assert.equal(batch.accepts(k), false, 'below the range: sine');
  h.setParam('waveform', 0.4);
  assert.equal(batch.accepts(k), false, 'rounds to sine');
  reset();
  h.params[PW]!.isConstant = false;
  assert.equal(batch.accepts(k), true, 'pw is not read by the saw');
  reset();
  h.inputs[0]!.connected = true;
  assert.equal(batch.accepts(k), true, 'fm connected');
  for (const wave of [2, 3, 2.6, 1e9]) {
    reset();
    h.setParam('waveform', wave);
    assert.equal(batch.accepts(k), true, `waveform ${wave}`);
    for (const p of [WAVEFORM, FREQ, DETUNE, GAIN]) {
      h.params[p]!.isConstant = false;
      assert.equal(batch.accepts(k), false, `waveform ${wave}, non-constant param ${p}`);
      h.params[p]!.isConstant = true;
    }
  }
  reset();
  h.setParam('waveform', 2);
  h.params[PW]!.isConstant = false;
  assert.equal(batch.accepts(k), false, 'square with a pw ramp');
  h.setParam('waveform', 3);
  h.params[PW]!.isConstant = false;
  assert.equal(batch.accepts(k), true, 'pw is not read by the triangle');
});

test('osc batch kernel = OscKernel.process for every waveform, fm connected or not (sine lanes on process), bit for bit', () => {
  const { arena, batch } = makeBatch();
  const batched = fuzz(batch, arena, 20250402, 80, [0, 1, 2, 2, 3, 3], true);
  assert.ok(batched > 1000, `batch path exercised (${batched} lane calls)`);
});
