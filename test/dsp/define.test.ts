import assert from 'node:assert/strict';
import { test } from 'node:test';
import { defineModule } from '../../src/dsp/define.js';
import { Kernel } from '../../src/dsp/kernel.js';
import { specProblems } from '../../src/dsp/spec.js';
import { BUILT_IN_MODULES } from '../../src/dsp/modules/index.js';

const decl = defineModule({
  type: 'probe',
  doc: 'A declaration used by this test.',
  params: [
    { id: 'mode', unit: 'enum', min: 0, max: 1, default: 0, smoothingMs: 0, labels: ['a', 'b'], modulatable: false, doc: 'Mode.' },
    { id: 'freq', unit: 'Hz', min: 1, max: 1000, default: 100, smoothingMs: 5, scale: 'exp', doc: 'Frequency.' },
    { id: 'gain', unit: 'level', min: 0, max: 1, default: 1, smoothingMs: 5, doc: 'Gain.' },
  ],
  inputs: [{ id: 'in', doc: 'Audio.' }, { id: 'fm', doc: 'FM.' }],
  outputs: [{ id: 'left', doc: 'L.' }, { id: 'right', doc: 'R.' }],
  silentInSilentOut: true,
});

class ProbeKernel extends Kernel {
  readonly state = new Float64Array(0);
  process(): void {}
}

test('defineModule derives param, input and output indices in spec order', () => {
  assert.deepEqual({ ...decl.param }, { mode: 0, freq: 1, gain: 2 });
  assert.deepEqual({ ...decl.input }, { in: 0, fm: 1 });
  assert.deepEqual({ ...decl.output }, { left: 0, right: 1 });
  assert.ok(Object.isFrozen(decl.param));
});

test('defineModule fills the defaults: gate false, block-size invariant, linear scale', () => {
  assert.equal(decl.spec.gate, false);
  assert.equal(decl.spec.blockSizeInvariant, true);
  assert.equal(decl.spec.params[0]?.scale, 'linear');
  assert.equal(decl.spec.params[1]?.scale, 'exp');
  assert.deepEqual(specProblems(decl.spec), []);
  const definition = decl.withKernel(ProbeKernel);
  assert.equal(definition.spec, decl.spec);
  assert.equal(definition.kernel, ProbeKernel);
});

test('a misspelled param, input or output id does not compile', () => {
  // Each line below is a compile error (tsc fails the build if it is not: @ts-expect-error).
  // @ts-expect-error 'frequency' is not a param of the probe
  const misspelledParam: number | undefined = decl.param.frequency;
  // @ts-expect-error 'out' is not an output of the probe
  const misspelledOutput: number | undefined = decl.output.out;
  // @ts-expect-error 'cv' is not an input of the probe
  const misspelledInput: number | undefined = decl.input.cv;
  assert.deepEqual([misspelledParam, misspelledOutput, misspelledInput], [undefined, undefined, undefined]);
});

test('every built-in module is registered through one definition (spec + kernel)', () => {
  const types = BUILT_IN_MODULES.map((m) => m.spec.type);
  assert.equal(new Set(types).size, types.length);
  for (const m of BUILT_IN_MODULES) assert.deepEqual(specProblems(m.spec), [], m.spec.type);
});
