// adsr: attack/decay/sustain/release envelope, gated by `/gate/<id>` at the exact sample.
//
// Contract (level y in [0, 1]; times are read live, per sample, from the params):
// - Output: with `in` connected, out = in × y; with nothing connected, out = y (a modulation
//   source).
// - Velocity: a gate on with velocity v in (0, 1] sets the note's peak P = v (state[S_PEAK]):
//   the attack rises to P, the decay falls to sustain·P, the sustain holds sustain·P; the
//   whole envelope scales, its times do not (slopes scale with P).
// - Gate on: attack from the CURRENT level (retrigger without reset, so no click), also during
//   release or decay. If the current level is already at or above the new peak (a softer
//   retrigger of a louder note), the attack is skipped: the decay starts from the current level
//   (no jump). Gate off (unless idle or already releasing): release from the current level,
//   also during attack.
// - linear curve (nominal time = time to reach the target):
//   attack rises at slope P/attack (full scale per attack time), so from level L it takes
//   (P − L)/P·attack; decay falls at slope (P − sustain·P)/decay, i.e. from P to sustain·P in
//   exactly `decay` (from a level y > P: (y − sustain·P)/decay); sustain holds the live
//   `sustain` param × P; release falls at slope L_off/release (L_off = level at gate-off), i.e.
//   to 0 in exactly `release`.
// - exp curve (nominal time = time to −60 dB of the segment's span): each segment a → b over T
//   samples follows y(n) = b' + (a − b')·c^n with an overshoot target b' = b + r·(b − a)
//   (N. Redmon, "Envelope generators — ADSR", EarLevel Engineering, 2013) and
//   c = ((r + 0.001) / (1 + r))^(1/T), so that |y(T) − b| = 0.001·|b − a|: the level is within
//   −60 dB of the span from its target at exactly T (a release from L is at L/1000 after
//   `release`). Past T the curve goes on to b, which it reaches (and snaps to) a little later:
//   the decay and release (r = 0.0001, a nearly pure exponential) at ≈ 1.352·T, the attack
//   (r = 0.3, convex like an RC charging towards a higher rail) at ≈ 1.0023·T. T is the linear
//   curve's duration: attack from L: (P − L)/P·attack, decay P → sustain·P: `decay`, release:
//   `release`. Midpoints (n = T/2): attack from 0 at 0.6745 (linear: 0.5); decay and release
//   at 0.0331 of the span from their target (linear: halfway).
// - Param changes mid-segment take effect at the next sample without a level jump: the
//   segment is rebuilt from the current level with the remaining time the linear curve would
//   need (linear: only the slope changes). Raising `sustain` above the level during decay ends
//   the decay (the engine ramps `sustain`, so the level follows it without a step).
// - A segment ends (and the level snaps to its target) when within 1e-9 of it.

import { Kernel, stateArray } from '../kernel.js';
import { defineModule } from '../define.js';
import * as layout from './adsr.layout.js';

export const adsrDecl = defineModule({
  type: 'adsr',
  doc:
    'ADSR envelope triggered by /gate. With `in` connected, out = in × envelope; otherwise out = envelope (0–1). ' +
    'Gate on restarts the attack from the current level (no reset, no click); gate off releases from the current level. ' +
    'linear: attack rises at full scale per `attack`, decay reaches sustain in exactly `decay`, release reaches 0 in exactly `release`. ' +
    'exp: Redmon-style exponential segments whose nominal time is the time to −60 dB of the span (a release from L is at L/1000 after `release`; it reaches 0 at ≈1.35·release). ' +
    'A gate velocity v in (0, 1] (`/gate/env 0.6`) scales the peak to v and the sustain level to sustain·v.',
  params: [
    { id: 'attack', unit: 'ms', min: 0.1, max: 60000, default: 10, smoothingMs: 0, scale: 'exp', doc: 'Attack time: rise from 0 to the peak (from level L the attack takes (1 − L/peak)·attack); exp: to −60 dB of the span. Read live, up to 60 s.' },
    { id: 'decay', unit: 'ms', min: 0.1, max: 60000, default: 100, smoothingMs: 0, scale: 'exp', doc: 'Decay time: fall from the peak to the sustain level (exp: to −60 dB of the span). Read live, up to 60 s.' },
    { id: 'sustain', unit: 'level', min: 0, max: 1, default: 0.7, smoothingMs: 5, doc: 'Sustain level (0–1, times the gate velocity), followed live while the gate is held.' },
    { id: 'release', unit: 'ms', min: 0.1, max: 60000, default: 200, smoothingMs: 0, scale: 'exp', doc: 'Release time: fall from the level at gate-off to 0 (exp: to −60 dB, 1/1000 of that level). Read live, up to 60 s.' },
    {
      id: 'curve', unit: 'enum', min: 0, max: 1, default: 0, smoothingMs: 0, labels: ['linear', 'exp'], modulatable: false,
      doc: 'Segment shape: linear ramps reaching their target at the nominal time, or exponential (Redmon) segments reaching −60 dB of their span at the nominal time.',
    },
  ],
  inputs: [{ id: 'in', doc: 'Signal multiplied by the envelope; when unconnected the envelope itself is output.' }],
  outputs: [{ id: 'out', doc: 'in × envelope, or the envelope (0–1) when `in` is unconnected.' }],
  gate: true,
  silentInSilentOut: false,
});

