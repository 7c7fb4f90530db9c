// The stereo convention: ports `left`/`right` form a pair; a connection without port names from a
// stereo module to a stereo input pair connects both sides; a mono source into a module whose
// default input is `left` feeds both sides; a stereo source into a mono input is summed at half
// the amount per side. The validated document keeps a stereo connection as written.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { defineModule } from '../../src/dsp/define.js';
import { createRegistry } from '../../src/dsp/modules/index.js';
import type { PatchConnection, PatchModule, ResolvedConnection } from '../../src/patch/document.js';
import { validatePatch } from '../../src/patch/validate.js';
import { NullKernel } from '../helpers/null-kernel.js';
import { specForSchema } from '../../src/dsp/spec.js';
import { moduleReferenceMarkdown } from '../../src/patch/module-reference.js';

const stereoSource = defineModule({
  type: 'stsrc', doc: 'Stereo test source.', params: [], inputs: [],
  outputs: [{ id: 'left', doc: 'L.' }, { id: 'right', doc: 'R.' }], silentInSilentOut: false,
});
const stereoEffect = defineModule({
  type: 'stfx', doc: 'Stereo test effect.',
  params: [{ id: 'mix', unit: 'ratio', min: 0, max: 1, default: 1, smoothingMs: 5, doc: 'Dry/wet.' }],
  inputs: [{ id: 'left', doc: 'L.' }, { id: 'right', doc: 'R.' }, { id: 'sc', doc: 'Sidechain.' }],
  outputs: [{ id: 'left', doc: 'L.' }, { id: 'right', doc: 'R.' }], silentInSilentOut: true,
});
const registry = createRegistry();
registry.register(stereoSource.withKernel(NullKernel));
registry.register(stereoEffect.withKernel(NullKernel));

const modules: PatchModule[] = [
  { id: 'src', type: 'stsrc' },
  { id: 'fx', type: 'stfx' },
  { id: 'osc', type: 'osc' },
  { id: 'v', type: 'vca' },
];

function wires(connections: PatchConnection[]): string[] {
  const result = validatePatch({ format: 'chronus-patch', version: 1, modules, connections }, registry);
  if (!result.ok) throw new Error(JSON.stringify(result.errors));
  const name = (c: ResolvedConnection): string => {
    const from = registry.get(result.patch.modules.find((m) => m.id === c.from)!.type)!.spec;
    const to = registry.get(result.patch.modules.find((m) => m.id === c.to)!.type)!.spec;
    const port = c.kind === 'input' ? to.inputs[c.toIndex]!.id : to.params[c.toIndex]!.id;
    return `${c.from}.${from.outputs[c.fromOutput]!.id}->${c.to}.${port}*${c.amount}`;
  };
  return result.patch.connections.map(name);
}

test('stereo to a stereo pair, no ports named: both sides, side by side', () => {
  assert.deepEqual(wires([{ from: 'src', to: 'fx' }, { from: 'fx', to: 'out' }]), [
    'src.left->fx.left*1', 'src.right->fx.right*1', 'fx.left->out.left*1', 'fx.right->out.right*1',
  ]);
});

test('mono into a module whose default input is the left of a pair: feeds both sides', () => {
  assert.deepEqual(wires([{ from: 'osc', to: 'fx', amount: 0.5 }]), ['osc.out->fx.left*0.5', 'osc.out->fx.right*0.5']);
});

test('mono into the master (default input `in`, panned) stays mono; a named side stays one side', () => {
  assert.deepEqual(wires([{ from: 'osc', to: 'out' }, { from: 'v', to: 'out.right' }]), ['osc.out->out.in*1', 'v.out->out.right*1']);
  assert.deepEqual(wires([{ from: 'osc', to: 'fx.right' }]), ['osc.out->fx.right*1']);
});

test('stereo into a mono input or a param: both sides summed at half the amount', () => {
  assert.deepEqual(wires([{ from: 'src', to: 'v' }]), ['src.left->v.in*0.5', 'src.right->v.in*0.5']);
  assert.deepEqual(wires([{ from: 'src', to: 'fx.sc', amount: 2 }]), ['src.left->fx.sc*1', 'src.right->fx.sc*1']);
  assert.deepEqual(wires([{ from: 'src', to: 'fx.mix', amount: 0.4 }]), ['src.left->fx.mix*0.2', 'src.right->fx.mix*0.2']);
});

test('one side of a stereo source, named, is a mono connection', () => {
  assert.deepEqual(wires([{ from: 'src.right', to: 'fx' }]), ['src.right->fx.left*1', 'src.right->fx.right*1']);
  assert.deepEqual(wires([{ from: 'src.left', to: 'v' }]), ['src.left->v.in*1']);
});

test('the validated document keeps a stereo connection as written, and validating it again gives the same wires', () => {
  const connections: PatchConnection[] = [{ from: 'src', to: 'fx', amount: 0.7 }, { from: 'fx', to: 'out' }, { from: 'osc', to: 'v' }];
  const result = validatePatch({ format: 'chronus-patch', version: 1, modules, connections }, registry);
  assert.ok(result.ok);
  if (!result.ok) return;
  assert.deepEqual(result.document.connections, [{ from: 'src', to: 'fx', amount: 0.7 }, { from: 'fx', to: 'out' }, { from: 'osc.out', to: 'v.in' }]);
  const again = validatePatch(result.document, registry);
  assert.ok(again.ok);
  if (!again.ok) return;
  assert.deepEqual(again.patch.connections, result.patch.connections);
});

test('a stereo connection that duplicates a wire is refused', () => {
  const result = validatePatch({
    format: 'chronus-patch', version: 1, modules,
    connections: [{ from: 'src.left', to: 'fx.left' }, { from: 'src', to: 'fx' }],
  }, registry);
  assert.equal(result.ok, false);
  if (result.ok) return;
  assert.deepEqual(result.errors.map((e) => `${e.code} ${e.path}`), ['E_DUPLICATE_CONNECTION connections[1]']);
});

test('/engine/schema and the module reference say which ports are stereo', () => {
  const schema = specForSchema(registry.get('stfx')!.spec);
  assert.deepEqual(schema.stereo, { inputs: true, outputs: true });
  assert.deepEqual(specForSchema(registry.get('out')!.spec).stereo, { inputs: true, outputs: true });
  assert.deepEqual(specForSchema(registry.get('vca')!.spec).stereo, { inputs: false, outputs: false });
  const reference = moduleReferenceMarkdown(registry);
  assert.match(reference, /## stfx[\s\S]*?- Stereo: inputs and outputs \(`left`\/`right`\)/);
  assert.match(reference, /\*\*Stereo\.\*\*/);
});
