import { test } from 'node:test';
import assert from 'node:assert/strict';
import { NullKernel } from '../helpers/null-kernel.js';
import { ModuleRegistry } from '../../src/dsp/registry.js';
import type { ModuleSpec } from '../../src/dsp/spec.js';
import { createRegistry } from '../../src/dsp/modules/index.js';
import type { PatchError, PatchResult } from '../../src/patch/document.js';
import { PATCH_ERROR_CODES } from '../../src/patch/errors.js';
import { parseEndpoint, patchDocumentFromResolved, validatePatch, validatePatchText } from '../../src/patch/validate.js';
import { patchJsonSchema } from '../../src/patch/schema.js';

// ---- a small registry with real spec shapes (independent of the modules being written) ----


const oscSpec: ModuleSpec = {
  type: 'osc',
  doc: 'Test oscillator.',
  params: [
    { id: 'waveform', unit: 'enum', min: 0, max: 3, default: 0, smoothingMs: 0, scale: 'linear', labels: ['sine', 'saw', 'square', 'triangle'], modulatable: false, doc: 'Shape.' },
    { id: 'freq', unit: 'Hz', min: 20, max: 20000, default: 440, smoothingMs: 20, scale: 'exp', aliases: ['frequency'], doc: 'Frequency.' },
    { id: 'gain', unit: 'level', min: 0, max: 1, default: 0.5, smoothingMs: 5, scale: 'linear', doc: 'Level.' },
  ],
  inputs: [{ id: 'fm', doc: 'Frequency modulation.' }],
  outputs: [{ id: 'out', doc: 'Audio.' }],
  gate: false,
  blockSizeInvariant: true,
  silentInSilentOut: false,
};

const lfoSpec: ModuleSpec = {
  type: 'lfo',
  doc: 'Test LFO.',
  params: [{ id: 'rate', unit: 'Hz', min: 0.01, max: 50, default: 1, smoothingMs: 20, scale: 'exp', doc: 'Rate.' }],
  inputs: [],
  outputs: [{ id: 'out', doc: 'Control signal.' }],
  gate: false,
  blockSizeInvariant: true,
  silentInSilentOut: false,
};

const filterSpec: ModuleSpec = {
  type: 'filter',
  doc: 'Test filter.',
  params: [
    { id: 'mode', unit: 'enum', min: 0, max: 2, default: 0, smoothingMs: 0, scale: 'linear', labels: ['lowpass', 'highpass', 'bandpass'], modulatable: false, doc: 'Mode.' },
    { id: 'cutoff', unit: 'Hz', min: 20, max: 20000, default: 1000, smoothingMs: 20, scale: 'exp', aliases: ['frequency'], doc: 'Cutoff.' },
    { id: 'q', unit: 'ratio', min: 0.1, max: 20, default: 0.707, smoothingMs: 20, scale: 'exp', aliases: ['resonance'], doc: 'Resonance.' },
  ],
  inputs: [{ id: 'in', doc: 'Audio.' }],
  outputs: [
    { id: 'lp', doc: 'Low-pass.' },
    { id: 'hp', doc: 'High-pass.' },
  ],
  gate: false,
  blockSizeInvariant: true,
  silentInSilentOut: true,
};

const outSpec: ModuleSpec = {
  type: 'out',
  doc: 'Test master output.',
  params: [{ id: 'gain', unit: 'level', min: 0, max: 2, default: 1, smoothingMs: 5, scale: 'linear', aliases: ['volume'], doc: 'Master gain.' }],
  inputs: [{ id: 'in', doc: 'Audio.' }],
  outputs: [{ id: 'out', doc: 'Pass-through.' }],
  gate: false,
  blockSizeInvariant: true,
  silentInSilentOut: true,
};

function testRegistry(): ModuleRegistry {
  const r = new ModuleRegistry();
  for (const spec of [oscSpec, lfoSpec, filterSpec, outSpec]) r.register({ spec, kernel: NullKernel });
  r.registerAlias({ alias: 'simple_sine', type: 'osc', defaults: { waveform: 0 }, doc: 'Old sine.' });
  r.registerAlias({ alias: 'biquad_filter', type: 'filter', defaults: { mode: 0, q: 2 }, doc: 'Old filter.' });
  return r;
}

