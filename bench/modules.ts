// `npm run bench -- modules`: each registered module's cost in ns per sample (a stereo module's
// frame counted once), at its defaults and at the settings listed in SETTINGS, beside the `osc`
// saw measured in the same run (the ratio is what to compare across machines and runs: the 2
// shared cores make absolute times drift). Each module runs alone through its kernel (no
// engine), in 128-frame blocks, its audio inputs fed with seeded noise at −12 dBFS (trigger inputs
// left unconnected: noise on a `trig` would hit a drum every few samples; `bench drums` measures
// that case), gated on and off every half second when it reacts to gates; the median of the
// rounds is reported. Times are the process's CPU time (user + system, this bench is
// single-threaded), not wall time, so other load on the machine inflates them far less.
//
// Main thread of the bench process; allocates freely outside the timed loops.

import type { KernelIo, ModuleDefinition } from '../src/dsp/kernel.js';
import { createRegistry } from '../src/dsp/modules/index.js';
import { ParamSignalCell } from '../src/dsp/param-signal.js';
import { paramValueFromInput } from '../src/dsp/spec.js';
import { option, pad } from './bench-args.js';

export const MODULES_USAGE = 'modules [--seconds 2] [--rounds 5] [--only type,type]   ns per sample of every module (and its listed settings) beside osc saw';

const RATE = 48000;
/**
 * Inputs not fed noise: gate-as-signal inputs (spec.ts VOICE_PORTS), osc's hard `sync` (noise
 * would reset the phase every few samples) and `pitch` (noise there is ±¼ octave per sample, a
 * modulation no patch makes, and the osc saw reference row would then time Math.pow).
 */
const TRIGGER_INPUTS: ReadonlySet<string> = new Set(['trig', 'gate', 'sync', 'pitch']);
const BLOCK = 128;

/** Extra settings worth a row of their own (param values as a patch would give them). */
const SETTINGS: Readonly<Record<string, readonly Readonly<Record<string, number | string>>[]>> = {
  osc: [{ waveform: 'saw' }, { waveform: 'sine' }],
  filter: [{ mode: 'lp', cutoff: 800, q: 4 }],
  reverb: [{ decay: 2 }, { decay: 30 }],
  delay: [{ time: 10 }, { time: 2000 }, { time: 375, mode: 'pingpong', wow: 1 }],
  chorus: [{ voices: 3 }],
  phaser: [{ stages: 12 }],
  comp: [{ detector: 'rms' }, { threshold: -60, ratio: 20 }],
  limiter: [{ ceiling: -20 }, { ceiling: -20, lookahead: 20 }],
  drive: [{ mode: 'tanh', drive: 24 }, { mode: 'hard', drive: 24 }, { mode: 'fold', drive: 24 }, { mode: 'tanh', drive: 24, tone: 3000, mix: 0.7 }],
  crush: [{ bits: 6, rate: 8000 }],
  eq: [{ lowcut: 40, low_gain: 3, mid_gain: -4, high_gain: 2, highcut: 15000 }],
  ladder: [{ mode: 'diode' }, { mode: 'moog', res: 1.1, drive: 12 }],
  acid: [{ waveform: 'square', res: 1, accent: 1 }],
  supersaw: [{ voices: 9, detune: 1, spread: 1 }, { voices: 1 }],
  fm: [{ feedback: 0.5, index: 4, ratio: 3.5 }],
  pluck: [{ freq: 55, decay: 10 }, { freq: 1760, damp: 1 }],
  wavetable: [{ table: 'formant', position: 0.5 }],
  glide: [{ mode: 'linear' }, { mode: 'constant_time' }],
  sh: [{ mode: 'track' }],
  quant: [{ scale: 'major', root: 2 }],
  clockdiv: [{ div: 1, mult: 8 }],
  follower: [{ mode: 'rms' }],
};

interface Row {
  readonly type: string;
  readonly setting: string;
  readonly nsPerSample: number;
}

