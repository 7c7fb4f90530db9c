// adsr batch kernel: 4 instances of src/dsp/modules/adsr.ts in two f64x2 vectors (lanes 0,1
// and 2,3), BIT-IDENTICAL to the JS kernel in outputs, in every state value and in the sum of
// y² (outputCheck), for the case the host accepts: attack, decay, sustain, release and curve
// constant over the call (linear or exp curve, `in` connected or not, any stage per lane).
//
// Contract (host: src/dsp/modules/adsr-batch.ts; calling convention: wasm/abi.ts): each lane
// record points at the instance's 9-value state array (adsr.ts's layout, verbatim), its `in`
// buffer and its output, all in place in the arena, and holds its constant params (LANE_*); the
// kernel updates state and output [start, end) in place and stores each lane's sum of y².
// Gates arrive between calls (AdsrKernel.gate changes `state` only). Runs on the render
// thread; allocates nothing.
//
// Model of adsr.ts with constant params (its tight loops equal its per-sample loop, see there):
//   - a lane's stages within one call only move forward: ATTACK → DECAY → SUSTAIN or
//     RELEASE → IDLE. A segment (re)builds only at the first sample of a stage in the call
//     (params are constant), so the rebuild runs in scalar code per lane at the call start and
//     at a stage change ("events", at most two per lane and call); Math.exp of an exp rebuild
//     is computed by the host (adsr-batch.ts) with adsr.ts's expressions and passed as a param
//     (every exp rebuild of a call is known at its start: attack and release at the call
//     start, decay at the call start or right after the attack, from the peak S_PEAK);
//   - per sample, each lane takes y + inc (linear: inc = ±step, x − s ≡ x + (−s) exactly in
//     IEEE 754; holding lanes: inc = −0, and x + (−0) ≡ x for every x) or, on the exp curve,
//     over + (y − over)·c, chosen with bitselect; a holding lane's level is set to its held
//     value when its descriptor is loaded (SUSTAIN: sustain × peak; IDLE: the level; DECAY
//     whose level is already at sustain: sustain × peak, for the one sample adsr.ts's
//     pre-check outputs it). A segment ends where y ≥ hi or y ≤ lo (NaN thresholds for
//     "never"; a NaN level ends nothing, as in JS) and the level snaps to the target;
//   - the end checks are skipped for as many samples as no lane can end its segment in
//     (safeRun: a bound on the rounding of the linear recursion; 0 for exp segments), then
//     run per sample until the end is found;
//   - out = in·y with `in` connected, else y: an unconnected lane reads a buffer of 1.0f from
//     the work area (y·1 ≡ y), so every lane computes in·y;
//   - once every lane holds, the rest of the call runs lane by lane, four samples per vector
//     operation over time (no recursion is left), the four lanes interleaved;
//   - the sum of y² keeps adsr.ts's order: sequential over the segment samples, then from the
//     sample h where the lane holds (SUSTAIN/IDLE) to the end, connected: samples at even
//     offsets from h into one sum and odd offsets into another, added at the end; unconnected:
//     one (end − h)·y² (adding +0 to a sum of squares, which is never −0, changes nothing).

import { constsOf, inConnected, inPtr, laneRecord, outPtr, param, setSumSquares, statePtr, workOf } from './abi';
import { vec } from './simd';
import {
  INPUT_IN as IN_AUDIO, K_COUNT, K_END_EPS, K_RATIO_ATTACK, K_RATIO_DR, LANE_ATTACK, LANE_CURVE, LANE_DECAY, LANE_EXP_A, LANE_EXP_D,
  LANE_EXP_R, LANE_RELEASE, LANE_SPM, LANE_SUSTAIN, S_LEVEL, S_OVER, S_PEAK, S_REL_START, S_SEG_CURVE, S_SEG_SUSTAIN, S_SEG_TIME, S_STAGE,
  S_STEP, STAGE_ATTACK, STAGE_DECAY, STAGE_IDLE, STAGE_SUSTAIN,
} from '../src/dsp/modules/adsr.layout';

