// MUS-02: adsr segment times, retrigger, release from the current level, exp curve shape
// (nominal time = time to −60 dB of the span, issue 14), times up to 60 s, velocity (the peak
// follows the gate's velocity), envelope/VCA modes, block-size invariance and snapshot/restore.

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
  velocity?: number;
}
/** The exp curve's nominal-time tolerance (issue 14): ±1 % of the segment time, in samples. */
const NOMINAL_TIME_TOLERANCE = 0.01;
/** −60 dB. */
const MINUS_60_DB = 0.001;

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
    while (e < sorted.length && sorted[e]!.at === pos) {
      const ev = sorted[e++]!;
      h.kernel.gate(ev.on, ev.velocity ?? 1);
    }
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

/** The exp segment a → b over T (Redmon form, c^T = (r + 0.001)/(1 + r)): level at n. */
function expAt(a: number, b: number, r: number, T: number, n: number): number {
  const over = b + r * (b - a);
  return over + (a - over) * Math.pow((r + MINUS_60_DB) / (1 + r), n / T);
}

/** First index ≥ from where |y − target| ≤ 0.001·span: the −60 dB point. */
function minus60At(y: Float32Array, from: number, target: number, span: number): number {
  return firstIndex(y, from, (v) => Math.abs(v - target) <= MINUS_60_DB * span);
}

test('MUS-02 exp curve: attack, decay and release reach −60 dB of their span at their nominal time ±1 %', () => {
  for (const [attack, decay, release] of [[100, 300, 500], [20, 1000, 2000], [5000, 2500, 60000]] as const) {
    const h = new KernelHarness(adsrModule, { params: { attack, decay, sustain: SUSTAIN, release, curve: 1 } });
    const off = ms(attack + 3 * decay);
    const y = run(h, off + ms(1.5 * release), [{ at: 0, on: true }, { at: off, on: false }], { blocks: [128, 64, 100] });
    // Sample k holds the level after k + 1 steps: the time of index k is k + 1 samples.
    const a60 = minus60At(y, 0, 1, 1) + 1;
    assert.ok(Math.abs(a60 - ms(attack)) <= NOMINAL_TIME_TOLERANCE * ms(attack), `attack −60 dB after ${a60} samples, nominal ${ms(attack)}`);
    const attackEnd = firstIndex(y, 0, (v) => v === 1) + 1;
    const d60 = minus60At(y, attackEnd, SUSTAIN, 1 - SUSTAIN) + 1 - attackEnd;
    assert.ok(Math.abs(d60 - ms(decay)) <= NOMINAL_TIME_TOLERANCE * ms(decay), `decay −60 dB after ${d60} samples, nominal ${ms(decay)}`);
    assert.equal(y[off - 1], SUSTAIN_F32);
    const r60 = minus60At(y, off, 0, SUSTAIN) + 1 - off;
    assert.ok(Math.abs(r60 - ms(release)) <= NOMINAL_TIME_TOLERANCE * ms(release), `release −60 dB after ${r60} samples, nominal ${ms(release)}`);
    // Before its nominal time the release is still above −60 dB (not over early, the old bug).
    assert.ok(y[off + Math.floor(0.95 * ms(release))]! > MINUS_60_DB * SUSTAIN, 'release not over before its time');
    // Then it reaches 0 (at ≈ 1.352·release: r = 0.0001 overshoots to −0.0001·L).
    const releaseEnd = firstIndex(y, off, (v) => v === 0) + 1 - off;
    const expectedEnd = (Math.log(EXP_RATIO_DECAY_RELEASE / (1 + EXP_RATIO_DECAY_RELEASE)) / Math.log((EXP_RATIO_DECAY_RELEASE + MINUS_60_DB) / (1 + EXP_RATIO_DECAY_RELEASE))) * ms(release);
    assert.ok(Math.abs(releaseEnd - expectedEnd) <= NOMINAL_TIME_TOLERANCE * ms(release), `release end ${releaseEnd} vs ${expectedEnd}`);
  }
});

test('MUS-02 exp curve: levels follow the formula (midpoints)', () => {
  const T = 100;
  const h = new KernelHarness(adsrModule, { params: { attack: T, decay: T, sustain: SUSTAIN, release: T, curve: 1 } });
  const off = ms(400);
  const y = run(h, off + ms(200), [{ at: 0, on: true }, { at: off, on: false }]);
  const attackEnd = firstIndex(y, 0, (v) => v === 1) + 1;
  const half = ms(T / 2);
  const attackMid = expAt(0, 1, EXP_RATIO_ATTACK, ms(T), half); // 0.6745
  assert.ok(Math.abs(y[half - 1]! - attackMid) < LEVEL_TOLERANCE, `attack mid ${y[half - 1]} vs ${attackMid}`);
  assert.ok(attackMid - 0.5 > 0.15, 'convex attack');
  const decayMid = expAt(1, SUSTAIN, EXP_RATIO_DECAY_RELEASE, ms(T), half);
  assert.ok(Math.abs(y[attackEnd + half - 1]! - decayMid) < LEVEL_TOLERANCE, `decay mid ${y[attackEnd + half - 1]} vs ${decayMid}`);
  const releaseMid = expAt(SUSTAIN, 0, EXP_RATIO_DECAY_RELEASE, ms(T), half);
  assert.ok(Math.abs(y[off + half - 1]! - releaseMid) < LEVEL_TOLERANCE, `release mid ${y[off + half - 1]} vs ${releaseMid}`);
  assert.ok(releaseMid < 0.04 * SUSTAIN && releaseMid > 0.03 * SUSTAIN);
});