const P = adsrDecl.param;
const IN = adsrDecl.input;

// The state layout and stage codes live in adsr.layout.ts (shared with the batch kernel
// wasm/adsr.ts), copied into module-local constants: V8 constant-folds those in hot loops, not
// imported bindings.
const {
  S_STAGE, S_LEVEL, S_REL_START, S_STEP, S_OVER, S_SEG_TIME, S_SEG_SUSTAIN, S_SEG_CURVE, S_PEAK, STATE_SIZE,
  STAGE_IDLE: IDLE, STAGE_ATTACK: ATTACK, STAGE_DECAY: DECAY, STAGE_SUSTAIN: SUSTAIN, STAGE_RELEASE: RELEASE,
} = layout;

// Redmon's overshoot ratios, the exp segments' log factors and the end threshold, exported for
// the batch host (adsr-batch.ts), which computes the exp coefficients with these expressions.
export const ADSR_RATIO_ATTACK = 0.3;
export const ADSR_RATIO_DECAY_RELEASE = 0.0001;
/** The level left of a segment's span at its nominal time: −60 dB. */
export const ADSR_NOMINAL_LEVEL = 0.001;
/**
 * ln((r + 0.001) / (1 + r)): c = exp(LN / T) puts the level at 0.001 of the span from the
 * target at n = T (see the header). T → 0 gives c = 0 (an immediate step to b'; then clamped).
 */
export const ADSR_LN_ATTACK = Math.log((ADSR_RATIO_ATTACK + ADSR_NOMINAL_LEVEL) / (1 + ADSR_RATIO_ATTACK));
export const ADSR_LN_DECAY_RELEASE = Math.log((ADSR_RATIO_DECAY_RELEASE + ADSR_NOMINAL_LEVEL) / (1 + ADSR_RATIO_DECAY_RELEASE));
/** A segment ends when the level is this close to its target. */
export const ADSR_END_EPS = 1e-9;
// Module-local copies for the hot loops (exported bindings are module cells, not folded).
const RATIO_ATTACK = ADSR_RATIO_ATTACK;
const RATIO_DECAY_RELEASE = ADSR_RATIO_DECAY_RELEASE;
const LN_ATTACK = ADSR_LN_ATTACK;
const LN_DECAY_RELEASE = ADSR_LN_DECAY_RELEASE;
const END_EPS = ADSR_END_EPS;

export class AdsrKernel extends Kernel {
  readonly state: Float64Array = stateArray(this.ctx, STATE_SIZE);
  private readonly samplesPerMs = this.ctx.sampleRate / 1000;

  protected override init(): void {
    this.state[S_PEAK] = 1;
  }

  override gate(on: boolean, velocity = 1): void {
    const s = this.state;
    if (on) {
      // Velocity in (0, 1]; anything else (NaN, > 1) is full velocity.
      const peak = velocity > 0 && velocity < 1 ? velocity : 1;
      s[S_PEAK] = peak;
      // At or above the new peak already: no attack (it would jump down), decay from here.
      s[S_STAGE] = s[S_LEVEL] >= peak ? DECAY : ATTACK;
      s[S_SEG_TIME] = -1;
    } else if (s[S_STAGE] !== IDLE && s[S_STAGE] !== RELEASE) {
      s[S_STAGE] = RELEASE;
      s[S_REL_START] = s[S_LEVEL];
      s[S_SEG_TIME] = -1;
    }
  }

