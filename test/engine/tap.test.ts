// Engine.setTap: the tapped module output is copied as it renders (output buffers are pooled,
// so only then is it there), it never changes what the engine renders, and it follows patches
// by handle.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { defaultPatch } from '../../src/control/default-patch.js';
import { createRegistry } from '../../src/dsp/modules/index.js';
import { Engine } from '../../src/engine/engine.js';
import type { PatchDocument } from '../../src/patch/document.js';
import { resolveValidatedPatch } from '../../src/patch/validate.js';
import { cents, peakFrequency } from '../helpers/analysis.js';

const RATE = 48000;
const BLOCK = 128;
const registry = createRegistry();

function engineWith(doc: PatchDocument): Engine {
  const engine = new Engine({ sampleRate: RATE, maxBlock: BLOCK, seed: 1 });
  engine.applyPatch(resolveValidatedPatch(doc, registry));
  return engine;
}

/** The default chain with the envelope held open (a steady tone through the filter). */
function tonePatch(): PatchDocument {
  const doc = defaultPatch();
  doc.modules[1]!.params = { attack: 0.1, decay: 1, sustain: 1, release: 100 };
  return doc;
}

test('a tap copies the chosen output of every block and leaves the output bit-identical', () => {
  const plain = engineWith(tonePatch());
  const tapped = engineWith(tonePatch());
  for (const e of [plain, tapped]) e.scheduleGate(0, e.instance('adsr1')!.handle, true);
  tapped.setTap(tapped.instance('sine1')!.handle, 0);
  const blocks = 600;
  const tap = new Float32Array(blocks * BLOCK);
  const a = [new Float32Array(BLOCK), new Float32Array(BLOCK)] as const;
  const b = [new Float32Array(BLOCK), new Float32Array(BLOCK)] as const;
  for (let n = 0; n < blocks; n++) {
    plain.render(a[0], a[1], BLOCK);
    tapped.render(b[0], b[1], BLOCK);
    assert.deepEqual(b[0], a[0], `block ${n}: the tap changed the output`);
    assert.deepEqual(b[1], a[1]);
    tap.set(tapped.tapBuffer.subarray(0, BLOCK), n * BLOCK);
  }
  // The oscillator itself: 440 Hz at its gain 0.25 (not the filtered master).
  const peak = peakFrequency(tap, RATE, { size: 65536 });
  assert.ok(Math.abs(cents(peak.freq, 440)) < 2, `tap peak at ${peak.freq} Hz`);
  let max = 0;
  for (const v of tap) max = Math.max(max, Math.abs(v));
  assert.ok(Math.abs(max - 0.25) < 0.01, `tap amplitude ${max}`);
});

test('tapping the master equals the master left channel exactly; a module that goes away taps silence', () => {
  const engine = engineWith(tonePatch());
  engine.scheduleGate(0, engine.instance('adsr1')!.handle, true);
  engine.setTap(engine.instance('out')!.handle, 0);
  const left = new Float32Array(BLOCK);
  const right = new Float32Array(BLOCK);
  for (let n = 0; n < 50; n++) {
    engine.render(left, right, BLOCK);
    assert.deepEqual(engine.tapBuffer, left);
  }
  engine.setTap(engine.instance('sine1')!.handle, 0);
  engine.render(left, right, BLOCK);
  assert.ok(engine.tapBuffer.some((v) => v !== 0));
  const without = tonePatch();
  without.modules = without.modules.filter((m) => m.id !== 'sine1');
  without.connections = without.connections.filter((c) => c.from !== 'sine1');
  engine.applyPatch(resolveValidatedPatch(without, registry));
  engine.render(left, right, BLOCK);
  assert.ok(engine.tapBuffer.every((v) => v === 0), 'a removed module taps silence');
  engine.setTap(-1, 0);
  engine.render(left, right, BLOCK);
  assert.ok(engine.tapBuffer.every((v) => v === 0));
});