const registry = testRegistry();

type Module = { id: unknown; type: unknown; params?: unknown; [k: string]: unknown };
type Connection = { from: unknown; to: unknown; amount?: unknown; [k: string]: unknown };

function doc(modules: Module[], connections: Connection[] = []): Record<string, unknown> {
  return { format: 'chronus-patch', version: 1, modules, connections };
}

const osc1: Module = { id: 'osc1', type: 'osc' };
const lfo1: Module = { id: 'lfo1', type: 'lfo' };
const filt1: Module = { id: 'filt1', type: 'filter' };

function errorsOf(result: PatchResult): PatchError[] {
  if (result.ok) assert.fail('expected validation to fail');
  return result.errors;
}

function okOf(result: PatchResult): Extract<PatchResult, { ok: true }> {
  if (!result.ok) assert.fail(`expected success, got ${JSON.stringify(result.errors, null, 2)}`);
  return result;
}

// ---- bad documents: each with its exact multiset of codes, and paths where given ----

interface BadCase {
  readonly name: string;
  readonly input: unknown;
  readonly codes: readonly string[];
  readonly paths?: readonly string[];
}

const badCases: BadCase[] = [
  { name: 'null document', input: null, codes: ['E_SCHEMA'], paths: [''] },
  { name: 'array document', input: [], codes: ['E_SCHEMA'], paths: [''] },
  { name: 'wrong format', input: { ...doc([]), format: 'other' }, codes: ['E_FORMAT'], paths: ['format'] },
  { name: 'missing format', input: { version: 1, modules: [], connections: [] }, codes: ['E_FORMAT'], paths: ['format'] },
  { name: 'unsupported version', input: { ...doc([]), version: 2 }, codes: ['E_VERSION'], paths: ['version'] },
  { name: 'version as string', input: { ...doc([]), version: '1' }, codes: ['E_VERSION'] },
  {
    name: 'wrong version: content not interpreted further',
    input: { ...doc([{ id: 'X', type: 'nope' }, { id: 5 } as Module], [{ from: 1 } as Connection]), version: 3 },
    codes: ['E_VERSION'],
  },
  {
    name: 'wrong format: only envelope problems reported',
    input: { format: 'other-synth', version: 1, modules: 'all of them', connections: [], extra: 1 },
    codes: ['E_FORMAT', 'E_UNKNOWN_KEY'],
  },
  { name: 'unknown top-level key', input: { ...doc([]), extra: true }, codes: ['E_UNKNOWN_KEY'], paths: ['extra'] },
  { name: 'modules not an array', input: { ...doc([]), modules: {} }, codes: ['E_SCHEMA'], paths: ['modules'] },
  { name: 'missing connections', input: { format: 'chronus-patch', version: 1, modules: [] }, codes: ['E_SCHEMA'], paths: ['connections'] },
  { name: 'module missing type', input: doc([{ id: 'a' } as Module]), codes: ['E_SCHEMA'], paths: ['modules[0].type'] },
  { name: 'module id not a string', input: doc([{ id: 7, type: 'osc' }]), codes: ['E_SCHEMA'], paths: ['modules[0].id'] },
  { name: 'params not an object', input: doc([{ ...osc1, params: [1] }]), codes: ['E_SCHEMA'], paths: ['modules[0].params'] },
  {
    name: 'unknown module key, type still checked',
    input: doc([{ id: 'a', type: 'nope', parms: {} }]),
    codes: ['E_UNKNOWN_KEY', 'E_UNKNOWN_TYPE'],
    paths: ['modules[0].parms', 'modules[0].type'],
  },
  { name: 'unknown connection key', input: doc([osc1], [{ from: 'osc1', to: 'out', gain: 2 }]), codes: ['E_UNKNOWN_KEY'], paths: ['connections[0].gain'] },
  { name: 'connection missing to', input: doc([osc1], [{ from: 'osc1' } as Connection]), codes: ['E_SCHEMA'], paths: ['connections[0].to'] },
  { name: 'param value of wrong JSON type', input: doc([{ ...osc1, params: { freq: {} } }]), codes: ['E_PARAM_TYPE'], paths: ['modules[0].params.freq'] },
  { name: 'uppercase id', input: doc([{ id: 'Osc', type: 'osc' }]), codes: ['E_BAD_ID'], paths: ['modules[0].id'] },
  { name: 'id starting with a digit', input: doc([{ id: '1osc', type: 'osc' }]), codes: ['E_BAD_ID'] },
  { name: 'id of 33 characters', input: doc([{ id: 'a'.repeat(33), type: 'osc' }]), codes: ['E_BAD_ID'] },
  { name: 'empty id', input: doc([{ id: '', type: 'osc' }]), codes: ['E_BAD_ID'] },
  { name: 'duplicate id', input: doc([osc1, { id: 'osc1', type: 'lfo' }]), codes: ['E_DUPLICATE_ID'], paths: ['modules[1].id'] },
  { name: 'unknown type', input: doc([{ id: 'a', type: 'theremin' }]), codes: ['E_UNKNOWN_TYPE'], paths: ['modules[0].type'] },
  { name: 'id out with another type', input: doc([{ id: 'out', type: 'osc' }]), codes: ['E_MASTER'], paths: ['modules[0].type'] },
  { name: 'type out with another id', input: doc([{ id: 'master', type: 'out' }]), codes: ['E_MASTER'], paths: ['modules[0].id'] },
  { name: 'unknown param', input: doc([{ ...osc1, params: { colour: 1 } }]), codes: ['E_UNKNOWN_PARAM'], paths: ['modules[0].params.colour'] },
  {
    name: 'param given by id and alias',
    input: doc([{ ...osc1, params: { freq: 100, frequency: 200 } }]),
    codes: ['E_DUPLICATE_PARAM'],
    paths: ['modules[0].params.frequency'],
  },
  { name: 'string for a numeric param', input: doc([{ ...osc1, params: { freq: '440' } }]), codes: ['E_PARAM_TYPE'] },
  { name: 'unknown enum label', input: doc([{ ...osc1, params: { waveform: 'pulse' } }]), codes: ['E_PARAM_TYPE'], paths: ['modules[0].params.waveform'] },
  { name: 'fractional enum index', input: doc([{ ...osc1, params: { waveform: 1.5 } }]), codes: ['E_PARAM_TYPE'] },
  { name: 'boolean for an enum', input: doc([{ ...osc1, params: { waveform: true } }]), codes: ['E_PARAM_TYPE'] },
  { name: 'param above range', input: doc([{ ...osc1, params: { freq: 30000 } }]), codes: ['E_PARAM_RANGE'], paths: ['modules[0].params.freq'] },
  { name: 'param below range', input: doc([{ ...osc1, params: { gain: -0.1 } }]), codes: ['E_PARAM_RANGE'] },
  { name: 'enum index out of range', input: doc([{ ...osc1, params: { waveform: 4 } }]), codes: ['E_PARAM_RANGE'] },
  { name: 'alias param out of range', input: doc([{ ...filt1, params: { resonance: 50 } }]), codes: ['E_PARAM_RANGE'], paths: ['modules[0].params.resonance'] },
  { name: 'endpoint with two dots', input: doc([osc1], [{ from: 'osc1.out.x', to: 'out' }]), codes: ['E_BAD_ENDPOINT'], paths: ['connections[0].from'] },
  { name: 'endpoint with empty port', input: doc([osc1], [{ from: 'osc1', to: 'out.' }]), codes: ['E_BAD_ENDPOINT'], paths: ['connections[0].to'] },
  { name: 'empty endpoint', input: doc([osc1], [{ from: '', to: 'out' }]), codes: ['E_BAD_ENDPOINT'] },
  { name: 'uppercase endpoint', input: doc([osc1], [{ from: 'OSC1', to: 'out' }]), codes: ['E_BAD_ENDPOINT'] },
  { name: 'undeclared source', input: doc([], [{ from: 'osc9', to: 'out' }]), codes: ['E_UNKNOWN_MODULE'], paths: ['connections[0].from'] },
  { name: 'undeclared destination', input: doc([osc1], [{ from: 'osc1', to: 'vca9.gain' }]), codes: ['E_UNKNOWN_MODULE'], paths: ['connections[0].to'] },
  { name: 'unknown output', input: doc([osc1], [{ from: 'osc1.left', to: 'out' }]), codes: ['E_UNKNOWN_PORT'], paths: ['connections[0].from'] },
  { name: 'unknown input or param', input: doc([osc1], [{ from: 'osc1', to: 'out.side' }]), codes: ['E_UNKNOWN_PORT'], paths: ['connections[0].to'] },
  { name: 'bare target without inputs', input: doc([osc1, lfo1], [{ from: 'osc1', to: 'lfo1' }]), codes: ['E_UNKNOWN_PORT'] },
  { name: 'output name used as target', input: doc([osc1, filt1], [{ from: 'osc1', to: 'filt1.lp' }]), codes: ['E_UNKNOWN_PORT'] },
  { name: 'modulating an enum', input: doc([lfo1, osc1], [{ from: 'lfo1', to: 'osc1.waveform' }]), codes: ['E_NOT_MODULATABLE'], paths: ['connections[0].to'] },
  { name: 'amount not a number', input: doc([osc1], [{ from: 'osc1', to: 'out', amount: 'loud' }]), codes: ['E_BAD_AMOUNT'], paths: ['connections[0].amount'] },
  { name: 'amount not finite', input: doc([osc1], [{ from: 'osc1', to: 'out', amount: Infinity }]), codes: ['E_BAD_AMOUNT'] },
  {
    name: 'modulation depth beyond the param span',
    input: doc([lfo1, osc1], [{ from: 'lfo1', to: 'osc1.gain', amount: -1.5 }]),
    codes: ['E_BAD_AMOUNT'],
    paths: ['connections[0].amount'],
  },
  {
    name: 'same pair twice, written differently',
    input: doc([osc1], [{ from: 'osc1', to: 'out' }, { from: 'osc1.out', to: 'out.in', amount: 0.5 }]),
    codes: ['E_DUPLICATE_CONNECTION'],
    paths: ['connections[1]'],
  },
  {
    name: 'same param modulated twice (by id and alias)',
    input: doc([lfo1, filt1], [{ from: 'lfo1', to: 'filt1.cutoff', amount: 100 }, { from: 'lfo1', to: 'filt1.frequency', amount: 200 }]),
    codes: ['E_DUPLICATE_CONNECTION'],
  },
  { name: 'self loop', input: doc([filt1], [{ from: 'filt1', to: 'filt1' }]), codes: ['E_CYCLE'], paths: ['connections[0]'] },
  {
    name: 'three-module loop',
    input: doc([filt1, { id: 'f2', type: 'filter' }, { id: 'f3', type: 'filter' }], [
      { from: 'filt1', to: 'f2' },
      { from: 'f2', to: 'f3' },
      { from: 'f3', to: 'filt1' },
      { from: 'f3', to: 'out' },
    ]),
    codes: ['E_CYCLE'],
    paths: ['connections[2]'],
  },
  {
    name: 'loop through a modulation connection',
    input: doc([osc1, filt1], [{ from: 'osc1', to: 'filt1' }, { from: 'filt1', to: 'osc1.freq', amount: 10 }]),
    codes: ['E_CYCLE'],
  },
  {
    name: 'no cascade: connection to a module of unknown type',
    input: doc([osc1, { id: 'fx', type: 'reverb' }], [{ from: 'osc1', to: 'fx' }, { from: 'fx.wet', to: 'out' }]),
    codes: ['E_UNKNOWN_TYPE'],
  },
  {
    name: 'no cascade: connection to a module with a bad id',
    input: doc([{ id: 'Osc', type: 'osc' }], [{ from: 'Osc', to: 'out' }]),
    codes: ['E_BAD_ID'],
  },
  {
    name: 'no cascade: connection to a misdeclared master',
    input: doc([osc1, { id: 'out', type: 'lfo' }], [{ from: 'osc1', to: 'out' }]),
    codes: ['E_MASTER'],
  },
  {
    name: 'no cascade: connection to a structurally broken module',
    input: doc([osc1, { id: 'f', type: 7 }], [{ from: 'osc1', to: 'f' }]),
    codes: ['E_SCHEMA'],
    paths: ['modules[1].type'],
  },
  {
    name: 'a param of the wrong JSON type does not hide the other params',
    input: doc([{ ...osc1, params: { freq: null, gain: 9, colour: 1 } }], [{ from: 'osc1', to: 'out.x' }]),
    codes: ['E_PARAM_TYPE', 'E_PARAM_RANGE', 'E_UNKNOWN_PARAM', 'E_UNKNOWN_PORT'],
  },
  {
    name: 'a non-object params does not hide connection problems',
    input: doc([{ ...osc1, params: 5 }], [{ from: 'osc1.x', to: 'out' }]),
    codes: ['E_SCHEMA', 'E_UNKNOWN_PORT'],
  },
  {
    name: 'a bad amount does not hide endpoint problems',
    input: doc([osc1], [{ from: 'osc1', to: 'nowhere', amount: 'x' }]),
    codes: ['E_BAD_AMOUNT', 'E_UNKNOWN_MODULE'],
  },
  {
    name: 'both endpoints wrong: both reported',
    input: doc([osc1], [{ from: 'osc1.nope', to: 'ghost' }]),
    codes: ['E_UNKNOWN_PORT', 'E_UNKNOWN_MODULE'],
    paths: ['connections[0].from', 'connections[0].to'],
  },
];

