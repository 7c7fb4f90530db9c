// Feedback loops: a cycle is legal when it passes through the audio input of a module that
// declares a minimum delay (spec.loopDelayMs, LoopBreakingKernel); the render plan runs that
// module's output before the loop and takes its input after it, in chunks no longer than the
// delay, so the output stays exact and block-size invariant. Other cycles are refused by name.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { defineModule } from '../../src/dsp/define.js';
import { Kernel, LoopBreakingKernel, type KernelContext, type KernelIo } from '../../src/dsp/kernel.js';
import { createRegistry } from '../../src/dsp/modules/index.js';
import { Engine } from '../../src/engine/engine.js';
import type { PatchConnection, PatchModule, ResolvedPatch } from '../../src/patch/document.js';
import { validatePatch } from '../../src/patch/validate.js';
import { differingValues } from '../helpers/bits.js';
import { maxStep } from '../helpers/analysis.js';
import { TestRandom } from '../helpers/random.js';

const RATE = 48000;
/** The test delay's fixed delay and its declared minimum loop delay, in samples. */
const DELAY = 48;

/** An integer delay of DELAY samples (1 ms at 48 kHz): out[n] = in[n − DELAY]. */
const tdelay = defineModule({
  type: 'tdelay',
  doc: 'Test delay: exactly 1 ms.',
  params: [],
  inputs: [{ id: 'in', doc: 'Audio.' }],
  outputs: [{ id: 'out', doc: 'Audio delayed by 48 samples at 48 kHz.' }],
  silentInSilentOut: true,
  loopDelayMs: 1,
});
class TestDelayKernel extends LoopBreakingKernel {
  readonly state = new Float64Array(1); // write position
  readonly loopDelaySamples: number;
  private readonly line: Float64Array;

  constructor(ctx: KernelContext, io: KernelIo) {
    super(ctx, io);
    this.loopDelaySamples = Math.floor(ctx.sampleRate / 1000);
    this.line = new Float64Array(this.loopDelaySamples);
  }

  renderOutput(start: number, end: number): void {
    const out = this.io.outputs[0]!;
    const n = this.loopDelaySamples;
    let w = this.state[0]!;
    // The oldest sample sits at the write position.
    for (let i = start; i < end; i++, w = (w + 1) % n) out[i] = this.line[w]!;
  }

  acceptInput(start: number, end: number): void {
    const input = this.io.inputs[0]!.buffer;
    const n = this.loopDelaySamples;
    let w = this.state[0]!;
    for (let i = start; i < end; i++, w = (w + 1) % n) this.line[w] = input[i]!;
    this.state[0] = w;
  }

  protected override extraStateArrays(): readonly Float64Array[] {
    return [this.line];
  }
}

/** 1 at the first sample it renders, 0 after. */
const impulse = defineModule({
  type: 'impulse',
  doc: 'Test impulse.',
  params: [],
  inputs: [],
  outputs: [{ id: 'out', doc: 'One sample of 1.' }],
  silentInSilentOut: false,
});
class ImpulseKernel extends Kernel {
  readonly state = new Float64Array(1);
  process(start: number, end: number): void {
    const out = this.io.outputs[0]!;
    for (let i = start; i < end; i++) {
      out[i] = this.state[0] === 0 ? 1 : 0;
      this.state[0] = 1;
    }
  }
}

const registry = createRegistry();
registry.register(tdelay.withKernel(TestDelayKernel));
registry.register(impulse.withKernel(ImpulseKernel));

function resolve(modules: PatchModule[], connections: PatchConnection[]): ResolvedPatch {
  const result = validatePatch({ format: 'chronus-patch', version: 1, modules, connections }, registry);
  if (!result.ok) throw new Error(JSON.stringify(result.errors));
  return result.patch;
}

/** impulse → mix.in1 (× 0.5); mix → d → mix.in2 (× 0.5): y[n] = x[n] + 0.5·y[n − DELAY]; mix → out.left. */
const echoModules: PatchModule[] = [
  { id: 'imp', type: 'impulse' },
  { id: 'mix', type: 'mixer', params: { gain1: 0.5, gain2: 0.5 } },
  { id: 'd', type: 'tdelay' },
  { id: 'out', type: 'out', params: { level: 1 } },
];
const echoConnections: PatchConnection[] = [
  { from: 'imp', to: 'mix.in1' },
  { from: 'mix', to: 'd' },
  { from: 'd', to: 'mix.in2' },
  { from: 'mix', to: 'out.left' },
];

