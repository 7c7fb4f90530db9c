// osc's SIMD batch kernel, host side: four osc instances per call of wasm/osc.ts (two f64x2
// vectors, bit-identical to OscKernel.process in outputs and state), which reads and writes
// their state and buffers in place in the thread's arena (src/dsp/batch.ts).
// Accepts an instance for a sub-block when its waveform is saw, square or triangle and
// waveform, freq, detune, gain (and pw for the square) are constant over it, fm connected or
// not. Sine stays on OscKernel.process: it calls Math.sin per sample, which wasm cannot
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
import { OSC_CONSTANTS } from './osc.js';

// osc.ts's state indices used here, restated (checked against OSC_CONSTANTS at load).
const S_DETUNE = 4;
const S_FACTOR = 5;
if (
  OSC_CONSTANTS.stateSize !== 26 || OSC_CONSTANTS.statePhase !== 0 || OSC_CONSTANTS.statePhaseB !== 1 ||
  OSC_CONSTANTS.statePwPrev !== 2 || OSC_CONSTANTS.stateWave !== 3 || OSC_CONSTANTS.stateDetune !== S_DETUNE ||
  OSC_CONSTANTS.stateFactor !== S_FACTOR || OSC_CONSTANTS.statePos !== 6 || OSC_CONSTANTS.stateDt !== 7 ||
  OSC_CONSTANTS.stateEvent !== 8 || OSC_CONSTANTS.stateRing !== 10 || OSC_CONSTANTS.ringHalf !== 8 ||
  OSC_CONSTANTS.ringTaps !== 16 || OSC_CONSTANTS.tablePhases !== 32
) {
  throw new Error('osc batch: osc.ts state layout out of sync with wasm/osc.ts');
}

// Per-lane params: the layout of wasm/osc.ts (P_*).
const P_WAVE = 0;
const P_DT = 1;
const P_F = 2;
const P_GAIN = 3;
const P_PW = 4;
const P_DETUNE = 5;
const P_FACTOR = 6;
// osc's params and input (spec order).
const PARAM_WAVEFORM = 0;
const PARAM_FREQ = 1;
const PARAM_DETUNE = 2;
const PARAM_GAIN = 3;
const PARAM_PW = 4;
const WAVE_SINE = 0;
const WAVE_SQUARE = 2;

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
    const p = kernel.io.params;
    const waveform = p[PARAM_WAVEFORM]!;
    if (!waveform.isConstant) return false;
    const wave = enumIndexAt(waveform, 0, 4);
    if (wave === WAVE_SINE || (wave === WAVE_SQUARE && !p[PARAM_PW]!.isConstant)) return false;
    return p[PARAM_FREQ]!.isConstant && p[PARAM_DETUNE]!.isConstant && p[PARAM_GAIN]!.isConstant;
  }

  /**
   * writeParams reads S_DETUNE/S_FACTOR only as a cache of Math.pow(2, detune/1200), which the
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
    const detune = p[PARAM_DETUNE]!.value;
    let lastDetune = st[S_DETUNE]!;
    let factor = st[S_FACTOR]!;
    if (detune !== lastDetune) {
      lastDetune = detune;
      factor = Math.pow(2, detune / 1200);
    }
    const f = p[PARAM_FREQ]!.value * factor;
    const dt = f * this.inv;
    d[at + P_WAVE] = enumIndexAt(p[PARAM_WAVEFORM]!, 0, 4);
    d[at + P_DT] = dt > 0.5 ? 0.5 : dt < -0.5 ? -0.5 : dt === dt ? dt : 0;
    d[at + P_F] = f;
    d[at + P_GAIN] = p[PARAM_GAIN]!.value;
    d[at + P_PW] = p[PARAM_PW]!.value;
    d[at + P_DETUNE] = lastDetune;
    d[at + P_FACTOR] = factor;
  }
}

/** BatchFactory of the osc: the BLEP and BLAMP tables and 1/fs in the arena, then the kernel. */
export function createOscBatch(arena: WasmArena, sampleRate: number): BatchKernel | undefined {
  const entry = arena.exports['oscRun'] as BatchEntry | undefined;
  const constCount = arena.exports['oscConstCount'] as (() => number) | undefined;
  if (entry === undefined || constCount === undefined) return undefined;
  const inv = 1 / sampleRate;
  const values = [...BLEP_TABLE, ...BLAMP_TABLE, inv];
  if (values.length !== constCount()) throw new Error(`osc batch: ${values.length} constants, the wasm expects ${constCount()}`);
  const consts = arena.f64(values.length);
  if (!arena.holds(consts)) return undefined;
  consts.set(values);
  return new OscBatch(arena, entry, consts, inv);
}