for (const c of badCases) {
  test(`rejects: ${c.name}`, () => {
    const errors = errorsOf(validatePatch(c.input, registry));
    assert.deepEqual(errors.map((e) => e.code).sort(), [...c.codes].sort(), JSON.stringify(errors, null, 2));
    if (c.paths !== undefined) assert.deepEqual(errors.map((e) => e.path).sort(), [...c.paths].sort());
    for (const e of errors) {
      assert.ok(e.code in PATCH_ERROR_CODES, `unlisted code ${e.code}`);
      assert.ok(e.message.length > 0);
    }
  });
}

test('rejects malformed JSON text with E_JSON', () => {
  const errors = errorsOf(validatePatchText('{"format": "chronus-patch",', registry));
  assert.deepEqual(errors.map((e) => e.code), ['E_JSON']);
  assert.equal(errors[0]?.path, '');
});

test('a buffer param naming a buffer that is not loaded: E_BUFFER_UNKNOWN (with the loaded set); a number: E_PARAM_TYPE', () => {
  const sampler = (buffer: unknown): unknown => doc([{ id: 's', type: 'sampler', params: { buffer } }], [{ from: 's', to: 'out' }]);
  const loaded = { bufferLoaded: (name: string) => name === 'break1' };
  const registry = createRegistry();
  assert.deepEqual(errorsOf(validatePatch(sampler('nope'), registry, loaded)).map((e) => [e.code, e.path]), [['E_BUFFER_UNKNOWN', 'modules[0].params.buffer']]);
  assert.deepEqual(errorsOf(validatePatch(sampler(3), registry, loaded)).map((e) => e.code), ['E_PARAM_TYPE']);
  const ok = validatePatch(sampler('break1'), registry, loaded);
  assert.ok(ok.ok);
  assert.deepEqual(ok.patch.modules.find((m) => m.id === 's')?.buffers, ['break1']);
  assert.deepEqual(ok.document.modules.find((m) => m.id === 's')?.params, { buffer: 'break1' });
});

