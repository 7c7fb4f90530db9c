// The sequencer inside the engine, checked from rendered audio (onsets, frequencies, gate
// lengths) and from the frames of the gate events it schedules. Deterministic: no wall clock.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Engine } from '../../src/engine/engine.js';
import { parseLaneValues } from '../../src/engine/sequencer/notes.js';
import type { ControlOp } from '../../src/engine/sequencer/ops.js';
import { RATE, onsets, percussivePatch, renderOps, seqOps, type TimedOp } from '../helpers/sequencer.js';

const start = (frame: number, id: string): TimedOp => ({ frame, op: { op: 'seq.start', id } });

/** Zero-crossing frequency estimate (upward crossings, linear interpolation) over [from, to). */
function zeroCrossingHz(x: Float32Array, from: number, to: number): number {
  let first = -1;
  let last = -1;
  let count = 0;
  for (let i = from + 1; i < to; i++) {
    if (x[i - 1]! < 0 && x[i]! >= 0) {
      const t = i - 1 + x[i - 1]! / (x[i - 1]! - x[i]!);
      if (first < 0) first = t;
      last = t;
      count++;
    }
  }
  return ((count - 1) * RATE) / (last - first);
}

test('120 BPM sixteenths x...x...x...x...: 20 onsets in 10 s, exactly 24,000 frames apart, the first at the start frame', () => {
  const startFrame = 1000;
  const { left } = renderOps(percussivePatch(), [...seqOps(startFrame, 'kick', 'x...x...x...x...'), start(startFrame, 'kick')], 10 * RATE + startFrame);
  const found = onsets(left);
  assert.equal(found.length, 20);
  assert.equal(found[0], startFrame);
  for (let k = 1; k < found.length; k++) assert.equal(found[k]! - found[k - 1]!, 24000, `onset ${k}`);
});

test('the grid does not depend on the block size', () => {
  const ops = [...seqOps(777, 'a', 'xx.x x..x', { division: 16 }), start(777, 'a'), { frame: 30011, op: { op: 'transport.bpm', bpm: 133.7 } as ControlOp }];
  const a = renderOps(percussivePatch(), ops, 4 * RATE, 128).left;
  const b = renderOps(percussivePatch(), ops, 4 * RATE, 61).left;
  assert.deepEqual(a, b);
});

test('tempo change 120 → 140 mid-bar: the grid changes at the next sixteenth, no step skipped or doubled', () => {
  const s0 = 2000;
  const change = s0 + 5 * 6000 + 1234; // inside step 5
  const ops = [...seqOps(s0, 'hat', 'xxxxxxxxxxxxxxxx', { gateLen: 0.25 }), start(s0, 'hat'), { frame: change, op: { op: 'transport.bpm', bpm: 140 } as ControlOp }];
  const { left } = renderOps(percussivePatch({ decayMs: 2 }), ops, 3 * RATE);
  const found = onsets(left);
  const anchor = s0 + 6 * 6000; // step 6: the first sixteenth after the change
  const expected: number[] = [];
  for (let k = 0; k < 6; k++) expected.push(s0 + k * 6000);
  const sixteenth140 = (60 * RATE) / 140 / 4;
  for (let k = 0; anchor + Math.round(k * sixteenth140) < 3 * RATE; k++) expected.push(anchor + Math.round(k * sixteenth140));
  assert.deepEqual(found, expected);
});

test('16- and 32-step sequencers stay phase-locked for 5 minutes at 140 BPM (every downbeat on the same frame, computed from the anchor)', () => {
  const engine = new Engine({ sampleRate: RATE, maxBlock: 128, seed: 1 });
  engine.applyPatch(percussivePatch());
  const gates: Array<[number, number, boolean]> = [];
  const original = engine.scheduleGate.bind(engine);
  engine.scheduleGate = (frame: number, handle: number, on: boolean): boolean => {
    gates.push([frame, handle, on]);
    return original(frame, handle, on);
  };
  const env1 = engine.instance('env1')!.handle;
  const env2 = engine.instance('env2')!.handle;
  const s0 = 4321;
  const ops: TimedOp[] = [
    { frame: 0, op: { op: 'transport.bpm', bpm: 140 } },
    ...seqOps(s0, 'a', 'x...............', { steps: 16 }),
    ...seqOps(s0, 'b', `x${'.'.repeat(31)}`, { steps: 32, gate: 'env2' }),
    { frame: s0, op: { op: 'transport.start' } },
  ];
  const seconds = 300;
  const { left } = renderOps(percussivePatch(), ops, seconds * RATE, 128, engine);
  const barFrames = (4 * 60 * RATE) / 140;
  const onsA = gates.filter(([, h, on]) => on && h === env1).map(([f]) => f);
  const onsB = gates.filter(([, h, on]) => on && h === env2).map(([f]) => f);
  const bars = Math.floor((seconds * RATE - s0) / barFrames) + 1;
  assert.equal(onsA.length, bars);
  onsA.forEach((f, k) => assert.equal(f, s0 + Math.round(k * barFrames), `bar ${k}`));
  assert.equal(onsB.length, Math.ceil(bars / 2));
  onsB.forEach((f, k) => assert.equal(f, onsA[2 * k], `32-step downbeat ${k} coincides with bar ${2 * k}`));
  // And in the audio: env1's hits (alone on the odd bars) at the computed frames.
  const heard = onsets(left);
  assert.ok(heard.length >= bars / 2);
  for (const f of heard) assert.ok(onsA.includes(f), `audio onset at ${f} is on the grid`);
});

