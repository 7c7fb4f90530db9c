// A patch prepared ahead (resolved, instances built, crossfade blanks allocated) must apply
// bit-identically to one applied cold: same blocks, same state, whatever was prepared when,
// including crossfades, two commits in flight, events at the apply frame and snapshots.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createRegistry } from '../../src/dsp/modules/index.js';
import { CMD_GATE, CMD_PARAM, applyCommand } from '../../src/runtime/engine-command.js';
import type { PatchDocument, PatchConnection } from '../../src/patch/document.js';
import { EngineHost, type PatchPayload } from '../../src/runtime/engine-host.js';
import { PatchPreparation } from '../../src/engine/patch-preparation.js';
import { w2Document, w2Voices } from '../fixtures/w2.js';

const registry = createRegistry();
const BLOCK = 128;
const settings = { sampleRate: 48000, blockSize: BLOCK, seed: 7 };

/** Handles like the supervisor assigns them: kept for the same id and type, fresh otherwise. */
function handleAssigner(): (doc: PatchDocument) => Array<[string, number]> {
  let live = new Map<string, { type: string; handle: number }>();
  let next = 1;
  return (doc) => {
    const fresh = new Map<string, { type: string; handle: number }>();
    for (const m of doc.modules) {
      const old = live.get(m.id);
      fresh.set(m.id, old !== undefined && old.type === m.type ? old : { type: m.type, handle: next++ });
    }
    live = fresh;
    return [...fresh].map(([id, h]) => [id, h.handle]);
  };
}

/** W2 with 6 voices, then variations: voices dropped/added, one retyped, connections changed. */
function documents(): PatchDocument[] {
  const p0 = w2Document(w2Voices(6));
  // P1: voice 5 dropped, voices 6..9 added, vcf1 retyped to a vca, env0 rewired, osc2 params changed.
  const p1 = w2Document(w2Voices(10));
  p1.modules = p1.modules.filter((m) => !m.id.endsWith('5'));
  p1.connections = p1.connections.filter((c) => !c.from.startsWith('lfo5') && !c.from.startsWith('osc5') && !c.from.startsWith('vcf5') && !c.from.startsWith('env5'));
  const vcf1 = p1.modules.findIndex((m) => m.id === 'vcf1');
  p1.modules[vcf1] = { id: 'vcf1', type: 'vca', params: {} };
  p1.connections = p1.connections.filter((c) => !c.from.startsWith('lfo1'));
  p1.connections = p1.connections.map((c): PatchConnection => (c.to === 'vcf1.in' ? { from: c.from, to: 'vcf1' } : c));
  const osc2 = p1.modules.find((m) => m.id === 'osc2')!;
  osc2.params = { ...osc2.params, freq: 333 };
  // P2: back to 8 plain voices (drops 8, 9, retypes vcf1 back, restores voice 5).
  const p2 = w2Document(w2Voices(8));
  return [p0, p1, p2];
}

interface Script {
  /** How to prepare: 'none', 'all' (everything at once when scheduled), 'slices' (a little every block). */
  readonly prepare: 'none' | 'all' | 'slices';
  /** Take a snapshot at this block and continue in a host restored from it. */
  readonly restoreAtBlock?: number;
  /** Whether the restored host prepares its pending patches. */
  readonly restoredPrepares?: boolean;
}

const F1 = 40 * BLOCK;
const F2 = 44 * BLOCK; // inside P1's crossfade (480 frames = 3.75 blocks): P2 applies while it runs
const F3 = 70 * BLOCK;
const BLOCKS = 110;

/** Renders the whole script; returns the blocks and the final snapshot. */
function run(script: Script): { audio: Float32Array; state: string } {
  const [p0, p1, p2] = documents();
  const assign = handleAssigner();
  const payload = (doc: PatchDocument, crossfadeFrames: number): PatchPayload => ({ doc, handles: assign(doc), crossfadeFrames });
  const live = payload(p0!, 0);
  let host = EngineHost.fresh(settings, registry, live);
  const h0 = new Map(live.handles);
  const pl1 = payload(p1!, 480);
  const h1 = new Map(pl1.handles);
  const pl2 = payload(p2!, 480);
  const pl3 = payload(structuredClone(p0!), 0); // crossfade 0: applied abruptly
  const audio = new Float32Array(BLOCKS * BLOCK * 2);
  const left = new Float32Array(BLOCK);
  const right = new Float32Array(BLOCK);
  const gate = (frame: number, handle: number, on: boolean): void => void applyCommand(host, frame, CMD_GATE, handle, 0, on ? 1 : 0, 0, undefined, undefined);
  for (let v = 0; v < 6; v++) gate(100 + v * 300, h0.get(`env${v}`)!, true);
  for (let b = 0; b < BLOCKS; b++) {
    if (b === 10) {
      // Two commits in flight: both prepared against P0's live set.
      host.schedulePatch(F1, pl1, 1);
      host.schedulePatch(F2, pl2, 2);
      // Events at the apply frame: a gate on a module P1 creates, a param of a kept one.
      gate(F1, h1.get('env7')!, true);
      gate(F1, h1.get('env0')!, false);
      applyCommand(host, F1, CMD_PARAM, h1.get("osc3")!, 1, 150, 0, undefined, undefined);
      gate(F1 + 17, h1.get('env8')!, true);
      if (script.prepare === 'all') while (host.prepare()) { /* until everything is built */ }
    }
    if (b === 50) {
      host.schedulePatch(F3, pl3, 3);
      if (script.prepare === 'all') while (host.prepare()) { /* */ }
    }
    if (script.prepare === 'slices') host.prepare(0);
    if (b === script.restoreAtBlock) {
      assert.ok(host.canSnapshot);
      const snapshot = structuredClone(host.snapshot());
      host = EngineHost.fromSnapshot(settings, registry, snapshot);
      if (script.restoredPrepares === true) while (host.prepare()) { /* */ }
    }
    host.renderBlock(left, right, BLOCK);
    if (host.frame === F1 + BLOCK) assert.ok(host.engine.crossfading, 'P1 crossfades');
    audio.set(left, b * 2 * BLOCK);
    audio.set(right, (b * 2 + 1) * BLOCK);
  }
  assert.equal(host.latePatches, 0);
  // The engine's complete state and the live patch (a restored host's live payload carries the
  // pending entry's extra `frame` key, so compare the payload's fields, not its shape).
  const snapshot = host.snapshot();
  const state = { engine: snapshot.engine, doc: snapshot.live.doc, handles: snapshot.live.handles, pending: snapshot.pending.length };
  return { audio, state: JSON.stringify(state, (_, v) => (ArrayBuffer.isView(v) ? Array.from(v as Float64Array) : v)) };
}