test('the bad-document table covers every error code', () => {
  const covered = new Set([...badCases.flatMap((c) => c.codes), 'E_JSON', 'E_BUFFER_UNKNOWN']);
  const missing = Object.keys(PATCH_ERROR_CODES).filter((code) => !covered.has(code));
  assert.deepEqual(missing, []);
});

test('every error at once: four independent problems give four errors', () => {
  const input = {
    ...doc(
      [
        { id: 'Bad', type: 'osc' },
        { id: 'osc1', type: 'osc', params: { freq: 1e6 } },
      ],
      [{ from: 'osc1', to: 'out.nope' }],
    ),
    colour: 'red',
  };
  const errors = errorsOf(validatePatch(input, registry));
  assert.deepEqual(
    errors.map((e) => `${e.code} ${e.path}`).sort(),
    ['E_BAD_ID modules[0].id', 'E_PARAM_RANGE modules[1].params.freq', 'E_UNKNOWN_PORT connections[0].to', 'E_UNKNOWN_KEY colour'].sort(),
  );
});

test('the cycle message names the cycle, starting at its earliest module', () => {
  const input = doc([{ id: 'c', type: 'filter' }, { id: 'a', type: 'filter' }, { id: 'b', type: 'filter' }], [
    { from: 'a', to: 'b' },
    { from: 'b', to: 'c' },
    { from: 'c', to: 'a' },
  ]);
  const [error, ...rest] = errorsOf(validatePatch(input, registry));
  assert.equal(rest.length, 0);
  assert.equal(error?.code, 'E_CYCLE');
  assert.match(error?.message ?? '', /c → a → b → c/);
  assert.equal(error?.path, 'connections[1]');
});

