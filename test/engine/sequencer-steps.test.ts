// The richer steps of the sequencer bank, checked from the events it schedules (a recording
// host, no audio): several gate and accent targets, velocity, length, ties, slides (legato
// targets), probability (seeded, the same in two banks) and bar conditions.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { ModuleSpec } from '../../src/dsp/spec.js';
import type { ModuleInstance } from '../../src/engine/instance.js';
import { SequencerBank, type SequencerHost } from '../../src/engine/sequencer/bank.js';
import type { ControlOp } from '../../src/engine/sequencer/ops.js';

const RATE = 48000;
/** 120 BPM sixteenths at 48 kHz. */
const STEP = 6000;
const BAR = 16 * STEP;

interface Event {
  readonly frame: number;
  readonly what: string;
}

const spec = (type: string, legato = false): ModuleSpec => ({
  type, doc: type, inputs: [], outputs: [{ id: 'out', doc: '' }], gate: true, blockSizeInvariant: true, silentInSilentOut: false,
  ...(legato ? { legato: true } : {}),
  params: [
    { id: 'freq', unit: 'Hz', min: 20, max: 5000, default: 110, smoothingMs: 0, scale: 'exp', doc: 'f' },
    { id: 'gain', unit: 'level', min: 0, max: 1, default: 0.5, smoothingMs: 0, scale: 'linear', doc: 'g' },
  ],
});

/** A host that records what the bank schedules; modules: env (adsr-like), acid (legato), voice. */
function rig(seed = 1): { bank: SequencerBank; events: Event[]; run: (ops: ControlOp[], frames: number) => Event[] } {
  const events: Event[] = [];
  const modules = new Map<string, ModuleInstance>();
  ['env', 'acid', 'voice'].forEach((id, k) => {
    modules.set(id, { id, handle: k + 1, definition: { spec: spec(id, id === 'acid') }, params: { target: (p: number) => (p === 1 ? 0.5 : 110) } } as unknown as ModuleInstance);
  });
  const name = (h: number): string => [...modules.values()].find((m) => m.handle === h)!.id;
  const host: SequencerHost = {
    instance: (id) => modules.get(id),
    scheduleGate: (frame, h, on, v) => (events.push({ frame, what: `${name(h)} ${on ? `on ${v}` : 'off'}` }), true),
    scheduleParamImmediate: (frame, h, p, v) => (events.push({ frame, what: `${name(h)}.${p === 0 ? 'freq' : 'gain'}=${v}` }), true),
    scheduleRamp: (frame, h, p, v, ms, exp) => (events.push({ frame, what: `${name(h)}.${p === 0 ? 'freq' : 'gain'}~${v}/${ms}${exp ? 'exp' : 'lin'}` }), true),
    tempoChanged: () => undefined,
    transportStarted: () => undefined,
  };
  const bank = new SequencerBank(RATE, host, seed);
  const run = (ops: ControlOp[], frames: number): Event[] => {
    for (const op of ops) bank.apply(0, op);
    bank.apply(0, { op: 'transport.start' });
    for (let f = 0; f < frames; f += 128) bank.emit(f + 128);
    return events;
  };
  return { bank, events, run };
}

const create = (id: string, pattern: string, ...more: ControlOp[]): ControlOp[] => [
  { op: 'seq.create', id }, { op: 'seq.pattern', id, pattern, immediate: true }, ...more,
];
const show = (events: Event[]): string[] => events.map((e) => `${e.frame} ${e.what}`);

test('several gate targets: each note gates every one; unassign removes one; the same module twice is one target', () => {
  const { run, bank, events } = rig();
  run(create('a', 'x...x...', { op: 'seq.gate', id: 'a', module: 'env' }, { op: 'seq.gate', id: 'a', module: 'voice' }, { op: 'seq.gate', id: 'a', module: 'env' }), STEP);
  assert.deepEqual(show(events), ['0 env on 1', '0 voice on 1', '3000 env off', '3000 voice off']);
  events.length = 0;
  bank.apply(2 * STEP, { op: 'seq.unassign', id: 'a', what: 'gate', module: 'env' });
  for (let f = STEP; f < 5 * STEP; f += 128) bank.emit(f + 128);
  assert.deepEqual(show(events), [`${4 * STEP} voice on 1`, `${4 * STEP + 3000} voice off`]);
});

