// Commits that change the topology crossfade from the old graph (continuing on copies of its
// state) to the new one; param-only commits do not.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createRegistry } from '../../src/dsp/modules/index.js';
import { Engine } from '../../src/engine/engine.js';
import type { ResolvedPatch } from '../../src/patch/document.js';
import { validatePatch } from '../../src/patch/validate.js';

const registry = createRegistry();
const resolve = (doc: object): ResolvedPatch => {
  const r = validatePatch({ format: 'chronus-patch', version: 1, ...doc }, registry);
  if (!r.ok) throw new Error(JSON.stringify(r.errors));
  return r.patch;
};
const A = resolve({
  modules: [{ id: 'o', type: 'osc', params: { waveform: 'saw', freq: 220, gain: 0.5 } }],
  connections: [{ from: 'o', to: 'out' }],
});
const B = resolve({
  modules: [{ id: 'o', type: 'osc', params: { waveform: 'saw', freq: 220, gain: 0.5 } }, { id: 'f', type: 'filter', params: { cutoff: 600 } }],
  connections: [{ from: 'o', to: 'f' }, { from: 'f', to: 'out' }],
});

function run(first: ResolvedPatch, second: ResolvedPatch | undefined, fade: number, before = 1000, after = 3000): Float32Array {
  const engine = new Engine({ sampleRate: 48000, maxBlock: 128 });
  engine.applyPatch(first);
  const out = new Float32Array(before + after);
  const l = new Float32Array(128);
  const r = new Float32Array(128);
  let pos = 0;
  const renderTo = (end: number): void => {
    while (pos < end) {
      const n = Math.min(128, end - pos);
      engine.render(l, r, n);
      out.set(l.subarray(0, n), pos);
      pos += n;
    }
  };
  renderTo(before);
  if (second !== undefined) engine.applyPatch(second, undefined, fade);
  renderTo(before + after);
  return out;
}

test('a topology change crossfades linearly from the old graph to the new one', () => {
  const FADE = 960;
  const faded = run(A, B, FADE);
  const oldOnly = run(A, undefined, 0);
  const newAbrupt = run(A, B, 0);
  for (let i = 0; i < 1000; i++) assert.equal(faded[i], oldOnly[i]);
  for (let k = 0; k < 3000; k++) {
    const i = 1000 + k;
    const g = k < FADE ? (k + 1) / FADE : 1;
    const expected = Math.fround(newAbrupt[i]! * g + oldOnly[i]! * (1 - g));
    assert.equal(faded[i], expected, `sample ${k} of the fade`);
  }
});

test('a param-only commit does not crossfade: it continues exactly like a live param change', () => {
  const A2 = resolve({
    modules: [{ id: 'o', type: 'osc', params: { waveform: 'saw', freq: 330, gain: 0.5 } }],
    connections: [{ from: 'o', to: 'out' }],
  });
  const committed = run(A, A2, 960);
  const engine = new Engine({ sampleRate: 48000, maxBlock: 128 });
  engine.applyPatch(A);
  const l = new Float32Array(128);
  const r = new Float32Array(128);
  const live = new Float32Array(4000);
  for (let pos = 0; pos < 4000; ) {
    if (pos === 1000) engine.scheduleParam(1000, engine.instance('o')!.handle, 1, 330);
    const n = Math.min(128, (pos < 1000 ? 1000 : 4000) - pos);
    engine.render(l, r, n);
    live.set(l.subarray(0, n), pos);
    pos += n;
  }
  assert.deepEqual(committed, live);
});
