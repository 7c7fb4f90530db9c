// `npm run bench -- drums`: each drum voice's cost in ns per sample in three states, beside the
// `osc` saw measured in the same run (compare the ratios: the 2 shared cores make absolute times
// drift):
//   sounding  hit by /gate every 100 ms with decays long enough that it never falls silent;
//   idle      never hit, `trig` unconnected (what a silent drum in a patch costs);
//   storm     `trig` fed seeded noise, a new hit every few samples (the worst case of hits).
// Each kernel runs alone (no engine) in 128-frame blocks; the median of the rounds is reported.
// Times are the process's CPU time (process.cpuUsage), not wall time: on a shared machine the
// time spent waiting for a core would otherwise count. Optimisation is made synchronous (V8 flag
// --no-concurrent-recompilation, set before anything is compiled) and every case warms up for
// as long as it is timed: on a loaded machine a background compile can take seconds, and the
// rounds run meanwhile would time the interpreter (seen: 30× slower medians now and then).
// The reference is run as `bench modules` runs it (its `fm` input fed the same noise), so the
// ratios of the two benches compare.
//
// Main thread of the bench process; allocates freely outside the timed loops.

import { setFlagsFromString } from 'node:v8';
import type { KernelIo, ModuleDefinition } from '../src/dsp/kernel.js';
import { createRegistry } from '../src/dsp/modules/index.js';
import { ParamSignalCell } from '../src/dsp/param-signal.js';
import { option, pad } from './bench-args.js';

export const DRUMS_USAGE = 'drums [--seconds 2] [--rounds 7]   ns per sample of kick, snare, hat and clap sounding, idle and retriggered, beside osc saw';

const RATE = 48000;
const BLOCK = 128;
const HIT_EVERY = Math.round(RATE / 10 / BLOCK) * BLOCK;

/** Per drum: params that keep it sounding between hits 100 ms apart. */
const SOUNDING: Readonly<Record<string, Readonly<Record<string, number>>>> = {
  kick: { decay: 2000 },
  snare: { decay: 2000, noise_decay: 2000 },
  hat: { decay: 400, open: 1 },
  clap: { tail: 2000 },
};

type Mode = 'sounding' | 'idle' | 'storm';

function makeRunner(definition: ModuleDefinition, values: Readonly<Record<string, number>>, mode: Mode): (frames: number) => number {
  const spec = definition.spec;
  const params = spec.params.map((p) => new ParamSignalCell(values[p.id] ?? p.default, new Float64Array(BLOCK)));
  // 'storm': every input (a drum's `trig`, the reference osc's `fm`) fed seeded noise.
  const inputs = spec.inputs.map(() => ({ connected: mode === 'storm', buffer: new Float32Array(BLOCK), scale: 1 }));
  const outputs = spec.outputs.map(() => new Float32Array(BLOCK));
  const io: KernelIo = { params, inputs, outputs };
  const kernel = new definition.kernel({ sampleRate: RATE, maxBlock: BLOCK, seed: 7 }, io);
  const table = new Float32Array(1 << 16);
  let s = 0x9e3779b9;
  for (let i = 0; i < table.length; i++) {
    s = (Math.imul(s ^ (s >>> 15), 0x2c1b3c6d) + 0x6d2b79f5) >>> 0;
    table[i] = 0.25 * ((s / 4294967296) * 2 - 1);
  }
  const gated = spec.gate && mode === 'sounding';
  return (frames) => {
    let frame = 0;
    let offset = 0;
    const t0 = cpuMs();
    while (frame < frames) {
      if (mode === 'storm') {
        for (const input of inputs) {
          input.buffer.set(table.subarray(offset, offset + BLOCK));
          offset = (offset + 977) & 0x7fff;
        }
      }
      if (gated && frame % HIT_EVERY === 0) kernel.gate(true, 1);
      kernel.process(0, BLOCK);
      frame += BLOCK;
    }
    return ((cpuMs() - t0) * 1e6) / frames;
  };
}

/** CPU time of this process (user + system), in ms. */
function cpuMs(): number {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
}

const median = (xs: readonly number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

export async function drumsBench(args: readonly string[]): Promise<void> {
  setFlagsFromString('--no-concurrent-recompilation');
  const seconds = option(args, '--seconds', 2);
  const rounds = option(args, '--rounds', 7);
  const registry = createRegistry();
  const frames = Math.round((seconds * RATE) / BLOCK) * BLOCK;
  const oscDef = registry.get('osc')!;
  const reference = makeRunner(oscDef, { waveform: 1 }, 'storm');
  const cases: { type: string; mode: Mode; run: (frames: number) => number }[] = [];
  for (const type of Object.keys(SOUNDING)) {
    const def = registry.get(type)!;
    cases.push({ type, mode: 'sounding', run: makeRunner(def, SOUNDING[type]!, 'sounding') });
    cases.push({ type, mode: 'idle', run: makeRunner(def, {}, 'idle') });
    cases.push({ type, mode: 'storm', run: makeRunner(def, {}, 'storm') });
  }
  reference(frames);
  for (const c of cases) c.run(frames);
  const times = cases.map(() => [] as number[]);
  const referenceTimes: number[] = [];
  for (let r = 0; r < rounds; r++) {
    referenceTimes.push(reference(frames));
    cases.forEach((c, k) => times[k]!.push(c.run(frames)));
  }
  const ref = median(referenceTimes);
  const widths = [8, 10, 12, 12];
  process.stdout.write(`drums: ${seconds} s of audio per case, ${rounds} rounds, median CPU time; osc saw reference ${ref.toFixed(1)} ns/sample\n`);
  process.stdout.write(`${pad(['drum', 'state', 'ns/sample', '× osc saw'], widths)}\n`);
  cases.forEach((c, k) => {
    const ns = median(times[k]!);
    process.stdout.write(`${pad([c.type, c.mode, ns.toFixed(1), (ns / ref).toFixed(3)], widths)}\n`);
  });
  await Promise.resolve();
}
