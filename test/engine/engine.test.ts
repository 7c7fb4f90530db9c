// Engine mechanics with small test-only modules: exact-sample events, smoothing ramps,
// modulation, input sums, block-size invariance, fault containment, snapshots, reconcile.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Kernel, type ModuleDefinition } from '../../src/dsp/kernel.js';
import type { ModuleSpec, ParamSpec } from '../../src/dsp/spec.js';
import { Engine } from '../../src/engine/engine.js';
import type { ResolvedConnection, ResolvedModule, ResolvedPatch } from '../../src/patch/document.js';

const param = (id: string, smoothingMs: number, min = -1000, max = 1000, def = 0): ParamSpec => ({
  id, unit: 'level', min, max, default: def, smoothingMs, scale: 'linear', doc: id,
});
const spec = (type: string, params: ParamSpec[], inputs: string[], outputs: string[], gate = false): ModuleSpec => ({
  type, doc: type, params, inputs: inputs.map((id) => ({ id, doc: id })), outputs: outputs.map((id) => ({ id, doc: id })),
  gate, blockSizeInvariant: true, silentInSilentOut: false,
});

/** Outputs its `value` param (sample-exact, no smoothing) plus its `smooth` param. */
class ConstKernel extends Kernel {
  readonly state = new Float64Array(0);
  process(start: number, end: number): void {
    const out = this.io.outputs[0]!;
    const [value, smooth] = this.io.params;
    for (let i = start; i < end; i++) {
      out[i] = (value!.isConstant ? value!.value : value!.buffer[i]!) + (smooth!.isConstant ? smooth!.value : smooth!.buffer[i]!);
    }
  }
}
const constModule: ModuleDefinition = { spec: spec('const', [param('value', 0), param('smooth', 1)], [], ['out']), kernel: ConstKernel };

/** Counts samples since creation (state that must survive patches and snapshots); gate adds 1000. */
class CounterKernel extends Kernel {
  readonly state = new Float64Array(2);
  process(start: number, end: number): void {
    const out = this.io.outputs[0]!;
    let n = this.state[0]!;
    for (let i = start; i < end; i++) out[i] = n++ + this.state[1]!;
    this.state[0] = n;
  }
  override gate(on: boolean): void {
    this.state[1] = on ? 1000 : 0;
  }
}
const counterModule: ModuleDefinition = { spec: spec('counter', [], [], ['out'], true), kernel: CounterKernel };

/** Misbehaves on purpose after `after` samples: mode 1 throws, mode 2 writes NaN. */
class FaultyKernel extends Kernel {
  readonly state = new Float64Array(1);
  process(start: number, end: number): void {
    const out = this.io.outputs[0]!;
    const after = this.io.params[0]!.value;
    const mode = this.io.params[1]!.value;
    for (let i = start; i < end; i++) {
      const n = this.state[0]!++;
      if (n >= after && mode === 1) throw new Error('boom');
      out[i] = n >= after && mode === 2 ? Number.NaN : 0.25;
    }
  }
}
const faultyModule: ModuleDefinition = {
  spec: spec('faulty', [param('after', 0, 0, 1e9, 1000), param('mode', 0, 0, 2, 1)], [], ['out']),
  kernel: FaultyKernel,
};

/** Test master: left = in (summed), right = aux. */
class MasterKernel extends Kernel {
  readonly state = new Float64Array(0);
  process(start: number, end: number): void {
    const [left, right] = this.io.outputs;
    const [input, aux] = this.io.inputs;
    for (let i = start; i < end; i++) {
      left![i] = input!.buffer[i]!;
      right![i] = aux!.buffer[i]!;
    }
  }
}
const masterModule: ModuleDefinition = { spec: spec('out', [], ['in', 'aux'], ['left', 'right']), kernel: MasterKernel };

const mod = (id: string, definition: ModuleDefinition, params: Record<string, number> = {}): ResolvedModule => ({
  id, type: definition.spec.type, definition, params: definition.spec.params.map((p) => params[p.id] ?? p.default),
});
const wire = (from: string, to: string, kind: 'input' | 'param', toIndex: number, amount = 1): ResolvedConnection => ({
  from, fromOutput: 0, to, kind, toIndex, amount,
});

