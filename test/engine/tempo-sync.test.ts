// Tempo for modules: ms params declared tempoSync take note values (1/4, 1/8. dotted, 1/16t
// triplet, 1/1, 2/1); the engine sets them at the transport's tempo and moves them at the exact
// frame the tempo changes.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { defineModule } from '../../src/dsp/define.js';
import { Kernel } from '../../src/dsp/kernel.js';
import { createRegistry } from '../../src/dsp/modules/index.js';
import { noteValueBeats, paramValueFromInput } from '../../src/dsp/spec.js';
import { Engine } from '../../src/engine/engine.js';
import type { PatchModule, ResolvedPatch } from '../../src/patch/document.js';
import { validatePatch } from '../../src/patch/validate.js';
import { parseParamSet } from '../../src/control/address.js';
import { PatchEditor } from '../../src/control/patch-editor.js';

const RATE = 48000;

/** Outputs its `time` param (ms) as a sample value, so the test can read it per frame. */
const probe = defineModule({
  type: 'timeprobe',
  doc: 'Test: outputs its time param.',
  params: [
    { id: 'time', unit: 'ms', min: 1, max: 10000, default: 100, smoothingMs: 0, tempoSync: true, doc: 'A synced time.' },
    { id: 'plain', unit: 'ms', min: 1, max: 10000, default: 100, smoothingMs: 0, doc: 'A time that is not synced.' },
  ],
  inputs: [],
  outputs: [{ id: 'out', doc: 'The time in ms.' }],
  silentInSilentOut: false,
});
/** What the probe saw, per frame since the test's engine started (test-only global log). */
const seen = new Float64Array(1 << 15);
class ProbeKernel extends Kernel {
  readonly state = new Float64Array(1); // frames rendered
  process(start: number, end: number): void {
    const out = this.io.outputs[0]!;
    const time = this.io.params[probe.param.time]!;
    for (let i = start; i < end; i++) {
      out[i] = time.isConstant ? time.value : time.buffer[i]!;
      seen[this.state[0]!++] = out[i]!;
    }
  }
}
const registry = createRegistry();
registry.register(probe.withKernel(ProbeKernel));

function resolve(modules: PatchModule[]): ResolvedPatch {
  const result = validatePatch({ format: 'chronus-patch', version: 1, modules, connections: [] }, registry);
  if (!result.ok) throw new Error(JSON.stringify(result.errors));
  return result.patch;
}

/** Renders `frames` frames and returns what the probe output over them. */
function probeSeries(engine: Engine, frames: number): Float64Array {
  const first = engine.instance('p')!.kernel.state[0]!;
  const l = new Float32Array(128);
  const r = new Float32Array(128);
  for (let pos = 0; pos < frames; pos += 128) engine.render(l, r, 128);
  return seen.slice(first, first + frames);
}

test('note values in beats: 1/4 = 1, 1/8. = 0.75, 1/16t = 1/6, 1/1 = 4, 2/1 = 8; anything else is not one', () => {
  assert.equal(noteValueBeats('1/4'), 1);
  assert.equal(noteValueBeats('1/8.'), 0.75);
  assert.equal(noteValueBeats('1/16t'), 4 / 16 * 2 / 3);
  assert.equal(noteValueBeats('1/1'), 4);
  assert.equal(noteValueBeats('2/1'), 8);
  assert.equal(noteValueBeats('3/16'), 0.75);
  for (const bad of ['1/0', '0/4', '1/4..', 'x', '1/8d', '', '1 / 4', '-1/4']) assert.equal(noteValueBeats(bad), undefined, bad);
});