// The state slots (S_*), stage codes, per-lane params (LANE_*: attack, decay, sustain, release,
// curve; LANE_SPM the instance's samples per ms, sampleRate / 1000 as the kernel computes it;
// LANE_EXP_A/D/R, on the exp curve, Math.exp of the attack / decay / release rebuild of this
// call, computed by the host, 0 if none) and constants (K_*) are adsr.layout.ts's (compiled by
// tsc too). Stages are compared and stored as f64 (the state is f64).
const IDLE: f64 = STAGE_IDLE;
const ATTACK: f64 = STAGE_ATTACK;
const DECAY: f64 = STAGE_DECAY;
const SUSTAIN: f64 = STAGE_SUSTAIN;

// ---- work area: per-lane segment descriptors, field f of lane l at work + 32·f + 8·l ----
const W_INC: i32 = 0;
const W_OVER: i32 = 1;
const W_C: i32 = 2;
/** Masks (i64 −1 / 0). */
const W_EXP: i32 = 3;
const W_HOLD: i32 = 4;
const W_YHOLD: i32 = 5;
const W_HI: i32 = 6;
const W_LO: i32 = 7;
const W_TARGET: i32 = 8;
/** Sum-of-squares masks of the next sample: into sum A, into sum B; ALT: swap them per sample. */
const W_MA: i32 = 9;
const W_MB: i32 = 10;
const W_ALT: i32 = 11;
/** Unconnected lane holding from sample h (else −1). */
const W_H: i32 = 12;
/** 1 while the lane is in a segment (ATTACK/DECAY/RELEASE), 0 once it holds. */
const W_ACTIVE: i32 = 13;
/** The lane's two sums of squares (A, B) between the phases of a call. */
const W_SA: i32 = 14;
const W_SB: i32 = 15;
/** Byte offset in the work area of the 1.0f buffer unconnected lanes read (PAD_BLOCK floats). */
const W_ONES: usize = 1024;


/** Set at each call from the descriptor (calling convention: wasm/abi.ts). */
let descBase: usize = 0;
let constPtr: usize = 0;
let workPtr: usize = 0;
let endEps: f64 = 0;

/** Number of f64 constants the host writes at `consts`. */
export function adsrConstCount(): i32 {
  return K_COUNT;
}

@inline function kc(i: i32): f64 {
  return load<f64>(constPtr + <usize>(i << 3));
}
@inline function rec(l: i32): usize {
  return laneRecord(descBase, l);
}
@inline function sget(l: i32, f: i32): f64 {
  return load<f64>(statePtr(rec(l)) + <usize>(f << 3));
}
@inline function sset(l: i32, f: i32, v: f64): void {
  store<f64>(statePtr(rec(l)) + <usize>(f << 3), v);
}
@inline function pget(l: i32, f: i32): f64 {
  return param(rec(l), f);
}
@inline function wadr(f: i32, l: i32): usize {
  return workPtr + <usize>((f << 5) + (l << 3));
}
@inline function wget(f: i32, l: i32): f64 {
  return load<f64>(wadr(f, l));
}
@inline function wset(f: i32, l: i32, v: f64): void {
  store<f64>(wadr(f, l), v);
}
@inline function wmask(f: i32, l: i32, on: bool): void {
  store<i64>(wadr(f, l), on ? -1 : 0);
}
/** Field f of lanes 2p, 2p + 1. */
@inline function wvec(f: i32, p: i32): v128 {
  return load<v128>(workPtr + <usize>((f << 5) + (p << 4)));
}

/** Sums of squares: sequential (segment samples). */
@inline function seqMasks(l: i32): void {
  wmask(W_MA, l, true);
  wmask(W_MB, l, false);
  wmask(W_ALT, l, false);
  wset(W_H, l, -1);
}

/**
 * Lane l runs the segment of its state (S_STEP, S_OVER, S_SEG_CURVE) from the next sample:
 * y + step (up) or y − step, or exp over + (y − over)·step; ends at y ≥ hi or y ≤ lo.
 */