test('velocity lane: each note gates with its step velocity (default 1); velocity 0 rests', () => {
  const { run, events } = rig();
  run(create('a', 'xxxx', { op: 'seq.gate', id: 'a', module: 'env' }, { op: 'seq.steps', id: 'a', kind: 'velocity', values: [0.25, null, 0, 0.75], immediate: true }), 4 * STEP);
  assert.deepEqual(events.filter((e) => e.what.includes(' on ')).map((e) => `${e.frame} ${e.what}`), ['0 env on 0.25', `${STEP} env on 1`, `${3 * STEP} env on 0.75`]);
});

test('length lane: the gate goes off at length × step (default gate_len)', () => {
  const { run, events } = rig();
  run(create('a', 'xxx', { op: 'seq.gate', id: 'a', module: 'env' }, { op: 'seq.steps', id: 'a', kind: 'length', values: [0.1, null, 1], immediate: true }), 3 * STEP);
  assert.deepEqual(events.filter((e) => e.what === 'env off').map((e) => e.frame), [600, STEP + 3000, 3 * STEP]);
});

test('ties: the note goes on through tied steps without a retrigger and ends at the last tie\'s length; a tie after a rest is a rest', () => {
  const { run, events } = rig();
  run(create('a', 'x__x._', { op: 'seq.gate', id: 'a', module: 'env' }, { op: 'seq.gate_len', id: 'a', gateLen: 0.25 }), 6 * STEP);
  assert.deepEqual(show(events), ['0 env on 1', `${2 * STEP + 1500} env off`, `${3 * STEP} env on 1`, `${3 * STEP + 1500} env off`]);
});

test('slides: the note before is held into the slide; legato targets (acid) get a second gate-on, others just hold; lanes ramp over the glide time', () => {
  const { run, events } = rig();
  run(create('a', 'xs.s',
    { op: 'seq.gate', id: 'a', module: 'acid' }, { op: 'seq.gate', id: 'a', module: 'env' },
    { op: 'seq.param', id: 'a', lane: 'pitch', module: 'acid', param: 'freq' },
    { op: 'seq.lane', id: 'a', lane: 'pitch', values: [110, 220, null, 330], immediate: true },
    { op: 'seq.glide', id: 'a', ms: 40 },
  ), 4 * STEP);
  assert.deepEqual(show(events), [
    '0 acid.freq=110', '0 acid on 1', '0 env on 1',
    // Step 1 slides: acid glides (lane ramp, legato gate-on), env holds; then off at its length.
    `${STEP} acid.freq~220/40exp`, `${STEP} acid on 1`, `${STEP + 3000} acid off`, `${STEP + 3000} env off`,
    // Step 3 slides after a rest: a plain new note (the lane jumps).
    `${3 * STEP} acid.freq=330`, `${3 * STEP} acid on 1`, `${3 * STEP} env on 1`, `${3 * STEP + 3000} acid off`, `${3 * STEP + 3000} env off`,
  ]);
});

test('several accent targets: X raises each (clamped) for the note; an accented slide raises, a plain slide after it restores', () => {
  const { run, events } = rig();
  run(create('a', 'Xx.xsS.',
    { op: 'seq.gate', id: 'a', module: 'env' },
    { op: 'seq.accent', id: 'a', module: 'voice', param: 'gain', amount: 0.25 },
    { op: 'seq.accent', id: 'a', module: 'acid', param: 'gain', amount: 2 },
  ), 7 * STEP);
  assert.deepEqual(show(events).slice(0, 6), ['0 voice.gain=0.75', '0 acid.gain=1', '0 env on 1', '3000 env off', '3000 voice.gain=0.5', '3000 acid.gain=0.5']);
  const later = show(events.filter((e) => e.frame >= 3 * STEP));
  assert.deepEqual(later, [
    `${3 * STEP} env on 1`, `${5 * STEP} voice.gain=0.75`, `${5 * STEP} acid.gain=1`,
    `${5 * STEP + 3000} env off`, `${5 * STEP + 3000} voice.gain=0.5`, `${5 * STEP + 3000} acid.gain=0.5`,
  ]);
});

