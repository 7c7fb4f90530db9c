// Child process for the isolated allocation test (`isolated-allocation.test.ts`): one kernel,
// or the engine with a patch of every module, in a fresh V8 so the JIT state depends only on
// this workload (in a shared test process, what ran before changes inlining decisions).
// Usage: node allocation-child.js <module type | engine | sequencer | batch | commands> [blocks] [const | sweep]
// Prints one JSON line: { collections, heapGrowth }.

import { createRegistry } from '../../src/dsp/modules/index.js';
import { Engine } from '../../src/engine/engine.js';
import type { ControlOp } from '../../src/engine/sequencer/ops.js';
import type { PatchDocument, ResolvedPatch } from '../../src/patch/document.js';
import { validatePatch } from '../../src/patch/validate.js';
import { allocationProbe } from './allocation.js';
import { KernelHarness } from './kernel-harness.js';
import { TestRandom } from './random.js';
import { percussivePatch } from './sequencer.js';
import { buildW2, W2 } from '../fixtures/w2.js';
import { CommandRingWriter } from '../../src/runtime/command-ring.js';
import { CMD_GATE, CMD_PARAM, type EncodedCommand } from '../../src/runtime/engine-command.js';
import { EngineHost } from '../../src/runtime/engine-host.js';
import { SLOT_LOCKSTEP, SLOT_PRODUCED, SLOT_STATE, UNDECIDED, createSharedState } from '../../src/runtime/shared-state.js';
import { SlotCommands } from '../../src/runtime/slot-commands.js';

const target = process.argv[2] ?? 'engine';
const blocks = Number(process.argv[3] ?? 20000);
const registry = createRegistry();

/**
 * One kernel's process over 128-sample blocks (its gate every 64 blocks when it has one, and
 * Kernel.transportStart every 64). `target` is a module type, optionally with fixed enum params:
 * `lfo:shape=5` (the lfo's smooth shape).
 */
function kernelBody(target: string): () => void {
  const [type = target, ...fixed] = target.split(':');
  const def = registry.get(type);
  if (def === undefined) throw new Error(`unknown module ${type}`);
  const rng = new TestRandom(11);
  const h = new KernelHarness(def);
  h.inputs.forEach((port) => {
    port.connected = true;
    port.buffer.set(rng.noise(128));
  });
  for (const f of fixed) {
    const [id = '', value = ''] = f.split('=');
    h.setParam(id, Number(value));
  }
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
    if ((n & 63) === 32) kernel.transportStart();
    kernel.process(0, 128);
    n++;
  };
}

function engineBody(): () => void {
  const result = everyModulePatch();
  const engine = new Engine({ sampleRate: 48000, maxBlock: 128 });
  engine.applyPatch(result.patch);
  const left = new Float32Array(128);
  const right = new Float32Array(128);
  const env = engine.instance('env1')!.handle;
  const master = engine.instance('out')!.handle;
  let n = 0;
  return () => {
    if ((n & 31) === 0) engine.scheduleGate(engine.frame + 17, env, (n & 32) === 0);
    // Automation ramps (linear and exponential, replacing each other mid-ramp) on the master level.
    if ((n & 15) === 5) engine.scheduleRamp(engine.frame + 29, master, 0, (n & 16) === 0 ? 0.25 : 0.75, 30, (n & 32) === 0);
    engine.render(left, right, 128);
    n++;
  };
}

let commandsHost: EngineHost | undefined;

/**
 * A slot's command path: every 4 blocks a param set (a fractional value) and a gate (on with a
 * velocity, or off) written to a shared command ring by the command bus's writer, then drained
 * and applied by SlotCommands (decideFrame, applyCommand) as the slot worker does, and the
 * block rendered by the slots' host.
 */
function commandsBody(): () => void {
  const result = everyModulePatch();
  const shared = createSharedState({ sampleRate: 48000, blockSize: 128, slots: 1, ringBlocks: 64, hashHistory: 64, commandCapacity: 1024, payloadBytes: 1024, recordBlocks: 64 });
  const me = shared.slots[0]!;
  Atomics.store(me.ints, SLOT_STATE, SLOT_LOCKSTEP);
  const handles = result.document.modules.map((m, i): [string, number] => [m.id, i + 1]);
  const host = EngineHost.fresh({ sampleRate: 48000, blockSize: 128, seed: 1 }, registry, { doc: result.document, handles, crossfadeFrames: 0 });
  commandsHost = host;
  const handle = (id: string): number => handles.find(([m]) => m === id)![1];
  const cutoff = registry.get('filter')!.spec.params.findIndex((p) => p.id === 'cutoff');
  // The commands, encoded once (as the bus encodes each message): the writer copies their fields.
  const params: EncodedCommand[] = [911.1, 1733.7, 523.25, 2450.9].map((value) => ({ kind: CMD_PARAM, handle: handle('filt1'), index: cutoff, value }));
  const gates: EncodedCommand[] = [0.8, 0].map((value) => ({ kind: CMD_GATE, handle: handle('env1'), index: 0, value }));
  const writer = new CommandRingWriter(shared);
  const commands = new SlotCommands(shared, 0, host);
  const left = new Float32Array(128);
  const right = new Float32Array(128);
  let seq = 0;
  let n = 0;
  const send = (command: EncodedCommand, frame: number): void => {
    Atomics.store(shared.decisions, seq & 1023, UNDECIDED);
    if (!writer.push(seq, frame, command)) throw new Error('command ring full');
    seq = (seq + 1) | 0;
  };
  return () => {
    if ((n & 3) === 0) {
      send(params[(n >> 2) & 3]!, host.frame + 17);
      send(gates[(n >> 2) & 1]!, host.frame + 53);
    }
    commands.drain();
    host.renderBlock(left, right, 128);
    Atomics.store(me.ints, SLOT_PRODUCED, (Atomics.load(me.ints, SLOT_PRODUCED) + 1) | 0);
    n++;
  };
}

