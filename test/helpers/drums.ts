// Drum voices (kick, snare, hat, clap) in tests: rendering a kernel with hits, chokes and
// trigger signals on exact frames, and the contract every drum shares (lib/drum.ts), registered
// as node:test tests by `drumContractTests`.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { ModuleDefinition } from '../../src/dsp/kernel.js';
import { D_ACTIVE } from '../../src/dsp/lib/drum.js';
import { KernelHarness } from './kernel-harness.js';
import { TestRandom } from './random.js';
import { magnitudeSpectrum, peakAbs, rms, toDb } from './analysis.js';

export const SR = 48000;
export const ms = (t: number): number => Math.round((t * SR) / 1000);

export interface DrumEvent {
  frame: number;
  kind: 'on' | 'off' | 'choke';
  velocity?: number;
}

export interface DrumRun {
  params?: Record<string, number>;
  seed?: number;
  frames: number;
  events?: DrumEvent[];
  /** Block lengths, used cyclically (default 128). */
  blocks?: number[];
  /** The `trig` input signal (connected when given). */
  trig?: Float32Array;
  /** Per-sample param curves (presented as buffers). */
  curves?: Record<string, Float64Array>;
}

/** Renders one drum, splitting blocks at event frames so each event lands on its exact sample. */
export function renderDrum(def: ModuleDefinition, run: DrumRun, harness?: KernelHarness): Float32Array {
  const h = harness ?? new KernelHarness(def, { params: run.params ?? {}, seed: run.seed ?? 1, sampleRate: SR, maxBlock: 128 });
  const blocks = run.blocks ?? [128];
  const events = [...(run.events ?? [])].sort((a, b) => a.frame - b.frame);
  const out = new Float32Array(run.frames);
  let e = 0;
  let b = 0;
  let pos = 0;
  while (pos < run.frames) {
    while (e < events.length && events[e]!.frame === pos) {
      const ev = events[e++]!;
      if (ev.kind === 'choke') h.kernel.choke();
      else h.kernel.gate(ev.kind === 'on', ev.kind === 'on' ? (ev.velocity ?? 1) : 0);
    }
    let n = Math.min(blocks[b++ % blocks.length]!, run.frames - pos, 128);
    if (e < events.length) n = Math.min(n, events[e]!.frame - pos);
    const inputs: Record<string, Float32Array> = run.trig === undefined ? {} : { trig: run.trig.subarray(pos, pos + n) };
    const paramCurves: Record<string, Float64Array> = {};
    for (const [id, c] of Object.entries(run.curves ?? {})) paramCurves[id] = c.subarray(pos, pos + n);
    const [y] = h.render(n, { block: n, inputs, paramCurves });
    out.set(y!, pos);
    pos += n;
  }
  return out;
}

/** A trigger signal: 0, then `value` from each frame in `at` for `width` samples. */
export function trigSignal(frames: number, at: readonly number[], value = 1, width = 32): Float32Array {
  const x = new Float32Array(frames);
  for (const a of at) x.fill(value, a, Math.min(frames, a + width));
  return x;
}

export function firstNonZero(x: Float32Array, from = 0): number {
  for (let i = from; i < x.length; i++) if (x[i] !== 0) return i;
  return -1;
}

export function lastNonZero(x: Float32Array): number {
  for (let i = x.length - 1; i >= 0; i--) if (x[i] !== 0) return i;
  return -1;
}

/** Spectral centroid (Hz) of x[start, start + size), Hann window. */
export function centroid(x: Float32Array, start: number, size: number): number {
  const mags = magnitudeSpectrum(x, size, start);
  let num = 0;
  let den = 0;
  for (let k = 1; k < mags.length; k++) {
    const p = mags[k]! * mags[k]!;
    num += p * ((k * SR) / size);
    den += p;
  }
  return num / den;
}

