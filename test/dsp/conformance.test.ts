// Conformance suite: every registered module must pass these, whatever it does.
// - its spec is valid;
// - silence in → silence out (where the spec says so);
// - finite output for random in-range params and random inputs (seeded fuzz);
// - identical output for any block cutting, and for constant vs per-sample params;
// - snapshot/restore continues bit-identically;
// (That `process` allocates nothing is checked per module in isolated processes:
// test/engine/isolated-allocation.test.ts.)

import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { ModuleDefinition } from '../../src/dsp/kernel.js';
import { createRegistry } from '../../src/dsp/modules/index.js';
import { specProblems, type ParamSpec } from '../../src/dsp/spec.js';
import { KernelHarness, verifyOutputCheck } from '../helpers/kernel-harness.js';
import { TestRandom } from '../helpers/random.js';

const registry = createRegistry();
const definitions: ModuleDefinition[] = registry.types().map((t) => registry.get(t)!);
const FUZZ_TRIALS = 12;
const FUZZ_FRAMES = 4096;

function randomParamValue(p: ParamSpec, rng: TestRandom): number {
  if (p.unit === 'enum') return rng.int(p.min, p.max);
  // Half the draws spread log-wise for exp-scaled params, so both ends get exercised.
  if (p.scale === 'exp' && p.min > 0 && rng.next() < 0.5) return p.min * Math.pow(p.max / p.min, rng.next());
  return rng.range(p.min, p.max);
}

function randomParams(def: ModuleDefinition, rng: TestRandom): Record<string, number> {
  return Object.fromEntries(def.spec.params.map((p) => [p.id, randomParamValue(p, rng)]));
}

/** Renders with the given cuts, feeding `inputs` (all connected) and optional gates. */
function run(
  h: KernelHarness,
  inputs: Float32Array[],
  cuts: number[],
  gates: ReadonlyMap<number, boolean> = new Map(),
  paramCurves: Float64Array[] = [],
): Float32Array[] {
  const total = cuts.reduce((a, b) => a + b, 0);
  const out = h.outputs.map(() => new Float32Array(total));
  inputs.forEach((_, k) => (h.inputs[k]!.connected = true));
  let pos = 0;
  for (const n of cuts) {
    // Gates at frames inside this cut are applied by splitting the cut there.
    let start = 0;
    const cutPoints = [...gates.keys()].filter((f) => f >= pos && f < pos + n).sort((a, b) => a - b);
    for (const point of [...cutPoints, pos + n]) {
      const end = point - pos;
      if (end > start) {
        inputs.forEach((signal, k) => h.inputs[k]!.buffer.set(signal.subarray(pos + start, pos + end), start));
        paramCurves.forEach((curve, p) => {
          const signal = h.params[p]!;
          signal.isConstant = false;
          signal.buffer.set(curve.subarray(pos + start, pos + end), start);
          signal.value = curve[pos + end - 1]!;
        });
        h.kernel.outputCheck[0] = Number.POSITIVE_INFINITY;
        h.kernel.process(start, end);
        verifyOutputCheck(h.kernel, h.outputs, start, end);
        h.outputs.forEach((o, k) => out[k]!.set(o.subarray(start, end), pos + start));
        start = end;
      }
      const gate = gates.get(point);
      if (gate !== undefined && point < pos + n) h.kernel.gate(gate);
    }
    pos += n;
  }
  return out;
}

const gateScript = (def: ModuleDefinition): Map<number, boolean> =>
  def.spec.gate ? new Map([[100, true], [1500, false], [2100, true], [3000, false]]) : new Map();

test('the registry holds the documented modules and type aliases', () => {
  for (const type of ['osc', 'noise', 'adsr', 'filter', 'lfo', 'mixer', 'vca', 'out']) {
    assert.ok(registry.get(type) !== undefined, `module type '${type}' is registered`);
  }
  assert.equal(registry.resolve('simple_sine')?.definition.spec.type, 'osc');
  assert.equal(registry.resolve('biquad_filter')?.definition.spec.type, 'filter');
});

