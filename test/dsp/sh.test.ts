// sh: the held value is the input at the edge's sample (also when the edge straddles two calls);
// track mode follows while the clock is high and holds from its fall; /gate and the trig input
// give the same output; unconnected, it samples its own seeded noise (the generator's value at
// that sample).

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createRegistry as registryForName } from '../../src/dsp/modules/index.js';
import { shModule } from '../../src/dsp/modules/sh.js';
import { bipolar, nextState, seedState } from '../../src/dsp/lib/random.js';
import { KernelHarness } from '../helpers/kernel-harness.js';
import { TestRandom } from '../helpers/random.js';

const SR = 48000;
const MODES = { sample: 0, track: 1 } as const;

interface GateEvent {
  readonly frame: number;
  readonly on: boolean;
}

interface Run {
  readonly mode: number;
  readonly frames: number;
  readonly input?: Float32Array;
  readonly trig?: Float32Array;
  readonly gates?: readonly GateEvent[];
  /** Block lengths, cyclic (default 128). */
  readonly blocks?: readonly number[];
  readonly seed?: number;
}

/** Renders sh, cutting blocks at gate events so each lands on its exact frame. */
function render(run: Run): Float32Array {
  const h = new KernelHarness(shModule, { params: { mode: run.mode }, sampleRate: SR, seed: run.seed ?? 1 });
  const out = new Float32Array(run.frames);
  const gates = [...(run.gates ?? [])].sort((a, b) => a.frame - b.frame);
  const blocks = run.blocks ?? [128];
  let pos = 0;
  let g = 0;
  let b = 0;
  while (pos < run.frames) {
    while (g < gates.length && gates[g]!.frame === pos) {
      const e = gates[g++]!;
      h.kernel.gate(e.on, e.on ? 1 : 0);
    }
    let n = Math.min(blocks[b++ % blocks.length]!, run.frames - pos);
    if (g < gates.length) n = Math.min(n, gates[g]!.frame - pos);
    const inputs: Record<string, Float32Array> = {};
    if (run.input !== undefined) inputs.in = run.input.subarray(pos, pos + n);
    if (run.trig !== undefined) inputs.trig = run.trig.subarray(pos, pos + n);
    out.set(h.render(n, { inputs, block: n })[0]!, pos);
    pos += n;
  }
  return out;
}

/** A clock: high (value) over each [start, start + width). */
function clock(frames: number, highs: readonly (readonly [number, number])[], value = 1): Float32Array {
  const x = new Float32Array(frames);
  for (const [start, width] of highs) x.fill(value, start, start + width);
  return x;
}

const FRAMES = 6000;
/** Edges at awkward places: on and off 128-sample block boundaries, 1-sample and long highs. */
const HIGHS: readonly (readonly [number, number])[] = [[128, 1], [300, 40], [383, 1], [512, 700], [1400, 3], [2047, 2], [4000, 1500]];

test('sh sample: the held value is the input at the edge sample, held until the next edge', () => {
  const input = new TestRandom(5).noise(FRAMES);
  const trig = clock(FRAMES, HIGHS, 0.3);
  for (const blocks of [[128], [1], [37, 91, 5]]) {
    const y = render({ mode: MODES.sample, frames: FRAMES, input, trig, blocks });
    let held = 0;
    let next = 0;
    for (let i = 0; i < FRAMES; i++) {
      if (next < HIGHS.length && HIGHS[next]![0] === i) {
        held = input[i]!;
        next++;
      }
      assert.equal(y[i], held, `blocks ${blocks}: sample ${i}`);
    }
  }
});

test('sh track: follows the input while the clock is high, holds the last tracked sample from its fall', () => {
  const input = new TestRandom(6).noise(FRAMES);
  const trig = clock(FRAMES, HIGHS);
  const y = render({ mode: MODES.track, frames: FRAMES, input, trig, blocks: [37, 128, 3] });
  let held = 0;
  for (let i = 0; i < FRAMES; i++) {
    if (trig[i]! > 0) held = input[i]!;
    assert.equal(y[i], held, `sample ${i}`);
  }
  // Held from the fall: the last high sample's input, for the whole low stretch after it.
  const [start, width] = HIGHS[4]!;
  assert.ok(y.subarray(start + width, HIGHS[5]![0]).every((v) => v === input[start + width - 1]));
});

test('sh: a /gate on at frame n and off at m gives the same output as the trig input high over [n, m), in both modes', () => {
  const input = new TestRandom(7).noise(FRAMES);
  const gates = HIGHS.flatMap(([start, width]): GateEvent[] => [{ frame: start, on: true }, { frame: start + width, on: false }]);
  const trig = clock(FRAMES, HIGHS);
  for (const mode of Object.values(MODES)) {
    const byTrig = render({ mode, frames: FRAMES, input, trig, blocks: [128] });
    const byGate = render({ mode, frames: FRAMES, input, gates, blocks: [128] });
    assert.deepEqual(byGate, byTrig, `mode ${mode}`);
    // And both with the noise source.
    assert.deepEqual(render({ mode, frames: FRAMES, gates, seed: 9 }), render({ mode, frames: FRAMES, trig, seed: 9 }), `mode ${mode}, noise`);
  }
});

test('sh: with `in` unconnected it samples seeded white noise (the generator\'s value at the edge sample): random steps', () => {
  const seed = 4242;
  /** The noise at sample i: the generator seeded from the instance seed, advanced i + 1 times. */
  const noiseAt = (i: number): number => {
    let s = seedState(seed);
    for (let k = 0; k <= i; k++) s = nextState(s);
    return Math.fround(bipolar(s));
  };
  const trig = clock(FRAMES, HIGHS);
  const y = render({ mode: MODES.sample, frames: FRAMES, trig, seed, blocks: [50, 128, 7] });
  const steps = HIGHS.map(([start]) => y[start]!);
  HIGHS.forEach(([start], k) => {
    assert.equal(steps[k], noiseAt(start), `edge ${k}`);
    assert.equal(y[start - 1], k === 0 ? 0 : steps[k - 1], `edge ${k}: held until it`);
  });
  assert.equal(new Set(steps).size, steps.length, 'every step a new value');
  assert.ok(steps.every((v) => v >= -1 && v < 1));
  // Another seed, other steps; track mode follows the noise sample by sample.
  const other = render({ mode: MODES.sample, frames: FRAMES, trig, seed: seed + 1 });
  assert.notDeepEqual(HIGHS.map(([start]) => other[start]!), steps);
  const tracked = render({ mode: MODES.track, frames: FRAMES, trig, seed, blocks: [33] });
  const [start, width] = HIGHS[3]!;
  for (let i = start; i < start + width; i += 17) assert.equal(tracked[i], noiseAt(i), `tracked sample ${i}`);
});

test("the registry resolves 'sh' to this module", () => {
  assert.equal(registryForName().get('sh')?.kernel, shModule.kernel);
});