test('two separate cycles give two errors', () => {
  const input = doc(
    [{ id: 'a', type: 'filter' }, { id: 'b', type: 'filter' }, { id: 'c', type: 'filter' }, { id: 'd', type: 'filter' }],
    [
      { from: 'a', to: 'b' },
      { from: 'b', to: 'a' },
      { from: 'c', to: 'd' },
      { from: 'd', to: 'c' },
    ],
  );
  const errors = errorsOf(validatePatch(input, registry));
  assert.deepEqual(errors.map((e) => e.code), ['E_CYCLE', 'E_CYCLE']);
  assert.match(errors[0]?.message ?? '', /a → b → a/);
  assert.match(errors[1]?.message ?? '', /c → d → c/);
});

// ---- good documents ----

test('the issue example validates and resolves', () => {
  const input = {
    format: 'chronus-patch',
    version: 1,
    modules: [
      { id: 'osc1', type: 'osc', params: { waveform: 'saw', freq: 110 } },
      { id: 'lfo1', type: 'lfo', params: { rate: 0.5 } },
      { id: 'filt1', type: 'filter', params: { cutoff: 800, q: 4 } },
    ],
    connections: [
      { from: 'osc1', to: 'filt1' },
      { from: 'lfo1', to: 'filt1.cutoff', amount: 600 },
      { from: 'filt1', to: 'out' },
    ],
  };
  const { patch, document } = okOf(validatePatch(input, registry));
  assert.deepEqual(patch.modules.map((m) => m.id), ['osc1', 'lfo1', 'filt1', 'out']);
  assert.deepEqual(patch.modules[0]?.params, [1, 110, 0.5]);
  assert.deepEqual(patch.modules[2]?.params, [0, 800, 4]);
  assert.deepEqual(patch.modules[3]?.params, [1]);
  assert.equal(patch.modules[0]?.definition.spec, oscSpec);
  assert.deepEqual(patch.connections, [
    { from: 'osc1', fromOutput: 0, to: 'filt1', kind: 'input', toIndex: 0, amount: 1 },
    { from: 'lfo1', fromOutput: 0, to: 'filt1', kind: 'param', toIndex: 1, amount: 600 },
    { from: 'filt1', fromOutput: 0, to: 'out', kind: 'input', toIndex: 0, amount: 1 },
  ]);
  assert.deepEqual(document, {
    format: 'chronus-patch',
    version: 1,
    modules: [
      { id: 'osc1', type: 'osc', params: { waveform: 'saw', freq: 110 } },
      { id: 'lfo1', type: 'lfo', params: { rate: 0.5 } },
      { id: 'filt1', type: 'filter', params: { cutoff: 800, q: 4 } },
      { id: 'out', type: 'out' },
    ],
    connections: [
      { from: 'osc1.out', to: 'filt1.in' },
      { from: 'lfo1.out', to: 'filt1.cutoff', amount: 600 },
      { from: 'filt1.lp', to: 'out.in' },
    ],
  });
});

