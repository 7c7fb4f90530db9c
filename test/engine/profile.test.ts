// Sampled per-module profiling (EngineOptions.profileEvery, Engine.moduleCosts).

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Kernel, type ModuleDefinition } from '../../src/dsp/kernel.js';
import type { ModuleSpec, ParamSpec } from '../../src/dsp/spec.js';
import { Engine } from '../../src/engine/engine.js';
import type { ResolvedConnection, ResolvedModule, ResolvedPatch } from '../../src/patch/document.js';

const param = (id: string, def: number): ParamSpec => ({
  id, unit: 'ratio', min: 0, max: 1e6, default: def, smoothingMs: 0, scale: 'linear', doc: id,
});
const spec = (type: string, params: ParamSpec[], inputs: string[], outputs: string[]): ModuleSpec => ({
  type, doc: type, params, inputs: inputs.map((id) => ({ id, doc: id })), outputs: outputs.map((id) => ({ id, doc: id })),
  gate: false, blockSizeInvariant: true, silentInSilentOut: false,
});

/** Burns `work` sine evaluations per sample (a module of adjustable cost). */
class BurnKernel extends Kernel {
  readonly state = new Float64Array(1);
  process(start: number, end: number): void {
    const out = this.io.outputs[0]!;
    const work = this.io.params[0]!.value;
    let phase = this.state[0]!;
    for (let i = start; i < end; i++) {
      let acc = 0;
      for (let k = 0; k < work; k++) acc += Math.sin(phase + k);
      phase += 0.01;
      out[i] = acc * 1e-6;
    }
    this.state[0] = phase;
  }
}
const burnModule: ModuleDefinition = { spec: spec('burn', [param('work', 1)], [], ['out']), kernel: BurnKernel };

class MasterKernel extends Kernel {
  readonly state = new Float64Array(0);
  process(start: number, end: number): void {
    const [left, right] = this.io.outputs;
    const input = this.io.inputs[0]!.buffer;
    for (let i = start; i < end; i++) {
      left![i] = input[i]!;
      right![i] = input[i]!;
    }
  }
}
const masterModule: ModuleDefinition = { spec: spec('out', [], ['in'], ['left', 'right']), kernel: MasterKernel };

const mod = (id: string, definition: ModuleDefinition, params: Record<string, number> = {}): ResolvedModule => ({
  id, type: definition.spec.type, definition, params: definition.spec.params.map((p) => params[p.id] ?? p.default),
});
const wire = (from: string, to: string): ResolvedConnection => ({ from, fromOutput: 0, to, kind: 'input', toIndex: 0, amount: 1 });

const patch = (ids: Array<[string, number]>): ResolvedPatch => ({
  modules: [...ids.map(([id, work]) => mod(id, burnModule, { work })), mod('out', masterModule)],
  connections: ids.map(([id]) => wire(id, 'out')),
});

function renderBlocks(engine: Engine, blocks: number, block = 128): void {
  const l = new Float32Array(block);
  const r = new Float32Array(block);
  for (let b = 0; b < blocks; b++) engine.render(l, r, block);
}

test('profiling off (default): moduleCosts lists the live modules with zero figures', () => {
  const engine = new Engine({ sampleRate: 48000, maxBlock: 128 });
  engine.applyPatch(patch([['cheap', 1], ['dear', 40]]));
  renderBlocks(engine, 20);
  const costs = engine.moduleCosts();
  assert.deepEqual(costs.map((c) => [c.id, c.type]), [['cheap', 'burn'], ['dear', 'burn'], ['out', 'out']]);
  for (const c of costs) assert.deepEqual([c.blocks, c.meanUs, c.maxUs, c.share], [0, 0, 0, 0]);
});

test('profileEvery N times one block in N; the expensive module shows the larger mean and share', () => {
  const engine = new Engine({ sampleRate: 48000, maxBlock: 128, profileEvery: 4 });
  engine.applyPatch(patch([['cheap', 1], ['dear', 100]]));
  // Enough blocks that the first ones (interpreted, before the JIT has compiled the loops)
  // do not dominate the means.
  renderBlocks(engine, 2000);
  const costs = new Map(engine.moduleCosts().map((c) => [c.id, c]));
  const cheap = costs.get('cheap')!;
  const dear = costs.get('dear')!;
  assert.equal(dear.blocks, 500, 'one block in 4 of 2000');
  assert.equal(cheap.blocks, 500);
  assert.ok(dear.meanUs > 4 * cheap.meanUs, `dear ${dear.meanUs} µs vs cheap ${cheap.meanUs} µs`);
  assert.ok(dear.maxUs >= dear.meanUs && cheap.maxUs >= cheap.meanUs);
  assert.ok(dear.share > 0.5 && dear.share <= 1, `dear share ${dear.share}`);
  const shares = [...costs.values()].reduce((sum, c) => sum + c.share, 0);
  assert.ok(shares > 0 && shares <= 1 + 1e-9, `shares sum to ${shares} (steps are part of the block)`);
});

test('figures survive applyPatch for kept modules and start at zero for new ones', () => {
  const engine = new Engine({ sampleRate: 48000, maxBlock: 128, profileEvery: 1 });
  engine.applyPatch(patch([['a', 5], ['b', 5]]));
  renderBlocks(engine, 10);
  const before = new Map(engine.moduleCosts().map((c) => [c.id, c]));
  assert.equal(before.get('a')!.blocks, 10);
  // Keep `a` (now at the end of the order), drop `b`, add `c`.
  engine.applyPatch(patch([['c', 5], ['a', 5]]));
  const kept = new Map(engine.moduleCosts().map((c) => [c.id, c]));
  assert.deepEqual([...kept.keys()], ['c', 'a', 'out']);
  assert.equal(kept.get('a')!.blocks, 10);
  assert.equal(kept.get('a')!.meanUs, before.get('a')!.meanUs);
  assert.equal(kept.get('a')!.maxUs, before.get('a')!.maxUs);
  assert.equal(kept.get('c')!.blocks, 0);
  assert.equal(kept.get('c')!.meanUs, 0);
  renderBlocks(engine, 5);
  const after = new Map(engine.moduleCosts().map((c) => [c.id, c]));
  assert.equal(after.get('a')!.blocks, 15);
  assert.equal(after.get('c')!.blocks, 5);
  assert.equal(after.get('out')!.blocks, 15);
});

test('a block split by events is measured as one block', () => {
  const engine = new Engine({ sampleRate: 48000, maxBlock: 128, profileEvery: 1 });
  engine.applyPatch(patch([['a', 1]]));
  const handle = engine.instance('a')!.handle;
  for (let f = 10; f < 128; f += 20) engine.scheduleParam(f, handle, 0, 1);
  renderBlocks(engine, 2);
  assert.equal(engine.moduleCosts()[0]!.blocks, 2);
});
