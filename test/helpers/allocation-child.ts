// Child process for the isolated allocation test (`isolated-allocation.test.ts`): one kernel,
// or the engine with a patch of every module, in a fresh V8 so the JIT state depends only on
// this workload (in a shared test process, what ran before changes inlining decisions).
// Usage: node allocation-child.js <module type | engine> [blocks] [const | sweep]
// Prints one JSON line: { collections, heapGrowth }.

import { createRegistry } from '../../src/dsp/modules/index.js';
import { Engine } from '../../src/engine/engine.js';
import { validatePatch } from '../../src/patch/validate.js';
import { allocationProbe } from './allocation.js';
import { KernelHarness } from './kernel-harness.js';
import { TestRandom } from './random.js';

const target = process.argv[2] ?? 'engine';
const blocks = Number(process.argv[3] ?? 20000);
const registry = createRegistry();

function kernelBody(type: string): () => void {
  const def = registry.get(type);
  if (def === undefined) throw new Error(`unknown module ${type}`);
  const rng = new TestRandom(11);
  const h = new KernelHarness(def);
  h.inputs.forEach((port) => {
    port.connected = true;
    port.buffer.set(rng.noise(128));
  });
  const sweeping = process.argv[4] === 'sweep';
  h.params.forEach((p, k) => {
    const spec = def.spec.params[k]!;
    if (spec.unit === 'enum' || !sweeping) return;
    p.isConstant = false;
    for (let i = 0; i < 128; i++) p.buffer[i] = spec.min + ((spec.max - spec.min) * i) / 127;
    p.value = p.buffer[127]!;
  });
  let n = 0;
  const kernel = h.kernel;
  const gated = def.spec.gate;
  return () => {
    if (gated && (n & 63) === 0) kernel.gate((n & 64) === 0);
    kernel.process(0, 128);
    n++;
  };
}

function engineBody(): () => void {
  const result = validatePatch({
    format: 'chronus-patch',
    version: 1,
    modules: [
      { id: 'lfo1', type: 'lfo', params: { shape: 'sh', rate: 7.3 } },
      { id: 'osc1', type: 'osc', params: { waveform: 'saw', freq: 110.3 } },
      { id: 'osc2', type: 'osc', params: { waveform: 'square', freq: 3011.7, pw: 0.31 } },
      { id: 'osc3', type: 'osc', params: { waveform: 'triangle', freq: 5001.1 } },
      { id: 'noise1', type: 'noise', params: { color: 'brown' } },
      { id: 'mix1', type: 'mixer', params: { gain2: 0.37 } },
      { id: 'filt1', type: 'filter', params: { cutoff: 911.1, q: 3.3 } },
      { id: 'env1', type: 'adsr', params: { curve: 'exp' } },
      { id: 'vca1', type: 'vca', params: { gain: 0.77 } },
      { id: 'out', type: 'out', params: { level: 0.71, pan: -0.23 } },
    ],
    connections: [
      { from: 'osc1', to: 'mix1.in1' }, { from: 'osc2', to: 'mix1.in2' }, { from: 'noise1', to: 'mix1.in3', amount: 0.3 },
      { from: 'osc3', to: 'osc1.fm', amount: 13.3 }, { from: 'mix1', to: 'filt1' }, { from: 'lfo1', to: 'filt1.cutoff', amount: 333.3 },
      { from: 'lfo1', to: 'filt1.fm', amount: 0.7 }, { from: 'filt1', to: 'env1' }, { from: 'env1', to: 'vca1' },
      { from: 'vca1', to: 'out' }, { from: 'lfo1', to: 'out.pan', amount: 0.31 }, { from: 'lfo1', to: 'osc2.freq', amount: 100.1 },
    ],
  }, registry);
  if (!result.ok) throw new Error(JSON.stringify(result.errors));
  const engine = new Engine({ sampleRate: 48000, maxBlock: 128 });
  engine.applyPatch(result.patch);
  const left = new Float32Array(128);
  const right = new Float32Array(128);
  const env = engine.instance('env1')!.handle;
  let n = 0;
  return () => {
    if ((n & 31) === 0) engine.scheduleGate(engine.frame + 17, env, (n & 32) === 0);
    engine.render(left, right, 128);
    n++;
  };
}

const body = target === 'engine' ? engineBody() : kernelBody(target);
const result = await allocationProbe(body, blocks);
process.stdout.write(`${JSON.stringify(result)}\n`);