for (const def of definitions) {
  const type = def.spec.type;

  test(`${type}: spec is valid`, () => {
    assert.deepEqual(specProblems(def.spec), []);
  });

  if (def.spec.silentInSilentOut) {
    test(`${type}: silence in gives silence out`, () => {
      const rng = new TestRandom(7);
      for (let trial = 0; trial < 4; trial++) {
        const h = new KernelHarness(def, { params: randomParams(def, rng) });
        const inputs = def.spec.inputs.map(() => new Float32Array(2048));
        const out = run(h, inputs, rng.cuts(2048, 128), gateScript(def));
        for (const o of out) assert.ok(o.every((v) => v === 0), `non-zero output for silent input (trial ${trial})`);
      }
    });
  }

  test(`${type}: finite output for random in-range params and inputs (seeded fuzz)`, () => {
    const rng = new TestRandom(1234);
    for (let trial = 0; trial < FUZZ_TRIALS; trial++) {
      const params = randomParams(def, rng);
      const h = new KernelHarness(def, { params, seed: trial });
      const inputs = def.spec.inputs.map(() => rng.noise(FUZZ_FRAMES, trial % 3 === 0 ? 10 : 1));
      // Half the trials also sweep every non-enum param across its whole range per sample.
      const curves = trial % 2 === 0 ? [] : def.spec.params.map((p) => {
        const c = new Float64Array(FUZZ_FRAMES);
        for (let i = 0; i < FUZZ_FRAMES; i++) c[i] = p.unit === 'enum' ? params[p.id]! : randomParamValue(p, rng);
        return c;
      });
      const out = run(h, inputs, rng.cuts(FUZZ_FRAMES, 128), gateScript(def), curves);
      for (const o of out) {
        const bad = o.findIndex((v) => !Number.isFinite(v));
        assert.equal(bad, -1, `trial ${trial} params ${JSON.stringify(params)}: non-finite at ${bad}`);
      }
    }
  });

  test(`${type}: identical output for any block cutting and for constant vs per-sample params`, () => {
    const rng = new TestRandom(99);
    for (let trial = 0; trial < 4; trial++) {
      const params = randomParams(def, rng);
      const inputs = def.spec.inputs.map(() => rng.noise(FUZZ_FRAMES));
      const reference = run(new KernelHarness(def, { params, seed: 5 }), inputs, new Array(FUZZ_FRAMES / 128).fill(128), gateScript(def));
      const cut = run(new KernelHarness(def, { params, seed: 5 }), inputs, rng.cuts(FUZZ_FRAMES, 128), gateScript(def));
      const constantCurves = def.spec.params.map((p) => new Float64Array(FUZZ_FRAMES).fill(params[p.id]!));
      const asBuffers = run(new KernelHarness(def, { params, seed: 5 }), inputs, rng.cuts(FUZZ_FRAMES, 128), gateScript(def), constantCurves);
      reference.forEach((r, k) => {
        assert.deepEqual(cut[k], r, `trial ${trial}: output ${k} depends on block cutting`);
        assert.deepEqual(asBuffers[k], r, `trial ${trial}: output ${k} differs for per-sample params`);
      });
    }
  });

  test(`${type}: snapshot/restore continues bit-identically`, () => {
    const rng = new TestRandom(4242);
    const params = randomParams(def, rng);
    const inputs = def.spec.inputs.map(() => rng.noise(2 * FUZZ_FRAMES));
    const gates = gateScript(def);
    const a = new KernelHarness(def, { params, seed: 3 });
    run(a, inputs.map((s) => s.subarray(0, FUZZ_FRAMES)), new Array(FUZZ_FRAMES / 128).fill(128), gates);
    const b = new KernelHarness(def, { params, seed: 3 });
    const saved = a.kernel.stateArrays().map((s) => s.slice());
    b.kernel.stateArrays().forEach((s, k) => s.set(saved[k]!));
    const rest = inputs.map((s) => s.subarray(FUZZ_FRAMES));
    const later = new Map([[300, true], [1200, false]]);
    const gatesLater = def.spec.gate ? later : new Map<number, boolean>();
    const fromA = run(a, rest, rng.cuts(FUZZ_FRAMES, 128), gatesLater);
    const fromB = run(b, rest, rng.cuts(FUZZ_FRAMES, 128), gatesLater);
    fromA.forEach((o, k) => assert.deepEqual(fromB[k], o));
  });

  test(`${type}: reset returns to the state of a fresh instance`, () => {
    const rng = new TestRandom(77);
    const params = randomParams(def, rng);
    const inputs = def.spec.inputs.map(() => rng.noise(FUZZ_FRAMES));
    const used = new KernelHarness(def, { params, seed: 8 });
    run(used, inputs, new Array(FUZZ_FRAMES / 128).fill(128), gateScript(def));
    used.kernel.reset();
    const fresh = new KernelHarness(def, { params, seed: 8 });
    const a = run(used, inputs, new Array(FUZZ_FRAMES / 128).fill(128), gateScript(def));
    const b = run(fresh, inputs, new Array(FUZZ_FRAMES / 128).fill(128), gateScript(def));
    a.forEach((o, k) => assert.deepEqual(o, b[k]));
  });
}
