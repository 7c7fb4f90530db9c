// Automation ramps (`/mod/<id>/<param> <value> <ms> [curve]`, ParamBank.startRamp) inside the
// engine: the exact value of every sample of a ramp, read from the param signal the kernel sees
// (one-frame blocks), and block-size invariance of the audio a ramped param produces.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createRegistry } from '../../src/dsp/modules/index.js';
import { Engine } from '../../src/engine/engine.js';
import type { PatchDocument, ResolvedPatch } from '../../src/patch/document.js';
import { validatePatch } from '../../src/patch/validate.js';
import { CMD_RAMP_EXP, applyCommand, encodeCommand } from '../../src/runtime/engine-command.js';
import { EngineHost } from '../../src/runtime/engine-host.js';

const RATE = 48000;
/** Relative tolerance of the exponential midpoint against the geometric mean. */
const GEOMETRIC_TOLERANCE = 1e-9;

const DOCUMENT: PatchDocument = {
  format: 'chronus-patch', version: 1,
  modules: [{ id: 'osc1', type: 'osc', params: { waveform: 'sine', freq: 100, gain: 0.5 } }, { id: 'out', type: 'out', params: { level: 1 } }],
  connections: [{ from: 'osc1', to: 'out' }],
};

function patch(): ResolvedPatch {
  const result = validatePatch(DOCUMENT, createRegistry());
  if (!result.ok) throw new Error(JSON.stringify(result.errors));
  return result.patch;
}

type Schedule = (engine: Engine, handle: number, freq: number, gain: number) => void;

/** Renders `frames` frames in blocks of `block`; returns the audio and, per frame, osc1.freq as the kernel saw it (block 1 only). */
function render(schedule: Schedule, frames: number, block: number): { audio: Float32Array; freq: Float64Array } {
  const engine = new Engine({ sampleRate: RATE, maxBlock: block, seed: 1 });
  engine.applyPatch(patch());
  const osc = engine.instance('osc1')!;
  const spec = osc.definition.spec;
  schedule(engine, osc.handle, spec.params.findIndex((p) => p.id === 'freq'), spec.params.findIndex((p) => p.id === 'gain'));
  const freqIndex = spec.params.findIndex((p) => p.id === 'freq');
  const audio = new Float32Array(frames);
  const freq = new Float64Array(frames);
  const l = new Float32Array(block);
  const r = new Float32Array(block);
  for (let done = 0; done < frames; done += block) {
    const n = Math.min(block, frames - done);
    engine.render(l, r, n);
    audio.set(l.subarray(0, n), done);
    if (block === 1) freq[done] = osc.params.signals[freqIndex]!.value;
  }
  return { audio, freq };
}

const F = 1000;
const MS = 10;
const LENGTH = (MS * RATE) / 1000; // 480 frames

test('linear ramp: the start value on its own frame, start + Δ·j/N on frame F + j, the target exactly on frame F + ms·rate/1000, then constant', () => {
  const { freq } = render((e, h, p) => e.scheduleRamp(F, h, p, 300, MS, false), F + LENGTH + 200, 1);
  assert.equal(freq[F - 1], 100);
  assert.equal(freq[F], 100);
  for (let j = 0; j < LENGTH; j++) assert.equal(freq[F + j], 100 + 200 * (j / LENGTH), `frame F + ${j}`);
  assert.equal(freq[F + LENGTH - 1]! < 300, true);
  assert.equal(freq[F + LENGTH], 300);
  for (let i = F + LENGTH; i < freq.length; i++) assert.equal(freq[i], 300);
});

test(`exponential ramp: geometric, the midpoint is the geometric mean within ${GEOMETRIC_TOLERANCE} relative, the target exact`, () => {
  const { freq } = render((e, h, p) => e.scheduleRamp(F, h, p, 400, MS, true), F + LENGTH + 10, 1);
  assert.equal(freq[F], 100);
  const mid = freq[F + LENGTH / 2]!;
  assert.ok(Math.abs(mid - 200) / 200 < GEOMETRIC_TOLERANCE, `midpoint ${mid}`);
  // Equal ratios per sample: log-linear.
  for (const j of [1, 100, 333]) assert.ok(Math.abs(Math.log(freq[F + j]! / 100) / Math.log(4) - j / LENGTH) < 1e-12, `frame F + ${j}`);
  assert.equal(freq[F + LENGTH], 400);
});

