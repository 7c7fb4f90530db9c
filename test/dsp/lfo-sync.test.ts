// lfo and the transport (issue 14): a tempo-synced `period` (note values through the engine's
// tempoSync machinery), the `smooth` random shape, and the phase reset at the frame the
// transport starts (`retrig`), checked analytically on the kernel and through offline renders.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { lfoModule } from '../../src/dsp/modules/lfo.js';
import { createRegistry } from '../../src/dsp/modules/index.js';
import { paramValueFromInput } from '../../src/dsp/spec.js';
import { renderToArrays } from '../../src/control/offline-render.js';
import { parseScore } from '../../src/control/score.js';
import type { PatchModule, ResolvedPatch } from '../../src/patch/document.js';
import { validatePatch } from '../../src/patch/validate.js';
import { KernelHarness } from '../helpers/kernel-harness.js';

const FS = 48000;
const SAW = 3;
const SH = 4;
const SMOOTH = 5;
/** Period tolerance: ±1 sample (over 10 periods, and per period). */
const PERIOD_TOLERANCE_SAMPLES = 1;
/** One float32 ulp at magnitude 1: the rounding of each output sample (two per step). */
const FLOAT32_ULP = 2 ** -23;

function lfo(params: Record<string, number>, seed = 4242, maxBlock = 128): KernelHarness {
  return new KernelHarness(lfoModule, { sampleRate: FS, seed, params, maxBlock });
}

/** Samples where a saw (depth > 0) falls: the frame its phase wrapped to 0. */
function sawWraps(x: Float32Array, from = 1): number[] {
  const at: number[] = [];
  for (let i = Math.max(1, from); i < x.length; i++) if (x[i]! < x[i - 1]! - 0.25) at.push(i);
  return at;
}

function patchOf(lfoParams: PatchModule['params']): ResolvedPatch {
  const result = validatePatch({
    format: 'chronus-patch',
    version: 1,
    modules: [
      { id: 'l', type: 'lfo', params: lfoParams },
      { id: 'out', type: 'out', params: { level: 1 } },
    ],
    connections: [{ from: 'l', to: 'out.left' }],
  }, createRegistry());
  if (!result.ok) throw new Error(JSON.stringify(result.errors));
  return result.patch;
}

/** Offline render of `patch` with a score (seconds, address, args): the left channel (= the lfo). */
function renderScore(patch: ResolvedPatch, score: { at: number; address: string; args: (string | number)[] }[], frames: number): Float32Array {
  const parsed = parseScore(score, patch, FS);
  assert.ok(parsed.ok, JSON.stringify(parsed));
  return renderToArrays({ patch, score: parsed.commands, frames, sampleRate: FS, blockSize: 128 }).left;
}

test('period: note values at 120 BPM are 1/4 = 500 ms, 1/8. = 375 ms, 1/16t = 83.33 ms; the kernel cycles in 1000/period Hz', () => {
  const spec = lfoModule.spec.params.find((p) => p.id === 'period')!;
  assert.equal(spec.tempoSync, true);
  for (const [note, ms, samples] of [['1/4', 500, 24000], ['1/8.', 375, 18000], ['1/16t', 250 / 3, 4000]] as const) {
    const value = paramValueFromInput(spec, note)!;
    assert.ok(Math.abs(value - ms) < 1e-9, `${note}: ${value} ms`);
    // rate is ignored while period > 0.
    const x = lfo({ shape: SAW, period: value, rate: 13 }).render(11 * samples + 10)[0]!;
    const wraps = sawWraps(x);
    assert.ok(wraps.length >= 10, `${note}: ${wraps.length} wraps`);
    wraps.forEach((w, k) => assert.ok(Math.abs(w - (k + 1) * samples) <= PERIOD_TOLERANCE_SAMPLES, `${note}: wrap ${k} at ${w}`));
  }
  // Below 20 ms acts as 20 ms (50 Hz, the top of rate); 0 = rate applies.
  assert.deepEqual(lfo({ shape: SAW, period: 5 }).render(4000)[0]!, lfo({ shape: SAW, rate: 50 }).render(4000)[0]!);
  assert.deepEqual(lfo({ shape: SAW, period: 0, rate: 3 }).render(4000)[0]!, lfo({ shape: SAW, rate: 3 }).render(4000)[0]!);
});