function render(engine: Engine, frames: number, block: number): Float32Array[] {
  const left = new Float32Array(frames);
  const right = new Float32Array(frames);
  const l = new Float32Array(block);
  const r = new Float32Array(block);
  for (let pos = 0; pos < frames; pos += block) {
    const n = Math.min(block, frames - pos);
    engine.render(l, r, n);
    left.set(l.subarray(0, n), pos);
    right.set(r.subarray(0, n), pos);
  }
  return [left, right];
}

const constPatch: ResolvedPatch = {
  modules: [mod('c', constModule), mod('out', masterModule)],
  connections: [wire('c', 'out', 'input', 0)],
};

test('a param event lands on its exact frame, not on a block boundary', () => {
  const engine = new Engine({ sampleRate: 48000, maxBlock: 128 });
  engine.applyPatch(constPatch);
  engine.scheduleParam(1000, engine.instance('c')!.handle, 0, 5);
  const [left] = render(engine, 2048, 128);
  assert.equal(left![999], 0);
  assert.equal(left![1000], 5);
  assert.equal(left![2047], 5);
});

test('smoothed params ramp linearly over their smoothing time, landing exactly on the target', () => {
  const sampleRate = 48000;
  const engine = new Engine({ sampleRate, maxBlock: 128 });
  engine.applyPatch(constPatch);
  engine.scheduleParam(100, engine.instance('c')!.handle, 1, 48); // smooth: 1 ms = 48 samples
  const [left] = render(engine, 512, 128);
  assert.equal(left![99], 0);
  for (let k = 1; k <= 48; k++) assert.ok(Math.abs(left![99 + k]! - k) < 1e-4, `ramp sample ${k}: ${left![99 + k]}`);
  assert.equal(left![147], 48);
  assert.equal(left![400], 48);
});

test('events scheduled for a past frame are applied at once and counted as late', () => {
  const engine = new Engine({ sampleRate: 48000, maxBlock: 64 });
  engine.applyPatch(constPatch);
  render(engine, 256, 64);
  engine.scheduleParam(10, engine.instance('c')!.handle, 0, 3);
  const [left] = render(engine, 64, 64);
  assert.equal(left![0], 3);
  assert.equal(engine.counters.eventsLate, 1);
});

test('output is identical for any block size, with events inside blocks', () => {
  const patch: ResolvedPatch = {
    modules: [mod('k', counterModule), mod('c', constModule), mod('out', masterModule)],
    connections: [wire('c', 'out', 'input', 0), wire('k', 'out', 'input', 1, 0.001), wire('k', 'c', 'param', 1, 0.5)],
  };
  const renderWith = (block: number): Float32Array[] => {
    const engine = new Engine({ sampleRate: 48000, maxBlock: block });
    engine.applyPatch(patch);
    const c = engine.instance('c')!.handle;
    const k = engine.instance('k')!.handle;
    for (let i = 0; i < 40; i++) {
      engine.scheduleParam(37 + i * 97, c, i % 2, (i * 7) % 13);
      engine.scheduleGate(50 + i * 131, k, i % 2 === 0);
    }
    return render(engine, 6000, block);
  };
  const reference = renderWith(128);
  for (const block of [1, 7, 64, 256, 1000]) {
    const other = renderWith(block);
    assert.deepEqual(other[0], reference[0], `left differs at block ${block}`);
    assert.deepEqual(other[1], reference[1], `right differs at block ${block}`);
  }
});

test('modulation is summed with its amount and clamped to the param range', () => {
  const patch: ResolvedPatch = {
    modules: [mod('k', counterModule), mod('c', constModule, { value: 10 }), mod('out', masterModule)],
    connections: [wire('k', 'c', 'param', 0, 2), wire('c', 'out', 'input', 0)],
  };
  const engine = new Engine({ sampleRate: 48000, maxBlock: 128 });
  engine.applyPatch(patch);
  const [left] = render(engine, 1000, 128);
  assert.equal(left![0], 10);
  assert.equal(left![100], 210);
  assert.equal(left![999], 1000); // 10 + 2·999 clamped to max 1000
});