function segment(l: i32, up: bool, hi: f64, lo: f64, target: f64): void {
  const step = sget(l, S_STEP);
  wset(W_INC, l, up ? step : -step);
  wset(W_OVER, l, sget(l, S_OVER));
  wset(W_C, l, step);
  wmask(W_EXP, l, sget(l, S_SEG_CURVE) >= 0.5);
  wmask(W_HOLD, l, false);
  wset(W_YHOLD, l, 0);
  wset(W_HI, l, hi);
  wset(W_LO, l, lo);
  wset(W_TARGET, l, target);
  seqMasks(l);
  wset(W_ACTIVE, l, 1);
}

/** Lane l holds yh from sample h on (SUSTAIN or IDLE). */
function hold(l: i32, h: i32, yh: f64): void {
  wset(W_INC, l, -0.0);
  wmask(W_EXP, l, false);
  wmask(W_HOLD, l, true);
  wset(W_YHOLD, l, yh);
  wset(W_HI, l, NaN);
  wset(W_LO, l, NaN);
  wset(W_TARGET, l, 0);
  const connected = inConnected(rec(l), IN_AUDIO);
  wmask(W_MA, l, connected);
  wmask(W_MB, l, false);
  wmask(W_ALT, l, connected);
  wset(W_H, l, connected ? -1 : <f64>h);
  wset(W_ACTIVE, l, 0);
}

/**
 * Lane l enters (or is in) DECAY at level y at its next sample: adsr.ts's pre-check (level
 * already at sustain: that sample outputs sustain, no rebuild, then SUSTAIN), else the
 * rebuild check, then the decay segment.
 */
function decayBegin(l: i32, y: f64): void {
  const sus = pget(l, LANE_SUSTAIN);
  const peak = sget(l, S_PEAK);
  const susLevel = sus * peak;
  if (y <= susLevel + endEps) {
    wset(W_INC, l, -0.0);
    wmask(W_EXP, l, false);
    wmask(W_HOLD, l, true);
    wset(W_YHOLD, l, susLevel);
    wset(W_HI, l, NaN);
    wset(W_LO, l, susLevel + endEps); // ≤ itself + 1e-9: ends at this sample
    wset(W_TARGET, l, susLevel);
    seqMasks(l);
    wset(W_ACTIVE, l, 1);
    return;
  }
  const t = pget(l, LANE_DECAY);
  const cv = pget(l, LANE_CURVE);
  if (t != sget(l, S_SEG_TIME) || sus != sget(l, S_SEG_SUSTAIN) || cv != sget(l, S_SEG_CURVE)) {
    sset(l, S_SEG_TIME, t);
    sset(l, S_SEG_SUSTAIN, sus);
    sset(l, S_SEG_CURVE, cv);
    const n = max<f64>(t * pget(l, LANE_SPM), 1);
    if (cv >= 0.5) {
      const rem = y - susLevel;
      sset(l, S_OVER, susLevel - kc(K_RATIO_DR) * rem);
      sset(l, S_STEP, pget(l, LANE_EXP_D));
    } else {
      sset(l, S_STEP, (y > peak ? y - susLevel : peak - susLevel) / n);
    }
  }
  segment(l, false, NaN, susLevel + endEps, susLevel);
}

