// MUS-02: adsr segment times, retrigger, release from the current level, exp curve shape,
// envelope/VCA modes, block-size invariance and snapshot/restore.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { adsrModule } from '../../src/dsp/modules/adsr.js';
import { KernelHarness } from '../helpers/kernel-harness.js';
import { maxStep } from '../helpers/analysis.js';

const SR = 48000;
const BLOCK = 128;
/** Segment times must be met within one block. */
const TIME_TOLERANCE_SAMPLES = BLOCK;
/** Level comparisons against the analytic curve (float32 output + per-sample accumulation). */
const LEVEL_TOLERANCE = 1e-4;
const EXP_RATIO_ATTACK = 0.3;
const EXP_RATIO_DECAY_RELEASE = 0.0001;
/** Relative precision of a float32 rounding (2^-23). */
const FLOAT32_REL = 2 ** -23;
const ms = (t: number): number => (t * SR) / 1000;

interface GateEvent {
  at: number;
  on: boolean;
}

/**
 * Renders `frames` samples with the block sizes taken cyclically from `blocks`, splitting at
 * gate events so that each gate lands on its exact sample.
 */
function run(
  h: KernelHarness,
  frames: number,
  events: GateEvent[],
  opts: { blocks?: number[]; input?: Float32Array; curves?: Record<string, Float64Array> } = {},
): Float32Array {
  const blocks = opts.blocks ?? [BLOCK];
  const out = new Float32Array(frames);
  const sorted = [...events].sort((a, b) => a.at - b.at);
  let e = 0;
  let b = 0;
  let pos = 0;
  while (pos < frames) {
    while (e < sorted.length && sorted[e]!.at === pos) h.kernel.gate(sorted[e++]!.on);
    let n = Math.min(blocks[b++ % blocks.length]!, frames - pos);
    if (e < sorted.length) n = Math.min(n, sorted[e]!.at - pos);
    const inputs: Record<string, Float32Array> = {};
    if (opts.input !== undefined) inputs['in'] = opts.input.subarray(pos, pos + n);
    const paramCurves: Record<string, Float64Array> = {};
    for (const [id, c] of Object.entries(opts.curves ?? {})) paramCurves[id] = c.subarray(pos, pos + n);
    const [y] = h.render(n, { block: n, inputs, paramCurves });
    out.set(y!, pos);
    pos += n;
  }
  return out;
}

function firstIndex(x: Float32Array, from: number, pred: (v: number) => boolean): number {
  for (let i = from; i < x.length; i++) if (pred(x[i]!)) return i;
  return -1;
}

const SUSTAIN = 0.5;
const SUSTAIN_F32 = Math.fround(SUSTAIN);

test('MUS-02 linear: attack, decay and release times', () => {
  const params = { attack: 10, decay: 100, sustain: SUSTAIN, release: 200 };
  const h = new KernelHarness(adsrModule, { params });
  const off = 20000;
  const y = run(h, 40000, [{ at: 0, on: true }, { at: off, on: false }]);
  const attackEnd = firstIndex(y, 0, (v) => v === 1) + 1; // samples until the level is 1
  assert.ok(Math.abs(attackEnd - ms(10)) <= TIME_TOLERANCE_SAMPLES, `attack ${attackEnd}`);
  assert.ok(Math.abs(y[ms(5) - 1]! - 0.5) < LEVEL_TOLERANCE, 'attack is a straight line');
  const decayEnd = firstIndex(y, attackEnd, (v) => v === SUSTAIN_F32) + 1;
  assert.ok(Math.abs(decayEnd - attackEnd - ms(100)) <= TIME_TOLERANCE_SAMPLES, `decay ${decayEnd - attackEnd}`);
  assert.equal(y[off - 1], SUSTAIN_F32);
  const releaseEnd = firstIndex(y, off, (v) => v === 0) + 1;
  assert.ok(Math.abs(releaseEnd - off - ms(200)) <= TIME_TOLERANCE_SAMPLES, `release ${releaseEnd - off}`);
  assert.ok(Math.abs(y[off + ms(100) - 1]! - SUSTAIN / 2) < LEVEL_TOLERANCE, 'release is a straight line');
  assert.ok(y.subarray(releaseEnd).every((v) => v === 0));
});

