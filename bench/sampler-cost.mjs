// Usage (after a build): node bench/sampler-cost.mjs — median of 5 rounds of 10 s of audio per kernel.
// ns/sample: sampler on a looped stereo buffer (hermite, transpose −3.7: fractional positions) vs osc saw.
const { KernelHarness } = await import('../dist/test/helpers/kernel-harness.js');
const { samplerModule } = await import('../dist/src/dsp/modules/sampler.js');
const { oscModule } = await import('../dist/src/dsp/modules/osc.js');
const { sampleBufferOver } = await import('../dist/src/dsp/sample-buffer.js');
const FS = 48000, BLOCK = 128, SECONDS = 10;
const frames = 2 * FS;
const b = sampleBufferOver('b', new SharedArrayBuffer(frames * 8), frames, 2);
for (let i = 0; i < frames; i++) { b.left[i] = Math.sin(i * 0.05); b.right[i] = Math.cos(i * 0.031); }
function time(h) {
  const n = (SECONDS * FS) / BLOCK;
  for (let i = 0; i < 2000; i++) h.kernel.process(0, BLOCK);
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < n; i++) h.kernel.process(0, BLOCK);
  return Number(process.hrtime.bigint() - t0) / (SECONDS * FS);
}
const results = { sampler: [], samplerLinear: [], samplerRate1: [], saw: [] };
for (let round = 0; round < 5; round++) {
  const s = new KernelHarness(samplerModule, { sampleRate: FS, maxBlock: BLOCK, params: { loop: 1, transpose: -3.7 } });
  s.kernel.bindBuffer(0, b); s.kernel.gate(true, 1);
  results.sampler.push(time(s));
  const l = new KernelHarness(samplerModule, { sampleRate: FS, maxBlock: BLOCK, params: { loop: 1, transpose: -3.7, interp: 1 } });
  l.kernel.bindBuffer(0, b); l.kernel.gate(true, 1);
  results.samplerLinear.push(time(l));
  const r = new KernelHarness(samplerModule, { sampleRate: FS, maxBlock: BLOCK, params: { loop: 2 } });
  r.kernel.bindBuffer(0, b); r.kernel.gate(true, 1);
  results.samplerRate1.push(time(r));
  const o = new KernelHarness(oscModule, { sampleRate: FS, maxBlock: BLOCK, params: { waveform: 1 } });
  results.saw.push(time(o));
}
const med = (a) => a.sort((x, y) => x - y)[Math.floor(a.length / 2)];
for (const [k, v] of Object.entries(results)) console.log(k.padEnd(14), med(v).toFixed(1), 'ns/sample');
console.log('ratio sampler/saw', (med(results.sampler) / med(results.saw)).toFixed(2));