/** Longest time (ms) a drum at these params takes to fall silent after a hit (for the tests' windows). */
export interface DrumContract {
  def: ModuleDefinition;
  /** Params for the contract tests (a short voice, so idle is reached quickly). */
  params: Record<string, number>;
  /** Frames after which a hit at these params is silent (idle). */
  silentAfter: number;
  /** Params of a long voice for the choke test. */
  longParams: Record<string, number>;
  /** Param sets with parts of very different lengths (one part decays far below 1e-300 while another sounds). */
  unevenParams: Record<string, number>[];
}

/** Every drum: onset, gate/trig equivalence, velocity, idle, choke, block cutting. */
export function drumContractTests(c: DrumContract): void {
  const type = c.def.spec.type;
  const HIT = 1000;

  test(`${type}: the first non-zero sample is the gate's frame, and a trig edge on that frame gives the same samples`, () => {
    const frames = HIT + c.silentAfter;
    // The trig input is float32: the same velocity is 0.7 as a float32.
    const velocity = Math.fround(0.7);
    const gated = renderDrum(c.def, { params: c.params, frames, events: [{ frame: HIT, kind: 'on', velocity }] });
    assert.equal(firstNonZero(gated), HIT);
    const trig = trigSignal(frames, [HIT], velocity);
    // Blocks of 100: the edge (1000) is a block boundary; of 96: it is inside a block.
    for (const blocks of [[100], [96], [1]]) {
      const triggered = renderDrum(c.def, { params: c.params, frames, trig, blocks });
      assert.equal(firstNonZero(triggered), HIT);
      assert.deepEqual(triggered, gated, `blocks ${blocks[0]}`);
    }
  });

  test(`${type}: trig input: a held value does not retrigger, a value above 1 is velocity 1, an edge across blocks is found`, () => {
    const frames = HIT + c.silentAfter;
    const full = renderDrum(c.def, { params: c.params, frames, events: [{ frame: HIT, kind: 'on', velocity: 1 }] });
    // 3.5 held for the whole render after the edge: one hit at velocity 1.
    const held = new Float32Array(frames).fill(3.5, HIT);
    held.fill(-0.2, 0, HIT);
    assert.deepEqual(renderDrum(c.def, { params: c.params, frames, trig: held, blocks: [77] }), full);
  });

  test(`${type}: gate off is ignored (one-shot)`, () => {
    const frames = HIT + c.silentAfter;
    const on = renderDrum(c.def, { params: c.params, frames, events: [{ frame: HIT, kind: 'on' }] });
    const onOff = renderDrum(c.def, { params: c.params, frames, events: [{ frame: HIT, kind: 'on' }, { frame: HIT + 100, kind: 'off' }] });
    assert.deepEqual(onOff, on);
  });

  test(`${type}: velocity scales the level and the brightness`, () => {
    const frames = c.silentAfter;
    const loud = renderDrum(c.def, { params: c.params, frames, events: [{ frame: 0, kind: 'on', velocity: 1 }] });
    const soft = renderDrum(c.def, { params: c.params, frames, events: [{ frame: 0, kind: 'on', velocity: 0.4 }] });
    const drop = toDb(rms(soft) / rms(loud));
    assert.ok(drop < -6 && drop > -20, `velocity 0.4: ${drop.toFixed(2)} dB`);
    const size = 4096;
    const bright = centroid(loud, 0, size);
    const dull = centroid(soft, 0, size);
    assert.ok(dull < 0.97 * bright, `centroid ${dull.toFixed(0)} Hz at velocity 0.4 vs ${bright.toFixed(0)} Hz at 1`);
  });

  test(`${type}: decays to exact zeros and goes idle; hits, chokes and idle are block-size invariant`, () => {
    const frames = 3 * c.silentAfter + 4000;
    const h = new KernelHarness(c.def, { params: c.params, seed: 3, sampleRate: SR });
    const once = renderDrum(c.def, { frames: c.silentAfter + 2000, events: [{ frame: 0, kind: 'on' }] }, h);
    const end = lastNonZero(once);
    assert.ok(end > 0 && end < c.silentAfter, `last non-zero sample ${end}`);
    assert.equal(h.kernel.state[D_ACTIVE], 0, 'idle after decaying');
    // A script of gate hits, trig hits, a choke mid-sound and a per-sample level curve.
    const events: DrumEvent[] = [
      { frame: 10, kind: 'on', velocity: 0.9 },
      { frame: 10 + (c.silentAfter >> 2), kind: 'on', velocity: 0.5 },
      { frame: 10 + (c.silentAfter >> 1), kind: 'choke' },
      { frame: 2 * c.silentAfter, kind: 'on', velocity: 1 },
    ];
    const trig = trigSignal(frames, [c.silentAfter + 50, 2 * c.silentAfter + 333], 0.8, 5);
    const level = new Float64Array(frames);
    for (let i = 0; i < frames; i++) level[i] = 0.5 + 0.4 * Math.sin(i / 900);
    const rng = new TestRandom(17);
    const reference = renderDrum(c.def, { params: c.params, frames, events, trig, curves: { level }, blocks: [128] });
    assert.ok(peakAbs(reference) > 0.05);
    const cut = renderDrum(c.def, { params: c.params, frames, events, trig, curves: { level }, blocks: rng.cuts(frames, 128) });
    const single = renderDrum(c.def, { params: c.params, frames, events, trig, curves: { level }, blocks: [1] });
    assert.deepEqual(cut, reference);
    assert.deepEqual(single, reference);
  });

  test(`${type}: choke() fades to ≤ −60 dB within 5 ms, then silence`, () => {
    const chokeAt = 4800;
    const frames = chokeAt + ms(50);
    const out = renderDrum(c.def, { params: c.longParams, frames, events: [{ frame: 0, kind: 'on' }, { frame: chokeAt, kind: 'choke' }] });
    const before = rms(out, chokeAt - ms(1), chokeAt);
    assert.ok(before > 1e-3, `level at the choke ${before}`);
    const after = peakAbs(out, chokeAt + ms(5), frames);
    assert.ok(toDb(after / before) <= -60, `${toDb(after / before).toFixed(1)} dB 5 ms after the choke`);
    assert.ok(lastNonZero(out) < chokeAt + ms(10), 'idle (exact zeros) soon after');
    // The voice is idle after the choke and a new hit sounds again.
    const again = renderDrum(c.def, { params: c.longParams, frames: frames + 2000, events: [{ frame: 0, kind: 'on' }, { frame: chokeAt, kind: 'choke' }, { frame: frames, kind: 'on' }] });
    assert.equal(firstNonZero(again, chokeAt + ms(10)), frames);
  });

  test(`${type}: no state goes subnormal while one part outlasts another by far`, () => {
    for (const params of c.unevenParams) {
      const h = new KernelHarness(c.def, { params, seed: 2, sampleRate: SR });
      h.kernel.gate(true, 1);
      let subnormal = 0;
      let blocks = 0;
      do {
        h.render(128);
        for (const arr of h.kernel.stateArrays()) for (const x of arr) if (x !== 0 && Math.abs(x) < 2.2250738585072014e-308) subnormal++;
      } while (h.kernel.state[D_ACTIVE] !== 0 && ++blocks < (12 * SR) / 128);
      assert.ok(blocks > 1, 'the hit sounded');
      assert.equal(subnormal, 0, `${JSON.stringify(params)}: subnormal state values`);
      assert.equal(h.kernel.state[D_ACTIVE], 0, `${JSON.stringify(params)}: idle within 12 s`);
    }
  });

  test(`${type}: a choke cancels a gate-on of the same frame that has not sounded yet (the later event wins)`, () => {
    const out = renderDrum(c.def, { params: c.params, frames: 4000, events: [{ frame: 100, kind: 'on' }, { frame: 100, kind: 'choke' }] });
    assert.equal(firstNonZero(out), -1);
  });
}