function renderCuts(patch: ResolvedPatch, cuts: readonly number[], maxBlock = 128): Float32Array {
  const engine = new Engine({ sampleRate: RATE, maxBlock });
  engine.applyPatch(patch);
  const total = cuts.reduce((a, b) => a + b, 0);
  const left = new Float32Array(total);
  const l = new Float32Array(maxBlock);
  const r = new Float32Array(maxBlock);
  let pos = 0;
  for (const n of cuts) {
    engine.render(l, r, n);
    left.set(l.subarray(0, n), pos);
    pos += n;
  }
  return left;
}

const blocks = (total: number, block: number): number[] => Array.from({ length: Math.ceil(total / block) }, (_, k) => Math.min(block, total - k * block));

test('a loop through a delaying module\'s audio input is legal; the delay renders before the loop', () => {
  const patch = resolve(echoModules, echoConnections);
  const order = patch.modules.map((m) => m.id);
  assert.ok(order.indexOf('d') < order.indexOf('mix'), `render order ${order.join(', ')}`);
});

test('a loop through no delaying module is refused, naming the loop', () => {
  const result = validatePatch({
    format: 'chronus-patch', version: 1,
    modules: [{ id: 'a', type: 'vca' }, { id: 'b', type: 'vca' }, { id: 'd', type: 'tdelay' }],
    connections: [{ from: 'a', to: 'b' }, { from: 'b', to: 'a' }, { from: 'b', to: 'd' }, { from: 'd', to: 'a.cv' }],
  }, registry);
  assert.equal(result.ok, false);
  if (result.ok) return;
  assert.deepEqual(result.errors.map((e) => e.code), ['E_CYCLE']);
  assert.match(result.errors[0]!.message, /a → b → a/);
});

test('a loop closed through a delaying module\'s param (modulation) is refused: only its audio input delays', () => {
  const result = validatePatch({
    format: 'chronus-patch', version: 1,
    modules: [{ id: 'v', type: 'vca' }, { id: 'd', type: 'tdelay' }, { id: 'g', type: 'vca' }],
    connections: [{ from: 'd', to: 'v' }, { from: 'v', to: 'g' }, { from: 'g', to: 'd' }, { from: 'g', to: 'v.gain', amount: 0.1 }, { from: 'v', to: 'g.gain', amount: 0.1 }],
  }, registry);
  assert.equal(result.ok, false);
  if (result.ok) return;
  assert.match(result.errors[0]!.message, /v → g → v/);
});

test('feedback echo: y[n] = x[n] + 0.5·y[n − D], exact at every multiple of D', () => {
  const frames = DELAY * 12;
  const left = renderCuts(resolve(echoModules, echoConnections), blocks(frames, 128));
  for (let n = 0; n < frames; n++) {
    const expected = n % DELAY === 0 ? 0.5 ** (n / DELAY + 1) : 0;
    assert.equal(left[n], Math.fround(expected), `sample ${n}`);
  }
});

test('feedback output is bit-identical at any block size (chunks no longer than the loop delay)', () => {
  const patch = resolve(
    [...echoModules, { id: 'osc', type: 'osc', params: { waveform: 'saw', freq: 333 } }, { id: 'f', type: 'filter', params: { cutoff: 2000, q: 4 } }],
    [...echoConnections.filter((c) => c.from !== 'imp'), { from: 'osc', to: 'mix.in1' }, { from: 'd', to: 'f' }, { from: 'f', to: 'mix.in3', amount: 0.3 }],
  );
  const frames = 6000;
  const reference = renderCuts(patch, blocks(frames, 128));
  for (const block of [1, 7, 48, 49, 100]) {
    assert.equal(differingValues(renderCuts(patch, blocks(frames, block)), reference), 0, `block ${block}`);
  }
  assert.equal(differingValues(renderCuts(patch, new TestRandom(5).cuts(frames, 128)), reference), 0, 'random cuts');
});

test('a delaying module outside any loop renders in whole blocks and gives the same samples', () => {
  const patch = resolve(
    [{ id: 'osc', type: 'osc', params: { waveform: 'saw', freq: 250 } }, { id: 'd', type: 'tdelay' }, { id: 'out', type: 'out' }],
    [{ from: 'osc', to: 'd' }, { from: 'd', to: 'out' }, { from: 'osc', to: 'out.right' }],
  );
  const engine = new Engine({ sampleRate: RATE, maxBlock: 128 });
  engine.applyPatch(patch);
  const l = new Float32Array(128);
  const r = new Float32Array(128);
  const left: number[] = [];
  const right: number[] = [];
  for (let b = 0; b < 8; b++) {
    engine.render(l, r, 128);
    left.push(...l);
    right.push(...r);
  }
  // out: `in` centred (× sin(π/4)), right side adds the dry saw: the delayed part is left.
  const gain = 0.8 * Math.sin(Math.PI / 4);
  const dryLeft = renderCuts(resolve([{ id: 'osc', type: 'osc', params: { waveform: 'saw', freq: 250 } }, { id: 'out', type: 'out' }], [{ from: 'osc', to: 'out' }]), blocks(1024, 128));
  for (let n = DELAY; n < 1024; n++) assert.ok(Math.abs(left[n]! - dryLeft[n - DELAY]!) <= 1e-6 * Math.max(1, gain), `sample ${n}`);
});