/** Lane l at the call start: its stage's rebuild check and descriptor from sample `start`. */
function begin(l: i32, start: i32): void {
  const stage = sget(l, S_STAGE);
  const y = sget(l, S_LEVEL);
  if (stage == SUSTAIN) {
    hold(l, start, pget(l, LANE_SUSTAIN) * sget(l, S_PEAK));
  } else if (stage == IDLE) {
    hold(l, start, y);
  } else if (stage == ATTACK) {
    const peak = sget(l, S_PEAK);
    const t = pget(l, LANE_ATTACK);
    const cv = pget(l, LANE_CURVE);
    if (t != sget(l, S_SEG_TIME) || cv != sget(l, S_SEG_CURVE)) {
      sset(l, S_SEG_TIME, t);
      sset(l, S_SEG_CURVE, cv);
      const n = max<f64>(t * pget(l, LANE_SPM), 1);
      if (cv >= 0.5) {
        const rem = peak - y;
        sset(l, S_OVER, peak + kc(K_RATIO_ATTACK) * rem);
        sset(l, S_STEP, pget(l, LANE_EXP_A));
      } else {
        sset(l, S_STEP, peak / n);
      }
    }
    segment(l, true, peak - endEps, NaN, peak);
  } else if (stage == DECAY) {
    decayBegin(l, y);
  } else {
    // RELEASE (the host accepts stages 0..4 only)
    const t = pget(l, LANE_RELEASE);
    const cv = pget(l, LANE_CURVE);
    if (t != sget(l, S_SEG_TIME) || cv != sget(l, S_SEG_CURVE)) {
      sset(l, S_SEG_TIME, t);
      sset(l, S_SEG_CURVE, cv);
      const n = max<f64>(t * pget(l, LANE_SPM), 1);
      if (cv >= 0.5) {
        sset(l, S_OVER, -kc(K_RATIO_DR) * y);
        sset(l, S_STEP, pget(l, LANE_EXP_R));
      } else {
        sset(l, S_STEP, sget(l, S_REL_START) / n);
      }
    }
    segment(l, false, NaN, endEps, 0);
  }
}

/**
 * Lane l's segment ended at sample i (its level is the target): the next stage from i + 1
 * (a decay begins, with its rebuild, only if that sample is in this call).
 */
function ended(l: i32, i: i32, end: i32): void {
  const stage = sget(l, S_STAGE);
  if (stage == ATTACK) {
    sset(l, S_STAGE, DECAY);
    sset(l, S_SEG_TIME, -1);
    if (i + 1 < end) decayBegin(l, sget(l, S_PEAK));
  } else if (stage == DECAY) {
    sset(l, S_STAGE, SUSTAIN);
    hold(l, i + 1, pget(l, LANE_SUSTAIN) * sget(l, S_PEAK));
  } else {
    sset(l, S_STAGE, IDLE);
    hold(l, i + 1, 0);
  }
}

@inline function loadIn(a: usize, b: usize, i: i32): v128 {
  const o = <usize>(i << 2);
  return f64x2.promote_low_f32x4(v128.load32_lane(b + o, v128.load32_zero(a + o), 1));
}
@inline function storeOut(a: usize, b: usize, i: i32, y: v128): void {
  const o = <usize>(i << 2);
  const f = f32x4.demote_f64x2_zero(y);
  v128.store32_lane(a + o, f, 0);
  v128.store32_lane(b + o, f, 1);
}
/** The `in` buffer lane l reads: its own, or the 1.0f buffer when unconnected. */
@inline function inSrc(l: i32): usize {
  return inConnected(rec(l), IN_AUDIO) ? inPtr(rec(l), IN_AUDIO) : workPtr + W_ONES;
}
/** Lane l's sums (A, B) as a vector whose lane 0 takes the next sample (lane-major hold). */
@inline function accOf(l: i32): v128 {
  const a = wget(W_SA, l);
  const b = wget(W_SB, l);
  return load<i64>(wadr(W_MA, l)) != 0 ? vec(a, b) : vec(b, a);
}
@inline function accSet(l: i32, acc: v128): void {
  const e = f64x2.extract_lane(acc, 0);
  const o = f64x2.extract_lane(acc, 1);
  const first = load<i64>(wadr(W_MA, l)) != 0;
  wset(W_SA, l, first ? e : o);
  wset(W_SB, l, first ? o : e);
}
@inline function cmOf(l: i32): v128 {
  return i64x2.splat(inConnected(rec(l), IN_AUDIO) ? -1 : 0);
}
/** Four held samples of one lane from i: out = in·y, squares into acc (lanes: even, odd). */
@inline function hold4(acc: v128, inp: usize, outp: usize, i: i32, yv: v128, cm: v128): v128 {
  const o = <usize>(i << 2);
  const x = v128.load(inp + o);
  const v0 = f64x2.mul(f64x2.promote_low_f32x4(x), yv);
  const v1 = f64x2.mul(f64x2.promote_low_f32x4(v128.shuffle<i32>(x, x, 2, 3, 2, 3)), yv);
  v128.store(outp + o, v128.shuffle<i64>(f32x4.demote_f64x2_zero(v0), f32x4.demote_f64x2_zero(v1), 0, 2));
  return f64x2.add(f64x2.add(acc, v128.and(f64x2.mul(v0, v0), cm)), v128.and(f64x2.mul(v1, v1), cm));
}
@inline function hold2(acc: v128, inp: usize, outp: usize, i: i32, yv: v128, cm: v128): v128 {
  const o = <usize>(i << 2);
  const v = f64x2.mul(f64x2.promote_low_f32x4(v128.load64_zero(inp + o)), yv);
  v128.store64_lane(outp + o, f32x4.demote_f64x2_zero(v), 0);
  return f64x2.add(acc, v128.and(f64x2.mul(v, v), cm));
}
/** One held sample: into acc lane 0 (lane 1 gets +0, which changes nothing). */
@inline function hold1(acc: v128, inp: usize, outp: usize, i: i32, yv: v128, cm: v128): v128 {
  const o = <usize>(i << 2);
  const v = f64x2.mul(f64x2.promote_low_f32x4(v128.load32_zero(inp + o)), yv);
  v128.store32_lane(outp + o, f32x4.demote_f64x2_zero(v), 0);
  return f64x2.add(acc, v128.and(f64x2.mul(v, v), v128.and(cm, i64x2.replace_lane(i64x2.splat(0), 0, -1))));
}

