// SIMD batch groups in the engine (EngineOptions.batch): with batching on, the plan regroups
// instances of a batched type 4 at a time and renders them with the wasm batch kernel where it
// accepts them; the result must be identical bit for bit to the JS-only engine (batch off, the
// patch's own order): every output sample AND every state value of every instance after every
// block (engine twins and stateDifference: test/helpers/batch-conformance.ts; each kernel's own
// conformance: test/dsp/<type>-batch.test.ts). This file keeps the engine's cases: random filter
// patches (its lane generator), W2, snapshot/restore across the two paths, the group order and
// per-instance fault containment.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Kernel } from '../../src/dsp/kernel.js';
import { createRegistry } from '../../src/dsp/modules/index.js';
import { Engine } from '../../src/engine/engine.js';
import type { PatchConnection, PatchModule } from '../../src/patch/document.js';
import type { ResolvedPatch } from '../../src/patch/document.js';
import { validatePatch } from '../../src/patch/validate.js';
import { buildW2, W2 } from '../fixtures/w2.js';
import { initialPayload, type TimedCommand } from '../../src/control/score.js';
import { TestRandom } from '../helpers/random.js';
import { differingValues } from '../helpers/bits.js';
import { engineTwins, stateDifference } from '../helpers/batch-conformance.js';

const registry = createRegistry();
const MAX_BLOCK = 128;

interface RandomPatch {
  readonly patch: ResolvedPatch;
  readonly filters: string[];
  readonly oscs: string[];
}

/**
 * Many filter voices: a source (osc of a random waveform, or noise) into a filter of random mode,
 * cutoff and q; fm from an lfo with a random amount or not connected; some with a modulated
 * cutoff (the batch kernel declines those: JS fallback); some with a second filter in series
 * (a dependency inside a voice); some into a mixer bus, the rest straight into out.
 */
function randomPatch(rng: TestRandom, voices: number): RandomPatch {
  const modules: PatchModule[] = [];
  const connections: PatchConnection[] = [];
  const filters: string[] = [];
  const oscs: string[] = [];
  modules.push({ id: 'bus', type: 'mixer', params: { gain: 0.8 } });
  const modes = ['lp', 'hp', 'bp', 'notch'];
  for (let v = 0; v < voices; v++) {
    const src = `src${v}`;
    if (rng.next() < 0.8) {
      modules.push({ id: src, type: 'osc', params: { waveform: ['sine', 'saw', 'square', 'triangle'][rng.int(0, 3)]!, freq: rng.range(40, 2000), gain: 0.5 } });
      oscs.push(src);
    } else {
      modules.push({ id: src, type: 'noise', params: { color: ['white', 'pink', 'brown'][rng.int(0, 2)]!, gain: 0.5 } });
    }
    const f = `vcf${v}`;
    filters.push(f);
    modules.push({ id: f, type: 'filter', params: { mode: modes[rng.int(0, 3)]!, cutoff: Math.exp(rng.range(Math.log(30), Math.log(15000))), q: Math.exp(rng.range(Math.log(0.2), Math.log(15))) } });
    connections.push({ from: src, to: f });
    const fmKind = rng.next();
    if (fmKind < 0.6) {
      const lfo = `lfo${v}`;
      modules.push({ id: lfo, type: 'lfo', params: { shape: ['sine', 'triangle', 'saw', 'square'][rng.int(0, 3)]!, rate: rng.range(0.1, 20), depth: 1, offset: 0 } });
      connections.push({ from: lfo, to: `${f}.fm`, amount: rng.next() < 0.3 ? 1 : rng.range(-4, 4) });
      if (rng.next() < 0.2) connections.push({ from: lfo, to: `${f}.cutoff`, amount: rng.range(10, 500) });
    }
    let last = f;
    if (rng.next() < 0.25) {
      const f2 = `vcf${v}b`;
      filters.push(f2);
      modules.push({ id: f2, type: 'filter', params: { mode: modes[rng.int(0, 3)]!, cutoff: rng.range(200, 8000), q: rng.range(0.5, 4) } });
      connections.push({ from: f, to: f2 });
      last = f2;
    }
    if (rng.next() < 0.3) connections.push({ from: last, to: 'bus', amount: rng.range(0.05, 0.3) });
    else connections.push({ from: last, to: 'out', amount: rng.range(0.02, 0.2) });
  }
  connections.push({ from: 'bus', to: 'out' });
  modules.push({ id: 'out', type: 'out', params: { level: 0.8 } });
  const result = validatePatch({ format: 'chronus-patch', version: 1, modules, connections }, registry);
  if (!result.ok) throw new Error(JSON.stringify(result.errors));
  return { patch: result.patch, filters, oscs };
}

const engines = (patch: ResolvedPatch, sampleRate = 48000): [Engine, Engine] => engineTwins(patch, sampleRate, MAX_BLOCK);

