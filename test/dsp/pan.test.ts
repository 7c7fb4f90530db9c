// pan: equal-power law for the mono input, balance law for a stereo input, port layout.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createRegistry } from '../../src/dsp/modules/index.js';
import { panModule } from '../../src/dsp/modules/pan.js';
import { validatePatch } from '../../src/patch/validate.js';
import { KernelHarness } from '../helpers/kernel-harness.js';
import { toDb } from '../helpers/analysis.js';
import { TestRandom } from '../helpers/random.js';

/** L² + R² = 1 within this, at every position. */
const POWER_TOLERANCE = 1e-6;
/** Centre level per side: 20·log10(cos(π/4)) = −3.0103 dB, within this. */
const CENTRE_DB = 20 * Math.log10(Math.SQRT1_2);
const CENTRE_TOLERANCE_DB = 0.001;

function pan(pos: number): KernelHarness {
  return new KernelHarness(panModule, { params: { pos } });
}

test('ports: mono `in` first (a mono source connected without a port name lands there), then `left`, `right`; stereo outputs', () => {
  assert.deepEqual(panModule.spec.inputs.map((p) => p.id), ['in', 'left', 'right']);
  assert.deepEqual(panModule.spec.outputs.map((p) => p.id), ['left', 'right']);
});

test('patch wiring without port names: a mono source lands on `in`; a stereo source (another pan) on `left`/`right`', () => {
  const registry = createRegistry();
  const result = validatePatch({
    format: 'chronus-patch', version: 1,
    modules: [{ id: 'osc', type: 'osc' }, { id: 'p1', type: 'pan' }, { id: 'p2', type: 'pan' }],
    connections: [{ from: 'osc', to: 'p1' }, { from: 'p1', to: 'p2' }, { from: 'p2', to: 'out' }],
  }, registry);
  assert.ok(result.ok, JSON.stringify(result.ok ? '' : result.errors));
  const wires = result.patch.connections.map((c) => {
    const from = registry.get(result.patch.modules.find((m) => m.id === c.from)!.type)!.spec.outputs[c.fromOutput]!.id;
    const to = registry.get(result.patch.modules.find((m) => m.id === c.to)!.type)!.spec.inputs[c.toIndex]!.id;
    return `${c.from}.${from}->${c.to}.${to}`;
  });
  assert.deepEqual(wires, ['osc.out->p1.in', 'p1.left->p2.left', 'p1.right->p2.right', 'p2.left->out.left', 'p2.right->out.right']);
});

test('mono input: equal power, L² + R² = 1 ± 1e-6 at every position (swept per sample)', () => {
  const frames = 20001;
  const pos = new Float64Array(frames);
  for (let i = 0; i < frames; i++) pos[i] = -1 + (2 * i) / (frames - 1);
  const ones = new Float32Array(frames).fill(1);
  const [left, right] = pan(0).render(frames, { inputs: { in: ones }, paramCurves: { pos } });
  let previousLeft = Infinity;
  for (let i = 0; i < frames; i++) {
    const l = left![i]!;
    const r = right![i]!;
    assert.ok(Math.abs(l * l + r * r - 1) <= POWER_TOLERANCE, `pos ${pos[i]}: L² + R² = ${l * l + r * r}`);
    assert.ok(l <= previousLeft, `pos ${pos[i]}: the left gain grows`);
    previousLeft = l;
    // The documented law: θ = (pos + 1)·π/4, L = cos θ, R = sin θ.
    const theta = ((pos[i]! + 1) * Math.PI) / 4;
    assert.ok(Math.abs(l - Math.cos(theta)) < 1e-7 && Math.abs(r - Math.sin(theta)) < 1e-7, `pos ${pos[i]}`);
  }
});

test('mono input: centre is −3.01 dB on each side; the ends are hard left and hard right', () => {
  const rng = new TestRandom(3);
  const x = rng.noise(1000);
  const [l, r] = pan(0).render(x.length, { inputs: { in: x } });
  for (let i = 0; i < x.length; i++) {
    if (x[i] === 0) continue;
    assert.ok(Math.abs(toDb(Math.abs(l![i]! / x[i]!)) - CENTRE_DB) < CENTRE_TOLERANCE_DB, `left ${l![i]} for ${x[i]}`);
    assert.ok(Math.abs(toDb(Math.abs(r![i]! / x[i]!)) - CENTRE_DB) < CENTRE_TOLERANCE_DB, `right ${r![i]} for ${x[i]}`);
  }
  const [hardL, silentR] = pan(-1).render(x.length, { inputs: { in: x } });
  assert.deepEqual(hardL, x);
  assert.ok(silentR!.every((v, i) => Math.abs(v) <= 1e-16 * Math.abs(x[i]!)));
  const [silentL, hardR] = pan(1).render(x.length, { inputs: { in: x } });
  assert.deepEqual(hardR, x);
  assert.ok(silentL!.every((v, i) => Math.abs(v) <= 1e-16 * Math.abs(x[i]!)));
});

test('stereo input: balance, centre untouched, the side moved away from fades by cos(|pos|·π/2)', () => {
  const rng = new TestRandom(4);
  const inL = rng.noise(2000);
  const inR = rng.noise(2000);
  const [centreL, centreR] = pan(0).render(inL.length, { inputs: { left: inL, right: inR } });
  assert.deepEqual(centreL, inL);
  assert.deepEqual(centreR, inR);
  for (const pos of [-1, -0.5, -0.2, 0.3, 0.5, 1]) {
    const [l, r] = pan(pos).render(inL.length, { inputs: { left: inL, right: inR } });
    const gainL = pos > 0 ? Math.cos((pos * Math.PI) / 2) : 1;
    const gainR = pos < 0 ? Math.cos((-pos * Math.PI) / 2) : 1;
    for (let i = 0; i < inL.length; i++) {
      assert.ok(Math.abs(l![i]! - inL[i]! * gainL) < 1e-7, `pos ${pos}, left sample ${i}`);
      assert.ok(Math.abs(r![i]! - inR[i]! * gainR) < 1e-7, `pos ${pos}, right sample ${i}`);
    }
    if (Math.abs(pos) === 0.5) {
      const faded = pos > 0 ? gainL : gainR;
      assert.ok(Math.abs(toDb(faded) - CENTRE_DB) < CENTRE_TOLERANCE_DB, `pos ${pos}: faded side at ${toDb(faded)} dB`);
    }
  }
});

test('mono and stereo inputs together: the outputs are the sum of both laws', () => {
  const rng = new TestRandom(9);
  const mono = rng.noise(1000);
  const inL = rng.noise(1000);
  const inR = rng.noise(1000);
  const pos = 0.4;
  const [l, r] = pan(pos).render(mono.length, { inputs: { in: mono, left: inL, right: inR } });
  const theta = ((pos + 1) * Math.PI) / 4;
  for (let i = 0; i < mono.length; i++) {
    assert.ok(Math.abs(l![i]! - (mono[i]! * Math.cos(theta) + inL[i]! * Math.cos((pos * Math.PI) / 2))) < 1e-6, `left ${i}`);
    assert.ok(Math.abs(r![i]! - (mono[i]! * Math.sin(theta) + inR[i]!)) < 1e-6, `right ${i}`);
  }
});
