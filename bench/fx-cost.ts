// Cost of the delay-line effects (delay, chorus, flanger, phaser) per sample, beside an `osc`
// saw in the same process: `node dist/bench/fx-cost.js [--seconds 10] [--rounds 5]`.
// Each case renders `seconds` of 48 kHz audio in 128-sample blocks through its kernel directly
// (KernelHarness, inputs connected to noise, params constant), timed by the process's CPU time;
// the best of `rounds` is shown,
// in ns per sample (a stereo module counted once) and as a multiple of the saw.
// A stop-gap until the lead's `npm run bench -- modules` covers every module.

import { createRegistry } from '../src/dsp/modules/index.js';
import { KernelHarness } from '../test/helpers/kernel-harness.js';
import { TestRandom } from '../test/helpers/random.js';
import { option } from './bench-args.js';

interface Case {
  readonly label: string;
  readonly type: string;
  readonly params: Record<string, number>;
}

const CASES: readonly Case[] = [
  { label: 'osc saw', type: 'osc', params: { waveform: 1, freq: 110.3 } },
  { label: 'delay 10 ms stereo', type: 'delay', params: { time: 10, feedback: 0.5, mode: 1 } },
  { label: 'delay 2 s stereo', type: 'delay', params: { time: 2000, feedback: 0.5, mode: 1 } },
  { label: 'delay 2 s pingpong + wow', type: 'delay', params: { time: 2000, feedback: 0.5, mode: 2, wow: 1 } },
  { label: 'delay 375 ms mono', type: 'delay', params: { time: 375, feedback: 0.5, mode: 0 } },
  { label: 'chorus 1 voice', type: 'chorus', params: { voices: 1 } },
  { label: 'chorus 3 voices', type: 'chorus', params: { voices: 3 } },
  { label: 'flanger', type: 'flanger', params: { feedback: 0.7 } },
  { label: 'phaser 4 stages', type: 'phaser', params: { stages: 4, feedback: 0.5 } },
  { label: 'phaser 12 stages', type: 'phaser', params: { stages: 12, feedback: 0.5 } },
];

function measure(c: Case, frames: number): number {
  const registry = createRegistry();
  const def = registry.get(c.type);
  if (def === undefined) return Number.NaN;
  const h = new KernelHarness(def, { params: c.params, sampleRate: 48000, maxBlock: 128 });
  const rng = new TestRandom(3);
  for (const port of h.inputs) {
    port.connected = true;
    port.buffer.set(rng.noise(128, 0.5));
  }
  const kernel = h.kernel;
  const blocks = Math.ceil(frames / 128);
  for (let b = 0; b < 2000; b++) kernel.process(0, 128); // warm-up
  // CPU time of this process (process.cpuUsage), not wall time: on a shared machine the time
  // the process spends preempted is not the kernel's cost.
  const before = process.cpuUsage();
  for (let b = 0; b < blocks; b++) kernel.process(0, 128);
  const used = process.cpuUsage(before);
  return ((used.user + used.system) * 1000) / (blocks * 128);
}

const args = process.argv.slice(2);
const seconds = option(args, '--seconds', 10);
const rounds = option(args, '--rounds', 5);
const best = new Map<string, number>();
for (let r = 0; r < rounds; r++) {
  for (const c of CASES) best.set(c.label, Math.min(best.get(c.label) ?? Infinity, measure(c, seconds * 48000)));
}
const saw = best.get('osc saw')!;
for (const c of CASES) {
  const ns = best.get(c.label)!;
  process.stdout.write(`${c.label.padEnd(28)} ${ns.toFixed(1).padStart(7)} ns/sample  ${(ns / saw).toFixed(2).padStart(5)} × saw\n`);
}
