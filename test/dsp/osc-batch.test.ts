// The osc's SIMD batch kernel (wasm/osc.ts via src/dsp/modules/osc-batch.ts) against
// OscKernel.process, through the batch conformance suite (test/helpers/batch-conformance.ts:
// twins, random cuts, 2..4 lanes, moves between the paths, bitwise comparison of outputs, state
// and output checks). This file gives the osc's lanes: waveforms, freq, detune, gain and pw
// across their ranges including the extremes, fm connected or not with loud, huge and NaN fm,
// lanes at different phases and ring positions, the rounding edge of a backward wrap, params
// that jump between sub-blocks; and what `accepts` must decline.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createOscBatch } from '../../src/dsp/modules/osc-batch.js';
import { oscDecl, oscModule } from '../../src/dsp/modules/osc.js';
import { S_PHASE_B, WAVE_SAW, WAVE_SQUARE } from '../../src/dsp/modules/osc.layout.js';
import { KernelHarness } from '../helpers/kernel-harness.js';
import { TestRandom } from '../helpers/random.js';
import { batchOn, makeArena, runBatchConformance, type BatchConformance } from '../helpers/batch-conformance.js';

const MAX_BLOCK = 128;
const SAMPLE_RATE = 48000;
const P = oscDecl.param;

interface Lane {
  wave: number;
  freq: number;
  detune: number;
  gain: number;
  pw: number;
  fm: boolean;
  /** fm noise amplitude in Hz (beyond ±fs makes the increment hit its ±0.5 limit); 0: constant −440 Hz. */
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

function oscLanes(waves: readonly number[], fmAllowed: boolean, seed: number, trials: number): BatchConformance<Lane> {
  return {
    module: oscModule,
    factory: createOscBatch,
    sampleRate: SAMPLE_RATE,
    maxBlock: MAX_BLOCK,
    seed,
    trials,
    blocks: 40,
    maxCut: (_trial, block) => (block % 5 === 0 ? 7 : MAX_BLOCK),
    lanes(rng, trial, count) {
      const lanes: Lane[] = [];
      for (let l = 0; l < count; l++) lanes.push(fmAllowed && rng.next() < 0.1 ? edgeLane(rng, waves) : randomLane(rng, waves, fmAllowed));
      // Trial 0: the W2 case as the engine creates it (same saw, same phase).
      if (trial === 0) for (let l = 0; l < count; l++) lanes[l] = { ...lanes[0]!, wave: WAVE_SAW, fm: false };
      // Trial 1 (with fm): every lane at the rounding edge, backwards.
      if (trial === 1 && fmAllowed) for (let l = 0; l < count; l++) lanes[l] = { ...edgeLane(rng, waves), freq: 440 - 1e-13, wave: 1 + (l % 3) };
      return lanes;
    },
    setup: applyParams,
    preroll(rng, trial, lane, t) {
      // Lanes start at different phases and ring positions.
      const pre = trial % 3 === 0 ? 0 : rng.int(0, 100);
      for (const h of t.both) {
        h.kernel.process(0, pre);
        // A square at the rounding edge: its second saw at phase 0 too (then b = -tiny, b + 1 rounds to 1).
        if (lane.fmAmp === 0 && lane.wave === WAVE_SQUARE) {
          h.kernel.process(pre, pre + 1);
          h.kernel.state[S_PHASE_B] = 0;
        }
      }
    },
    inputs(rng, _trial, block, lane) {
      const fm = lane.fmAmp === 0 ? new Float32Array(MAX_BLOCK).fill(-440) : rng.noise(MAX_BLOCK, lane.fmAmp);
      if (lane.nanFm && block % 7 === 3) fm[rng.int(0, MAX_BLOCK - 1)] = Number.NaN;
      return [fm];
    },
    step({ rng, lanes, twins }) {
      // Params jump between sub-blocks now and then (constant within each).
      let changed = false;
      lanes.forEach((s, l) => {
        if (rng.next() >= 0.08) return;
        changed = true;
        const fresh = randomLane(rng, waves, fmAllowed);
        const which = rng.int(0, 4);
        if (which === 0) s.wave = fresh.wave;
        else if (which === 1) s.freq = fresh.freq;
        else if (which === 2) s.detune = fresh.detune;
        else if (which === 3) s.pw = fresh.pw;
        else s.gain = fresh.gain;
        for (const h of twins[l]!.both) applyParams(h, s);
      });
      return { changed };
    },
  };
}

test('osc batch kernel = OscKernel.process for saw without fm (the W2 case), outputs, state and output checks bit for bit', () => {
  const stats = runBatchConformance(oscLanes([WAVE_SAW], false, 20250401, 40));
  assert.ok(stats.batchedLanes > 1000, `batch path exercised (${stats.batchedLanes} lane calls)`);
  assert.ok(stats.jsLanes > 0, `JS path taken in between (${stats.jsLanes} lane calls)`);
});

test('osc batch kernel = OscKernel.process for every waveform, fm connected or not (sine lanes on process), bit for bit', () => {
  const stats = runBatchConformance(oscLanes([0, 1, 2, 2, 3, 3], true, 20250402, 80));
  assert.ok(stats.batchedLanes > 1000, `batch path exercised (${stats.batchedLanes} lane calls)`);
  assert.ok(stats.declinedLanes > 100, `sine lanes declined (${stats.declinedLanes} lane calls)`);
});

test('osc batch accepts only what it reproduces', () => {
  const arena = makeArena();
  const batch = batchOn(arena, createOscBatch, SAMPLE_RATE);
  const h = new KernelHarness(oscModule, { maxBlock: MAX_BLOCK, sampleRate: SAMPLE_RATE, memory: arena });
  const k = h.kernel;
  const reset = (): void => {
    for (const [id, v] of [['waveform', 1], ['freq', 440], ['detune', 0], ['gain', 0.5], ['pw', 0.5]] as const) h.setParam(id, v);
    h.inputs[0]!.connected = false;
  };
  const moving = [P.waveform, P.freq, P.detune, P.gain];
  reset();
  assert.equal(batch.accepts(k), true, 'saw, constant params');
  for (const p of moving) {
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
  h.params[P.pw]!.isConstant = false;
  assert.equal(batch.accepts(k), true, 'pw is not read by the saw');
  reset();
  h.inputs[0]!.connected = true;
  assert.equal(batch.accepts(k), true, 'fm connected');
  for (const wave of [2, 3, 2.6, 1e9]) {
    reset();
    h.setParam('waveform', wave);
    assert.equal(batch.accepts(k), true, `waveform ${wave}`);
    for (const p of moving) {
      h.params[p]!.isConstant = false;
      assert.equal(batch.accepts(k), false, `waveform ${wave}, non-constant param ${p}`);
      h.params[p]!.isConstant = true;
    }
  }
  reset();
  h.setParam('waveform', 2);
  h.params[P.pw]!.isConstant = false;
  assert.equal(batch.accepts(k), false, 'square with a pw ramp');
  h.setParam('waveform', 3);
  h.params[P.pw]!.isConstant = false;
  assert.equal(batch.accepts(k), true, 'pw is not read by the triangle');
});