/**
 * Every lane holds from i to end: lane by lane, the samples vectorised over time (lane 0 of a
 * lane's vector takes the samples that go into the sum its next sample goes into), the four
 * lanes interleaved so their sums do not serialise.
 */
function holdPhase(i: i32, end: i32, in0: usize, in1: usize, in2: usize, in3: usize): void {
  const out0 = outPtr(rec(0), 0);
  const out1 = outPtr(rec(1), 0);
  const out2 = outPtr(rec(2), 0);
  const out3 = outPtr(rec(3), 0);
  const y0 = f64x2.splat(wget(W_YHOLD, 0));
  const y1 = f64x2.splat(wget(W_YHOLD, 1));
  const y2 = f64x2.splat(wget(W_YHOLD, 2));
  const y3 = f64x2.splat(wget(W_YHOLD, 3));
  const c0 = cmOf(0);
  const c1 = cmOf(1);
  const c2 = cmOf(2);
  const c3 = cmOf(3);
  let a0 = accOf(0);
  let a1 = accOf(1);
  let a2 = accOf(2);
  let a3 = accOf(3);
  for (; i + 4 <= end; i += 4) {
    a0 = hold4(a0, in0, out0, i, y0, c0);
    a1 = hold4(a1, in1, out1, i, y1, c1);
    a2 = hold4(a2, in2, out2, i, y2, c2);
    a3 = hold4(a3, in3, out3, i, y3, c3);
  }
  if (i + 2 <= end) {
    a0 = hold2(a0, in0, out0, i, y0, c0);
    a1 = hold2(a1, in1, out1, i, y1, c1);
    a2 = hold2(a2, in2, out2, i, y2, c2);
    a3 = hold2(a3, in3, out3, i, y3, c3);
    i += 2;
  }
  if (i < end) {
    a0 = hold1(a0, in0, out0, i, y0, c0);
    a1 = hold1(a1, in1, out1, i, y1, c1);
    a2 = hold1(a2, in2, out2, i, y2, c2);
    a3 = hold1(a3, in3, out3, i, y3, c3);
  }
  accSet(0, a0);
  accSet(1, a1);
  accSet(2, a2);
  accSet(3, a3);
  for (let l = 0; l < 4; l++) sset(l, S_LEVEL, wget(W_YHOLD, l));
}

@inline function allHold(): bool {
  return wget(W_ACTIVE, 0) == 0 && wget(W_ACTIVE, 1) == 0 && wget(W_ACTIVE, 2) == 0 && wget(W_ACTIVE, 3) == 0;
}

