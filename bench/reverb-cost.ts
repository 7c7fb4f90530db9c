// Cost of the reverb kernel in ns per sample (stereo counted once) beside `osc` saw, at decay
// 2 s and 30 s, while playing and 30 s after the input stopped (denormal check: both should
// cost the same). Reports, asserts nothing.
//   npx tsc -p . && node dist/bench/reverb-cost.js
// Each figure is timed over 10 s of audio in slices of 10 blocks of 128, interleaved with the
// same slices of `osc`, and given as the minimum and median slice (the minimum is the cost on
// an idle core; the median shows load from other processes).

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

function summary(values: number[]): string {
  const sorted = [...values].sort((a, b) => a - b);
  return `min ${sorted[0]!.toFixed(1)} median ${sorted[sorted.length >> 1]!.toFixed(1)}`;
}

function measure(reverb: KernelHarness, osc: KernelHarness): { reverb: number[]; osc: number[] } {
  const r: number[] = [];
  const o: number[] = [];
  for (let s = 0; s < SLICES; s++) {
    o.push(timeSlice(osc));
    r.push(timeSlice(reverb));
  }
  return { reverb: r, osc: o };
}

const osc = new KernelHarness(oscModule, { sampleRate: FS, maxBlock: BLOCK, params: { waveform: 1, freq: 110 } });
const noise = new TestRandom(1).noise(BLOCK, 0.5);
for (const decay of [2, 30]) {
  const reverb = new KernelHarness(reverbModule, { sampleRate: FS, maxBlock: BLOCK, params: { decay, mix: 0.5 } });
  reverb.inputs.forEach((port) => {
    port.connected = true;
    port.buffer.set(noise);
  });
  for (let b = 0; b < (2 * FS) / BLOCK; b++) reverb.kernel.process(0, BLOCK);
  const playing = measure(reverb, osc);
  reverb.inputs.forEach((port) => port.buffer.fill(0));
  for (let b = 0; b < (30 * FS) / BLOCK; b++) reverb.kernel.process(0, BLOCK);
  const tail = measure(reverb, osc);
  const ratio = Math.min(...tail.reverb) / Math.min(...playing.reverb);
  console.log(`reverb decay ${decay} s: playing ${summary(playing.reverb)} ns/sample; 30 s after the input stopped ${summary(tail.reverb)} (tail/playing ${ratio.toFixed(2)})`);
  console.log(`  osc saw in the same run: ${summary([...playing.osc, ...tail.osc])} ns/sample; reverb/osc ${(Math.min(...playing.reverb) / Math.min(...playing.osc)).toFixed(1)}x`);
}