test('probability: seeded and stateless, two banks agree; prob 0 never plays, 1 always; about half at 0.5; another seed draws differently', () => {
  const onsets = (seed: number, prob: number, seqSeed?: number): number[] => {
    const { run, events } = rig(seed);
    run(create('p', 'x'.repeat(16), { op: 'seq.gate', id: 'p', module: 'env' },
      { op: 'seq.steps', id: 'p', kind: 'prob', values: new Array<number>(16).fill(prob), immediate: true },
      ...(seqSeed === undefined ? [] : [{ op: 'seq.seed', id: 'p', seed: seqSeed } as ControlOp])), 64 * BAR / 16);
    return events.filter((e) => e.what.includes(' on ')).map((e) => e.frame / STEP);
  };
  const a = onsets(1, 0.5);
  assert.deepEqual(onsets(1, 0.5), a);
  assert.ok(a.length > 16 && a.length < 48, `${a.length} of 64 steps at p = 0.5`);
  assert.equal(onsets(1, 0).length, 0);
  assert.equal(onsets(1, 1).length, 64);
  assert.notDeepEqual(onsets(2, 0.5), a, 'engine seed');
  assert.notDeepEqual(onsets(1, 0.5, 99), a, 'sequencer seed');
  // Monotonic in prob: a step that plays at 0.3 plays at 0.6 (the same draw).
  const low = onsets(1, 0.3);
  const high = onsets(1, 0.6);
  for (const s of low) assert.ok(high.includes(s), `step ${s}`);
});

test('bar conditions N:M: 1:2 plays in bars 1, 3, 5; 2:4 in bars 2, 6; a reset restarts the bar count', () => {
  const { run, events, bank } = rig();
  run(create('c', 'x...x...........', { op: 'seq.gate', id: 'c', module: 'env' },
    { op: 'seq.steps', id: 'c', kind: 'cond', values: [1, null, null, null, 2], of: [2, null, null, null, 4], immediate: true }), 6 * BAR);
  const on = events.filter((e) => e.what.includes(' on ')).map((e) => `${e.frame / BAR}`);
  assert.deepEqual(on, ['0', '1.25', '2', '4', '5.25']);
  events.length = 0;
  // A reset waiting for the bar line at 6 (0-based): bar 6 is bar 1 again.
  bank.apply(6 * BAR - 10, { op: 'seq.reset', id: 'c' });
  for (let f = 6 * BAR; f < 9 * BAR; f += 128) bank.emit(f + 128);
  assert.deepEqual(events.filter((e) => e.what.includes(' on ')).map((e) => `${e.frame / BAR}`), ['6', '7.25', '8']);
});

test('snapshot and restore carry targets, step lanes and a held tie', () => {
  const a = rig();
  a.run(create('t', 'x_______', { op: 'seq.gate', id: 't', module: 'env' }, { op: 'seq.gate', id: 't', module: 'voice' },
    { op: 'seq.steps', id: 't', kind: 'velocity', values: [0.5], immediate: true }), 3 * STEP);
  const b = rig();
  b.bank.restore(a.bank.snapshot());
  a.events.length = 0;
  for (let f = 3 * STEP; f < 20 * STEP; f += 128) {
    a.bank.emit(f + 128);
    b.bank.emit(f + 128);
  }
  assert.deepEqual(show(b.events), show(a.events));
  assert.deepEqual(show(a.events).slice(0, 2), [`${7 * STEP + 3000} env off`, `${7 * STEP + 3000} voice off`]);
});
