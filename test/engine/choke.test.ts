// Choke groups: a gate-on of a module whose `choke` param is g > 0 chokes every other module of
// group g at that exact frame (Kernel.choke), before the new note starts.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { defineModule } from '../../src/dsp/define.js';
import { Kernel } from '../../src/dsp/kernel.js';
import { createRegistry } from '../../src/dsp/modules/index.js';
import { Engine } from '../../src/engine/engine.js';
import { validatePatch } from '../../src/patch/validate.js';

/** Holds 1 from a gate-on until choked (then 0); logs its output per frame into `log`. */
const held = defineModule({
  type: 'held', doc: 'Test: holds 1 while sounding.',
  params: [{ id: 'choke', unit: 'ratio', min: 0, max: 16, default: 0, smoothingMs: 0, modulatable: false, doc: 'Choke group (0: none).' }],
  inputs: [], outputs: [{ id: 'out', doc: '1 while sounding.' }], gate: true, silentInSilentOut: false,
});
const logs = new Map<number, Float64Array>();
class HeldKernel extends Kernel {
  readonly state = new Float64Array(2); // [sounding, frames rendered]
  private readonly log = new Float64Array(4096);
  constructor(...args: ConstructorParameters<typeof Kernel>) {
    super(...args);
    logs.set(this.ctx.seed, this.log);
  }
  process(start: number, end: number): void {
    const out = this.io.outputs[0]!;
    for (let i = start; i < end; i++) {
      out[i] = this.state[0]!;
      this.log[this.state[1]!++] = out[i]!;
    }
  }
  override gate(on: boolean): void {
    if (on) this.state[0] = 1;
  }
  override choke(): void {
    this.state[0] = 0;
  }
}

test('a gate-on chokes the other members of its group at that frame, and no one else', () => {
  const registry = createRegistry();
  registry.register(held.withKernel(HeldKernel));
  const result = validatePatch({
    format: 'chronus-patch', version: 1,
    modules: [{ id: 'open', type: 'held', params: { choke: 1 } }, { id: 'closed', type: 'held', params: { choke: 1 } }, { id: 'other', type: 'held', params: { choke: 2 } }, { id: 'free', type: 'held' }],
    connections: [],
  }, registry);
  assert.ok(result.ok);
  if (!result.ok) return;
  const engine = new Engine({ sampleRate: 48000, maxBlock: 128 });
  engine.applyPatch(result.patch);
  const handle = (id: string): number => engine.instance(id)!.handle;
  const logOf = (id: string): Float64Array => logs.get(engine.instance(id)!.kernel.ctx.seed)!;
  for (const id of ['open', 'other', 'free']) engine.scheduleGate(10, handle(id), true);
  engine.scheduleGate(300, handle('closed'), true);
  engine.scheduleGate(500, handle('closed'), true); // re-gating chokes the others, not itself
  const l = new Float32Array(128);
  const r = new Float32Array(128);
  for (let b = 0; b < 6; b++) engine.render(l, r, 128);
  assert.deepEqual([logOf('open')[299], logOf('open')[300]], [1, 0]);
  assert.deepEqual([logOf('closed')[299], logOf('closed')[300], logOf('closed')[700]], [0, 1, 1]);
  assert.equal(logOf('other')[700], 1);
  assert.equal(logOf('free')[700], 1);
});