for (const block of [37, 128]) {
  test(`random filter patches, block ${block}: batch on = batch off, outputs and every state after every block`, () => {
    const rng = new TestRandom(4242 + block);
    let batched = 0;
    let fallback = 0;
    for (let trial = 0; trial < 6; trial++) {
      const voices = rng.int(5, 23);
      const { patch, filters, oscs } = randomPatch(rng, voices);
      const [on, off] = engines(patch);
      const outs = [0, 1].map(() => [new Float32Array(MAX_BLOCK), new Float32Array(MAX_BLOCK)] as const);
      for (let b = 0; b < 80; b++) {
        // Events mid-block on both engines: smoothed cutoff/q changes (ramps: JS fallback while
        // they run), immediate mode changes, immediate cutoff jumps, osc freq changes.
        if (rng.next() < 0.3) {
          const id = filters[rng.int(0, filters.length - 1)]!;
          const at = rng.int(0, block - 1);
          const kind = rng.int(0, 3);
          const value = kind === 0 ? rng.range(30, 12000) : kind === 1 ? rng.range(0.2, 12) : kind === 2 ? rng.int(0, 3) : rng.range(30, 12000);
          for (const e of [on, off]) {
            const h = e.instance(id)!.handle;
            if (kind === 0) e.scheduleParam(e.frame + at, h, 1, value);
            else if (kind === 1) e.scheduleParam(e.frame + at, h, 2, value);
            else if (kind === 2) e.scheduleParamImmediate(e.frame + at, h, 0, value);
            else e.scheduleParamImmediate(e.frame + at, h, 1, value);
          }
        }
        if (oscs.length > 0 && rng.next() < 0.2) {
          const id = oscs[rng.int(0, oscs.length - 1)]!;
          const at = rng.int(0, block - 1);
          const value = rng.range(40, 3000);
          for (const e of [on, off]) e.scheduleParam(e.frame + at, e.instance(id)!.handle, 1, value);
        }
        on.render(outs[0]![0], outs[0]![1], block);
        off.render(outs[1]![0], outs[1]![1], block);
        for (const ch of [0, 1]) {
          assert.equal(differingValues(outs[0]![ch]!.subarray(0, block), outs[1]![ch]!.subarray(0, block)), 0, `trial ${trial} block ${b} channel ${ch}`);
        }
        assert.equal(stateDifference(on, off), undefined, `trial ${trial} block ${b}`);
      }
      const stats = on.batchStats();
      batched += stats.batched;
      fallback += stats.fallback;
    }
    // Both paths were exercised.
    assert.ok(batched > 1000, `batched ${batched}`);
    assert.ok(fallback > 100, `fallback ${fallback}`);
  });
}

for (const voices of [8, 64]) {
  test(`W2 at ${voices} voices: batch on = batch off (outputs and states, gates at their frames)`, () => {
    const build = buildW2(voices, 1);
    const [on, off] = engines(build.patch, W2.sampleRate);
    // The score names modules by the handles a render of build.patch assigns; so do the engines.
    for (const [id, handle] of initialPayload(build.patch, W2.sampleRate).handles) assert.equal(on.instance(id)?.handle, handle, id);
    const outs = [0, 1].map(() => [new Float32Array(MAX_BLOCK), new Float32Array(MAX_BLOCK)] as const);
    const commands = [...build.score];
    let next = 0;
    for (let frame = 0; frame < build.frames; frame += MAX_BLOCK) {
      const n = Math.min(MAX_BLOCK, build.frames - frame);
      while (next < commands.length && commands[next]!.frame < frame + n) {
        const c = commands[next++]!;
        applyCommand(on, c);
        applyCommand(off, c);
      }
      on.render(outs[0]![0], outs[0]![1], n);
      off.render(outs[1]![0], outs[1]![1], n);
      for (const ch of [0, 1]) assert.equal(differingValues(outs[0]![ch]!.subarray(0, n), outs[1]![ch]!.subarray(0, n)), 0, `frame ${frame}`);
      if ((frame / MAX_BLOCK) % 4 === 0) assert.equal(stateDifference(on, off), undefined, `frame ${frame}`);
    }
    assert.equal(stateDifference(on, off), undefined);
    assert.ok(on.batchStats().batched > 0);
  });
}

test('a snapshot taken with batch on restores into a batch-off engine and continues identically', () => {
  const rng = new TestRandom(99);
  const { patch, filters } = randomPatch(rng, 13);
  const [on, reference] = engines(patch);
  const l = new Float32Array(MAX_BLOCK);
  const r = new Float32Array(MAX_BLOCK);
  for (let b = 0; b < 50; b++) {
    on.render(l, r, 100);
    reference.render(l, r, 100);
  }
  // A smoothed change in flight at the snapshot.
  for (const e of [on, reference]) e.scheduleParam(e.frame + 30, e.instance(filters[0]!)!.handle, 1, 3333);
  on.render(l, r, 100);
  reference.render(l, r, 100);
  const snap = on.snapshot();
  const off = new Engine({ sampleRate: 48000, maxBlock: MAX_BLOCK, seed: 7, batch: false });
  off.applyPatch(patch);
  off.restore(snap);
  const a = [new Float32Array(MAX_BLOCK), new Float32Array(MAX_BLOCK)];
  const b = [new Float32Array(MAX_BLOCK), new Float32Array(MAX_BLOCK)];
  for (let k = 0; k < 40; k++) {
    off.render(a[0]!, a[1]!, 100);
    reference.render(b[0]!, b[1]!, 100);
    assert.equal(differingValues(a[0]!, b[0]!) + differingValues(a[1]!, b[1]!), 0, `block ${k}`);
    assert.equal(stateDifference(off, reference), undefined, `block ${k}`);
  }
});