test('swing 0.5 delays odd sixteenths by exactly half a sixteenth (3000 frames at 120 BPM)', () => {
  const s0 = 500;
  const ops: TimedOp[] = [{ frame: 0, op: { op: 'transport.swing', swing: 0.5 } }, ...seqOps(s0, 'h', 'xxxxxxxxxxxxxxxx', { gateLen: 0.25 }), start(s0, 'h')];
  const found = onsets(renderOps(percussivePatch({ decayMs: 2 }), ops, 2 * RATE).left);
  const expected: number[] = [];
  for (let k = 0; s0 + k * 6000 < 2 * RATE; k++) expected.push(s0 + k * 6000 + (k % 2 === 1 ? 3000 : 0));
  assert.deepEqual(found, expected.filter((f) => f < 2 * RATE));
});

test('note-name lanes set the oscillator to the right frequencies (±1 cent), gates release at the gate length', () => {
  const s0 = 0;
  const parsed = parseLaneValues(['A3 C4', 'F#4', 'Bb4']);
  assert.ok(parsed.ok);
  const expectedHz = [220, 261.6255653, 369.9944227, 466.1637615];
  parsed.values.forEach((v, i) => assert.ok(Math.abs(v! - expectedHz[i]!) < 1e-6, `value ${i}: ${v}`));
  const ops: TimedOp[] = [
    ...seqOps(s0, 'bass', 'xxxx', { steps: 4, division: 4, gate: 'env2', gateLen: 0.75 }),
    { frame: s0, op: { op: 'seq.param', id: 'bass', lane: 'pitch', module: 'osc1', param: 'freq' } },
    { frame: s0, op: { op: 'seq.lane', id: 'bass', lane: 'pitch', values: parsed.values, immediate: true } },
    start(s0, 'bass'),
  ];
  const { left } = renderOps(percussivePatch(), ops, 4 * 24000);
  for (let k = 0; k < 4; k++) {
    const hz = zeroCrossingHz(left, k * 24000 + 500, k * 24000 + 17500);
    const cents = 1200 * Math.log2(hz / expectedHz[k]!);
    assert.ok(Math.abs(cents) < 1, `step ${k}: ${hz} Hz, ${cents} cents`);
    // Gate length 0.75 of 24,000 frames: the release (0.1 ms) starts at +18,000.
    const off = k * 24000 + 18000;
    let before = 0;
    for (let i = off - 300; i < off; i++) before = Math.max(before, Math.abs(left[i]!));
    assert.ok(before > 0.3, `step ${k} still sounds before its gate-off (${before})`);
    for (let i = off + 10; i < (k + 1) * 24000; i++) assert.equal(left[i], 0, `step ${k} silent after its gate-off (frame ${i})`);
  }
});

test('pattern changes wait for the next bar, or apply at once with immediate', () => {
  const s0 = 0;
  const base = [...seqOps(s0, 'k', 'x...x...x...x...'), start(s0, 'k')];
  const change = (immediate: boolean): TimedOp => ({ frame: 2 * 6000 + 10, op: { op: 'seq.pattern', id: 'k', pattern: 'xxxxxxxxxxxxxxxx', immediate } });
  const bar = 16 * 6000;
  const later = onsets(renderOps(percussivePatch({ decayMs: 2 }), [...base, change(false)], bar + 3 * 6000).left);
  assert.deepEqual(later, [0, 24000, 48000, 72000, bar, bar + 6000, bar + 12000]);
  const now = onsets(renderOps(percussivePatch({ decayMs: 2 }), [...base, change(true)], 6 * 6000).left);
  assert.deepEqual(now, [0, 3 * 6000, 4 * 6000, 5 * 6000]);
});

