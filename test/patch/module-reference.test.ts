import { test } from 'node:test';
import assert from 'node:assert/strict';
import { NullKernel } from '../helpers/null-kernel.js';
import { ModuleRegistry } from '../../src/dsp/registry.js';
import type { ModuleSpec } from '../../src/dsp/spec.js';
import { createRegistry } from '../../src/dsp/modules/index.js';
import { vcaModule } from '../../src/dsp/modules/vca.js';
import { moduleReferenceMarkdown } from '../../src/patch/module-reference.js';


const shapeSpec: ModuleSpec = {
  type: 'shaper',
  doc: 'Test module with an enum | a pipe in its doc.',
  params: [
    { id: 'curve', unit: 'enum', min: 0, max: 2, default: 1, smoothingMs: 0, scale: 'linear', labels: ['soft', 'hard', 'fold'], modulatable: false, doc: 'Curve.' },
    { id: 'drive', unit: 'dB', min: -12, max: 36, default: 0, smoothingMs: 10, scale: 'linear', aliases: ['gain_db'], doc: 'Input drive.' },
  ],
  inputs: [],
  outputs: [{ id: 'out', doc: 'Shaped signal.' }],
  gate: true,
  blockSizeInvariant: true,
  silentInSilentOut: false,
};

function fixtureRegistry(): ModuleRegistry {
  const r = new ModuleRegistry();
  r.register({ spec: shapeSpec, kernel: NullKernel });
  r.register(vcaModule);
  r.registerAlias({ alias: 'old_fold', type: 'shaper', defaults: { curve: 2 }, doc: 'Old folder.' });
  return r;
}

/** Every module, param, alias, input and output of the registry appears in the reference. */
function assertComplete(registry: ModuleRegistry, md: string): void {
  for (const spec of registry.specs()) {
    assert.ok(md.includes(`\n## ${spec.type}\n`), `section for ${spec.type}`);
    const section = md.slice(md.indexOf(`\n## ${spec.type}\n`)).split('\n## ')[1] ?? '';
    for (const p of spec.params) {
      assert.ok(section.includes(`| \`${p.id}\` |`), `${spec.type}.${p.id} row`);
      for (const a of p.aliases ?? []) assert.ok(section.includes(`\`${a}\``), `${spec.type}.${p.id} alias ${a}`);
      for (const l of p.labels ?? []) assert.ok(section.includes(`\`${l}\``), `${spec.type}.${p.id} label ${l}`);
    }
    for (const port of [...spec.inputs, ...spec.outputs]) assert.ok(section.includes(`- \`${port.id}\``), `${spec.type} port ${port.id}`);
  }
  for (const a of registry.typeAliases()) assert.ok(md.includes(`| \`${a.alias}\` |`), `alias ${a.alias}`);
}

test('fixture registry: complete, with enum labels, alias defaults and escaped pipes', () => {
  const r = fixtureRegistry();
  const md = moduleReferenceMarkdown(r);
  assertComplete(r, md);
  assert.ok(md.indexOf('## shaper') < md.indexOf('## vca'), 'modules sorted by type');
  assert.match(md, /\| `curve` \| enum \| `soft` \(0\), `hard` \(1\), `fold` \(2\) \| `hard` \| none \| no \|/);
  assert.match(md, /\| `drive` \| dB \| -12 … 36 \| 0 \| 10 ms \| yes \| `gain_db` \| Input drive\. \|/);
  assert.match(md, /\| `old_fold` \| \[`shaper`\]\(#shaper\) \| `curve` = `fold` \| Old folder\. \|/);
  assert.match(md, /- Gate: yes/);
  assert.match(md, /Inputs: none\./);
  assert.ok(md.includes('an enum | a pipe'), 'module doc kept as prose');
  assert.equal(moduleReferenceMarkdown(fixtureRegistry()), md, 'deterministic');
});

test('real registry: every registered module and param appears', () => {
  const r = createRegistry();
  const md = moduleReferenceMarkdown(r);
  assert.ok(r.specs().length > 0);
  assertComplete(r, md);
  assert.ok(md.endsWith('\n'));
});