test('MUS-02 retrigger during release rises from the current level', () => {
  const attackMs = 10;
  const h = new KernelHarness(adsrModule, { params: { attack: attackMs, decay: 50, sustain: 0.8, release: 200 } });
  const off = 6000;
  const on2 = off + ms(100); // half-way through the release: level ≈ 0.4
  const y = run(h, on2 + 4000, [{ at: 0, on: true }, { at: off, on: false }, { at: on2, on: true }]);
  const slope = 1 / ms(attackMs);
  const before = y[on2 - 1]!;
  assert.ok(Math.abs(before - 0.4) < 1e-3, `level at retrigger ${before}`);
  assert.ok(Math.abs(y[on2]! - before - slope) < LEVEL_TOLERANCE, 'first attack sample continues from the current level');
  assert.ok(maxStep(y, on2 - 10, on2 + 10) <= slope + LEVEL_TOLERANCE, 'no step larger than one attack slope');
  const peak = firstIndex(y, on2, (v) => v === 1) + 1 - on2;
  assert.ok(Math.abs(peak - (1 - before) * ms(attackMs)) <= 2, `remaining attack ${peak} samples`);
});

test('MUS-02 gate off during attack releases from the current level', () => {
  const h = new KernelHarness(adsrModule, { params: { attack: 100, decay: 100, sustain: 0.7, release: 200 } });
  const off = ms(50); // level 0.5
  const y = run(h, off + ms(300), [{ at: 0, on: true }, { at: off, on: false }]);
  const level = y[off - 1]!;
  assert.ok(Math.abs(level - 0.5) < LEVEL_TOLERANCE);
  assert.ok(y[off]! < level, 'falls immediately');
  assert.ok(maxStep(y, off - 5, off + 5) <= 1 / ms(100) + LEVEL_TOLERANCE, 'no jump at gate-off');
  const end = firstIndex(y, off, (v) => v === 0) + 1;
  assert.ok(Math.abs(end - off - ms(200)) <= TIME_TOLERANCE_SAMPLES, `release ${end - off}`);
});

/** Redmon segment a → b over T: level at n = T/2. */
function expMid(a: number, b: number, r: number): number {
  const over = b + r * (b - a);
  return over + (a - over) * Math.sqrt(r / (1 + r));
}

test('MUS-02 exp curve: segment times and midpoints as the formula says', () => {
  const T = 100;
  const h = new KernelHarness(adsrModule, { params: { attack: T, decay: T, sustain: SUSTAIN, release: T, curve: 1 } });
  const off = ms(400);
  const y = run(h, off + ms(200), [{ at: 0, on: true }, { at: off, on: false }]);
  const attackEnd = firstIndex(y, 0, (v) => v === 1) + 1;
  assert.ok(Math.abs(attackEnd - ms(T)) <= TIME_TOLERANCE_SAMPLES, `attack ${attackEnd}`);
  const decayEnd = firstIndex(y, attackEnd, (v) => v === SUSTAIN_F32) + 1;
  assert.ok(Math.abs(decayEnd - attackEnd - ms(T)) <= TIME_TOLERANCE_SAMPLES, `decay ${decayEnd - attackEnd}`);
  const releaseEnd = firstIndex(y, off, (v) => v === 0) + 1;
  assert.ok(Math.abs(releaseEnd - off - ms(T)) <= TIME_TOLERANCE_SAMPLES, `release ${releaseEnd - off}`);

  // Midpoints: y(T/2) = b' + (a − b')·sqrt(r/(1+r)), well away from the linear halfway level.
  const half = ms(T / 2);
  const attackMid = expMid(0, 1, EXP_RATIO_ATTACK); // 0.6755
  assert.ok(Math.abs(y[half - 1]! - attackMid) < LEVEL_TOLERANCE, `attack mid ${y[half - 1]} vs ${attackMid}`);
  assert.ok(attackMid - 0.5 > 0.15);
  const decayMid = expMid(1, SUSTAIN, EXP_RATIO_DECAY_RELEASE);
  assert.ok(Math.abs(y[attackEnd + half - 1]! - decayMid) < LEVEL_TOLERANCE, `decay mid ${y[attackEnd + half - 1]} vs ${decayMid}`);
  const releaseMid = expMid(SUSTAIN, 0, EXP_RATIO_DECAY_RELEASE);
  assert.ok(Math.abs(y[off + half - 1]! - releaseMid) < LEVEL_TOLERANCE, `release mid ${y[off + half - 1]} vs ${releaseMid}`);
  assert.ok(releaseMid < 0.01 * SUSTAIN);
});