function assertSame(actual: { audio: Float32Array; state: string }, expected: { audio: Float32Array; state: string }, label: string): void {
  for (let i = 0; i < expected.audio.length; i++) {
    if (!Object.is(actual.audio[i], expected.audio[i])) {
      assert.fail(`${label}: sample ${i} (block ${Math.floor(i / (2 * BLOCK))}) differs: ${actual.audio[i]} vs ${expected.audio[i]}`);
    }
  }
  assert.ok(actual.state === expected.state, `${label}: final state differs`);
}

test('prepared and unprepared patch application give bit-identical blocks and state', () => {
  const cold = run({ prepare: 'none' });
  // Not silent, and the commits change the sound (the test would prove little otherwise).
  assert.ok(cold.audio.some((x) => x !== 0));
  // Count what the applies took from preparations, so the test proves the prepared path ran.
  const taken = { fresh: 0, blank: 0, plan: 0 };
  const { takeFresh, takeBlank } = PatchPreparation.prototype;
  const planGetter = Object.getOwnPropertyDescriptor(PatchPreparation.prototype, 'plan')!;
  Object.defineProperty(PatchPreparation.prototype, 'plan', {
    configurable: true,
    get(this: PatchPreparation) {
      const plan = planGetter.get!.call(this);
      if (plan !== undefined) taken.plan++;
      return plan;
    },
  });
  PatchPreparation.prototype.takeFresh = function (this: PatchPreparation, ...a) {
    const r = takeFresh.apply(this, a);
    if (r !== undefined) taken.fresh++;
    return r;
  };
  PatchPreparation.prototype.takeBlank = function (this: PatchPreparation, ...a) {
    const r = takeBlank.apply(this, a);
    if (r !== undefined) taken.blank++;
    return r;
  };
  try {
    assertSame(run({ prepare: 'all' }), cold, 'prepared at once');
  } finally {
    Object.assign(PatchPreparation.prototype, { takeFresh, takeBlank });
    Object.defineProperty(PatchPreparation.prototype, 'plan', planGetter);
  }
  // P1 is prepared against P0 (17 new, 20 kept); P2 against P0 too, though P1 applies first
  // (its fresh voice-5 modules still fit; its blanks for voices 6-7 were never prepared).
  // P1's plan was compiled ahead (every instance prepared); P2's not usable (prepared against P0).
  assert.ok(taken.fresh >= 17 && taken.blank >= 20 && taken.plan >= 1, `prepared instances used: ${JSON.stringify(taken)}`);
  assertSame(run({ prepare: 'slices' }), cold, 'prepared in slices');
});

test('a host restored with pending patches prepares them itself, bit-identically', () => {
  const cold = run({ prepare: 'none' });
  assertSame(run({ prepare: 'all', restoreAtBlock: 20, restoredPrepares: true }), cold, 'restored, re-prepared');
  assertSame(run({ prepare: 'all', restoreAtBlock: 20, restoredPrepares: false }), cold, 'restored, cold');
  assertSame(run({ prepare: 'slices', restoreAtBlock: 55, restoredPrepares: true }), cold, 'restored mid-way');
});

test('preparation is derived state: snapshots do not change with it', () => {
  const [p0, p1] = documents();
  const assign = handleAssigner();
  const make = (): EngineHost => EngineHost.fresh(settings, registry, { doc: p0!, handles: assign(p0!), crossfadeFrames: 0 });
  const a = make();
  const b = make();
  const pl1: PatchPayload = { doc: p1!, handles: assign(p1!), crossfadeFrames: 480 };
  a.schedulePatch(F1, pl1, 1);
  b.schedulePatch(F1, pl1, 1);
  assert.equal(a.preparationSeq(), 1);
  while (a.prepare()) { /* */ }
  assert.equal(a.preparationSeq(), undefined);
  assert.deepEqual(a.snapshot(), b.snapshot());
});