/** The next level of lanes in segment form: y + inc, or over + (y − over)·c where exp. */
@inline function nextY(y: v128, inc: v128, over: v128, c: v128, isExp: v128, anyExp: bool): v128 {
  const yl = f64x2.add(y, inc);
  return anyExp ? v128.bitselect(f64x2.add(over, f64x2.mul(f64x2.sub(y, over), c)), yl, isExp) : yl;
}

/** 2^−50: the rounding margin of safeRun (8× the unit roundoff 2^−53). */
const MARGIN: f64 = 8.881784197001252e-16;

/**
 * How many samples from now lane l (level y) certainly does not end its segment: the samples
 * its end check can be skipped for (a holding lane: never ends; exp segments, a DECAY at its
 * pre-check, a NaN level: 0). Linear: y_k = fl(y_{k−1} + inc) stays within k·2^−53·M of
 * y + k·inc (M bounds every |y_{k−1} + inc| before the end), so no sample k with
 * k·(|inc| + 2^−50·M) < distance to the threshold can end it; floor(·) − 2 covers the
 * rounding of this estimate.
 */
function safeRun(l: i32, y: f64): i32 {
  if (wget(W_ACTIVE, l) == 0) return i32.MAX_VALUE;
  if (load<i64>(wadr(W_HOLD, l)) != 0 || load<i64>(wadr(W_EXP, l)) != 0) return 0;
  const inc = wget(W_INC, l);
  const hi = wget(W_HI, l);
  let dist: f64;
  let rate: f64;
  let thr: f64;
  if (hi == hi) {
    thr = hi;
    dist = hi - y;
    rate = inc;
  } else {
    thr = wget(W_LO, l);
    dist = y - thr;
    rate = -inc;
  }
  if (!(rate >= 0)) return 0;
  const m = abs<f64>(y) + abs<f64>(thr) + rate + 1;
  const q = dist / (rate + MARGIN * m);
  if (!(q >= 3)) return 0; // also NaN
  if (q >= 1e9) return 1000000000;
  return <i32>floor<f64>(q) - 2;
}

/** Lane l's sum of y²: A, plus (end − h)·y² of an unconnected hold from h, plus B. */
function finish(l: i32, end: i32): void {
  let a = wget(W_SA, l);
  const h = wget(W_H, l);
  if (h >= 0 && h < <f64>end) {
    const yh = wget(W_YHOLD, l);
    a += (<f64>end - h) * (yh * yh);
  }
  setSumSquares(rec(l), a + wget(W_SB, l));
}

/**
 * Renders lanes 0..3 over [start, end) (`lanes` is always 4: the host pads, wasm/abi.ts).
 * Stores each lane's sum of y².
 */