/** One kernel with its buffers, driven like the engine drives it. */
function makeRunner(definition: ModuleDefinition, values: Readonly<Record<string, number | string>>): (frames: number) => number {
  const spec = definition.spec;
  const params = spec.params.map((p) => {
    const given = values[p.id];
    const value = given === undefined ? p.default : paramValueFromInput(p, given);
    if (value === undefined) throw new Error(`${spec.type}: bad bench value ${p.id}=${String(given)}`);
    return new ParamSignalCell(value, new Float64Array(BLOCK));
  });
  const inputs = spec.inputs.map((port) => ({ connected: !TRIGGER_INPUTS.has(port.id), buffer: new Float32Array(BLOCK), scale: 1 }));
  const outputs = spec.outputs.map(() => new Float32Array(BLOCK));
  const io: KernelIo = { params, inputs, outputs };
  const kernel = new definition.kernel({ sampleRate: RATE, maxBlock: BLOCK, seed: 7 }, io);
  // Seeded noise, a fresh stretch per block from a long table (no generator in the timed loop).
  const table = new Float32Array(1 << 16);
  let s = 0x9e3779b9;
  for (let i = 0; i < table.length; i++) {
    s = (Math.imul(s ^ (s >>> 15), 0x2c1b3c6d) + 0x6d2b79f5) >>> 0;
    table[i] = 0.25 * ((s / 4294967296) * 2 - 1);
  }
  const gatePeriod = RATE / 2;
  return (frames) => {
    let frame = 0;
    let offset = 0;
    const t0 = process.cpuUsage();
    while (frame < frames) {
      for (const input of inputs) {
        input.buffer.set(table.subarray(offset, offset + BLOCK));
        offset = (offset + 977) & 0x7fff;
      }
      if (spec.gate) {
        const phase = frame % gatePeriod;
        if (phase === 0) kernel.gate(true);
        else if (phase === gatePeriod / 2) kernel.gate(false);
      }
      kernel.process(0, BLOCK);
      frame += BLOCK;
    }
    const used = process.cpuUsage(t0);
    return ((used.user + used.system) * 1e3) / frames;
  };
}

const label = (values: Readonly<Record<string, number | string>>): string =>
  Object.keys(values).length === 0 ? 'defaults' : Object.entries(values).map(([k, v]) => `${k}=${v}`).join(' ');

const median = (xs: readonly number[]): number => {
  const sorted = [...xs].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
};

export async function modulesBench(args: readonly string[]): Promise<void> {
  const seconds = option(args, '--seconds', 2);
  const rounds = option(args, '--rounds', 5);
  const onlyAt = args.indexOf('--only');
  const only = onlyAt >= 0 ? new Set((args[onlyAt + 1] ?? '').split(',')) : undefined;
  const registry = createRegistry();
  const frames = Math.round((seconds * RATE) / BLOCK) * BLOCK;
  const cases: { type: string; setting: string; run: (frames: number) => number }[] = [];
  const reference = makeRunner(registry.get('osc')!, { waveform: 'saw' });
  for (const type of registry.types().sort()) {
    if (only !== undefined && !only.has(type)) continue;
    const definition = registry.get(type)!;
    for (const values of [{}, ...(SETTINGS[type] ?? [])]) cases.push({ type, setting: label(values), run: makeRunner(definition, values) });
  }
  // Warm-up (JIT), then rounds that alternate every case with the reference.
  reference(frames);
  for (const c of cases) c.run(frames / 4);
  const times = cases.map(() => [] as number[]);
  const referenceTimes: number[] = [];
  for (let r = 0; r < rounds; r++) {
    referenceTimes.push(reference(frames));
    cases.forEach((c, k) => times[k]!.push(c.run(frames)));
  }
  const ref = median(referenceTimes);
  const rows: Row[] = cases.map((c, k) => ({ type: c.type, setting: c.setting, nsPerSample: median(times[k]!) }));
  const widths = [10, 34, 12, 12];
  process.stdout.write(`modules: ${seconds} s of audio per case, ${rounds} rounds, median; osc saw reference ${ref.toFixed(1)} ns/sample\n`);
  process.stdout.write(`${pad(['module', 'setting', 'ns/sample', '× osc saw'], widths)}\n`);
  for (const row of rows) process.stdout.write(`${pad([row.type, row.setting, row.nsPerSample.toFixed(1), (row.nsPerSample / ref).toFixed(2)], widths)}\n`);
  await Promise.resolve();
}