test('tempo sync through the engine: a 1/4 lfo has a period of 24000 samples at 120 BPM (±1 over 10 periods); at 150 BPM, 19200', () => {
  const patch = patchOf({ shape: 'saw', period: '1/4', depth: 0.5 });
  const change = 300000;
  const x = renderScore(patch, [{ at: 0, address: '/seq/bpm', args: [120] }, { at: change / FS, address: '/seq/bpm', args: [150] }], change + 11 * 19200);
  const before = sawWraps(x).filter((w) => w < change);
  assert.ok(before.length >= 11, `${before.length} wraps before the change`);
  assert.ok(Math.abs(before[10]! - before[0]! - 10 * 24000) <= PERIOD_TOLERANCE_SAMPLES, `10 periods: ${before[10]! - before[0]!} samples`);
  for (let k = 1; k < before.length; k++) assert.ok(Math.abs(before[k]! - before[k - 1]! - 24000) <= PERIOD_TOLERANCE_SAMPLES, `period ${k}`);
  // The transport is stopped, so the tempo (and the period) changes at the frame asked for.
  const after = sawWraps(x, change + 1);
  assert.ok(after.length >= 11, `${after.length} wraps after the change`);
  assert.ok(Math.abs(after[10]! - after[0]! - 10 * 19200) <= PERIOD_TOLERANCE_SAMPLES, `10 periods at 150 BPM: ${after[10]! - after[0]!} samples`);
});

test('smooth: within [offset - depth, offset + depth], each step at most 3·depth·rate/fs (smoothstep slope ≤ 1.5, |Δ| ≤ 2), through sh\'s values', () => {
  const depth = 0.8;
  const offset = 0.1;
  for (const rate of [2, 13, 50]) {
    const x = lfo({ shape: SMOOTH, rate, depth, offset }).render(Math.ceil((40 * FS) / rate))[0]!; // 40 cycles
    const bound = (3 * depth * rate) / FS;
    let worst = 0;
    let min = Infinity;
    let max = -Infinity;
    for (let i = 0; i < x.length; i++) {
      min = Math.min(min, x[i]!);
      max = Math.max(max, x[i]!);
      if (i > 0) worst = Math.max(worst, Math.abs(x[i]! - x[i - 1]!));
    }
    assert.ok(min >= offset - depth - FLOAT32_ULP && max <= offset + depth + FLOAT32_ULP, `rate ${rate}: range [${min}, ${max}]`);
    assert.ok(worst <= bound + 2 * FLOAT32_ULP, `rate ${rate}: max step ${worst} > ${bound}`);
    // Not a vacuous bound: random segments of |Δ| > 2/3 (most over a few cycles) reach a third of it.
    assert.ok(worst > bound / 3, `rate ${rate}: max step ${worst} vs bound ${bound}`);
  }
  // Phase exactly 0 every 1024 samples (increment 2^-10): smooth equals sh's held value there.
  const rate = FS / 1024;
  const smooth = lfo({ shape: SMOOTH, rate }).render(64 * 1024)[0]!;
  const sh = lfo({ shape: SH, rate }).render(64 * 1024)[0]!;
  for (let k = 0; k < 64; k++) assert.equal(smooth[k * 1024], sh[k * 1024], `cycle ${k}`);
  assert.ok(new Set(Array.from({ length: 64 }, (_, k) => sh[k * 1024])).size > 60, 'the knots are random values');
});

test('smooth: the same seed gives the same output, another seed another; block-size invariant, constant = buffer params, period too', () => {
  const a = lfo({ shape: SMOOTH, rate: 9 }, 7).render(30000)[0]!;
  assert.deepEqual(lfo({ shape: SMOOTH, rate: 9 }, 7).render(30000, { block: 37 })[0]!, a);
  assert.notDeepEqual(lfo({ shape: SMOOTH, rate: 9 }, 8).render(30000)[0]!, a);
  for (const params of [{ shape: SMOOTH, rate: 9, depth: 0.7 }, { shape: SMOOTH, period: 187.5 }, { shape: 0, period: 62.5, rate: 3 }]) {
    const constant = lfo(params).render(30000)[0]!;
    const curves: Record<string, Float64Array> = {};
    for (const [id, v] of Object.entries(params)) curves[id] = new Float64Array(30000).fill(v);
    assert.deepEqual(lfo({}).render(30000, { block: 128, paramCurves: curves })[0]!, constant, JSON.stringify(params));
    assert.deepEqual(lfo(params).render(30000, { block: 5 })[0]!, constant, `${JSON.stringify(params)} in blocks of 5`);
  }
  // A period that moves per sample (0 = rate, then synced) matches the kernel fed the same values.
  const period = new Float64Array(20000);
  for (let i = 0; i < period.length; i++) period[i] = i < 7000 ? 0 : 100 + i / 50;
  const moving = lfo({ shape: SAW, rate: 11 }).render(20000, { block: 128, paramCurves: { period } })[0]!;
  assert.deepEqual(lfo({ shape: SAW, rate: 11 }).render(20000, { block: 33, paramCurves: { period } })[0]!, moving);
  assert.deepEqual(moving.subarray(0, 7000), lfo({ shape: SAW, rate: 11 }).render(7000)[0]!);
});