test('MUS-02 exp retrigger from level L reaches 1 after (1 − L)·attack', () => {
  const h = new KernelHarness(adsrModule, { params: { attack: 100, decay: 100, sustain: 0.6, release: 100, curve: 1 } });
  const on2 = ms(250);
  const y = run(h, on2 + ms(150), [{ at: 0, on: true }, { at: on2, on: true }]);
  const level = y[on2 - 1]!;
  assert.equal(level, Math.fround(0.6));
  const peak = firstIndex(y, on2, (v) => v === 1) + 1 - on2;
  assert.ok(Math.abs(peak - 0.4 * ms(100)) <= TIME_TOLERANCE_SAMPLES, `retrigger attack ${peak}`);
  assert.ok(maxStep(y, on2 - 4, on2 + 4) < 0.01, 'no click on retrigger');
});

test('MUS-02 no input: envelope; with input: in × envelope', () => {
  const params = { attack: 5, decay: 20, sustain: 0.5, release: 30 };
  const events = [{ at: 10, on: true }, { at: 3000, on: false }];
  const frames = 5000;
  const env = run(new KernelHarness(adsrModule, { params }), frames, events);
  const x = new Float32Array(frames);
  for (let i = 0; i < frames; i++) x[i] = Math.sin(i * 0.05) * 0.9;
  const vca = run(new KernelHarness(adsrModule, { params }), frames, events, { input: x });
  assert.ok(env.some((v) => v === 1));
  // env is the float32-rounded envelope, so the product matches to float32 precision.
  for (let i = 0; i < frames; i++) assert.ok(Math.abs(vca[i]! - x[i]! * env[i]!) <= FLOAT32_REL * Math.abs(x[i]!), `sample ${i}`);
});

test('MUS-02 live param changes mid-segment do not jump', () => {
  for (const curve of [0, 1]) {
    const h = new KernelHarness(adsrModule, { params: { attack: 50, decay: 200, sustain: 0.3, release: 300, curve } });
    const frames = ms(800);
    const curves = { attack: new Float64Array(frames), decay: new Float64Array(frames), release: new Float64Array(frames) };
    for (let i = 0; i < frames; i++) {
      curves.attack[i] = i < ms(20) ? 50 : 10;
      curves.decay[i] = i < ms(100) ? 200 : 1000;
      curves.release[i] = i < ms(600) ? 300 : 50;
    }
    const y = run(h, frames, [{ at: 0, on: true }, { at: ms(500), on: false }], { curves });
    assert.ok(maxStep(y) < 0.01, `curve ${curve}: max step ${maxStep(y)}`);
    assert.ok(y.every((v) => v >= 0 && v <= 1));
    assert.equal(y[frames - 1], 0, 'released');
  }
});

test('adsr: block-size invariance, constant vs buffer, snapshot/restore', () => {
  const frames = 30000;
  const events = [
    { at: 0, on: true }, { at: 3333, on: false }, { at: 5000, on: true }, { at: 5100, on: false },
    { at: 9001, on: true }, { at: 20000, on: false }, { at: 24000, on: true },
  ];
  const cutting = [1, 7, 64, 128, 3, 100, 17, 128, 2, 55];
  for (const curve of [0, 1]) {
    const params = { attack: 20, decay: 40, sustain: 0.4, release: 60, curve };
    const curves = { attack: new Float64Array(frames), sustain: new Float64Array(frames) };
    for (let i = 0; i < frames; i++) {
      curves.attack[i] = 5 + 30 * (0.5 + 0.5 * Math.sin(i / 700));
      curves.sustain[i] = 0.4 + 0.3 * Math.sin(i / 1500);
    }
    const ref = run(new KernelHarness(adsrModule, { params }), frames, events, { curves });
    const cut = run(new KernelHarness(adsrModule, { params }), frames, events, { curves, blocks: cutting });
    assert.deepEqual(cut, ref, `curve ${curve}: cutting changes the output`);

    const constant = run(new KernelHarness(adsrModule, { params }), frames, events);
    const flat: Record<string, Float64Array> = {};
    for (const [id, v] of Object.entries(params)) flat[id] = new Float64Array(frames).fill(v);
    const buffered = run(new KernelHarness(adsrModule, { params }), frames, events, { curves: flat, blocks: cutting });
    assert.deepEqual(buffered, constant, `curve ${curve}: buffer vs constant`);

    // Snapshot mid-release, restore into a fresh kernel, continue identically.
    const a = new KernelHarness(adsrModule, { params });
    const b = new KernelHarness(adsrModule, { params });
    run(a, 3400, [{ at: 0, on: true }, { at: 3333, on: false }]);
    b.kernel.state.set(a.kernel.state);
    assert.deepEqual(run(b, 2000, [{ at: 500, on: true }]), run(a, 2000, [{ at: 500, on: true }]));
  }
});