test('an empty patch gets the master output', () => {
  const { patch, document } = okOf(validatePatch(doc([]), registry));
  assert.deepEqual(patch.modules.map((m) => [m.id, m.type]), [['out', 'out']]);
  assert.deepEqual(document.modules, [{ id: 'out', type: 'out' }]);
});

test('an explicit master output keeps its params and is not duplicated', () => {
  const { patch, document } = okOf(validatePatch(doc([{ id: 'out', type: 'out', params: { volume: 0.25 } }, osc1], [{ from: 'osc1', to: 'out' }]), registry));
  assert.deepEqual(patch.modules.map((m) => m.id), ['osc1', 'out']);
  assert.deepEqual(patch.modules[1]?.params, [0.25]);
  assert.deepEqual(document.modules, [{ id: 'out', type: 'out', params: { gain: 0.25 } }, { id: 'osc1', type: 'osc' }]);
});

test('a type alias resolves to the canonical type with its defaults made explicit', () => {
  const { patch, document } = okOf(
    validatePatch(doc([{ id: 's', type: 'simple_sine', params: { frequency: 220 } }, { id: 'f', type: 'biquad_filter', params: { q: 3 } }]), registry),
  );
  assert.deepEqual(patch.modules.map((m) => [m.id, m.type]), [['s', 'osc'], ['f', 'filter'], ['out', 'out']]);
  assert.deepEqual(patch.modules[0]?.params, [0, 220, 0.5]);
  assert.deepEqual(patch.modules[1]?.params, [0, 1000, 3], 'the document value wins over the alias default');
  assert.deepEqual(document.modules.slice(0, 2), [
    { id: 's', type: 'osc', params: { waveform: 'sine', freq: 220 } },
    { id: 'f', type: 'filter', params: { mode: 'lowpass', q: 3 } },
  ]);
});

