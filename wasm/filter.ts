// filter batch kernel: 4 instances of src/dsp/modules/filter.ts (TPT SVF; V. Zavalishin, "The
// Art of VA Filter Design", ch. 4; A. Simper, "Linear Trap SVF", Cytomic, 2013) in two f64x2
// vectors (lanes 0,1 and 2,3), BIT-IDENTICAL to the JS kernel in outputs and in every state
// value, for the case the host accepts: mode, cutoff and q constant over the call (fm
// connected or not, any mode per lane).
//
// Contract (host: src/dsp/modules/filter-batch.ts; calling convention: wasm/abi.ts): each lane
// record points at the instance's 19-value state array (filter.ts's layout, verbatim), its
// `in` and `fm` buffers and its output, all in place in the arena, and holds its constant
// params (LANE_*); the kernel updates state and output [start, end) in place (the states through
// a structure-of-arrays copy in the work area, gathered at entry and scattered at exit) and
// stores each lane's sum of y². Runs on the render thread; allocates nothing.
//
// How bit-identity is kept (the recipes in docs/batch-kernels.md, "Bit identity"):
//   - every f64 expression in filter.ts's operation order (WASM never fuses a·b + c);
//   - control points (once per 16 samples per lane: fm → cutoff, clamps, tan, divisions,
//     denormal flush) run in scalar code per lane, a transcription of filter.ts; lanes may sit
//     at different positions of their control period, so a segment ends at the nearest
//     control point of any lane; filter.ts's lookahead only moves that work earlier inside a
//     call (same values), so it is not reproduced;
//   - Math.round = nearest, then + 1 on an exact .5 tie (nearest is ties-to-even);
//     Math.fround = f64 → f32 demotion (round to nearest even);
//   - the constant-coefficient fast path of filter.ts equals its general path bit for bit
//     (c + 0·j = c for the finite positive/zero coefficients it has), so one interpolating
//     loop covers both; lp lanes take ½(ic2 + next2), other modes m0·v0 + (s1·k)·v1 + m2·v2,
//     chosen per lane with bitselect (never f64x2.min/max).

import { constsOf, inConnected, inPtr, inScale, laneRecord, outPtr, param, setSumSquares, statePtr, workOf } from './abi';
import { vec, jsRound2 } from './simd';
import { EXP2_RANGE as EXP2_RANGE_I } from '../src/dsp/lib/fast-math.layout';
import {
  CONTROL_PERIOD, INPUT_FM as IN_FM, INPUT_IN as IN_AUDIO, K_COUNT, K_DENORMAL, K_EXP2_C1, K_EXP2_INT, K_EXP2_RANGE, K_INV_CONTROL_PERIOD,
  K_MAX_CUTOFF, K_MIN_CUTOFF, K_MIN_Q, K_PI_OVER_FS, LANE_CUTOFF, LANE_M0, LANE_M2, LANE_MODE, LANE_Q, LANE_S1, S_B11, S_B11T, S_B12,
  S_B12T, S_B20, S_B20T, S_DB11, S_DB12, S_DB20, S_DK, S_FC, S_GT, S_IC1, S_IC2, S_K0, S_KT, S_PHASE, S_Q, S_READY,
  STATE_SIZE as STATE_FIELDS,
} from '../src/dsp/modules/filter.layout';

// The state slots (S_*), control period, input indices, per-lane params (LANE_*: cutoff, q, the
// mode index 0..3 and its output mix m0 (v0), s1 (sign of k·v1), m2 (v2)) and constants (K_*)
// are filter.layout.ts's; EXP2_RANGE is lib/fast-math.layout.ts's (both compiled by tsc too).

/** Set at each call from the descriptor (calling convention: wasm/abi.ts). */
let descBase: usize = 0;
/** The lanes' state pointers, read once per call (a descriptor read is a load and a conversion). */
let state0: usize = 0;
let state1: usize = 0;
let state2: usize = 0;
let state3: usize = 0;
let constPtr: usize = 0;
let workPtr: usize = 0;
/**
 * The lanes' 19-value states for the duration of a call, structure of arrays (fieldAddr), in
 * the work area after coefFill's rows: gathered at entry, scattered back at exit, so control
 * points and segments read a vector's two lanes with one load instead of two and an insert.
 */
