// The layout files (src/**/*.layout.ts) are compiled by tsc and by asc (AssemblyScript), and
// both sides of a batch kernel read them: the JS kernel, its host (osc-batch.ts, ...) and the
// wasm (wasm/<type>.ts). This checks that they keep the form both compilers read alike, that
// the few values restated from another file (a layout file cannot import one) still agree with
// it, that the values mirroring a spec agree with it, and that no wasm file restates a layout.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { MAX_PARAMS } from '../../src/dsp/batch.js';
import type { ModuleDefinition } from '../../src/dsp/kernel.js';
import { BLAMP_TABLE, BLEP_TABLE } from '../../src/dsp/lib/blep.js';
import * as blepLayout from '../../src/dsp/lib/blep.layout.js';
import { EXP2_INT } from '../../src/dsp/lib/fast-math.js';
import * as fastMathLayout from '../../src/dsp/lib/fast-math.layout.js';
import { WasmArena } from '../../src/dsp/lib/wasm-arena.js';
import { adsrModule } from '../../src/dsp/modules/adsr.js';
import * as adsrLayout from '../../src/dsp/modules/adsr.layout.js';
import { filterModule } from '../../src/dsp/modules/filter.js';
import * as filterLayout from '../../src/dsp/modules/filter.layout.js';
import { LFO_SHAPES, lfoModule } from '../../src/dsp/modules/lfo.js';
import * as lfoLayout from '../../src/dsp/modules/lfo.layout.js';
import { OSC_WAVEFORMS, oscModule } from '../../src/dsp/modules/osc.js';
import * as oscLayout from '../../src/dsp/modules/osc.layout.js';
import { batchedTypes } from '../../src/engine/batch-registry.js';
import { KernelHarness } from '../helpers/kernel-harness.js';

const root = new URL('../../../', import.meta.url);

type Layout = Readonly<Record<string, number>>;

const BATCHED: ReadonlyArray<{ type: string; module: ModuleDefinition; layout: Layout }> = [
  { type: 'osc', module: oscModule, layout: oscLayout },
  { type: 'lfo', module: lfoModule, layout: lfoLayout },
  { type: 'adsr', module: adsrModule, layout: adsrLayout },
  { type: 'filter', module: filterModule, layout: filterLayout },
];

function layoutFiles(dir: URL, prefix: string): string[] {
  const out: string[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (entry.isDirectory()) out.push(...layoutFiles(new URL(`${entry.name}/`, dir), `${prefix}${entry.name}/`));
    else if (entry.name.endsWith('.layout.ts')) out.push(`${prefix}${entry.name}`);
  }
  return out;
}

test('every batched type has a layout file, and every layout file has the form tsc and asc read alike', async () => {
  const files = layoutFiles(new URL('src/', root), 'src/');
  assert.deepEqual(BATCHED.map((b) => b.type).sort(), batchedTypes().sort());
  for (const { type } of BATCHED) assert.ok(files.includes(`src/dsp/modules/${type}.layout.ts`), `${type}.layout.ts`);
  for (const file of files) {
    const text = readFileSync(new URL(file, root), 'utf8');
    const declared: string[] = [];
    let inComment = false;
    for (const [n, raw] of text.split('\n').entries()) {
      const line = raw.trim();
      const where = `${file}:${n + 1}`;
      if (inComment) {
        inComment = !line.endsWith('*/');
        continue;
      }
      if (line === '' || line.startsWith('//')) continue;
      if (line.startsWith('/*')) {
        inComment = !line.endsWith('*/');
        continue;
      }
      // Integer expressions only: `/` would be integer division in asc and not in tsc, a `.` a
      // float literal typed f64 in asc, and an import needs a path that only one of them reads.
      const m = /^export const ([A-Z][A-Z0-9_]*) = ([A-Z0-9_ +\-*()]+);$/.exec(line);
      assert.ok(m !== null, `${where}: not an \`export const NAME = <integer expression>;\` line: ${line}`);
      for (const name of m[2]!.match(/[A-Z_][A-Z0-9_]*/g) ?? []) assert.ok(declared.includes(name), `${where}: ${name} is not declared above`);
      declared.push(m[1]!);
    }
    const values = (await import(new URL(`dist/${file.replace(/\.ts$/, '.js')}`, root).href)) as Layout;
    assert.deepEqual(Object.keys(values).sort(), [...declared].sort(), `${file}: exports`);
    for (const [name, v] of Object.entries(values)) assert.ok(Number.isInteger(v) && v >= 0 && v < 2 ** 31, `${file}: ${name} = ${v}`);
  }
});

