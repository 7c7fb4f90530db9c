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
import { ADSR_CONSTANTS } from './adsr.js';

const ATTACK = ADSR_CONSTANTS.stageAttack;
const DECAY = ADSR_CONSTANTS.stageDecay;
const RELEASE = ADSR_CONSTANTS.stageRelease;
const S_STAGE = ADSR_CONSTANTS.stateStage;
const S_LEVEL = ADSR_CONSTANTS.stateLevel;
const S_REL_START = ADSR_CONSTANTS.stateRelStart;
const S_SEG_TIME = ADSR_CONSTANTS.stateSegTime;
const S_SEG_SUSTAIN = ADSR_CONSTANTS.stateSegSustain;
const S_SEG_CURVE = ADSR_CONSTANTS.stateSegCurve;
const LN_ATTACK = ADSR_CONSTANTS.lnAttack;
const LN_DECAY_RELEASE = ADSR_CONSTANTS.lnDecayRelease;
const END_EPS = ADSR_CONSTANTS.endEps;

// Param order of adsrSpec.
const PARAM_ATTACK = 0;
const PARAM_DECAY = 1;
const PARAM_SUSTAIN = 2;
const PARAM_RELEASE = 3;
const PARAM_CURVE = 4;

// Per-lane params: the layout of wasm/adsr.ts (P_*).
const P_ATTACK = 0;
const P_DECAY = 1;
const P_SUSTAIN = 2;
const P_RELEASE = 3;
const P_CURVE = 4;
const P_SPM = 5;
const P_EXP_A = 6;
const P_EXP_D = 7;
const P_EXP_R = 8;

class AdsrBatch extends WasmBatchKernel {
  accepts(kernel: Kernel): boolean {
    const p = kernel.io.params;
    if (!(p[PARAM_ATTACK]!.isConstant && p[PARAM_DECAY]!.isConstant && p[PARAM_SUSTAIN]!.isConstant && p[PARAM_RELEASE]!.isConstant && p[PARAM_CURVE]!.isConstant)) {
      return false;
    }
    // adsr.ts's stages (any other value would run as RELEASE there; never stored by it).
    const stage = kernel.state[S_STAGE]!;
    return stage === 0 || stage === 1 || stage === 2 || stage === 3 || stage === 4;
  }

  /**
   * On the linear curve writeParams reads params only (the exp coefficients depend on the
   * stage and level); accepts reads the stage, which is always 0..4 outside corrupt state.
   */
  override cacheable(kernel: Kernel): boolean {
    return kernel.io.params[PARAM_CURVE]!.value < 0.5;
  }

  writeParams(kernel: Kernel, d: Float64Array, at: number): void {
    const p = kernel.io.params;
    const attack = p[PARAM_ATTACK]!.value;
    const decay = p[PARAM_DECAY]!.value;
    const sus = p[PARAM_SUSTAIN]!.value;
    const release = p[PARAM_RELEASE]!.value;
    const cv = p[PARAM_CURVE]!.value;
    const spm = kernel.ctx.sampleRate / 1000;
    d[at + P_ATTACK] = attack;
    d[at + P_DECAY] = decay;
    d[at + P_SUSTAIN] = sus;
    d[at + P_RELEASE] = release;
    d[at + P_CURVE] = cv;
    d[at + P_SPM] = spm;
    let expA = 0;
    let expD = 0;
    let expR = 0;
    if (cv >= 0.5) {
      // The rebuilds of adsr.ts that this call makes (see the header), Math.exp as there.
      const s = kernel.state;
      const stage = s[S_STAGE]!;
      const y = s[S_LEVEL]!;
      const segTime = s[S_SEG_TIME]!;
      const segCurve = s[S_SEG_CURVE]!;
      let decayNeeded = false;
      let decayFrom = 0.5;
      if (stage === ATTACK) {
        if (attack !== segTime || cv !== segCurve) {
          const n = Math.max(attack * spm, 1);
          const rem = 1 - y;
          expA = Math.exp(LN_ATTACK / (rem * n));
        }
        // The decay after this attack (segTime −1: always rebuilt), from level 1.
        if (!(1 <= sus + END_EPS)) {
          decayNeeded = true;
          decayFrom = 1;
        }
      } else if (stage === DECAY) {
        if (!(y <= sus + END_EPS) && (decay !== segTime || sus !== s[S_SEG_SUSTAIN]! || cv !== segCurve)) {
          decayNeeded = true;
          decayFrom = y;
        }
      } else if (stage === RELEASE) {
        if (release !== segTime || cv !== segCurve) {
          const n = Math.max(release * spm, 1);
          const relStart = s[S_REL_START]!;
          expR = relStart > 0 ? Math.exp(LN_DECAY_RELEASE / ((n * y) / relStart)) : 0;
        }
      }
      if (decayNeeded) {
        // adsr.ts's exp decay coefficient from level decayFrom (inline: a call returning a
        // double would box it, an allocation per call).
        const n = Math.max(decay * spm, 1);
        const rem = decayFrom - sus;
        expD = Math.exp(LN_DECAY_RELEASE / ((n * rem) / (1 - sus)));
      }
    }
    d[at + P_EXP_A] = expA;
    d[at + P_EXP_D] = expD;
    d[at + P_EXP_R] = expR;
  }
}


/** BatchFactory of the adsr: its constants in the arena, then the kernel. */
export function createAdsrBatch(arena: WasmArena, _sampleRate: number): BatchKernel | undefined {
  const entry = arena.exports['adsrRun'] as BatchEntry | undefined;
  const constCount = arena.exports['adsrConstCount'] as (() => number) | undefined;
  if (entry === undefined || constCount === undefined) return undefined;
  const values = [ADSR_CONSTANTS.endEps, ADSR_CONSTANTS.ratioAttack, ADSR_CONSTANTS.ratioDecayRelease];
  if (values.length !== constCount()) throw new Error(`adsr batch: ${values.length} constants, the wasm expects ${constCount()}`);
  const consts = arena.f64(values.length);
  if (!arena.holds(consts)) return undefined;
  consts.set(values);
  return new AdsrBatch(arena, entry, consts);
}