let soa: usize = 0;
const SOA_OFFSET: usize = 4096;
const SOA_VECTOR: usize = 320;

/** Number of f64 constants the host writes at `consts`. */
export function filterConstCount(): i32 {
  return K_COUNT;
}

@inline function kc(i: i32): f64 {
  return load<f64>(constPtr + <usize>(i << 3));
}
@inline function rec(l: i32): usize {
  return laneRecord(descBase, l);
}
/**
 * Lane l's state field f in the call's SoA copy (see filterRun): vector l >> 1, field f at
 * 16 bytes per field, the lane at + 8·(l & 1); so a vector's two lanes load as one v128.
 */
@inline function fieldAddr(l: i32, f: i32): usize {
  return soa + <usize>(l >> 1) * SOA_VECTOR + <usize>(f << 4) + <usize>((l & 1) << 3);
}
@inline function sget(l: i32, f: i32): f64 {
  return load<f64>(fieldAddr(l, f));
}
@inline function sset(l: i32, f: i32, v: f64): void {
  store<f64>(fieldAddr(l, f), v);
}
@inline function pget(l: i32, f: i32): f64 {
  return param(rec(l), f);
}
/** Lanes l, l + 1 (l even) of field f. */
@inline function svec(l: i32, f: i32): v128 {
  return v128.load(fieldAddr(l, f));
}
@inline function pvec(l: i32, f: i32): v128 {
  return vec(pget(l, f), pget(l + 1, f));
}

/** JS Math.round (ties toward +∞), exactly: see the header. */
@inline function jsRound(x: f64): f64 {
  let n = nearest<f64>(x);
  if (x - n == 0.5) n = n + 1;
  return n;
}

/**
 * filter.ts's control point for lane l at sample i (its `phase === 0` branch without the
 * lookahead): new targets from cutoff·2^fm and q, interpolation start and steps, denormal /
 * non-finite flush of the integrators. Scalar; state in memory.
 */
function controlPoint(l: i32, i: i32): void {
  let b11T = sget(l, S_B11T);
  let b12T = sget(l, S_B12T);
  let b20T = sget(l, S_B20T);
  let kT = sget(l, S_KT);
  let gT = sget(l, S_GT);
  let lastFc = sget(l, S_FC);
  let lastQ = sget(l, S_Q);
  let b11 = b11T;
  let b12 = b12T;
  let b20 = b20T;
  let k0 = kT;
  let fc = pget(l, LANE_CUTOFF);
  if (inConnected(rec(l), IN_FM)) {
    const fmv = <f64>load<f32>(inPtr(rec(l), IN_FM) + <usize>(i << 2));
    let x = <f64><f32>(inScale(rec(l), IN_FM) * fmv);
    const range = kc(K_EXP2_RANGE);
    if (!(x > -range)) x = -range; // also catches NaN
    else if (x > range) x = range;
    const e = jsRound(x);
    const f = x - e;
    const p = 1 + f * (kc(K_EXP2_C1) + f * (kc(K_EXP2_C1 + 1) + f * (kc(K_EXP2_C1 + 2) + f * (kc(K_EXP2_C1 + 3) + f * (kc(K_EXP2_C1 + 4) + f * (kc(K_EXP2_C1 + 5) + f * kc(K_EXP2_C1 + 6)))))));
    fc *= p * kc(K_EXP2_INT + (<i32>e + EXP2_RANGE_I));
  }
  const minC = kc(K_MIN_CUTOFF);
  const maxC = kc(K_MAX_CUTOFF);
  if (!(fc > minC)) fc = minC; // also catches NaN
  else if (fc > maxC) fc = maxC;
  let q = pget(l, LANE_Q);
  const minQ = kc(K_MIN_Q);
  if (!(q > minQ)) q = minQ;
  if (fc != lastFc || q != lastQ) {
    if (fc != lastFc) {
      lastFc = fc;
      const w = fc * kc(K_PI_OVER_FS);
      const y = w * w;
      gT = (w * (135135 + y * (-17325 + y * (378 - y)))) / (135135 + y * (-62370 + y * (3150 - 28 * y)));
    }
    if (q != lastQ) {
      lastQ = q;
      kT = 1 / q;
    }
    const a1 = 1 / (1 + gT * (gT + kT));
    b11T = 2 * a1 - 1;
    b12T = 2 * (gT * a1);
    b20T = gT * b12T;
  }
  if (sget(l, S_READY) == 0) {
    b11 = b11T;
    b12 = b12T;
    b20 = b20T;
    k0 = kT;
    sset(l, S_READY, 1);
  }
  const inv = kc(K_INV_CONTROL_PERIOD);
  sset(l, S_B11, b11);
  sset(l, S_B12, b12);
  sset(l, S_B20, b20);
  sset(l, S_K0, k0);
  sset(l, S_DB11, (b11T - b11) * inv);
  sset(l, S_DB12, (b12T - b12) * inv);
  sset(l, S_DB20, (b20T - b20) * inv);
  sset(l, S_DK, (kT - k0) * inv);
  sset(l, S_B11T, b11T);
  sset(l, S_B12T, b12T);
  sset(l, S_B20T, b20T);
  sset(l, S_KT, kT);
  sset(l, S_GT, gT);
  sset(l, S_FC, lastFc);
  sset(l, S_Q, lastQ);
  const den = kc(K_DENORMAL);
  let ic1 = sget(l, S_IC1);
  let ic2 = sget(l, S_IC2);
  if (!(abs<f64>(ic1) >= den)) ic1 = 0;
  else if (ic1 - ic1 != 0) ic1 = 0;
  if (!(abs<f64>(ic2) >= den)) ic2 = 0;
  else if (ic2 - ic2 != 0) ic2 = 0;
  sset(l, S_IC1, ic1);
  sset(l, S_IC2, ic2);
}