test('a sequencer started while the transport runs starts on the next bar line; stop releases its held gate', () => {
  const ops: TimedOp[] = [
    ...seqOps(0, 'a', 'x...............', { gateLen: 1 }),
    ...seqOps(0, 'b', 'x...'.repeat(4), { gate: 'env2', gateLen: 1 }),
    start(0, 'a'),
    start(50000, 'b'), // bar 1 = 96,000
  ];
  const engine = new Engine({ sampleRate: RATE, maxBlock: 128, seed: 1 });
  engine.applyPatch(percussivePatch({ sustain: 1 }));
  const gates: Array<[number, string, boolean]> = [];
  const original = engine.scheduleGate.bind(engine);
  const names = new Map([[engine.instance('env1')!.handle, 'env1'], [engine.instance('env2')!.handle, 'env2']]);
  engine.scheduleGate = (f: number, h: number, on: boolean): boolean => {
    gates.push([f, names.get(h)!, on]);
    return original(f, h, on);
  };
  renderOps(percussivePatch(), [...ops, { frame: 100_001, op: { op: 'seq.stop', id: 'b' } }], 110_000, 128, engine);
  assert.deepEqual(gates.filter(([, m]) => m === 'env2'), [[96000, 'env2', true], [100_001, 'env2', false]]);
  // gate length 1: a's gate goes off exactly where its next step would start.
  assert.deepEqual(gates.filter(([, m]) => m === 'env1'), [[0, 'env1', true], [6000, 'env1', false], [96000, 'env1', true], [102000, 'env1', false]]);
});

test('sequencer targets survive patch commits; a removed module makes its target inactive, not an error', () => {
  const engine = new Engine({ sampleRate: RATE, maxBlock: 128, seed: 1 });
  const patch = percussivePatch();
  engine.applyPatch(patch);
  const ops = [...seqOps(0, 'k', 'x...x...x...x...'), start(0, 'k')];
  let { left } = renderOps(patch, ops, 30000, 128, engine);
  assert.deepEqual(onsets(left), [0, 24000]);
  const without = { ...patch, modules: patch.modules.filter((m) => m.id !== 'env1'), connections: patch.connections.filter((c) => c.from !== 'env1') };
  engine.applyPatch(without);
  ({ left } = renderOps(without, [], 48000, 128, engine));
  assert.deepEqual(onsets(left), []);
  engine.applyPatch(patch);
  ({ left } = renderOps(patch, [], 48000, 128, engine));
  // Frames 78,000.. : the steps at 96,000 and 120,000 sound again.
  assert.deepEqual(onsets(left).map((f) => f + 78000), [96000, 120000]);
});

test('snapshot/restore mid-pattern (held gate, pending pattern and tempo) continues bit-identically', () => {
  const patch = percussivePatch({ sustain: 0.5, decayMs: 20 });
  const ops: TimedOp[] = [
    { frame: 0, op: { op: 'transport.swing', swing: 0.3 } },
    ...seqOps(100, 'k', 'X..x..x...x.x...', { gateLen: 0.6 }),
    { frame: 100, op: { op: 'seq.accent', id: 'k', module: 'osc1', param: 'gain', amount: 0.4 } },
    ...seqOps(100, 'p', 'xxxxxxxx', { steps: 8, division: 8, gate: 'env2' }),
    { frame: 100, op: { op: 'seq.param', id: 'p', lane: 'n', module: 'osc1', param: 'freq' } },
    { frame: 100, op: { op: 'seq.lane', id: 'p', lane: 'n', values: [110, null, 220, 330, null, 440], immediate: true } },
    { frame: 100, op: { op: 'transport.start' } },
    { frame: 70_000, op: { op: 'seq.pattern', id: 'k', pattern: 'x.x.x.x.', immediate: false } },
    { frame: 70_050, op: { op: 'transport.bpm', bpm: 151 } },
    { frame: 90_000, op: { op: 'seq.stop', id: 'p' } },
  ];
  const total = 200_000;
  const cut = 128 * 560; // 71,680: a gate is held, a pattern and a tempo change are pending
  const reference = renderOps(patch, ops, total).left;
  const first = renderOps(patch, ops.filter((o) => o.frame < cut), cut);
  // The ops after the cut were not scheduled yet; schedule the pending ones into the snapshot's engine.
  const snap = structuredClone(first.engine.snapshot());
  const restored = new Engine({ sampleRate: RATE, maxBlock: 128, seed: 1 });
  restored.applyPatch(patch);
  restored.restore(snap);
  const rest = renderOps(patch, ops.filter((o) => o.frame >= cut), total - cut, 128, restored).left;
  const joined = new Float32Array(total);
  joined.set(first.left.subarray(0, cut));
  joined.set(rest, cut);
  assert.deepEqual(joined, reference);
  assert.ok(onsets(reference).length > 10);
});

test('the engine refuses nothing at run time: unknown sequencer ids and full lanes are ignored', () => {
  const ops: TimedOp[] = [
    { frame: 0, op: { op: 'seq.pattern', id: 'nope', pattern: 'x', immediate: true } },
    { frame: 0, op: { op: 'seq.start', id: 'nope' } },
    ...seqOps(0, 'k', 'x...', { steps: 4 }),
    ...Array.from({ length: 12 }, (_, i): TimedOp => ({ frame: 0, op: { op: 'seq.param', id: 'k', lane: `l${i}`, module: 'osc1', param: 'freq' } })),
    start(0, 'k'),
  ];
  assert.deepEqual(onsets(renderOps(percussivePatch(), ops, 30000).left), [0, 24000]);
  // Lanes 9..12 found no free slot; the first eight point at osc1.freq with no values: no effect.
});