test('a new ramp on the same param starts from where the running one is; a plain set cancels a ramp', () => {
  const { freq } = render((e, h, p) => {
    e.scheduleRamp(F, h, p, 300, MS, false);
    e.scheduleRamp(F + 100, h, p, 50, 5, false);
    e.scheduleParam(F + 1000, h, p, 1000);
    e.scheduleRamp(F + 2000, h, p, 200, MS, false);
    e.scheduleParam(F + 2100, h, p, 400);
  }, F + 3000, 1);
  const reached = freq[F + 99]!;
  assert.equal(reached, 100 + 200 * (99 / LENGTH));
  assert.equal(freq[F + 100], reached, 'the second ramp starts at the value the first had reached');
  assert.equal(freq[F + 100 + 240], 50, 'then reaches its own target after its own 5 ms');
  const second = (j: number): number => reached + (50 - reached) * (j / 240);
  for (const j of [1, 120, 239]) assert.equal(freq[F + 100 + j], second(j));
  // A plain /mod at F + 2100 stops the ramp (1000 → 200) where it is and smooths to 400 (freq's smoothing).
  const at = freq[F + 2099]!;
  assert.equal(at, 1000 + (200 - 1000) * (99 / LENGTH));
  assert.equal(freq[F + 2999], 400);
  for (let i = F + 2100; i < F + 2999; i++) assert.ok(freq[i]! >= 400, 'the ramp towards 200 no longer runs');
});

test('a ramp of length 0 jumps on its frame', () => {
  const { freq } = render((e, h, p) => e.scheduleRamp(F, h, p, 250, 0, true), F + 10, 1);
  assert.equal(freq[F - 1], 100);
  assert.equal(freq[F], 250);
});

test('ramped audio is bit-identical at any block size', () => {
  const schedule: Schedule = (e, h, p, g) => {
    e.scheduleRamp(333, h, p, 2000, 250, true);
    e.scheduleRamp(4000, h, g, 0.1, 100.3, false);
    e.scheduleRamp(9000, h, p, 60, 333.3, true);
    e.scheduleParam(20000, h, p, 440);
  };
  const frames = 30000;
  const a = render(schedule, frames, 128).audio;
  for (const block of [1, 37, 64]) assert.deepEqual(render(schedule, frames, block).audio, a, `block ${block}`);
});

test('the one command path: an encoded ramp applied through applyCommand renders what Engine.scheduleRamp renders', () => {
  const direct = render((e, h, p) => e.scheduleRamp(F, h, p, 800, 20, true), 4000, 128).audio;
  const host = EngineHost.fresh({ sampleRate: RATE, blockSize: 128, seed: 1 }, createRegistry(), { doc: DOCUMENT, handles: [['osc1', 1], ['out', 2]], crossfadeFrames: 0 });
  const osc = host.engine.instance('osc1')!;
  const index = osc.definition.spec.params.findIndex((p) => p.id === 'freq');
  const encoded = encodeCommand({ kind: 'ramp', handle: osc.handle, index, value: 800, ms: 20, curve: 'exp' });
  assert.equal(encoded.kind, CMD_RAMP_EXP);
  assert.ok(applyCommand(host, F, encoded.kind, encoded.handle, encoded.index, encoded.value, encoded.aux ?? 0, undefined, undefined));
  const out = new Float32Array(4000);
  const l = new Float32Array(128);
  const r = new Float32Array(128);
  for (let done = 0; done < 4000; done += 128) {
    const n = Math.min(128, 4000 - done);
    host.engine.render(l, r, n);
    out.set(l.subarray(0, n), done);
  }
  assert.deepEqual(out, direct);
});