@inline function svset(l: i32, f: i32, v: v128): void {
  v128.store(fieldAddr(l, f), v);
}


/**
 * controlPoint for lanes l and l + 1 together (both at phase 0), in f64x2: the same values as
 * the scalar version per lane. Branches become masks and bitselect: fm connected or not, the
 * clamps (comparisons are false for NaN, as in the JS branches), "fc or q changed" (the new
 * g, k and coefficients are computed for both lanes and taken where they changed), the first
 * control point, and the flush.
 */
function controlPoint2(l: i32, i: i32): void {
  const one = f64x2.splat(1.0);
  const two = f64x2.splat(2.0);
  const zero = f64x2.splat(0.0);
  let b11T = svec(l, S_B11T);
  let b12T = svec(l, S_B12T);
  let b20T = svec(l, S_B20T);
  let kT = svec(l, S_KT);
  let gT = svec(l, S_GT);
  const lastFc = svec(l, S_FC);
  const lastQ = svec(l, S_Q);
  let b11 = b11T;
  let b12 = b12T;
  let b20 = b20T;
  let k0 = kT;
  let fc = pvec(l, LANE_CUTOFF);
  const fmOn = f64x2.ne(vec(inConnected(rec(l), IN_FM) ? 1 : 0, inConnected(rec(l + 1), IN_FM) ? 1 : 0), zero);
  if (v128.any_true(fmOn)) {
    // An unconnected fm reads the all-zero buffer: safe, and its result is dropped by fmOn.
    const fmv = vec(<f64>load<f32>(inPtr(rec(l), IN_FM) + <usize>(i << 2)), <f64>load<f32>(inPtr(rec(l + 1), IN_FM) + <usize>(i << 2)));
    const scale = vec(inScale(rec(l), IN_FM), inScale(rec(l + 1), IN_FM));
    let x = f64x2.promote_low_f32x4(f32x4.demote_f64x2_zero(f64x2.mul(scale, fmv)));
    const range = f64x2.splat(kc(K_EXP2_RANGE));
    const nrange = f64x2.neg(range);
    x = v128.bitselect(x, nrange, f64x2.gt(x, nrange));
    x = v128.bitselect(range, x, f64x2.gt(x, range));
    const e = jsRound2(x);
    const f = f64x2.sub(x, e);
    let p = f64x2.add(f64x2.splat(kc(K_EXP2_C1 + 5)), f64x2.mul(f, f64x2.splat(kc(K_EXP2_C1 + 6))));
    p = f64x2.add(f64x2.splat(kc(K_EXP2_C1 + 4)), f64x2.mul(f, p));
    p = f64x2.add(f64x2.splat(kc(K_EXP2_C1 + 3)), f64x2.mul(f, p));
    p = f64x2.add(f64x2.splat(kc(K_EXP2_C1 + 2)), f64x2.mul(f, p));
    p = f64x2.add(f64x2.splat(kc(K_EXP2_C1 + 1)), f64x2.mul(f, p));
    p = f64x2.add(f64x2.splat(kc(K_EXP2_C1)), f64x2.mul(f, p));
    p = f64x2.add(one, f64x2.mul(f, p));
    // 2^e per lane (e an integer in [−64, 64]; a NaN x was clamped above).
    const t = vec(kc(K_EXP2_INT + (<i32>f64x2.extract_lane(e, 0) + EXP2_RANGE_I)), kc(K_EXP2_INT + (<i32>f64x2.extract_lane(e, 1) + EXP2_RANGE_I)));
    fc = v128.bitselect(f64x2.mul(fc, f64x2.mul(p, t)), fc, fmOn);
  }
  const minC = f64x2.splat(kc(K_MIN_CUTOFF));
  const maxC = f64x2.splat(kc(K_MAX_CUTOFF));
  fc = v128.bitselect(fc, minC, f64x2.gt(fc, minC));
  fc = v128.bitselect(maxC, fc, f64x2.gt(fc, maxC));
  let q = pvec(l, LANE_Q);
  const minQ = f64x2.splat(kc(K_MIN_Q));
  q = v128.bitselect(q, minQ, f64x2.gt(q, minQ));
  const fcChanged = f64x2.ne(fc, lastFc);
  const qChanged = f64x2.ne(q, lastQ);
  const changed = v128.or(fcChanged, qChanged);
  if (v128.any_true(changed)) {
    if (v128.any_true(fcChanged)) {
      const w = f64x2.mul(fc, f64x2.splat(kc(K_PI_OVER_FS)));
      const y = f64x2.mul(w, w);
      const num = f64x2.mul(w, f64x2.add(f64x2.splat(135135), f64x2.mul(y, f64x2.add(f64x2.splat(-17325), f64x2.mul(y, f64x2.sub(f64x2.splat(378), y))))));
      const den = f64x2.add(f64x2.splat(135135), f64x2.mul(y, f64x2.add(f64x2.splat(-62370), f64x2.mul(y, f64x2.sub(f64x2.splat(3150), f64x2.mul(f64x2.splat(28), y))))));
      gT = v128.bitselect(f64x2.div(num, den), gT, fcChanged);
      svset(l, S_FC, v128.bitselect(fc, lastFc, fcChanged));
      svset(l, S_GT, gT);
    }
    if (v128.any_true(qChanged)) {
      kT = v128.bitselect(f64x2.div(one, q), kT, qChanged);
      svset(l, S_Q, v128.bitselect(q, lastQ, qChanged));
      svset(l, S_KT, kT);
    }
    const a1 = f64x2.div(one, f64x2.add(one, f64x2.mul(gT, f64x2.add(gT, kT))));
    const nb12 = f64x2.mul(two, f64x2.mul(gT, a1));
    b11T = v128.bitselect(f64x2.sub(f64x2.mul(two, a1), one), b11T, changed);
    b12T = v128.bitselect(nb12, b12T, changed);
    b20T = v128.bitselect(f64x2.mul(gT, nb12), b20T, changed);
    svset(l, S_B11T, b11T);
    svset(l, S_B12T, b12T);
    svset(l, S_B20T, b20T);
  }
  const fresh = f64x2.eq(svec(l, S_READY), zero);
  if (v128.any_true(fresh)) {
    b11 = v128.bitselect(b11T, b11, fresh);
    b12 = v128.bitselect(b12T, b12, fresh);
    b20 = v128.bitselect(b20T, b20, fresh);
    k0 = v128.bitselect(kT, k0, fresh);
    sset(l, S_READY, 1);
    sset(l + 1, S_READY, 1);
  }
  const inv = f64x2.splat(kc(K_INV_CONTROL_PERIOD));
  svset(l, S_B11, b11);
  svset(l, S_B12, b12);
  svset(l, S_B20, b20);
  svset(l, S_K0, k0);
  svset(l, S_DB11, f64x2.mul(f64x2.sub(b11T, b11), inv));
  svset(l, S_DB12, f64x2.mul(f64x2.sub(b12T, b12), inv));
  svset(l, S_DB20, f64x2.mul(f64x2.sub(b20T, b20), inv));
  svset(l, S_DK, f64x2.mul(f64x2.sub(kT, k0), inv));
  // Flush: keep lanes with |s| ≥ 1e-20 and s − s == 0 (finite), else +0.
  const den = f64x2.splat(kc(K_DENORMAL));
  const ic1 = svec(l, S_IC1);
  const ic2 = svec(l, S_IC2);
  svset(l, S_IC1, v128.and(ic1, v128.and(f64x2.ge(f64x2.abs(ic1), den), f64x2.eq(f64x2.sub(ic1, ic1), zero))));
  svset(l, S_IC2, v128.and(ic2, v128.and(f64x2.ge(f64x2.abs(ic2), den), f64x2.eq(f64x2.sub(ic2, ic2), zero))));
}

