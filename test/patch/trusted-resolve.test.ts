// resolveValidatedPatch: the slot workers' way to resolve patches the main thread validated.
// It must give exactly what validatePatch gives, and must not load zod (~100 ms of a cold
// worker's start, which is on the rejoin path).

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createRegistry } from '../../src/dsp/modules/index.js';
import type { PatchDocument, ResolvedPatch } from '../../src/patch/document.js';
import { resolveValidatedPatch, validatePatch } from '../../src/patch/validate.js';
import { w2Document, w2Voices } from '../fixtures/w2.js';
import { defaultPatch } from '../../src/control/default-patch.js';

const registry = createRegistry();

/** Plain-data view of a resolved patch (definitions by type). */
const plain = (p: ResolvedPatch): unknown => ({
  modules: p.modules.map((m) => ({ id: m.id, type: m.type, def: m.definition.spec.type, params: [...m.params] })),
  connections: p.connections,
});

test('resolveValidatedPatch gives the same resolved patch as validatePatch for valid documents', () => {
  const docs: PatchDocument[] = [
    defaultPatch(),
    w2Document(w2Voices(5)),
    {
      format: 'chronus-patch', version: 1,
      modules: [
        { id: 'b', type: 'biquad_filter', params: { freq: 900, resonance: 3, mode: 'hp' } },
        { id: 'a', type: 'simple_sine', params: { frequency: 220 } },
        { id: 'l', type: 'lfo', params: { shape: 'sh', rate: 3 } },
        { id: 'e', type: 'adsr', params: { curve: 'exp', attack: 2 } },
      ],
      connections: [
        { from: 'e', to: 'out', amount: 0.5 }, { from: 'a', to: 'b' }, { from: 'b', to: 'e' },
        { from: 'l', to: 'b.cutoff', amount: 300 }, { from: 'a', to: 'out.in', amount: 0.25 },
      ],
    },
  ];
  for (const doc of docs) {
    const checked = validatePatch(doc, registry);
    assert.ok(checked.ok, JSON.stringify(checked.ok ? '' : checked.errors));
    assert.deepEqual(plain(resolveValidatedPatch(doc, registry)), plain(checked.patch));
    // Its normalised document too (what the journal and /patch/get carry).
    assert.deepEqual(plain(resolveValidatedPatch(checked.document, registry)), plain(checked.patch));
  }
});

test('resolveValidatedPatch refuses an invalid document with the validation errors', () => {
  const bad = { format: 'chronus-patch', version: 1, modules: [{ id: 'o', type: 'osc', params: { freq: 1e9 } }], connections: [] } as PatchDocument;
  assert.throws(() => resolveValidatedPatch(bad, registry), /E_PARAM_RANGE/);
  const shapeless = { format: 'chronus-patch', version: 1, modules: 'nope' } as unknown as PatchDocument;
  assert.throws(() => resolveValidatedPatch(shapeless, registry), /E_SCHEMA/);
});

test('no source file outside src/agent imports zod statically, the CLI loads src/agent lazily, and a slot-worker-like process resolving a patch loads none', () => {
  const srcDir = fileURLToPath(new URL('../../../src/', import.meta.url));
  // src/agent runs only in the `chronus mcp` process (the CLI imports it lazily, for that command
  // alone), whose MCP SDK loads zod itself.
  const files = (readdirSync(srcDir, { recursive: true }) as string[]).filter((f) => f.endsWith('.ts') && !f.startsWith('agent/'));
  for (const f of files) {
    const text = readFileSync(join(srcDir, f), 'utf8');
    assert.ok(!/^import[^;]*from 'zod'/m.test(text), `${f} imports zod at load time (load it lazily, as schema.ts does)`);
  }
  const cliMain = readFileSync(join(srcDir, 'cli/main.ts'), 'utf8');
  assert.ok(!/^import[^;]*from '\.\/mcp-command\.js'/m.test(cliMain), 'cli/main.ts imports the MCP command at load time');
  const host = new URL('../../src/runtime/engine-host.js', import.meta.url).href;
  const modules = new URL('../../src/dsp/modules/index.js', import.meta.url).href;
  const warm = new URL('../../src/runtime/warm-up.js', import.meta.url).href;
  const script = `
    import { createRequire } from 'node:module';
    const { EngineHost } = await import(${JSON.stringify(host)});
    const { createRegistry } = await import(${JSON.stringify(modules)});
    await import(${JSON.stringify(warm)});
    const registry = createRegistry();
    const h = EngineHost.fresh({ sampleRate: 48000, blockSize: 128, seed: 1 }, registry,
      { doc: { format: 'chronus-patch', version: 1, modules: [{ id: 'o', type: 'osc' }], connections: [{ from: 'o', to: 'out' }] }, handles: [], crossfadeFrames: 0 });
    const cache = Object.keys(createRequire(import.meta.url).cache);
    console.log(JSON.stringify({ zod: cache.filter((k) => k.includes('/zod/')).length, host: typeof h }));
  `;
  const run = spawnSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8' });
  assert.equal(run.status, 0, run.stderr);
  assert.deepEqual(JSON.parse(run.stdout.trim()), { zod: 0, host: 'object' });
});