test('several sources into one input are summed with their gains', () => {
  const patch: ResolvedPatch = {
    modules: [mod('a', constModule, { value: 1 }), mod('b', constModule, { value: 10 }), mod('out', masterModule)],
    connections: [wire('a', 'out', 'input', 0, 0.5), wire('b', 'out', 'input', 0, 2)],
  };
  const engine = new Engine({ sampleRate: 48000, maxBlock: 128 });
  engine.applyPatch(patch);
  const [left, right] = render(engine, 256, 128);
  assert.ok(left!.every((v) => v === 20.5));
  assert.ok(right!.every((v) => v === 0));
});

for (const [mode, code] of [[1, 1], [2, 2]] as const) {
  test(`a module that ${mode === 1 ? 'throws' : 'outputs NaN'} is muted and reported; the rest keeps playing`, () => {
    const patch: ResolvedPatch = {
      modules: [mod('bad', faultyModule, { after: 300, mode }), mod('k', counterModule), mod('out', masterModule)],
      connections: [wire('bad', 'out', 'input', 0), wire('k', 'out', 'input', 1)],
    };
    const engine = new Engine({ sampleRate: 48000, maxBlock: 128 });
    engine.applyPatch(patch);
    const [left, right] = render(engine, 1024, 128);
    const faults: Array<[string, number]> = [];
    engine.drainFaults((id, c) => faults.push([id, c]));
    assert.deepEqual(faults, [['bad', code]]);
    assert.ok(left!.every(Number.isFinite));
    assert.equal(left![100], 0.25);
    assert.ok(left!.subarray(384).every((v) => v === 0), 'muted after the faulty block');
    for (let i = 0; i < 1024; i++) assert.equal(right![i], i, 'the healthy module is untouched');
    // /module/reset brings it back (fresh state: it plays 300 good samples again).
    engine.scheduleReset(engine.frame, engine.instance('bad')!.handle);
    const [after] = render(engine, 128, 128);
    assert.equal(after![0], 0.25);
  });
}

test('snapshot and restore continue bit-identically, pending events included', () => {
  const patch: ResolvedPatch = {
    modules: [mod('k', counterModule), mod('c', constModule), mod('out', masterModule)],
    connections: [wire('c', 'out', 'input', 0), wire('k', 'c', 'param', 1, 0.25), wire('k', 'out', 'input', 1)],
  };
  const a = new Engine({ sampleRate: 48000, maxBlock: 64 });
  a.applyPatch(patch);
  a.scheduleParam(500, a.instance('c')!.handle, 1, 100);
  a.scheduleGate(900, a.instance('k')!.handle, true);
  render(a, 512, 64);
  const snapshot = a.snapshot();
  const expected = render(a, 1024, 64);
  const b = new Engine({ sampleRate: 48000, maxBlock: 64 });
  b.applyPatch(patch);
  b.restore(snapshot);
  const actual = render(b, 1024, 64);
  assert.deepEqual(actual, expected);
});

test('applying a new patch keeps the state of unchanged modules and starts new ones fresh', () => {
  const first: ResolvedPatch = { modules: [mod('k', counterModule), mod('out', masterModule)], connections: [wire('k', 'out', 'input', 0)] };
  const second: ResolvedPatch = {
    modules: [mod('k', counterModule), mod('k2', counterModule), mod('out', masterModule)],
    connections: [wire('k', 'out', 'input', 0), wire('k2', 'out', 'input', 1)],
  };
  const engine = new Engine({ sampleRate: 48000, maxBlock: 128 });
  engine.applyPatch(first);
  render(engine, 256, 128);
  engine.applyPatch(second);
  const [left, right] = render(engine, 128, 128);
  assert.equal(left![0], 256);
  assert.equal(right![0], 0);
  assert.equal(engine.counters.patchesApplied, 2);
});

/**
 * Vouches for its outputs (Kernel.outputCheck, sum of squares) and, after `after` samples,
 * writes `bad`: NaN, or a double beyond float32 range (stored as Infinity).
 */