// Work area: per control-period position j (0..15), per vector (A, B): c11, c12, c20,
// c22 = 1 − c20, s1·k: 10 v128 = 160 bytes per position.
const W_POS: usize = 160;

/**
 * Interpolated coefficients of lanes l, l + 1 for n positions from their phases (filter.ts:
 * c = b + db·j, k = k0 + dk·j; the same expressions, evaluated ahead of the recursion).
 */
function coefFill(l: i32, dst: usize, n: i32): void {
  const b11 = svec(l, S_B11);
  const db11 = svec(l, S_DB11);
  const b12 = svec(l, S_B12);
  const db12 = svec(l, S_DB12);
  const b20 = svec(l, S_B20);
  const db20 = svec(l, S_DB20);
  const k0 = svec(l, S_K0);
  const dk = svec(l, S_DK);
  const s1 = pvec(l, LANE_S1);
  const one = f64x2.splat(1.0);
  let j = svec(l, S_PHASE);
  for (let t = 0; t < n; t++) {
    const d = dst + <usize>t * W_POS;
    const c20 = f64x2.add(b20, f64x2.mul(db20, j));
    store<v128>(d, f64x2.add(b11, f64x2.mul(db11, j)));
    store<v128>(d, f64x2.add(b12, f64x2.mul(db12, j)), 16);
    store<v128>(d, c20, 32);
    store<v128>(d, f64x2.sub(one, c20), 48);
    store<v128>(d, f64x2.mul(s1, f64x2.add(k0, f64x2.mul(dk, j))), 64);
    j = f64x2.add(j, one);
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

@inline function statePtrOf(l: i32): usize {
  return l == 0 ? state0 : l == 1 ? state1 : l == 2 ? state2 : state3;
}

/** Copies every lane's state array into the SoA copy (call entry). */
function gatherState(): void {
  for (let l = 0; l < 4; l++) {
    const from = statePtrOf(l);
    for (let f = 0; f < STATE_FIELDS; f++) store<f64>(fieldAddr(l, f), load<f64>(from + <usize>(f << 3)));
  }
}

/** Copies the SoA copy back into every lane's state array (call exit). */
function scatterState(): void {
  for (let l = 0; l < 4; l++) {
    const to = statePtrOf(l);
    for (let f = 0; f < STATE_FIELDS; f++) store<f64>(to + <usize>(f << 3), load<f64>(fieldAddr(l, f)));
  }
}

/**
 * Renders lanes 0..3 over [start, end) (`lanes` is always 4: the host pads, wasm/abi.ts).
 * Stores each lane's sum of y².
 */
export function filterRun(desc: usize, lanes: i32, start: i32, end: i32): void {
  descBase = desc;
  state0 = statePtr(rec(0));
  state1 = statePtr(rec(1));
  state2 = statePtr(rec(2));
  state3 = statePtr(rec(3));
  constPtr = constsOf(desc);
  workPtr = workOf(desc);
  soa = workPtr + SOA_OFFSET;
  gatherState();
  const inA0 = inPtr(rec(0), IN_AUDIO);
  const inA1 = inPtr(rec(1), IN_AUDIO);
  const inB0 = inPtr(rec(2), IN_AUDIO);
  const inB1 = inPtr(rec(3), IN_AUDIO);
  const outA0 = outPtr(rec(0), 0);
  const outA1 = outPtr(rec(1), 0);
  const outB0 = outPtr(rec(2), 0);
  const outB1 = outPtr(rec(3), 0);
  const half = f64x2.splat(0.5);
  const m0A = pvec(0, LANE_M0);
  const m2A = pvec(0, LANE_M2);
  const m0B = pvec(2, LANE_M0);
  const m2B = pvec(2, LANE_M2);
  const zero = f64x2.splat(0.0);
  // Lanes in lp mode take ½(ic2 + next2), the others the mode's mix.
  const lpA = f64x2.eq(pvec(0, LANE_MODE), zero);
  const lpB = f64x2.eq(pvec(2, LANE_MODE), zero);
  const allLp = v128.all_true<i64>(v128.and(lpA, lpB));
  let sqA = zero;
  let sqB = zero;
  let i = start;
  while (i < end) {
    let n = end - i;
    // Control points: a vector's two lanes together when both are due (instances created
    // together share their phase), else per lane.
    for (let l = 0; l < 4; l += 2) {
      const ph0 = <i32>sget(l, S_PHASE);
      const ph1 = <i32>sget(l + 1, S_PHASE);
      if (ph0 == 0 && ph1 == 0) controlPoint2(l, i);
      else {
        if (ph0 == 0) controlPoint(l, i);
        if (ph1 == 0) controlPoint(l + 1, i);
      }
      if (CONTROL_PERIOD - ph0 < n) n = CONTROL_PERIOD - ph0;
      if (CONTROL_PERIOD - ph1 < n) n = CONTROL_PERIOD - ph1;
    }
    if (!allLp) {
      coefFill(0, workPtr, n);
      coefFill(2, workPtr + 80, n);
    }
    let a1 = svec(0, S_IC1);
    let a2 = svec(0, S_IC2);
    let b1 = svec(2, S_IC1);
    let b2 = svec(2, S_IC2);
    const stop = i + n;
    if (allLp) {
      // Coefficients inline: c = b + db·j per lane (the same expressions as filter.ts).
      const b11a = svec(0, S_B11);
      const d11a = svec(0, S_DB11);
      const b12a = svec(0, S_B12);
      const d12a = svec(0, S_DB12);
      const b20a = svec(0, S_B20);
      const d20a = svec(0, S_DB20);
      const b11b = svec(2, S_B11);
      const d11b = svec(2, S_DB11);
      const b12b = svec(2, S_B12);
      const d12b = svec(2, S_DB12);
      const b20b = svec(2, S_B20);
      const d20b = svec(2, S_DB20);
      let ja = svec(0, S_PHASE);
      let jb = svec(2, S_PHASE);
      const one = f64x2.splat(1.0);
      for (; i < stop; i++) {
        const va = loadIn(inA0, inA1, i);
        const vb = loadIn(inB0, inB1, i);
        const c12a = f64x2.add(b12a, f64x2.mul(d12a, ja));
        const c12b = f64x2.add(b12b, f64x2.mul(d12b, jb));
        const c20a = f64x2.add(b20a, f64x2.mul(d20a, ja));
        const c20b = f64x2.add(b20b, f64x2.mul(d20b, jb));
        // next1 = c11·ic1 + c12·(v0 − ic2); next2 = c20·v0 + c12·ic1 + (1 − c20)·ic2; y = ½(ic2 + next2)
        const na1 = f64x2.add(f64x2.mul(f64x2.add(b11a, f64x2.mul(d11a, ja)), a1), f64x2.mul(c12a, f64x2.sub(va, a2)));
        const nb1 = f64x2.add(f64x2.mul(f64x2.add(b11b, f64x2.mul(d11b, jb)), b1), f64x2.mul(c12b, f64x2.sub(vb, b2)));
        const na2 = f64x2.add(f64x2.add(f64x2.mul(c20a, va), f64x2.mul(c12a, a1)), f64x2.mul(f64x2.sub(one, c20a), a2));
        const nb2 = f64x2.add(f64x2.add(f64x2.mul(c20b, vb), f64x2.mul(c12b, b1)), f64x2.mul(f64x2.sub(one, c20b), b2));
        const ya = f64x2.mul(half, f64x2.add(a2, na2));
        const yb = f64x2.mul(half, f64x2.add(b2, nb2));
        storeOut(outA0, outA1, i, ya);
        storeOut(outB0, outB1, i, yb);
        sqA = f64x2.add(sqA, f64x2.mul(ya, ya));
        sqB = f64x2.add(sqB, f64x2.mul(yb, yb));
        a1 = na1;
        a2 = na2;
        b1 = nb1;
        b2 = nb2;
        ja = f64x2.add(ja, one);
        jb = f64x2.add(jb, one);
      }
    } else {
      for (let w = workPtr; i < stop; i++, w += W_POS) {
        const va = loadIn(inA0, inA1, i);
        const vb = loadIn(inB0, inB1, i);
        const c12a = load<v128>(w, 16);
        const c12b = load<v128>(w, 80 + 16);
        const na1 = f64x2.add(f64x2.mul(load<v128>(w), a1), f64x2.mul(c12a, f64x2.sub(va, a2)));
        const nb1 = f64x2.add(f64x2.mul(load<v128>(w, 80), b1), f64x2.mul(c12b, f64x2.sub(vb, b2)));
        const na2 = f64x2.add(f64x2.add(f64x2.mul(load<v128>(w, 32), va), f64x2.mul(c12a, a1)), f64x2.mul(load<v128>(w, 48), a2));
        const nb2 = f64x2.add(f64x2.add(f64x2.mul(load<v128>(w, 80 + 32), vb), f64x2.mul(c12b, b1)), f64x2.mul(load<v128>(w, 80 + 48), b2));
        // v1 = ½(ic1 + next1), v2 = ½(ic2 + next2); y = m0·v0 + (s1·k)·v1 + m2·v2, or v2 (lp)
        const v2a = f64x2.mul(half, f64x2.add(a2, na2));
        const v2b = f64x2.mul(half, f64x2.add(b2, nb2));
        const v1a = f64x2.mul(half, f64x2.add(a1, na1));
        const v1b = f64x2.mul(half, f64x2.add(b1, nb1));
        const mixA = f64x2.add(f64x2.add(f64x2.mul(m0A, va), f64x2.mul(load<v128>(w, 64), v1a)), f64x2.mul(m2A, v2a));
        const mixB = f64x2.add(f64x2.add(f64x2.mul(m0B, vb), f64x2.mul(load<v128>(w, 80 + 64), v1b)), f64x2.mul(m2B, v2b));
        const ya = v128.bitselect(v2a, mixA, lpA);
        const yb = v128.bitselect(v2b, mixB, lpB);
        storeOut(outA0, outA1, i, ya);
        storeOut(outB0, outB1, i, yb);
        sqA = f64x2.add(sqA, f64x2.mul(ya, ya));
        sqB = f64x2.add(sqB, f64x2.mul(yb, yb));
        a1 = na1;
        a2 = na2;
        b1 = nb1;
        b2 = nb2;
      }
    }
    sset(0, S_IC1, f64x2.extract_lane(a1, 0));
    sset(1, S_IC1, f64x2.extract_lane(a1, 1));
    sset(0, S_IC2, f64x2.extract_lane(a2, 0));
    sset(1, S_IC2, f64x2.extract_lane(a2, 1));
    sset(2, S_IC1, f64x2.extract_lane(b1, 0));
    sset(3, S_IC1, f64x2.extract_lane(b1, 1));
    sset(2, S_IC2, f64x2.extract_lane(b2, 0));
    sset(3, S_IC2, f64x2.extract_lane(b2, 1));
    for (let l = 0; l < 4; l++) sset(l, S_PHASE, <f64>((<i32>sget(l, S_PHASE) + n) & (CONTROL_PERIOD - 1)));
  }
  scatterState();
  setSumSquares(rec(0), f64x2.extract_lane(sqA, 0));
  setSumSquares(rec(1), f64x2.extract_lane(sqA, 1));
  setSumSquares(rec(2), f64x2.extract_lane(sqB, 0));
  setSumSquares(rec(3), f64x2.extract_lane(sqB, 1));
}