test('retrig: transportStart restarts phase and random sequence (transport), or nothing (off)', () => {
  for (const shape of [0, SAW, SMOOTH]) {
    const fresh = lfo({ shape, rate: 3.3 }).render(10000)[0]!;
    const h = lfo({ shape, rate: 3.3 });
    h.render(12345);
    h.kernel.transportStart();
    assert.deepEqual(h.render(10000, { block: 77 })[0]!, fresh, `shape ${shape}`);
    const free = lfo({ shape, rate: 3.3, retrig: 0 });
    const whole = lfo({ shape, rate: 3.3, retrig: 0 }).render(22345)[0]!;
    free.render(12345);
    free.kernel.transportStart();
    assert.deepEqual(free.render(10000)[0]!, whole.subarray(12345), `shape ${shape}, retrig off`);
  }
});

test('offline render: /seq/start at a non-zero frame puts the lfo at phase 0 on that exact frame; a later start while running does not', () => {
  const start = Math.round(0.6251 * FS); // 30005: not on a block boundary
  const x = renderScore(patchOf({ shape: 'saw', rate: 1.37, depth: 0.5 }), [
    { at: start / FS, address: '/seq/start', args: [] },
    { at: 1.3, address: '/seq/start', args: [] }, // already running: no restart
  ], start + 2 * FS);
  // saw = 2p − 1: phase 0 is −depth exactly; the sample before is the free-running phase.
  assert.equal(x[start], -0.5);
  assert.notEqual(x[start - 1], -0.5);
  const freePhase = ((start - 1) * 1.37) / FS % 1;
  assert.ok(Math.abs(x[start - 1]! - 0.5 * (2 * freePhase - 1)) < 1e-4, `free running before the start: ${x[start - 1]}`);
  const wraps = sawWraps(x, start + 1);
  const period = FS / 1.37;
  wraps.forEach((w, k) => assert.ok(Math.abs(w - start - (k + 1) * period) <= PERIOD_TOLERANCE_SAMPLES, `wrap ${k} at ${w}`));
  // With retrig off the lfo runs on through the start.
  const off = renderScore(patchOf({ shape: 'saw', rate: 1.37, depth: 0.5, retrig: 'off' }), [{ at: start / FS, address: '/seq/start', args: [] }], start + 100);
  assert.ok(Math.abs(off[start]! - off[start - 1]! - (2 * 0.5 * 1.37) / FS) < 1e-6, `retrig off: ${off[start - 1]} → ${off[start]}`);
});

test('offline renders agree from the transport start however long the patch ran before it (smooth, sine, synced period)', () => {
  // depth 0.5: clear of the out module's safety limiter, whose state would differ between takes.
  for (const params of [{ shape: 'smooth', rate: 5, depth: 0.5 }, { shape: 'sine', period: '1/8.', depth: 0.5 }]) {
    const patch = patchOf(params);
    const takes = [4000, 30005, 77777].map((start) => renderScore(patch, [{ at: start / FS, address: '/seq/start', args: [] }], start + FS).subarray(start));
    assert.deepEqual(takes[1], takes[0], JSON.stringify(params));
    assert.deepEqual(takes[2], takes[0], JSON.stringify(params));
  }
});

test('retrig with SIMD batch groups: four lfos (one tempo-synced) restarted at the start frame render bit-identically batched and in JS', () => {
  const result = validatePatch({
    format: 'chronus-patch',
    version: 1,
    modules: [
      { id: 'l1', type: 'lfo', params: { rate: 3.1, depth: 0.1 } },
      { id: 'l2', type: 'lfo', params: { period: '1/8.', depth: 0.1, shape: 'triangle' } },
      { id: 'l3', type: 'lfo', params: { rate: 0.7, depth: 0.1, shape: 'sh' } },
      { id: 'l4', type: 'lfo', params: { rate: 7, depth: 0.1, retrig: 'off' } },
      { id: 'out', type: 'out', params: { level: 1 } },
    ],
    connections: ['l1', 'l2', 'l3', 'l4'].map((from) => ({ from, to: 'out.left' })),
  }, createRegistry());
  if (!result.ok) throw new Error(JSON.stringify(result.errors));
  const parsed = parseScore([{ at: 30005 / FS, address: '/seq/start', args: [] }, { at: 1.5, address: '/seq/bpm', args: [97] }], result.patch, FS);
  assert.ok(parsed.ok);
  const render = (batch: boolean): { left: Float32Array; batched: number } => {
    const r = renderToArrays({ patch: result.patch, score: parsed.commands, frames: 2 * FS, sampleRate: FS, blockSize: 128, batch });
    return { left: r.left, batched: r.engine.batchStats().batched };
  };
  const { left: batched, batched: lanes } = render(true);
  assert.ok(lanes > 0, 'the lfos were batched');
  assert.deepEqual(batched, render(false).left);
  assert.notEqual(batched[30005], batched[30004]);
});
