// adsr's SIMD batch kernel, host side: four adsr instances per call of wasm/adsr.ts (two f64x2
// vectors, bit-identical to AdsrKernel.process in outputs, state and outputCheck), which reads
// and writes their state and buffers in place in the thread's arena (src/dsp/batch.ts).
// Accepts an instance for a sub-block when attack, decay, sustain, release and curve are all
// constant over it (linear or exp curve, `in` connected or not, any stage); anything else
// (a param ramp or modulation, e.g. the smoothed `sustain` after a change) stays on
// AdsrKernel.process.
//
// The exp curve's Math.exp is not reproducible in wasm, so writeParams computes, with
// adsr.ts's own expressions, the exp coefficient of every segment rebuild the call can make:
// with constant params a segment rebuilds only at the first sample of a stage, and a stage
// starts inside a call only at the call start or as the decay right after the attack (from
// level 1), so each is one value per call, known before it (at most two Math.exp per lane and
// call, none on the linear curve or once a segment is built).
//
// Threading: render thread. createAdsrBatch allocates (once per thread and sample rate);
// accepts and run allocate nothing.

import { WasmBatchKernel, type BatchEntry, type BatchKernel } from '../batch.js';
import type { Kernel } from '../kernel.js';
import type { WasmArena } from '../lib/wasm-arena.js';
import { ADSR_END_EPS as END_EPS, ADSR_LN_ATTACK as LN_ATTACK, ADSR_LN_DECAY_RELEASE as LN_DECAY_RELEASE, ADSR_RATIO_ATTACK, ADSR_RATIO_DECAY_RELEASE, adsrDecl } from './adsr.js';
import {
  K_COUNT, K_END_EPS, K_RATIO_ATTACK, K_RATIO_DR, LANE_ATTACK, LANE_CURVE, LANE_DECAY, LANE_EXP_A, LANE_EXP_D, LANE_EXP_R, LANE_RELEASE,
  LANE_SPM, LANE_SUSTAIN, S_LEVEL, S_PEAK, S_REL_START, S_SEG_CURVE, S_SEG_SUSTAIN, S_SEG_TIME, S_STAGE, STAGE_ATTACK as ATTACK,
  STAGE_DECAY as DECAY, STAGE_IDLE, STAGE_RELEASE as RELEASE, STAGE_SUSTAIN,
} from './adsr.layout.js';

const P = adsrDecl.param;

class AdsrBatch extends WasmBatchKernel {
  accepts(kernel: Kernel): boolean {
    const p = kernel.io.params;
    if (!(p[P.attack].isConstant && p[P.decay].isConstant && p[P.sustain].isConstant && p[P.release].isConstant && p[P.curve].isConstant)) {
      return false;
    }
    // adsr.ts's stages (any other value would run as RELEASE there; never stored by it).
    const stage = kernel.state[S_STAGE];
    return stage === STAGE_IDLE || stage === ATTACK || stage === DECAY || stage === STAGE_SUSTAIN || stage === RELEASE;
  }

  /**
   * On the linear curve writeParams reads params only (the exp coefficients depend on the
   * stage and level); accepts reads the stage, which is always 0..4 outside corrupt state.
   */
  override cacheable(kernel: Kernel): boolean {
    return kernel.io.params[P.curve].value < 0.5;
  }

  writeParams(kernel: Kernel, d: Float64Array, at: number): void {
    const p = kernel.io.params;
    const attack = p[P.attack].value;
    const decay = p[P.decay].value;
    const sus = p[P.sustain].value;
    const release = p[P.release].value;
    const cv = p[P.curve].value;
    const spm = kernel.ctx.sampleRate / 1000;
    d[at + LANE_ATTACK] = attack;
    d[at + LANE_DECAY] = decay;
    d[at + LANE_SUSTAIN] = sus;
    d[at + LANE_RELEASE] = release;
    d[at + LANE_CURVE] = cv;
    d[at + LANE_SPM] = spm;
    let expA = 0;
    let expD = 0;
    let expR = 0;
    if (cv >= 0.5) {
      // The rebuilds of adsr.ts that this call makes (see the header), Math.exp as there.
      const s = kernel.state;
      const stage = s[S_STAGE];
      const y = s[S_LEVEL];
      const peak = s[S_PEAK];
      const susLevel = sus * peak;
      const segTime = s[S_SEG_TIME];
      const segCurve = s[S_SEG_CURVE];
      let decayNeeded = false;
      let decayFrom = 0.5;
      if (stage === ATTACK) {
        if (attack !== segTime || cv !== segCurve) {
          const n = Math.max(attack * spm, 1);
          const rem = peak - y;
          expA = Math.exp(LN_ATTACK / ((rem / peak) * n));
        }
        // The decay after this attack (segTime −1: always rebuilt), from the peak.
        if (!(peak <= susLevel + END_EPS)) {
          decayNeeded = true;
          decayFrom = peak;
        }
      } else if (stage === DECAY) {
        if (!(y <= susLevel + END_EPS) && (decay !== segTime || sus !== s[S_SEG_SUSTAIN] || cv !== segCurve)) {
          decayNeeded = true;
          decayFrom = y;
        }
      } else if (stage === RELEASE) {
        if (release !== segTime || cv !== segCurve) {
          const n = Math.max(release * spm, 1);
          const relStart = s[S_REL_START];
          expR = relStart > 0 ? Math.exp(LN_DECAY_RELEASE / ((n * y) / relStart)) : 0;
        }
      }
      if (decayNeeded) {
        // adsr.ts's exp decay coefficient from level decayFrom (inline: a call returning a
        // double would box it, an allocation per call).
        const n = Math.max(decay * spm, 1);
        const rem = decayFrom - susLevel;
        const span = decayFrom > peak ? decayFrom - susLevel : peak - susLevel;
        expD = Math.exp(LN_DECAY_RELEASE / ((n * rem) / span));
      }
    }
    d[at + LANE_EXP_A] = expA;
    d[at + LANE_EXP_D] = expD;
    d[at + LANE_EXP_R] = expR;
  }
}


/** BatchFactory of the adsr: its constants in the arena, then the kernel. */
export function createAdsrBatch(arena: WasmArena, _sampleRate: number): BatchKernel | undefined {
  const entry = arena.exports['adsrRun'] as BatchEntry | undefined;
  const constCount = arena.exports['adsrConstCount'] as (() => number) | undefined;
  if (entry === undefined || constCount === undefined) return undefined;
  if (constCount() !== K_COUNT) throw new Error(`adsr batch: ${K_COUNT} constants, the wasm expects ${constCount()}`);
  const consts = arena.f64(K_COUNT);
  if (!arena.holds(consts)) return undefined;
  consts[K_END_EPS] = END_EPS;
  consts[K_RATIO_ATTACK] = ADSR_RATIO_ATTACK;
  consts[K_RATIO_DR] = ADSR_RATIO_DECAY_RELEASE;
  return new AdsrBatch(arena, entry, consts);
}
