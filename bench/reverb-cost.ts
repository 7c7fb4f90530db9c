// Cost of the reverb kernel in ns per sample (stereo counted once) beside `osc` saw, at decay
// 2 s and 30 s: while playing, 30 s after the input stopped (denormals: both should cost the
// same), and with decay and size modulated per sample. Reports, asserts nothing.
//   npx tsc -p . && node dist/bench/reverb-cost.js
// The kernels are timed in slices of 10 blocks of 128 samples, taking turns slice by slice (so
// load from other processes hits them alike), over 10 s of audio each; each figure is the
// minimum slice (the cost on an idle core) and the median.

import { oscModule } from '../src/dsp/modules/osc.js';
import { reverbModule } from '../src/dsp/modules/reverb.js';
import { KernelHarness } from '../test/helpers/kernel-harness.js';
import { TestRandom } from '../test/helpers/random.js';

const FS = 48000;
const BLOCK = 128;
const SLICE_BLOCKS = 10;
const SLICES = Math.round((10 * FS) / (BLOCK * SLICE_BLOCKS));

function timeSlice(h: KernelHarness): number {
  const kernel = h.kernel;
  const t0 = process.hrtime.bigint();
  for (let b = 0; b < SLICE_BLOCKS; b++) kernel.process(0, BLOCK);
  return Number(process.hrtime.bigint() - t0) / (SLICE_BLOCKS * BLOCK);
}

function run(h: KernelHarness, seconds: number): void {
  for (let b = 0; b < (seconds * FS) / BLOCK; b++) h.kernel.process(0, BLOCK);
}

const noise = new TestRandom(1).noise(BLOCK, 0.5);

function reverb(params: Record<string, number>): KernelHarness {
  const h = new KernelHarness(reverbModule, { sampleRate: FS, maxBlock: BLOCK, params: { mix: 0.5, ...params } });
  h.inputs.forEach((port) => {
    port.connected = true;
    port.buffer.set(noise);
  });
  return h;
}

const kernels: Record<string, KernelHarness> = {
  'osc saw': new KernelHarness(oscModule, { sampleRate: FS, maxBlock: BLOCK, params: { waveform: 1, freq: 110 } }),
};
for (const decay of [2, 30]) {
  kernels[`reverb decay ${decay} s, playing`] = reverb({ decay });
  const tail = reverb({ decay });
  run(tail, 2);
  tail.inputs.forEach((port) => port.buffer.fill(0));
  run(tail, 30);
  kernels[`reverb decay ${decay} s, 30 s after the input stopped`] = tail;
}
const swept = reverb({});
for (const [id, base] of [['decay', 2], ['size', 1]] as const) {
  const p = swept.params[swept.paramIndex(id)]!;
  p.isConstant = false;
  for (let i = 0; i < BLOCK; i++) p.buffer[i] = base * (1 + (0.05 * i) / BLOCK);
  p.value = p.buffer[BLOCK - 1]!;
}
kernels['reverb, decay and size modulated per sample'] = swept;

const times: Record<string, number[]> = {};
for (const name of Object.keys(kernels)) times[name] = [];
for (const h of Object.values(kernels)) run(h, 2); // warm-up
for (let s = 0; s < SLICES; s++) {
  for (const [name, h] of Object.entries(kernels)) times[name]!.push(timeSlice(h));
}
const minimum = (name: string): number => Math.min(...times[name]!);
const osc = minimum('osc saw');
for (const [name, values] of Object.entries(times)) {
  const sorted = [...values].sort((a, b) => a - b);
  const ratio = name === 'osc saw' ? '' : ` (${(sorted[0]! / osc).toFixed(1)} × osc)`;
  console.log(`${name.padEnd(52)} min ${sorted[0]!.toFixed(1).padStart(6)}  median ${sorted[sorted.length >> 1]!.toFixed(1).padStart(6)} ns/sample${ratio}`);
}
for (const decay of [2, 30]) {
  const r = minimum(`reverb decay ${decay} s, 30 s after the input stopped`) / minimum(`reverb decay ${decay} s, playing`);
  console.log(`decay ${decay} s: cost 30 s after the input stopped / while playing = ${r.toFixed(2)}`);
}