test('values a layout file restates from another file agree with it', () => {
  assert.equal(blepLayout.BLEP_TABLE_SIZE, BLEP_TABLE.length);
  assert.equal(blepLayout.BLEP_TABLE_SIZE, BLAMP_TABLE.length);
  assert.equal(oscLayout.TABLE_SIZE, blepLayout.BLEP_TABLE_SIZE);
  assert.equal(fastMathLayout.EXP2_INT_SIZE, EXP2_INT.length);
  assert.equal(filterLayout.EXP2_TABLE_SIZE, fastMathLayout.EXP2_INT_SIZE);
});

test('layout values that mirror a spec agree with it; state, lane and constant slots are distinct and in range', () => {
  for (const { type, module, layout } of BATCHED) {
    const spec = module.spec;
    const slots = (prefix: string): Array<[string, number]> => Object.entries(layout).filter(([name]) => name.startsWith(prefix));
    for (const [name, index] of slots('INPUT_')) {
      assert.equal(spec.inputs[index]?.id, name.slice('INPUT_'.length).toLowerCase(), `${type}.${name}`);
    }
    const stateSize = new KernelHarness(module).kernel.state.length;
    if (layout['STATE_SIZE'] !== undefined) assert.equal(layout['STATE_SIZE'], stateSize, `${type} STATE_SIZE`);
    const state = slots('S_');
    assert.equal(new Set(state.map(([, v]) => v)).size, state.length, `${type}: state slots distinct`);
    for (const [name, v] of state) assert.ok(v < stateSize, `${type}.${name} < ${stateSize}`);
    const lane = slots('LANE_');
    assert.ok(lane.length > 0 && lane.length <= MAX_PARAMS, `${type}: ${lane.length} lane params`);
    assert.deepEqual(lane.map(([, v]) => v).sort((a, b) => a - b), lane.map((_, i) => i), `${type}: lane params are slots 0..n-1`);
    const count = layout['K_COUNT']!;
    const consts = slots('K_').filter(([name]) => name !== 'K_COUNT');
    assert.equal(new Set(consts.map(([, v]) => v)).size, consts.length, `${type}: constant slots distinct`);
    for (const [name, v] of consts) assert.ok(v < count, `${type}.${name} < K_COUNT`);
  }
  OSC_WAVEFORMS.forEach((label, i) => assert.equal((oscLayout as Layout)[`WAVE_${label.toUpperCase()}`], i, `osc WAVE_${label}`));
  LFO_SHAPES.forEach((label, i) => assert.equal((lfoLayout as Layout)[`SHAPE_${label.toUpperCase()}`], i, `lfo SHAPE_${label}`));
  assert.equal(lfoLayout.SHAPE_COUNT, LFO_SHAPES.length);
});

test('the wasm kernels expect the constant counts of the layout files, and restate no layout of their own', () => {
  const arena = WasmArena.create();
  assert.ok(typeof arena !== 'string');
  for (const { type, layout } of BATCHED) {
    const constCount = arena.exports[`${type}ConstCount`] as () => number;
    assert.equal(constCount(), layout['K_COUNT'], `${type}ConstCount`);
    const source = readFileSync(new URL(`wasm/${type}.ts`, root), 'utf8');
    assert.match(source, new RegExp(`from '\\.\\./src/dsp/modules/${type}\\.layout';`), `wasm/${type}.ts imports its layout`);
    assert.doesNotMatch(source, /^const (S|P|LANE|K|INPUT|IN)_[A-Z0-9_]*\s*:/m, `wasm/${type}.ts declares a layout constant of its own`);
  }
});

test('scripts/build-wasm.sh rebuilds the wasm when a layout file changes', () => {
  const script = readFileSync(new URL('scripts/build-wasm.sh', root), 'utf8');
  assert.match(script, /find src -name '\*\.layout\.ts' -newer "\$out"/);
});