const sineSource: PatchModule[] = [{ id: 'osc', type: 'osc', params: { waveform: 'sine', freq: 220, gain: 0.4 } }, { id: 'out', type: 'out' }];
const loopModules: PatchModule[] = [...sineSource, { id: 'mix', type: 'mixer', params: { gain2: 0.7 } }, { id: 'd', type: 'tdelay' }];
const dryPatch = resolve(loopModules, [{ from: 'osc', to: 'mix.in1' }, { from: 'mix', to: 'out' }]);
const loopConnections: PatchConnection[] = [{ from: 'osc', to: 'mix.in1' }, { from: 'mix', to: 'd' }, { from: 'd', to: 'mix.in2' }, { from: 'mix', to: 'out' }];
const loopPatch = resolve(loopModules, loopConnections);
const FADE = Math.round(0.02 * RATE);

/** Plays `patches` in turn, each for its number of 128-frame blocks, committed with a 20 ms crossfade. */
function playCommits(patches: readonly [ResolvedPatch, number][]): { left: Float32Array; right: Float32Array; faults: string[] } {
  const engine = new Engine({ sampleRate: RATE, maxBlock: 128 });
  const l = new Float32Array(128);
  const r = new Float32Array(128);
  const left: number[] = [];
  const right: number[] = [];
  patches.forEach(([patch, count], k) => {
    engine.applyPatch(patch, undefined, k === 0 ? 0 : FADE);
    for (let b = 0; b < count; b++) {
      engine.render(l, r, 128);
      left.push(...l);
      right.push(...r);
    }
  });
  const faults: string[] = [];
  engine.drainFaults((id, code) => faults.push(`${id}:${code}`));
  return { left: Float32Array.from(left), right: Float32Array.from(right), faults };
}

test('committing patches that add and remove a loop while it sounds: bounded, no fault, the old loop fades out completely', () => {
  const { left, faults } = playCommits([[dryPatch, 40], [loopPatch, 80], [dryPatch, 40], [loopPatch, 40]]);
  assert.deepEqual(faults, []);
  assert.ok(left.every(Number.isFinite));
  // Loop gain 0.7: the loop holds at most 1/(1 − 0.7) of its input's peak.
  const inputPeak = 0.4 * 0.8 * Math.SQRT1_2;
  const peak = left.reduce((m, v) => Math.max(m, Math.abs(v)), 0);
  assert.ok(peak <= inputPeak / (1 - 0.7) + 1e-6, `peak ${peak}`);
  // No step larger than the sine's own slope plus one echo onset (a delay connected to a
  // sounding signal starts its echo with a step of at most 0.7 × the input): nothing else clicks.
  const slope = (2 * Math.PI * 220) / RATE;
  assert.ok(maxStep(left) <= slope * peak + 0.7 * inputPeak, `max step ${maxStep(left)}`);
  // Once the loop is removed and the crossfade is over, the output is the dry signal exactly:
  // the removed loop's state does not leak.
  const dry = playCommits([[dryPatch, 160]]).left;
  const from = 120 * 128 + FADE;
  assert.equal(differingValues(left.subarray(from, 160 * 128), dry.subarray(from, 160 * 128)), 0);
});

test('a commit that keeps a loop carries its state: the loop sounds on as if nothing happened', () => {
  const withExtra = resolve([...loopModules, { id: 'osc2', type: 'osc', params: { freq: 880, gain: 0.1 } }], [...loopConnections, { from: 'osc2', to: 'out.right' }]);
  const committed = playCommits([[loopPatch, 40], [withExtra, 60]]).left;
  const steady = playCommits([[loopPatch, 100]]).left;
  let worst = 0;
  for (let i = 0; i < steady.length; i++) worst = Math.max(worst, Math.abs(committed[i]! - steady[i]!));
  assert.ok(worst <= 1e-6, `largest difference ${worst}`);
});