test('enum params take a label (any case) or an integer index; booleans map to 0/1', () => {
  const { patch, document } = okOf(
    validatePatch(
      doc([
        { id: 'a', type: 'osc', params: { waveform: 'SQUARE' } },
        { id: 'b', type: 'osc', params: { waveform: 3, gain: true } },
        { id: 'c', type: 'osc', params: { gain: false } },
      ]),
      registry,
    ),
  );
  assert.deepEqual(patch.modules.slice(0, 3).map((m) => m.params), [[2, 440, 0.5], [3, 440, 1], [0, 440, 0]]);
  assert.deepEqual(document.modules.slice(0, 3).map((m) => m.params), [{ waveform: 'square' }, { waveform: 'triangle', gain: 1 }, { gain: 0 }]);
});

test('named ports and outputs resolve to their indices; amounts are kept', () => {
  const { patch } = okOf(
    validatePatch(
      doc([lfo1, osc1, filt1], [
        { from: 'lfo1', to: 'osc1.fm', amount: 0.3 },
        { from: 'lfo1', to: 'osc1.frequency', amount: -50 },
        { from: 'osc1', to: 'filt1.in' },
        { from: 'filt1.hp', to: 'out', amount: 0.5 },
        { from: 'filt1.lp', to: 'out' },
      ]),
      registry,
    ),
  );
  assert.deepEqual(
    patch.connections.map((c) => [c.from, c.fromOutput, c.to, c.kind, c.toIndex, c.amount]),
    [
      ['lfo1', 0, 'osc1', 'input', 0, 0.3],
      ['lfo1', 0, 'osc1', 'param', 1, -50],
      ['osc1', 0, 'filt1', 'input', 0, 1],
      ['filt1', 1, 'out', 'input', 0, 0.5],
      ['filt1', 0, 'out', 'input', 0, 1],
    ],
  );
});

test('the normalised document re-validates to the same document and patch', () => {
  const input = doc(
    [
      { id: 'f', type: 'biquad_filter', params: { frequency: 500, resonance: 2.5 } },
      { id: 's', type: 'simple_sine', params: { frequency: 330 } },
      { id: 'l', type: 'lfo' },
    ],
    [
      { from: 's', to: 'f' },
      { from: 'l', to: 'f.frequency', amount: 200 },
      { from: 'f.hp', to: 'out', amount: 0.8 },
    ],
  );
  const first = okOf(validatePatch(input, registry));
  const second = okOf(validatePatch(JSON.parse(JSON.stringify(first.document)), registry));
  assert.deepEqual(second.document, first.document);
  assert.deepEqual(second.patch, first.patch);
});