test('MUS-02 linear: 60 s segments are accepted and take 60 s', () => {
  const spec = adsrModule.spec;
  for (const id of ['attack', 'decay', 'release']) assert.equal(spec.params.find((p) => p.id === id)!.max, 60000, `${id} max`);
  const h = new KernelHarness(adsrModule, { params: { attack: 60000, decay: 1, sustain: 1, release: 60000 } });
  const off = ms(61000);
  const y = run(h, off + ms(61000), [{ at: 0, on: true }, { at: off, on: false }], { blocks: [128] });
  const attackEnd = firstIndex(y, 0, (v) => v === 1) + 1;
  assert.ok(Math.abs(attackEnd - ms(60000)) <= TIME_TOLERANCE_SAMPLES, `attack ${attackEnd}`);
  const releaseEnd = firstIndex(y, off, (v) => v === 0) + 1 - off;
  assert.ok(Math.abs(releaseEnd - ms(60000)) <= TIME_TOLERANCE_SAMPLES, `release ${releaseEnd}`);
});

test('MUS-02 exp retrigger from level L reaches the −60 dB point after (1 − L)·attack', () => {
  const h = new KernelHarness(adsrModule, { params: { attack: 100, decay: 100, sustain: 0.6, release: 100, curve: 1 } });
  const on2 = ms(400);
  const y = run(h, on2 + ms(150), [{ at: 0, on: true }, { at: on2, on: true }]);
  const level = y[on2 - 1]!;
  assert.equal(level, Math.fround(0.6));
  const t60 = minus60At(y, on2, 1, 0.4) + 1 - on2;
  assert.ok(Math.abs(t60 - 0.4 * ms(100)) <= NOMINAL_TIME_TOLERANCE * 0.4 * ms(100) + 1, `retrigger attack ${t60}`);
  assert.ok(maxStep(y, on2 - 4, on2 + 4) < 0.01, 'no click on retrigger');
});

/** The velocity's tolerance on a level: float32 output. */
const VELOCITY_LEVEL_TOLERANCE = 1e-6;

test('velocity: the peak is the gate velocity, sustain is sustain × velocity, times unchanged', () => {
  for (const curve of [0, 1]) {
    for (const velocity of [1, 0.6, 0.25]) {
      const params = { attack: 10, decay: 50, sustain: SUSTAIN, release: 100, curve };
      const h = new KernelHarness(adsrModule, { params });
      const off = ms(300);
      const y = run(h, off + ms(300), [{ at: 0, on: true, velocity }, { at: off, on: false }]);
      const peak = Math.max(...y);
      assert.ok(Math.abs(peak - velocity) <= VELOCITY_LEVEL_TOLERANCE, `curve ${curve} velocity ${velocity}: peak ${peak}`);
      assert.ok(Math.abs(y[off - 1]! - SUSTAIN * velocity) <= VELOCITY_LEVEL_TOLERANCE, `sustain ${y[off - 1]}`);
      const peakAt = y.indexOf(peak) + 1;
      // The attack takes its time whatever the velocity (exp: the attack ends at ≈ 1.0023·T).
      const expected = ms(10) * (curve === 1 ? 1.0023 : 1);
      assert.ok(Math.abs(peakAt - expected) <= 2, `curve ${curve} velocity ${velocity}: peak after ${peakAt}`);
    }
  }
});

test('velocity: a softer retrigger of a louder note decays from the current level (no jump), a louder one attacks', () => {
  for (const curve of [0, 1]) {
    const params = { attack: 10, decay: 200, sustain: 0.8, release: 100, curve };
    const h = new KernelHarness(adsrModule, { params });
    const on2 = ms(30); // full velocity note: in its decay, level ≈ 0.9
    const on3 = ms(600); // the second note's sustain: 0.8 × 0.3 = 0.24
    const y = run(h, ms(800), [{ at: 0, on: true }, { at: on2, on: true, velocity: 0.3 }, { at: on3, on: true, velocity: 0.9 }]);
    assert.ok(maxStep(y) < 0.01, `curve ${curve}: max step ${maxStep(y)}`);
    assert.ok(y[on2]! < y[on2 - 1]!, 'falls from the current level');
    assert.ok(Math.abs(y[on3 - 1]! - 0.8 * 0.3) <= VELOCITY_LEVEL_TOLERANCE, `second note sustain ${y[on3 - 1]}`);
    assert.ok(Math.abs(Math.max(...y.subarray(on3)) - 0.9) <= VELOCITY_LEVEL_TOLERANCE, 'third note peaks at its velocity');
  }
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