test('batch groups: the plan groups independent filters 4 at a time and keeps the bus order', () => {
  const build = buildW2(10, 1);
  const on = new Engine({ sampleRate: W2.sampleRate, maxBlock: MAX_BLOCK, batch: true });
  on.applyPatch(build.patch);
  const ids = on.instances().map((m) => m.id);
  // Filters 0..3 adjacent, after their voices' lfo and osc; envelopes (senders into out) in voice order.
  const at = (id: string): number => ids.indexOf(id);
  assert.deepEqual([1, 2, 3].map((i) => at(`vcf${i}`) - at('vcf0')), [1, 2, 3]);
  assert.ok(at('osc3') < at('vcf0'));
  for (let i = 1; i < 10; i++) assert.ok(at(`env${i - 1}`) < at(`env${i}`));
  const off = new Engine({ sampleRate: W2.sampleRate, maxBlock: MAX_BLOCK, batch: false });
  off.applyPatch(build.patch);
  assert.deepEqual(off.instances().map((m) => m.id), build.patch.modules.map((m) => m.id));
});

/** A W2 score command (a gate, naming its module by the handle the score assigned). */
function applyCommand(engine: Engine, c: TimedCommand): void {
  const command = c.command;
  if (command.kind !== 'gate') throw new Error(`unexpected W2 command ${c.address}`);
  engine.scheduleGate(c.frame, command.handle, command.on);
}

/**
 * Test source: a sine, scaled to ±3e38 (finite as float32, so the source itself is fine) from
 * frame 300 on when its `bad` param is 1: a resonant filter tuned to it then writes ±Infinity.
 */
class SpikeKernel extends Kernel {
  readonly state = new Float64Array(1);
  process(start: number, end: number): void {
    const out = this.io.outputs[0]!;
    const bad = this.io.params[0]!.value === 1;
    let n = this.state[0]!;
    for (let i = start; i < end; i++, n++) out[i] = (bad && n >= 300 ? 3e38 : 1) * Math.sin(n * 0.05);
    this.state[0] = n;
  }
}

test('fault containment stays per instance inside a batch group (one resonant filter overflowing faults alone)', () => {
  const reg = createRegistry();
  reg.register({ kernel: SpikeKernel, spec: {
    type: 'spike', doc: 'test source',
    params: [{ id: 'bad', unit: 'level', min: 0, max: 1, default: 0, smoothingMs: 0, scale: 'linear', doc: 'emit +Infinity from frame 300' }],
    inputs: [], outputs: [{ id: 'out', doc: 'signal' }], gate: false, blockSizeInvariant: true, silentInSilentOut: false,
  } });
  const modules: PatchModule[] = [];
  const connections: PatchConnection[] = [];
  for (let v = 0; v < 8; v++) {
    modules.push({ id: `s${v}`, type: 'spike', params: { bad: v === 2 ? 1 : 0 } });
    // Filter 2 resonates at the source's frequency (0.05 rad/sample at 48 kHz ≈ 382 Hz).
    modules.push({ id: `f${v}`, type: 'filter', params: v === 2 ? { cutoff: (0.05 * 48000) / (2 * Math.PI), q: 20 } : { cutoff: 500 + 100 * v } });
    connections.push({ from: `s${v}`, to: `f${v}` }, { from: `f${v}`, to: 'out', amount: 0.1 });
  }
  modules.push({ id: 'out', type: 'out', params: {} });
  const result = validatePatch({ format: 'chronus-patch', version: 1, modules, connections }, reg);
  if (!result.ok) throw new Error(JSON.stringify(result.errors));
  const [on, off] = engines(result.patch);
  const a = [new Float32Array(MAX_BLOCK), new Float32Array(MAX_BLOCK)];
  const b = [new Float32Array(MAX_BLOCK), new Float32Array(MAX_BLOCK)];
  const faults = (e: Engine): string[] => {
    const list: string[] = [];
    e.drainFaults((id, code) => list.push(`${id}:${code}`));
    return list;
  };
  const seen: string[][] = [[], []];
  for (let k = 0; k < 10; k++) {
    on.render(a[0]!, a[1]!, MAX_BLOCK);
    off.render(b[0]!, b[1]!, MAX_BLOCK);
    seen[0]!.push(...faults(on));
    seen[1]!.push(...faults(off));
    assert.equal(differingValues(a[0]!, b[0]!) + differingValues(a[1]!, b[1]!), 0, `block ${k}`);
    assert.equal(stateDifference(on, off), undefined, `block ${k}`);
  }
  assert.deepEqual(seen[0], ['f2:2']);
  assert.deepEqual(seen[1], ['f2:2']);
  assert.ok(on.batchStats().batched > 0);
});
