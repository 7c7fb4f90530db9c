// Cost of the drive, crush, eq, pan and ringmod kernels (issue 13) beside an `osc` saw, in ns of
// process() per sample (stereo counted once): 10 s of 48 kHz audio in 128-sample blocks per
// case, input a 220 Hz sine with a little noise. Timed by this process's CPU time (the machine
// is shared: wall time would count other processes' turns); every case is measured ROUNDS
// times, interleaved, and the fastest round is reported (the least disturbed one).
// A stopgap until `npm run bench -- modules` covers every module.
// Usage: node dist/bench/fx-costs.js [type] (env ROUNDS, default 6)

import { createRegistry } from '../src/dsp/modules/index.js';
import { KernelHarness } from '../test/helpers/kernel-harness.js';

const FS = 48000;
const BLOCK = 128;
const SECONDS = 10;
const registry = createRegistry();

interface Case {
  readonly type: string;
  readonly label: string;
  readonly params: Record<string, number>;
  /** Connected inputs by position (default: all). */
  readonly connected?: readonly boolean[];
  /** A param swept per sample from lo to hi once a second. */
  readonly sweep?: { readonly id: string; readonly lo: number; readonly hi: number };
}

const CASES: readonly Case[] = [
  { type: 'osc', label: 'saw 110 Hz', params: { waveform: 1, freq: 110 } },
  { type: 'drive', label: 'tanh 24 dB', params: { mode: 0, drive: 24 } },
  { type: 'drive', label: 'hard 24 dB', params: { mode: 1, drive: 24 } },
  { type: 'drive', label: 'asym 24 dB', params: { mode: 2, drive: 24 } },
  { type: 'drive', label: 'fold 24 dB', params: { mode: 3, drive: 24 } },
  { type: 'drive', label: 'tanh 24 dB, tone 3 kHz, mix 0.7', params: { mode: 0, drive: 24, tone: 3000, mix: 0.7 } },
  { type: 'drive', label: 'tanh, drive swept per sample', params: { mode: 0 }, sweep: { id: 'drive', lo: 0, hi: 48 } },
  { type: 'crush', label: '6 bits, 8 kHz', params: { bits: 6, rate: 8000 } },
  { type: 'crush', label: 'bits swept per sample', params: { rate: 8000 }, sweep: { id: 'bits', lo: 1, hi: 24 } },
  { type: 'eq', label: 'all five bands active', params: { lowcut: 40, low_gain: 3, mid_gain: -4, high_gain: 2, highcut: 15000 } },
  { type: 'eq', label: 'one band (mid) active', params: { mid_gain: -4 } },
  { type: 'eq', label: 'flat', params: {} },
  { type: 'eq', label: 'five bands, mid_freq swept per sample', params: { lowcut: 40, low_gain: 3, mid_gain: -4, high_gain: 2, highcut: 15000 }, sweep: { id: 'mid_freq', lo: 200, hi: 5000 } },
  { type: 'pan', label: 'mono in', params: { pos: 0.3 }, connected: [true, false, false] },
  { type: 'pan', label: 'stereo in', params: { pos: 0.3 }, connected: [false, true, true] },
  { type: 'pan', label: 'mono in, pos swept per sample', params: {}, connected: [true, false, false], sweep: { id: 'pos', lo: -1, hi: 1 } },
  { type: 'ringmod', label: 'internal carrier', params: { freq: 300 }, connected: [true, false] },
  { type: 'ringmod', label: 'carrier input', params: {}, connected: [true, true] },
];

function measure(c: Case): number {
  const def = registry.get(c.type);
  if (def === undefined) throw new Error(`unknown module ${c.type}`);
  const h = new KernelHarness(def, { sampleRate: FS, maxBlock: BLOCK, params: c.params });
  const source = new Float32Array(BLOCK * 64);
  let seed = 1;
  for (let i = 0; i < source.length; i++) {
    seed = (seed * 1103515245 + 12345) >>> 0;
    source[i] = 0.7 * Math.sin((2 * Math.PI * 220 * i) / FS) + 0.05 * (seed / 2 ** 32 - 0.5);
  }
  h.inputs.forEach((port, k) => {
    port.connected = c.connected?.[k] ?? true;
  });
  const sweep = c.sweep === undefined ? undefined : { ...c.sweep, param: h.params[h.paramIndex(c.sweep.id)]! };
  const run = (blocks: number): void => {
    for (let b = 0; b < blocks; b++) {
      const offset = (b & 63) * BLOCK;
      for (const port of h.inputs) if (port.connected) port.buffer.set(source.subarray(offset, offset + BLOCK));
      if (sweep !== undefined) {
        const p = sweep.param;
        p.isConstant = false;
        for (let i = 0; i < BLOCK; i++) p.buffer[i] = sweep.lo + (sweep.hi - sweep.lo) * (((b * BLOCK + i) % FS) / FS);
        p.value = p.buffer[BLOCK - 1]!;
      }
      h.kernel.process(0, BLOCK);
    }
  };
  run(2000); // warm-up (optimisation)
  const blocks = (FS * SECONDS) / BLOCK;
  const t0 = process.cpuUsage();
  run(blocks);
  const t = process.cpuUsage(t0);
  return ((t.user + t.system) * 1000) / (blocks * BLOCK);
}

const only = process.argv[2];
const rounds = Number(process.env['ROUNDS'] ?? 6);
const selected = CASES.filter((c) => only === undefined || c.type === only || c.type === 'osc');
const best = selected.map(() => Infinity);
for (let round = 0; round < rounds; round++) selected.forEach((c, k) => (best[k] = Math.min(best[k]!, measure(c))));
const osc = best[0]!;
selected.forEach((c, k) => {
  const ns = best[k]!;
  console.log(`${`${c.type} ${c.label}`.padEnd(48)} ${ns.toFixed(1).padStart(7)} ns/sample  ${(ns / osc).toFixed(2).padStart(6)} × osc saw`);
});