/** A patch with every module type, modulation, sums and gates. */
function everyModulePatch(): { patch: ResolvedPatch; document: PatchDocument } {
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
  return result;
}

/**
 * The engine with running sequencers (gates, accents, pitch lanes, swing, 32nds) and no
 * scheduled events: everything the loop does per block is the sequencers' own work.
 */
function sequencerBody(): () => void {
  const engine = new Engine({ sampleRate: 48000, maxBlock: 128 });
  engine.applyPatch(percussivePatch());
  const ops: ControlOp[] = [{ op: 'transport.bpm', bpm: 173.3 }, { op: 'transport.swing', swing: 0.37 }];
  // Ties (_), slides (s, S), two gate targets on one sequencer, step lanes (velocity, length,
  // prob, cond) and a lane glide: every per-step path of the sequencer bank.
  const kinds: Array<[string, string, number, number, string]> = [
    ['kick', 'X...x...X..x.x..', 16, 16, 'env1'], ['hats', 'xxXxxxXxxxXxxxXx', 32, 32, 'env1'], ['bass', 'x_sX.xS_', 8, 8, 'env2'],
  ];
  for (const [id, pattern, steps, division, gate] of kinds) {
    ops.push({ op: 'seq.create', id }, { op: 'seq.config', id, steps, division, immediate: true }, { op: 'seq.pattern', id, pattern, immediate: true });
    ops.push({ op: 'seq.gate', id, module: gate }, { op: 'seq.gate_len', id, gateLen: 0.4 });
    ops.push({ op: 'seq.accent', id, module: 'osc1', param: 'gain', amount: 0.3 });
    ops.push({ op: 'seq.param', id, lane: 'pitch', module: 'osc1', param: 'freq' });
    ops.push({ op: 'seq.lane', id, lane: 'pitch', values: [110, null, 220.5, 330, 55.25, null, 440, 97.1], immediate: true });
    ops.push({ op: 'seq.steps', id, kind: 'velocity', values: [1, 0.5, null, 0.8, 0.3, null, 0.9, 0.6], immediate: true });
    ops.push({ op: 'seq.steps', id, kind: 'length', values: [0.2, null, 0.9, 0.5], immediate: true });
    ops.push({ op: 'seq.steps', id, kind: 'prob', values: [null, 0.5, 0.25, null, 0.75], immediate: true });
    ops.push({ op: 'seq.steps', id, kind: 'cond', values: [null, 1, null, 2], of: [null, 2, null, 3], immediate: true });
    ops.push({ op: 'seq.glide', id, ms: 40 });
  }
  ops.push({ op: 'seq.gate', id: 'bass', module: 'env1' });
  ops.push({ op: 'transport.start' });
  for (const op of ops) engine.scheduleControl(0, op);
  const left = new Float32Array(128);
  const right = new Float32Array(128);
  sequencerEngine = engine;
  // Extra warm-up: the step paths run a few times per second of audio, not per block, so they
  // reach V8's optimising tier later than the render loop.
  for (let i = 0; i < 40000; i++) engine.render(left, right, 128);
  return () => engine.render(left, right, 128);
}

let sequencerEngine: Engine | undefined;
let batchEngine: Engine | undefined;

/**
 * The engine with SIMD batch groups: 16 W2 voices (4 filter groups through the wasm batch
 * kernel), gates every 16 blocks at a frame inside the block (so groups render split
 * sub-blocks too), and a smoothed cutoff change on one filter every 64 blocks (its group falls
 * back to JS while it ramps).
 */
function batchBody(): () => void {
  const build = buildW2(16, 1);
  const engine = new Engine({ sampleRate: W2.sampleRate, maxBlock: 128, batch: true });
  if (engine.batchStatus !== 'on') throw new Error(`batch ${engine.batchStatus}`);
  engine.applyPatch(build.patch);
  batchEngine = engine;
  const left = new Float32Array(128);
  const right = new Float32Array(128);
  const envs = Array.from({ length: 16 }, (_, i) => engine.instance(`env${i}`)!.handle);
  const vcf = engine.instance('vcf5')!.handle;
  let n = 0;
  return () => {
    if ((n & 15) === 0) for (const h of envs) engine.scheduleGate(engine.frame + 53, h, (n & 16) === 0);
    if ((n & 63) === 0) engine.scheduleParam(engine.frame + 7, vcf, 1, (n & 64) === 0 ? 1200 : 700);
    engine.render(left, right, 128);
    n++;
  };
}

const body = target === 'engine' ? engineBody()
  : target === 'sequencer' ? sequencerBody()
  : target === 'batch' ? batchBody()
  : target === 'commands' ? commandsBody()
  : kernelBody(target);
const result = await allocationProbe(body, blocks);
// For the sequencer probe: how many events the sequencers scheduled (warm-up included).
const events = sequencerEngine?.counters.eventsApplied ?? batchEngine?.counters.eventsApplied ?? commandsHost?.engine.counters.eventsApplied ?? 0;
const batch = batchEngine?.batchStats();
process.stdout.write(`${JSON.stringify({ ...result, events, ...(batch === undefined ? {} : { batched: batch.batched, fallback: batch.fallback }) })}\n`);