export function adsrRun(desc: usize, lanes: i32, start: i32, end: i32): void {
  descBase = desc;
  constPtr = constsOf(desc);
  workPtr = workOf(desc);
  endEps = kc(K_END_EPS);
  if (end <= start) {
    // adsr.ts renders no sample and rebuilds no segment (a pending rebuild waits for the next
    // sample): the state stays as it is, the sum of y² is 0.
    for (let l = 0; l < 4; l++) setSumSquares(rec(l), 0);
    return;
  }
  let anyUnconnected = false;
  for (let l = 0; l < 4; l++) {
    begin(l, start);
    wset(W_SA, l, 0);
    wset(W_SB, l, 0);
    if (!inConnected(rec(l), IN_AUDIO)) anyUnconnected = true;
  }
  if (anyUnconnected) {
    const ones = workPtr + W_ONES;
    const one = f32x4.splat(1.0);
    for (let k = start & ~3; k < end; k += 4) store<v128>(ones + <usize>(k << 2), one);
  }
  const in0 = inSrc(0);
  const in1 = inSrc(1);
  const in2 = inSrc(2);
  const in3 = inSrc(3);
  let i = start;
  if (i < end && !allHold()) {
    const out0 = outPtr(rec(0), 0);
    const out1 = outPtr(rec(1), 0);
    const out2 = outPtr(rec(2), 0);
    const out3 = outPtr(rec(3), 0);
    let yA = vec(sget(0, S_LEVEL), sget(1, S_LEVEL));
    let yB = vec(sget(2, S_LEVEL), sget(3, S_LEVEL));
    let aA = f64x2.splat(0);
    let bA = aA;
    let aB = aA;
    let bB = aA;
    while (i < end) {
      if (allHold()) break;
      const holdA = wvec(W_HOLD, 0);
      const holdB = wvec(W_HOLD, 1);
      yA = v128.bitselect(wvec(W_YHOLD, 0), yA, holdA);
      yB = v128.bitselect(wvec(W_YHOLD, 1), yB, holdB);
      const incA = wvec(W_INC, 0);
      const incB = wvec(W_INC, 1);
      const overA = wvec(W_OVER, 0);
      const overB = wvec(W_OVER, 1);
      const cA = wvec(W_C, 0);
      const cB = wvec(W_C, 1);
      const expA = wvec(W_EXP, 0);
      const expB = wvec(W_EXP, 1);
      const hiA = wvec(W_HI, 0);
      const hiB = wvec(W_HI, 1);
      const loA = wvec(W_LO, 0);
      const loB = wvec(W_LO, 1);
      const tA = wvec(W_TARGET, 0);
      const tB = wvec(W_TARGET, 1);
      let mAA = wvec(W_MA, 0);
      let mBA = wvec(W_MB, 0);
      let mAB = wvec(W_MA, 1);
      let mBB = wvec(W_MB, 1);
      const altA = wvec(W_ALT, 0);
      const altB = wvec(W_ALT, 1);
      const anyExp = v128.any_true(v128.or(expA, expB));
      // Every lane's squares go into A (no lane holds with alternating sums): the short loop.
      const seq = i64x2.all_true(v128.and(mAA, mAB)) && !v128.any_true(v128.or(v128.or(mBA, mBB), v128.or(altA, altB)));
      let dA = f64x2.splat(0);
      let dB = dA;
      let hit = false;
      // Samples no lane can end its segment in: without the end checks.
      let run = end - i;
      let k = safeRun(0, f64x2.extract_lane(yA, 0));
      if (k < run) run = k;
      k = safeRun(1, f64x2.extract_lane(yA, 1));
      if (k < run) run = k;
      k = safeRun(2, f64x2.extract_lane(yB, 0));
      if (k < run) run = k;
      k = safeRun(3, f64x2.extract_lane(yB, 1));
      if (k < run) run = k;
      const stop = i + run;
      // Then with the checks: a few samples (the safe run ends just before a segment end) and
      // a new estimate, or, if there was no safe run, to the end or the next segment end.
      const limit = run > 0 ? (stop + 4 < end ? stop + 4 : end) : end;
      if (seq) {
        for (; i < stop; i++) {
          yA = nextY(yA, incA, overA, cA, expA, anyExp);
          yB = nextY(yB, incB, overB, cB, expB, anyExp);
          const vA = f64x2.mul(loadIn(in0, in1, i), yA);
          const vB = f64x2.mul(loadIn(in2, in3, i), yB);
          storeOut(out0, out1, i, vA);
          storeOut(out2, out3, i, vB);
          aA = f64x2.add(aA, f64x2.mul(vA, vA));
          aB = f64x2.add(aB, f64x2.mul(vB, vB));
        }
        while (i < limit) {
          let ynA = nextY(yA, incA, overA, cA, expA, anyExp);
          let ynB = nextY(yB, incB, overB, cB, expB, anyExp);
          dA = v128.or(f64x2.ge(ynA, hiA), f64x2.le(ynA, loA));
          dB = v128.or(f64x2.ge(ynB, hiB), f64x2.le(ynB, loB));
          hit = v128.any_true(v128.or(dA, dB));
          if (hit) {
            ynA = v128.bitselect(tA, ynA, dA);
            ynB = v128.bitselect(tB, ynB, dB);
          }
          yA = ynA;
          yB = ynB;
          const vA = f64x2.mul(loadIn(in0, in1, i), yA);
          const vB = f64x2.mul(loadIn(in2, in3, i), yB);
          storeOut(out0, out1, i, vA);
          storeOut(out2, out3, i, vB);
          aA = f64x2.add(aA, f64x2.mul(vA, vA));
          aB = f64x2.add(aB, f64x2.mul(vB, vB));
          i++;
          if (hit) break;
        }
      } else {
        for (; i < stop; i++) {
          yA = nextY(yA, incA, overA, cA, expA, anyExp);
          yB = nextY(yB, incB, overB, cB, expB, anyExp);
          const vA = f64x2.mul(loadIn(in0, in1, i), yA);
          const vB = f64x2.mul(loadIn(in2, in3, i), yB);
          storeOut(out0, out1, i, vA);
          storeOut(out2, out3, i, vB);
          const qA = f64x2.mul(vA, vA);
          const qB = f64x2.mul(vB, vB);
          aA = f64x2.add(aA, v128.and(qA, mAA));
          bA = f64x2.add(bA, v128.and(qA, mBA));
          aB = f64x2.add(aB, v128.and(qB, mAB));
          bB = f64x2.add(bB, v128.and(qB, mBB));
          mAA = v128.xor(mAA, altA);
          mBA = v128.xor(mBA, altA);
          mAB = v128.xor(mAB, altB);
          mBB = v128.xor(mBB, altB);
        }
        while (i < limit) {
          let ynA = nextY(yA, incA, overA, cA, expA, anyExp);
          let ynB = nextY(yB, incB, overB, cB, expB, anyExp);
          dA = v128.or(f64x2.ge(ynA, hiA), f64x2.le(ynA, loA));
          dB = v128.or(f64x2.ge(ynB, hiB), f64x2.le(ynB, loB));
          hit = v128.any_true(v128.or(dA, dB));
          if (hit) {
            ynA = v128.bitselect(tA, ynA, dA);
            ynB = v128.bitselect(tB, ynB, dB);
          }
          yA = ynA;
          yB = ynB;
          const vA = f64x2.mul(loadIn(in0, in1, i), yA);
          const vB = f64x2.mul(loadIn(in2, in3, i), yB);
          storeOut(out0, out1, i, vA);
          storeOut(out2, out3, i, vB);
          const qA = f64x2.mul(vA, vA);
          const qB = f64x2.mul(vB, vB);
          aA = f64x2.add(aA, v128.and(qA, mAA));
          bA = f64x2.add(bA, v128.and(qA, mBA));
          aB = f64x2.add(aB, v128.and(qB, mAB));
          bB = f64x2.add(bB, v128.and(qB, mBB));
          mAA = v128.xor(mAA, altA);
          mBA = v128.xor(mBA, altA);
          mAB = v128.xor(mAB, altB);
          mBB = v128.xor(mBB, altB);
          i++;
          if (hit) break;
        }
        // The masks of the next sample (the events below reset those of the ended lanes).
        store<v128>(wadr(W_MA, 0), mAA);
        store<v128>(wadr(W_MB, 0), mBA);
        store<v128>(wadr(W_MA, 2), mAB);
        store<v128>(wadr(W_MB, 2), mBB);
      }
      if (hit) {
        if (i64x2.extract_lane(dA, 0) != 0) ended(0, i - 1, end);
        if (i64x2.extract_lane(dA, 1) != 0) ended(1, i - 1, end);
        if (i64x2.extract_lane(dB, 0) != 0) ended(2, i - 1, end);
        if (i64x2.extract_lane(dB, 1) != 0) ended(3, i - 1, end);
      }
    }
    sset(0, S_LEVEL, f64x2.extract_lane(yA, 0));
    sset(1, S_LEVEL, f64x2.extract_lane(yA, 1));
    sset(2, S_LEVEL, f64x2.extract_lane(yB, 0));
    sset(3, S_LEVEL, f64x2.extract_lane(yB, 1));
    store<v128>(wadr(W_SA, 0), aA);
    store<v128>(wadr(W_SA, 2), aB);
    store<v128>(wadr(W_SB, 0), bA);
    store<v128>(wadr(W_SB, 2), bB);
  }
  if (i < end) holdPhase(i, end, in0, in1, in2, in3);
  for (let l = 0; l < 4; l++) finish(l, end);
}
