// Determinism of whole renders with every built-in module: same patch + score + seed gives the
// same bytes twice and at any block size; and the engine's render loop (params, mixes, events,
// kernels) allocates nothing per block.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { renderToArrays } from '../../src/control/offline-render.js';
import { parseScore } from '../../src/control/score.js';
import { createRegistry } from '../../src/dsp/modules/index.js';
import { Engine } from '../../src/engine/engine.js';
import type { ResolvedPatch } from '../../src/patch/document.js';
import { validatePatch } from '../../src/patch/validate.js';
import { HEAP_GROWTH_LIMIT, allocationProbe } from '../helpers/allocation.js';

const registry = createRegistry();

/** A patch that uses every module type, modulation, summing and gates. */
const everythingPatch = {
  format: 'chronus-patch',
  version: 1,
  modules: [
    { id: 'lfo1', type: 'lfo', params: { shape: 'triangle', rate: 3 } },
    { id: 'lfo2', type: 'lfo', params: { shape: 'sh', rate: 7 } },
    { id: 'osc1', type: 'osc', params: { waveform: 'saw', freq: 110 } },
    { id: 'osc2', type: 'osc', params: { waveform: 'square', freq: 165, pw: 0.3 } },
    { id: 'osc3', type: 'simple_sine', params: { freq: 660, gain: 0.3 } },
    { id: 'osc4', type: 'osc', params: { waveform: 'triangle', freq: 220 } },
    { id: 'noise1', type: 'noise', params: { color: 'pink', gain: 0.2 } },
    { id: 'mix1', type: 'mixer', params: { gain2: 0.5 } },
    { id: 'filt1', type: 'filter', params: { mode: 'lp', cutoff: 900, q: 3 } },
    { id: 'env1', type: 'adsr', params: { attack: 5, decay: 80, sustain: 0.5, release: 150, curve: 'exp' } },
    { id: 'env2', type: 'adsr', params: { attack: 1, decay: 30, sustain: 0, release: 30 } },
    { id: 'vca1', type: 'vca', params: { gain: 0.8 } },
    { id: 'out', type: 'out', params: { level: 0.7, pan: -0.2 } },
  ],
  connections: [
    { from: 'osc4', to: 'osc1.fm', amount: 30 },
    { from: 'osc1', to: 'mix1.in1' },
    { from: 'osc2', to: 'mix1.in2' },
    { from: 'noise1', to: 'mix1.in3' },
    { from: 'mix1', to: 'filt1' },
    { from: 'lfo1', to: 'filt1.cutoff', amount: 500 },
    { from: 'lfo2', to: 'filt1.fm', amount: 0.5 },
    { from: 'filt1', to: 'env1' },
    { from: 'env1', to: 'out' },
    { from: 'osc3', to: 'vca1' },
    { from: 'env2', to: 'vca1.cv' },
    { from: 'vca1', to: 'out.right' },
    { from: 'lfo1', to: 'out.pan', amount: 0.3 },
  ],
};

function everythingScore(seconds: number): unknown[] {
  const score: unknown[] = [];
  for (let t = 0; t < seconds; t += 0.25) {
    score.push({ at: t, address: '/gate/env1', args: [1] });
    score.push({ at: t + 0.13, address: '/gate/env1', args: ['off'] });
    score.push({ at: t + 0.0625, address: '/gate/env2', args: [true] });
    score.push({ at: t + 0.07, address: '/gate/env2', args: [false] });
    score.push({ at: t + 0.011, address: '/mod/osc1/freq', args: [110 * (1 + ((t * 4) % 5) / 4)] });
    score.push({ at: t + 0.1003, address: '/mod/filt1/q', args: [1 + ((t * 8) % 7)] });
  }
  score.push({ at: 0.777, address: '/mod/osc2/waveform', args: ['saw'] });
  score.push({ at: 1.333, address: '/mod/filt1/mode', args: [2] });
  return score;
}

function resolved(doc: unknown): ResolvedPatch {
  const result = validatePatch(doc, registry);
  if (!result.ok) throw new Error(JSON.stringify(result.errors));
  return result.patch;
}

function renderHash(block: number, seconds: number, seed = 1): { hash: string; peak: number } {
  const sampleRate = 48000;
  const patch = resolved(everythingPatch);
  const score = parseScore(everythingScore(seconds), patch, sampleRate);
  if (!score.ok) throw new Error(JSON.stringify(score.errors));
  const { left, right, faults } = renderToArrays({ patch, score: score.commands, frames: seconds * sampleRate, sampleRate, blockSize: block, seed });
  assert.deepEqual(faults, []);
  let peak = 0;
  for (let i = 0; i < left.length; i++) peak = Math.max(peak, Math.abs(left[i]!), Math.abs(right[i]!));
  const hash = createHash('sha256').update(new Uint8Array(left.buffer)).update(new Uint8Array(right.buffer)).digest('hex');
  return { hash, peak };
}

test('same patch + score + seed renders the same bytes twice', () => {
  const a = renderHash(128, 2);
  const b = renderHash(128, 2);
  assert.equal(a.hash, b.hash);
  assert.ok(a.peak > 0.05, `the render is not silent (peak ${a.peak})`);
});

test('renders at block 64 and 256 (and 1 and 100) are bit-identical', () => {
  const reference = renderHash(64, 2).hash;
  for (const block of [256, 1, 100]) assert.equal(renderHash(block, 2).hash, reference, `block ${block}`);
});

test('a different seed changes only the seeded modules (noise, sample and hold)', () => {
  assert.notEqual(renderHash(128, 1, 1).hash, renderHash(128, 1, 2).hash);
});

test('the engine render loop allocates nothing per block (all modules, events every few blocks)', async () => {
  const patch = resolved(everythingPatch);
  const engine = new Engine({ sampleRate: 48000, maxBlock: 128 });
  engine.applyPatch(patch);
  const env1 = engine.instance('env1')!.handle;
  const osc1Instance = engine.instance('osc1')!;
  const osc1 = osc1Instance.handle;
  const freq = osc1Instance.definition.spec.params.findIndex((p) => p.id === 'freq');
  const left = new Float32Array(128);
  const right = new Float32Array(128);
  let n = 0;
  const result = await allocationProbe(() => {
    if ((n & 7) === 0) {
      engine.scheduleGate(engine.frame + 17, env1, (n & 8) === 0);
      engine.scheduleParam(engine.frame + 33, osc1, freq, 100 + (n & 63));
    }
    engine.render(left, right, 128);
    n++;
  }, 30_000);
  assert.equal(result.collections, 0, `GC ran ${result.collections} times`);
  assert.ok(result.heapGrowth < HEAP_GROWTH_LIMIT, `heap grew ${result.heapGrowth} bytes`);
});
