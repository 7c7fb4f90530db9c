// Patch fingerprints (canonical JSON: key order does not matter, values and order of modules
// do) and the commit history (undo drops the newest, bounded), and fixes for patch errors.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { closest, fixForError, fixForOp } from '../../src/agent/fixes.js';
import { sequencerOps, tapPatch } from '../../src/agent/render-state.js';
import { defaultPatch } from '../../src/control/default-patch.js';
import { canonicalJson, patchFingerprint } from '../../src/control/patch-fingerprint.js';
import { CommitHistory } from '../../src/control/patch-history.js';
import { SequencerMirror } from '../../src/control/seq-mirror.js';
import { createRegistry } from '../../src/dsp/modules/index.js';
import type { PatchDocument } from '../../src/patch/document.js';

test('canonical JSON sorts keys at every level and keeps array order', () => {
  assert.equal(canonicalJson({ b: 1, a: { d: [2, { z: 1, y: 2 }], c: 'x' }, u: undefined }), '{"a":{"c":"x","d":[2,{"y":2,"z":1}]},"b":1}');
});

test('a fingerprint ignores key order but not values or module order', () => {
  const a = defaultPatch();
  const reordered: PatchDocument = JSON.parse(JSON.stringify({ connections: a.connections, modules: a.modules, version: a.version, format: a.format }));
  assert.equal(patchFingerprint(reordered), patchFingerprint(a));
  assert.match(patchFingerprint(a), /^[0-9a-f]{16}$/);
  const changed = structuredClone(a);
  changed.modules[0]!.params = { ...changed.modules[0]!.params, freq: 441 };
  assert.notEqual(patchFingerprint(changed), patchFingerprint(a));
  const swapped = { ...a, modules: [a.modules[1]!, a.modules[0]!, a.modules[2]!] };
  assert.notEqual(patchFingerprint(swapped), patchFingerprint(a));
});

test('history: undo goes back one and drops the newest; the oldest fall off the bound', () => {
  let t = 0;
  const history = new CommitHistory(3, () => new Date(Date.UTC(2026, 0, 1, 0, 0, t++)));
  const doc = (freq: number): PatchDocument => ({ ...defaultPatch(), modules: [{ id: 'o', type: 'osc', params: { freq } }] });
  history.record(doc(100), 'start');
  assert.equal(history.previous(), undefined);
  history.record(doc(200), 'commit');
  history.record(doc(300), 'commit');
  assert.equal(history.previous()!.fingerprint, patchFingerprint(doc(200)));
  history.record(doc(200), 'undo');
  assert.deepEqual(history.describe().map((r) => r.via), ['undo', 'start']);
  assert.equal(history.previous()!.fingerprint, patchFingerprint(doc(100)));
  for (const f of [1, 2, 3, 4]) history.record(doc(f), 'commit');
  assert.equal(history.entries.length, 3);
  assert.equal(history.describe()[0]!.time, '2026-01-01T00:00:07.000Z');
});

test('fixes: closest names, clamped values, endpoint replacements as edit ops', () => {
  const registry = createRegistry();
  assert.equal(closest('filtr', registry.types()), 'filter');
  assert.equal(closest('zzzzzz', registry.types()), undefined);
  const doc: PatchDocument = { ...defaultPatch(), modules: [...defaultPatch().modules, { id: 'x', type: 'osc', params: { freq: 50000 } }], connections: [{ from: 'x', to: 'filter1.cutof' }] };
  assert.deepEqual(fixForError({ code: 'E_PARAM_RANGE', path: 'modules[3].params.freq', message: '' }, doc, registry)?.ops, [{ op: 'set', id: 'x', param: 'freq', value: 20000 }]);
  assert.deepEqual(fixForError({ code: 'E_UNKNOWN_PORT', path: 'connections[0].to', message: '' }, doc, registry)?.ops, [{ op: 'disconnect', from: 'x', to: 'filter1.cutof' }, { op: 'connect', from: 'x', to: 'filter1.cutoff' }]);
  assert.deepEqual(fixForOp({ op: 'create', id: 'y', type: 'lfoo' }, 'E_UNKNOWN_TYPE', doc, registry)?.ops, [{ op: 'create', id: 'y', type: 'lfo' }]);
});

test('tap: the master fed by one module alone; a stereo pair side by side', () => {
  const registry = createRegistry();
  const tapped = tapPatch(defaultPatch(), 'adsr1', registry);
  assert.notEqual(typeof tapped, 'string');
  assert.deepEqual((tapped as PatchDocument).connections, [{ from: 'sine1', to: 'adsr1' }, { from: 'adsr1', to: 'filter1' }, { from: 'adsr1', to: 'out' }]);
  assert.match(String(tapPatch(defaultPatch(), 'sine1.nope', registry)), /no output 'nope'/);
});

test('sequencer state becomes the ops that rebuild it, starts last', () => {
  const mirror = new SequencerMirror();
  mirror.apply({ op: 'transport.bpm', bpm: 128 });
  mirror.apply({ op: 'seq.create', id: 's' });
  mirror.apply({ op: 'seq.pattern', id: 's', pattern: 'x.x.', immediate: false });
  mirror.apply({ op: 'seq.gate', id: 's', module: 'adsr1' });
  mirror.apply({ op: 'seq.start', id: 's' });
  const ops = sequencerOps(mirror.save());
  assert.deepEqual(ops.map((o) => o.op), ['transport.bpm', 'transport.swing', 'seq.create', 'seq.config', 'seq.pattern', 'seq.gate', 'seq.gate_len', 'seq.start']);
  assert.deepEqual(ops[0], { op: 'transport.bpm', bpm: 128 });
});