test('a tempoSync param takes a note value; a plain ms param refuses one, naming what it takes', () => {
  const spec = registry.get('timeprobe')!.spec;
  assert.equal(paramValueFromInput(spec.params[0]!, '1/4'), 500);
  assert.equal(paramValueFromInput(spec.params[1]!, '1/4'), undefined);
  const result = validatePatch({ format: 'chronus-patch', version: 1, modules: [{ id: 'p', type: 'timeprobe', params: { time: '1/8.', plain: '1/4' } }], connections: [] }, registry);
  assert.equal(result.ok, false);
  if (result.ok) return;
  assert.deepEqual(result.errors.map((e) => `${e.code} ${e.path}`), ['E_PARAM_TYPE modules[0].params.plain']);
  const bad = validatePatch({ format: 'chronus-patch', version: 1, modules: [{ id: 'p', type: 'timeprobe', params: { time: '1/7x' } }], connections: [] }, registry);
  assert.equal(bad.ok, false);
  if (bad.ok) return;
  assert.match(bad.errors[0]!.message, /note value/);
});

test('the saved document keeps the note value, and loading it gives the same patch', () => {
  const result = validatePatch({ format: 'chronus-patch', version: 1, modules: [{ id: 'p', type: 'timeprobe', params: { time: '1/16t' } }], connections: [] }, registry);
  assert.ok(result.ok);
  if (!result.ok) return;
  assert.deepEqual(result.document.modules.find((m) => m.id === 'p')?.params, { time: '1/16t' });
  const again = validatePatch(result.document, registry);
  assert.ok(again.ok);
  if (!again.ok) return;
  assert.deepEqual(again.patch.modules.find((m) => m.id === 'p')?.synced, [{ param: 0, text: '1/16t', beats: 1 / 6 }]);
});

test('1/8. at 175 BPM is 257.142857 ms, set from the frame the tempo changes (transport stopped: at once)', () => {
  const engine = new Engine({ sampleRate: RATE, maxBlock: 128 });
  engine.applyPatch(resolve([{ id: 'p', type: 'timeprobe', params: { time: '1/8.' } }]));
  engine.scheduleControl(1000, { op: 'transport.bpm', bpm: 175 });
  const series = probeSeries(engine, 2048);
  assert.equal(series[999], Math.fround(375));
  assert.ok(Math.abs(series[1000]! - 257.142857) < 1e-4, `${series[1000]}`);
  assert.equal(series[2047], series[1000]);
});

test('with the transport running, a synced time changes at the sixteenth where the tempo does', () => {
  const engine = new Engine({ sampleRate: RATE, maxBlock: 128 });
  engine.applyPatch(resolve([{ id: 'p', type: 'timeprobe', params: { time: '1/4' } }]));
  engine.scheduleControl(0, { op: 'seq.create', id: 's' });
  engine.scheduleControl(0, { op: 'transport.start' });
  // At 120 BPM a sixteenth is 6000 frames: a change asked for at frame 7000 lands at 12000.
  engine.scheduleControl(7000, { op: 'transport.bpm', bpm: 150 });
  const series = probeSeries(engine, 16000);
  assert.equal(series[11999], 500);
  assert.equal(series[12000], 400);
});

test('a patch applied after a tempo change starts its synced params at the current tempo', () => {
  const engine = new Engine({ sampleRate: RATE, maxBlock: 128 });
  engine.applyPatch(resolve([{ id: 'p', type: 'timeprobe', params: { time: '1/4', plain: 50 } }]));
  engine.scheduleControl(0, { op: 'transport.bpm', bpm: 60 });
  probeSeries(engine, 256);
  engine.applyPatch(resolve([{ id: 'p', type: 'timeprobe', params: { time: '1/2', plain: 60 } }]));
  const series = probeSeries(engine, 256);
  assert.equal(series[0], 2000);
});

test('/mod refuses a note value with the way to set one (a /mod value does not follow the tempo)', () => {
  // The live patch as /mod sees it: the patch editor, module p with engine handle 1.
  const editor = new PatchEditor(registry, { format: 'chronus-patch', version: 1, modules: [{ id: 'p', type: 'timeprobe' }], connections: [] });
  editor.setHandles([['p', 1]]);
  const result = parseParamSet('p', 'time', ['1/8.'], editor);
  assert.equal(result.ok, false);
  if (result.ok) return;
  assert.equal(result.error.code, 'E_BAD_ARGS');
  assert.match(result.error.message, /\/patch\/set p time 1\/8\./);
  const ms = parseParamSet('p', 'time', [250], editor);
  assert.ok(ms.ok);
});