  // Loop structure (bit-identical to a plain per-sample loop over every stage): gates arrive
  // only between process calls, so SUSTAIN and IDLE last until `end` once reached and run as
  // tight loops of their own; ATTACK, DECAY and RELEASE run per sample until the stage turns
  // into SUSTAIN or IDLE. After a sample has (re)built the segment, if the params it depends
  // on are constant for this call the segment cannot change until the stage does, so the
  // rest of it runs as a tight loop without the rebuild checks (in DECAY, the "level already
  // at sustain" check before each step repeats the previous sample's check after its step:
  // same level, same sustain). Every param's isConstant/value/buffer is read once per call.
  process(start: number, end: number): void {
    const out = this.io.outputs[0];
    const inPort = this.io.inputs[IN.in];
    const connected = inPort.connected;
    const input = inPort.buffer;
    const p = this.io.params;
    const attack = p[P.attack];
    const decay = p[P.decay];
    const sustain = p[P.sustain];
    const release = p[P.release];
    const curve = p[P.curve];
    const attackConst = attack.isConstant;
    const attackValue = attack.value;
    const attackBuf = attack.buffer;
    const decayConst = decay.isConstant;
    const decayValue = decay.value;
    const decayBuf = decay.buffer;
    const susConst = sustain.isConstant;
    const susValue = sustain.value;
    const susBuf = sustain.buffer;
    const releaseConst = release.isConstant;
    const releaseValue = release.value;
    const releaseBuf = release.buffer;
    const curveConst = curve.isConstant;
    const curveValue = curve.value;
    const curveBuf = curve.buffer;
    const spm = this.samplesPerMs;

    const s = this.state;
    const peak = s[S_PEAK];
    const peakEnd = peak - END_EPS;
    let stage = s[S_STAGE];
    let y = s[S_LEVEL];
    const relStart = s[S_REL_START];
    let step = s[S_STEP];
    let over = s[S_OVER];
    let segTime = s[S_SEG_TIME];
    let segSus = s[S_SEG_SUSTAIN];
    let segCurve = s[S_SEG_CURVE];

    // Sum of the squares of every output sample: Kernel.outputCheck.
    let sq = 0;
    let i = start;
    // ATTACK / DECAY / RELEASE, per sample, until the stage becomes SUSTAIN or IDLE.
    while (i < end && stage !== SUSTAIN && stage !== IDLE) {
      if (stage === ATTACK) {
        const t = attackConst ? attackValue : attackBuf[i];
        const cv = curveConst ? curveValue : curveBuf[i];
        if (t !== segTime || cv !== segCurve) {
          segTime = t;
          segCurve = cv;
          const n = Math.max(t * spm, 1);
          if (cv >= 0.5) {
            const rem = peak - y;
            over = peak + RATIO_ATTACK * rem;
            step = Math.exp(LN_ATTACK / ((rem / peak) * n));
          } else {
            step = peak / n;
          }
        }
        y = segCurve >= 0.5 ? over + (y - over) * step : y + step;
        if (y >= peakEnd) {
          y = peak;
          stage = DECAY;
          segTime = -1;
        }
      } else if (stage === DECAY) {
        const sus = susConst ? susValue : susBuf[i];
        const susLevel = sus * peak;
        if (y <= susLevel + END_EPS) {
          // Sustain reached (or raised above the level): hold it.
          y = susLevel;
          stage = SUSTAIN;
        } else {
          const t = decayConst ? decayValue : decayBuf[i];
          const cv = curveConst ? curveValue : curveBuf[i];
          if (t !== segTime || sus !== segSus || cv !== segCurve) {
            segTime = t;
            segSus = sus;
            segCurve = cv;
            const n = Math.max(t * spm, 1);
            // The span the decay covers in `decay`: peak → sustain level (from above the
            // peak, after a softer retrigger: the current level → sustain level).
            const span = y > peak ? y - susLevel : peak - susLevel;
            if (cv >= 0.5) {
              // Remaining time as on the linear curve: (y − susLevel) at slope span/n.
              const rem = y - susLevel;
              over = susLevel - RATIO_DECAY_RELEASE * rem;
              step = Math.exp(LN_DECAY_RELEASE / ((n * rem) / span));
            } else {
              step = span / n;
            }
          }
          y = segCurve >= 0.5 ? over + (y - over) * step : y - step;
          if (y <= susLevel + END_EPS) {
            y = susLevel;
            stage = SUSTAIN;
          }
        }
      } else {
        // RELEASE
        const t = releaseConst ? releaseValue : releaseBuf[i];
        const cv = curveConst ? curveValue : curveBuf[i];
        if (t !== segTime || cv !== segCurve) {
          segTime = t;
          segCurve = cv;
          const n = Math.max(t * spm, 1);
          if (cv >= 0.5) {
            // Remaining time as on the linear curve: y at slope relStart/n.
            over = -RATIO_DECAY_RELEASE * y;
            step = relStart > 0 ? Math.exp(LN_DECAY_RELEASE / ((n * y) / relStart)) : 0;
          } else {
            step = relStart / n;
          }
        }
        y = segCurve >= 0.5 ? over + (y - over) * step : y - step;
        if (y <= END_EPS) {
          y = 0;
          stage = IDLE;
        }
      }
      const v = connected ? input[i] * y : y;
      out[i] = v;
      sq += v * v;
      i++;
      // The rest of a segment whose params are constant for this call (see above).
      const expCurve = segCurve >= 0.5;
      if (stage === ATTACK) {
        if (attackConst && curveConst && segTime === attackValue && segCurve === curveValue) {
          for (; i < end; i++) {
            y = expCurve ? over + (y - over) * step : y + step;
            if (y >= peakEnd) {
              y = peak;
              stage = DECAY;
              segTime = -1;
              const v = connected ? input[i] * y : y;
              out[i] = v;
              sq += v * v;
              i++;
              break;
            }
            const v = connected ? input[i] * y : y;
            out[i] = v;
            sq += v * v;
          }
        }
      } else if (stage === DECAY) {
        if (decayConst && susConst && curveConst && segTime === decayValue && segSus === susValue && segCurve === curveValue) {
          const susLevel = susValue * peak;
          const susEnd = susLevel + END_EPS;
          for (; i < end; i++) {
            y = expCurve ? over + (y - over) * step : y - step;
            if (y <= susEnd) {
              y = susLevel;
              stage = SUSTAIN;
              const v = connected ? input[i] * y : y;
              out[i] = v;
              sq += v * v;
              i++;
              break;
            }
            const v = connected ? input[i] * y : y;
            out[i] = v;
            sq += v * v;
          }
        }
      } else if (stage === RELEASE) {
        if (releaseConst && curveConst && segTime === releaseValue && segCurve === curveValue) {
          for (; i < end; i++) {
            y = expCurve ? over + (y - over) * step : y - step;
            if (y <= END_EPS) {
              y = 0;
              stage = IDLE;
              const v = connected ? input[i] * y : y;
              out[i] = v;
              sq += v * v;
              i++;
              break;
            }
            const v = connected ? input[i] * y : y;
            out[i] = v;
            sq += v * v;
          }
        }
      }
    }
    if (i < end) {
      if (stage === SUSTAIN && !susConst) {
        // The level follows the (ramped) sustain param sample by sample.
        if (connected) {
          for (; i < end; i++) {
            y = susBuf[i] * peak;
            const v = input[i] * y;
            out[i] = v;
            sq += v * v;
          }
        } else {
          for (; i < end; i++) {
            y = susBuf[i] * peak;
            out[i] = y;
            sq += y * y;
          }
        }
      } else {
        // IDLE holds y (0); SUSTAIN with a constant param holds it.
        if (stage === SUSTAIN) y = susValue * peak;
        if (connected) {
          // Two sums of squares, so the additions do not serialise this short loop.
          let sq1 = 0;
          for (; i + 1 < end; i += 2) {
            const v0 = input[i] * y;
            const v1 = input[i + 1] * y;
            out[i] = v0;
            out[i + 1] = v1;
            sq += v0 * v0;
            sq1 += v1 * v1;
          }
          if (i < end) {
            const v = input[i] * y;
            out[i] = v;
            sq += v * v;
            i++;
          }
          sq += sq1;
        } else {
          // Every sample is y.
          sq += (end - i) * (y * y);
          for (; i < end; i++) out[i] = y;
        }
      }
    }

    s[S_STAGE] = stage;
    s[S_LEVEL] = y;
    s[S_STEP] = step;
    s[S_OVER] = over;
    s[S_SEG_TIME] = segTime;
    s[S_SEG_SUSTAIN] = segSus;
    s[S_SEG_CURVE] = segCurve;
    this.outputCheck[0] = sq;
  }
}

export const adsrModule = adsrDecl.withKernel(AdsrKernel);
