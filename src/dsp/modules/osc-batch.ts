// osc's SIMD batch kernel, host side: four osc instances per call of wasm/osc.ts (two f64x2
// vectors, bit-identical to OscKernel.process in outputs and state), which reads and writes
// their state and buffers in place in the thread's arena (src/dsp/batch.ts).
// Accepts an instance for a sub-block when its waveform is saw, square or triangle and
// waveform, freq, detune, gain (and pw for the square) are constant over it, fm connected or
// not, and neither `pitch` nor `sync` is connected (a pitch input needs Math.pow per sample,
// hard sync its own renderer, osc-sync.ts: such instances run on OscKernel.process). Sine stays on OscKernel.process: it calls Math.sin per sample, which wasm cannot
// reproduce bit for bit; so does anything with a non-constant param (a detune ramp needs
// Math.pow per sample; freq, gain and pw ramps are not implemented) or a waveform change
// inside the sub-block.
//
// writeParams computes what osc.ts's computeIncrements computes (2^(detune/1200) with
// Math.pow, cached like osc.ts in state[S_DETUNE] / state[S_FACTOR]: the wasm stores the
// values the host passes where osc.ts would store them).
//
// Threading: render thread. createOscBatch allocates (once per thread and sample rate);
// accepts and run allocate nothing.

import { WasmBatchKernel, type BatchEntry, type BatchKernel } from '../batch.js';
import type { Kernel } from '../kernel.js';
import { BLAMP_TABLE, BLEP_TABLE } from '../lib/blep.js';
import { enumIndexAt } from '../lib/enum-param.js';
import type { WasmArena } from '../lib/wasm-arena.js';
import { oscDecl } from './osc.js';
import {
  INPUT_PITCH, INPUT_SYNC, K_BLAMP, K_BLEP, K_COUNT, K_INV_SAMPLE_RATE, LANE_DETUNE, LANE_DT, LANE_F, LANE_FACTOR, LANE_GAIN, LANE_PW, LANE_WAVE,
  S_DETUNE, S_FACTOR, WAVE_SINE, WAVE_SQUARE,
} from './osc.layout.js';

const P = oscDecl.param;

class OscBatch extends WasmBatchKernel {
  constructor(
    arena: WasmArena,
    entry: BatchEntry,
    constants: Float64Array,
    /** osc.ts's invSampleRate (1 / sampleRate). */
    private readonly inv: number,
  ) {
    super(arena, entry, constants);
  }

  accepts(kernel: Kernel): boolean {
    const inputs = kernel.io.inputs;
    if (inputs[INPUT_PITCH].connected || inputs[INPUT_SYNC].connected) return false;
    const p = kernel.io.params;
    const waveform = p[P.waveform];
    if (!waveform.isConstant) return false;
    const wave = enumIndexAt(waveform, 0, 4);
    if (wave === WAVE_SINE || (wave === WAVE_SQUARE && !p[P.pw].isConstant)) return false;
    return p[P.freq].isConstant && p[P.detune].isConstant && p[P.gain].isConstant;
  }

  /**
   * Connections do not change while a plan holds, so the input check of `accepts` keeps its
   * answer too. writeParams reads S_DETUNE/S_FACTOR only as a cache of Math.pow(2, detune/1200), which the
   * call itself brings up to date: with settled params every call writes the same values. (A
   * revived or restored kernel leaves the fast path: faulted, or its params invalidated.)
   */
  override cacheable(_kernel: Kernel): boolean {
    return true;
  }

  writeParams(kernel: Kernel, d: Float64Array, at: number): void {
    const p = kernel.io.params;
    const st = kernel.state;
    // osc.ts computeIncrements, its expressions and caching.
    const detune = p[P.detune].value;
    let lastDetune = st[S_DETUNE];
    let factor = st[S_FACTOR];
    if (detune !== lastDetune) {
      lastDetune = detune;
      factor = Math.pow(2, detune / 1200);
    }
    const f = p[P.freq].value * factor;
    const dt = f * this.inv;
    d[at + LANE_WAVE] = enumIndexAt(p[P.waveform], 0, 4);
    d[at + LANE_DT] = dt > 0.5 ? 0.5 : dt < -0.5 ? -0.5 : dt === dt ? dt : 0;
    d[at + LANE_F] = f;
    d[at + LANE_GAIN] = p[P.gain].value;
    d[at + LANE_PW] = p[P.pw].value;
    d[at + LANE_DETUNE] = lastDetune;
    d[at + LANE_FACTOR] = factor;
  }
}

/** BatchFactory of the osc: the BLEP and BLAMP tables and 1/fs in the arena, then the kernel. */
export function createOscBatch(arena: WasmArena, sampleRate: number): BatchKernel | undefined {
  const entry = arena.exports['oscRun'] as BatchEntry | undefined;
  const constCount = arena.exports['oscConstCount'] as (() => number) | undefined;
  if (entry === undefined || constCount === undefined) return undefined;
  if (constCount() !== K_COUNT) throw new Error(`osc batch: ${K_COUNT} constants, the wasm expects ${constCount()}`);
  const inv = 1 / sampleRate;
  const consts = arena.f64(K_COUNT);
  if (!arena.holds(consts)) return undefined;
  consts.set(BLEP_TABLE, K_BLEP);
  consts.set(BLAMP_TABLE, K_BLAMP);
  consts[K_INV_SAMPLE_RATE] = inv;
  return new OscBatch(arena, entry, consts, inv);
}