test('patchDocumentFromResolved gives a full snapshot that re-validates to the same patch', () => {
  const first = okOf(validatePatch(doc([{ id: 'v', type: 'filter' }, osc1], [{ from: 'osc1', to: 'v' }, { from: 'v', to: 'out' }]), registry));
  const snapshot = patchDocumentFromResolved(first.patch);
  assert.deepEqual(snapshot.modules[0], { id: 'osc1', type: 'osc', params: { waveform: 'sine', freq: 440, gain: 0.5 } });
  const second = okOf(validatePatch(snapshot, registry));
  assert.deepEqual(second.patch, first.patch);
});

test('render order is deterministic: sources first, ties broken by document order', () => {
  const modules = [{ id: 'f', type: 'filter' }, { id: 'b', type: 'osc' }, { id: 'a', type: 'osc' }, { id: 'l', type: 'lfo' }];
  const connections = [
    { from: 'a', to: 'f' },
    { from: 'b', to: 'f' },
    { from: 'l', to: 'a.freq', amount: 5 },
    { from: 'f', to: 'out' },
  ];
  const orders = [connections, [...connections].reverse()].map(
    (cs) => okOf(validatePatch(doc(modules, cs), registry)).patch.modules.map((m) => m.id),
  );
  assert.deepEqual(orders[0], ['b', 'l', 'a', 'f', 'out']);
  assert.deepEqual(orders[1], orders[0]);
});

test('unconnected modules stay in document order, the master output after its sources', () => {
  const { patch } = okOf(validatePatch(doc([{ id: 'out', type: 'out' }, osc1, lfo1], [{ from: 'osc1', to: 'out' }]), registry));
  assert.deepEqual(patch.modules.map((m) => m.id), ['osc1', 'out', 'lfo1']);
});

test('parseEndpoint', () => {
  assert.deepEqual(parseEndpoint('osc1'), { module: 'osc1' });
  assert.deepEqual(parseEndpoint('filt1.cutoff'), { module: 'filt1', port: 'cutoff' });
  for (const bad of ['', '.x', 'a.', 'a.b.c', 'A', 'a.B', '1a', 'a b', 'a'.repeat(33)]) assert.equal(parseEndpoint(bad), undefined, bad);
});

test('the JSON Schema describes the document', () => {
  const schema = patchJsonSchema();
  assert.equal(schema['type'], 'object');
  assert.equal(schema['additionalProperties'], false);
  assert.deepEqual(schema['required'], ['format', 'version', 'modules', 'connections']);
  assert.match(JSON.stringify(schema), /chronus-patch/);
});

// ---- against the real registry (once the other modules have landed) ----

const real = createRegistry();

test('real registry: the issue example validates', () => {
  const input = {
    format: 'chronus-patch',
    version: 1,
    modules: [
      { id: 'osc1', type: 'osc', params: { waveform: 'saw', freq: 110 } },
      { id: 'lfo1', type: 'lfo', params: { rate: 0.5 } },
      { id: 'filt1', type: 'filter', params: { cutoff: 800, q: 4 } },
    ],
    connections: [
      { from: 'osc1', to: 'filt1' },
      { from: 'lfo1', to: 'filt1.cutoff', amount: 600 },
      { from: 'filt1', to: 'out' },
    ],
  };
  const { patch, document } = okOf(validatePatch(input, real));
  assert.deepEqual(patch.modules.map((m) => m.id), ['osc1', 'lfo1', 'filt1', 'out']);
  assert.equal(document.modules[0]?.params?.['waveform'], 'saw');
  assert.deepEqual(okOf(validatePatch(document, real)).document, document);
});

test('real registry: every registered type validates with defaults', () => {
  for (const type of real.types().filter((t) => t !== 'out')) {
    okOf(validatePatch(doc([{ id: 'm', type }]), real));
  }
});

test('real registry: simple_sine is an osc with waveform sine', () => {
  const { patch, document } = okOf(validatePatch(doc([{ id: 's', type: 'simple_sine' }], [{ from: 's', to: 'out' }]), real));
  assert.equal(patch.modules[0]?.type, 'osc');
  assert.equal(document.modules[0]?.params?.['waveform'], 'sine');
});