class VouchingKernel extends Kernel {
  readonly state = new Float64Array(1);
  process(start: number, end: number): void {
    const out = this.io.outputs[0]!;
    const after = this.io.params[0]!.value;
    const bad = this.io.params[1]!.value === 1 ? Number.NaN : 1e39;
    let sq = 0;
    for (let i = start; i < end; i++) {
      const n = this.state[0]!++;
      const y = n >= after ? bad : 0.25;
      out[i] = y;
      sq += y * y;
    }
    this.outputCheck[0] = sq;
  }
}
const vouchingModule: ModuleDefinition = {
  spec: spec('vouching', [param('after', 0, 0, 1e9, 1000), param('bad', 0, 0, 1, 1)], [], ['out']),
  kernel: VouchingKernel,
};

for (const bad of [1, 0]) {
  test(`a vouching kernel that writes ${bad === 1 ? 'NaN' : 'a double beyond float32 range'} is still caught in that block`, () => {
    const patch: ResolvedPatch = {
      modules: [mod('v', vouchingModule, { after: 300, bad }), mod('k', counterModule), mod('out', masterModule)],
      connections: [wire('v', 'out', 'input', 0), wire('k', 'out', 'input', 1)],
    };
    const engine = new Engine({ sampleRate: 48000, maxBlock: 128 });
    engine.applyPatch(patch);
    const [left, right] = render(engine, 512, 128);
    const faults: Array<[string, number]> = [];
    engine.drainFaults((id, c) => faults.push([id, c]));
    assert.deepEqual(faults, [['v', 2]]);
    assert.ok(left!.every(Number.isFinite));
    assert.equal(left![255], 0.25, 'vouched blocks before the fault play');
    assert.ok(left!.subarray(256).every((v) => v === 0), 'muted from the faulty block on');
    for (let i = 0; i < 512; i++) assert.equal(right![i], i);
  });
}

test('a bus of many sources sums them in render order, one float32 rounding per source, in a few pooled buffers', () => {
  // 64 counters (distinct starting offsets through their gate) into out.in with awkward gains;
  // the expected sum is computed the way the contract states: t = a0·x0, then t += a·x, each
  // stored as float32, in render (module) order.
  const count = 64;
  const modules: ResolvedModule[] = [];
  const connections: ResolvedConnection[] = [];
  const gains: number[] = [];
  for (let v = 0; v < count; v++) {
    modules.push(mod(`k${v}`, counterModule));
    gains.push(1 / (3 + v) - 0.01 * (v % 5));
  }
  // Connections listed in reverse: the sum order is still the render order.
  for (let v = count - 1; v >= 0; v--) connections.push(wire(`k${v}`, 'out', 'input', 0, gains[v]));
  modules.push(mod('out', masterModule));
  const engine = new Engine({ sampleRate: 48000, maxBlock: 128 });
  engine.applyPatch({ modules, connections });
  for (let v = 0; v < count; v += 3) engine.scheduleGate(0, engine.instance(`k${v}`)!.handle, true);
  const [left] = render(engine, 300, 100);
  for (let i = 0; i < 300; i++) {
    let t = 0;
    for (let v = 0; v < count; v++) {
      const x = i + (v % 3 === 0 ? 1000 : 0);
      t = v === 0 ? Math.fround(gains[v]! * x) : Math.fround(t + gains[v]! * x);
    }
    assert.equal(left![i], t, `sample ${i}`);
  }
  const buffers = new Set(engine.instances().flatMap((m) => m.outputs));
  assert.ok(buffers.size <= 4, `${count} voices into one bus use ${buffers.size} output buffers (want ≤ 4)`);
});

test('a sender that faults leaves silence in the bus from that block on; the other senders keep summing', () => {
  const patch: ResolvedPatch = {
    modules: [mod('bad', faultyModule, { after: 300, mode: 1 }), mod('k', counterModule), mod('out', masterModule)],
    connections: [wire('bad', 'out', 'input', 0, 2), wire('k', 'out', 'input', 0, 0.5)],
  };
  const engine = new Engine({ sampleRate: 48000, maxBlock: 128 });
  engine.applyPatch(patch);
  const [left] = render(engine, 512, 128);
  for (let i = 0; i < 512; i++) assert.equal(left![i], (i < 256 ? 0.5 : 0) + 0.5 * i, `sample ${i}`);
});
