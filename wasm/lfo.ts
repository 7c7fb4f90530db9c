// lfo batch kernel: 4 instances of src/dsp/modules/lfo.ts in two f64x2 vectors (lanes 0,1 and
// 2,3), BIT-IDENTICAL to LfoKernel.process in outputs, in every state value and in the
// outputCheck value, for the case the host accepts: shape, rate, depth and offset constant over
// the call (any shape per lane, any phase and control-period position per lane).
//
// Contract (host: src/dsp/modules/lfo-batch.ts; calling convention: wasm/abi.ts): each lane
// record points at the instance's 10-value state array (lfo.ts's layout, verbatim) and its
// output, in place in the arena, and holds its params (LANE_*: the shape index as enumIndexAt gives
// it, the phase increment rate·(1/fs) as lfo.ts computes it, depth, offset); the kernel updates
// state and output [start, end) in place and stores each lane's outputCheck value. Runs on the
// render thread; allocates nothing.
//
// How bit-identity is kept (the recipes in docs/batch-kernels.md, "Bit identity"):
//   - every f64 expression in lfo.ts's operation order (WASM never fuses a·b + c);
//   - sinTurnsApprox (lib/fast-math.ts): Math.round = nearest, then + 1 on an exact .5 tie; the
//     fold and every branch are masks + bitselect (never f64x2.min/max);
//   - the phase advance is next = phase + inc, minus 1 where next ≥ 1. lfo.ts's constant-param
//     path leaves the wrap test out when phase + 16·inc < 1 − 1e-9, where no wrap can happen,
//     so the test is taken everywhere here (next − 0 = next bit for bit, −0 included);
//   - control points (count 0) per lane with masks, including the S_STALE bookkeeping of shape
//     runs: a sine lane resuming mid-period after another shape recomputes its segment from
//     S_CP_PHASE / S_CP_INC, a sine control point after a stale one starts from sin(2π·phase);
//     other shapes record S_CP_PHASE / S_CP_INC and set S_STALE = 1;
//   - outputCheck: a sine lane adds n·B² per chunk (B = |offset| + |depth|·(|a| + 16|d|)) at
//     the chunks lfo.ts has (call start and each control point of that lane, n = samples up to
//     the lane's next control point or the end), in the same order; other shapes: +Infinity;
//   - the sample-and-hold generator (lib/random.ts) in i32 arithmetic: Math.imul = i32.mul,
//     >>> = shr_u, the additive step state + steps·GAMMA mod 2^32; sh lanes step at each wrap,
//     other lanes count their wraps and step once at the end of the call.

import { constsOf, laneRecord, outPtr, param, setSumSquares, statePtr, workOf } from './abi';
import { vec, jsRound2 } from './simd';
import {
  CONTROL_PERIOD, K_CONTROL_PERIOD, K_COUNT, K_INV_CONTROL_PERIOD, K_SIN_S3, K_TWO_PI, LANE_DEPTH, LANE_INC, LANE_OFFSET, LANE_SHAPE,
  S_CP_INC, S_CP_PHASE, S_COUNT, S_HELD, S_PHASE, S_RNG, S_SIN_A, S_SIN_B, S_SIN_D, S_STALE, SHAPE_COUNT,
  SHAPE_SAW as SAW, SHAPE_SH as SH, SHAPE_SINE as SINE, SHAPE_SQUARE as SQUARE, SHAPE_TRIANGLE as TRIANGLE,
} from '../src/dsp/modules/lfo.layout';

// The state slots (S_*), shape indices, control period, per-lane params (LANE_*) and constants
// (K_*) are lfo.layout.ts's (compiled by tsc too).

/** A pair whose two lanes have different shapes. */
const MIXED: i32 = SHAPE_COUNT;

// lib/random.ts (integers and a power of two: the same values in any IEEE/two's-complement code).
const GAMMA: i32 = 0x9e3779b9;
const MIX1: i32 = 0x85ebca6b;
const MIX2: i32 = 0xc2b2ae35;
const TWO_POW_M31: f64 = 1.0 / 2147483648.0;

/** Number of f64 constants the host writes at `consts`. */
export function lfoConstCount(): i32 {
  return K_COUNT;
}

/** Set at each call from the descriptor. */
let constPtr: usize = 0;

// Per-pair generator bookkeeping, touched only at wraps (rare) and at the ends of a call.
let gShape0: i32 = 0;
let gShape1: i32 = 0;
let gRng0: i32 = 0;
let gRng1: i32 = 0;
let gHeld0: f64 = 0;
let gHeld1: f64 = 0;
let gWraps0: i32 = 0;
let gWraps1: i32 = 0;

@inline function kc(i: i32): f64 {
  return load<f64>(constPtr + <usize>(i << 3));
}
@inline function kv(i: i32): v128 {
  return f64x2.splat(kc(i));
}
@inline function sget(sp: usize, f: i32): f64 {
  return load<f64>(sp + <usize>(f << 3));
}
@inline function sset(sp: usize, f: i32, v: f64): void {
  store<f64>(sp + <usize>(f << 3), v);
}
@inline function svec(sp0: usize, sp1: usize, f: i32): v128 {
  return vec(sget(sp0, f), sget(sp1, f));
}
@inline function svset(sp0: usize, sp1: usize, f: i32, v: v128): void {
  sset(sp0, f, f64x2.extract_lane(v, 0));
  sset(sp1, f, f64x2.extract_lane(v, 1));
}
/** A lane mask (all ones where true) from two booleans. */
@inline function mask(a: bool, b: bool): v128 {
  return i64x2.replace_lane(i64x2.splat(a ? -1 : 0), 1, b ? -1 : 0);
}
@inline function storeOut(a: usize, b: usize, i: i32, y: v128): void {
  const o = <usize>(i << 2);
  const f = f32x4.demote_f64x2_zero(y);
  v128.store32_lane(a + o, f, 0);
  v128.store32_lane(b + o, f, 1);
}

/** bipolar(state) of lib/random.ts: the MurmurHash3 finaliser, as an int32 times 2^-31. */
@inline function bipolar(s: i32): f64 {
  let h = s;
  h ^= h >>> 16;
  h = h * MIX1;
  h ^= h >>> 13;
  h = h * MIX2;
  h ^= h >>> 16;
  return <f64>h * TWO_POW_M31;
}


/** sinTurnsApprox (lib/fast-math.ts) per lane: sin(2π·x). */
function sinTurns2(x: v128): v128 {
  let r = f64x2.sub(x, jsRound2(x));
  const hi = f64x2.gt(r, f64x2.splat(0.25));
  const lo = f64x2.lt(r, f64x2.splat(-0.25));
  // if (r > 0.25) r = 0.5 − r; else if (r < −0.25) r = −0.5 − r;
  r = v128.bitselect(f64x2.sub(f64x2.splat(0.5), r), v128.bitselect(f64x2.sub(f64x2.splat(-0.5), r), r, lo), hi);
  const t = f64x2.mul(kv(K_TWO_PI), r);
  const y = f64x2.mul(t, t);
  let s = f64x2.add(kv(K_SIN_S3 + 5), f64x2.mul(y, kv(K_SIN_S3 + 6)));
  s = f64x2.add(kv(K_SIN_S3 + 4), f64x2.mul(y, s));
  s = f64x2.add(kv(K_SIN_S3 + 3), f64x2.mul(y, s));
  s = f64x2.add(kv(K_SIN_S3 + 2), f64x2.mul(y, s));
  s = f64x2.add(kv(K_SIN_S3 + 1), f64x2.mul(y, s));
  s = f64x2.add(kv(K_SIN_S3), f64x2.mul(y, s));
  s = f64x2.add(f64x2.splat(1.0), f64x2.mul(y, s));
  return f64x2.mul(t, s);
}

/**
 * A wrap in lane 0 and/or 1 of the pair (wm: lane mask): an sh lane steps its generator and
 * draws a new held value (lfo.ts steps per sample with the wrap flag), any other lane counts
 * the wrap (stepped once at the end of the call).
 */
function wrapLanes(wm: v128): void {
  if (i64x2.extract_lane(wm, 0) != 0) {
    if (gShape0 == SH) {
      gRng0 += GAMMA;
      gHeld0 = bipolar(gRng0);
    } else gWraps0++;
  }
  if (i64x2.extract_lane(wm, 1) != 0) {
    if (gShape1 == SH) {
      gRng1 += GAMMA;
      gHeld1 = bipolar(gRng1);
    } else gWraps1++;
  }
}

/** Renders lanes l, l + 1 over [start, end) (start < end) and stores their state and outputCheck. */
function runPair(l: i32, start: i32, end: i32, desc: usize): void {
  const r0 = laneRecord(desc, l);
  const r1 = laneRecord(desc, l + 1);
  const sp0 = statePtr(r0);
  const sp1 = statePtr(r1);
  const o0 = outPtr(r0, 0);
  const o1 = outPtr(r1, 0);
  const shape0 = <i32>param(r0, LANE_SHAPE);
  const shape1 = <i32>param(r1, LANE_SHAPE);
  const kind = shape0 == shape1 ? shape0 : MIXED;
  const inc = vec(param(r0, LANE_INC), param(r1, LANE_INC));
  const dep = vec(param(r0, LANE_DEPTH), param(r1, LANE_DEPTH));
  const off = vec(param(r0, LANE_OFFSET), param(r1, LANE_OFFSET));
  const one = f64x2.splat(1.0);
  const zero = f64x2.splat(0.0);
  const mSine = mask(shape0 == SINE, shape1 == SINE);
  const mTri = mask(shape0 == TRIANGLE, shape1 == TRIANGLE);
  const mSquare = mask(shape0 == SQUARE, shape1 == SQUARE);
  const mSaw = mask(shape0 == SAW, shape1 == SAW);
  const invCp = kv(K_INV_CONTROL_PERIOD);
  const cpv = kv(K_CONTROL_PERIOD);

  let phase = svec(sp0, sp1, S_PHASE);
  let a = svec(sp0, sp1, S_SIN_A);
  let d = svec(sp0, sp1, S_SIN_D);
  let b = svec(sp0, sp1, S_SIN_B);
  let cpPhase = svec(sp0, sp1, S_CP_PHASE);
  let cpInc = svec(sp0, sp1, S_CP_INC);
  let stale = svec(sp0, sp1, S_STALE);
  // st[S_COUNT] | 0
  let c0 = <i32><i64>sget(sp0, S_COUNT);
  let c1 = <i32><i64>sget(sp1, S_COUNT);
  gShape0 = shape0;
  gShape1 = shape1;
  gRng0 = <i32><i64>sget(sp0, S_RNG);
  gRng1 = <i32><i64>sget(sp1, S_RNG);
  gHeld0 = sget(sp0, S_HELD);
  gHeld1 = sget(sp1, S_HELD);
  gWraps0 = 0;
  gWraps1 = 0;
  let held = vec(gHeld0, gHeld1);
  let sq = zero;

  // renderSine's entry: resuming mid-period after another shape, this period's segment from
  // its control point.
  const resume = v128.and(v128.and(mSine, mask(c0 != 0, c1 != 0)), f64x2.ne(stale, zero));
  if (v128.any_true(resume)) {
    const na = sinTurns2(cpPhase);
    const nb = sinTurns2(f64x2.add(cpPhase, f64x2.mul(cpv, cpInc)));
    a = v128.bitselect(na, a, resume);
    b = v128.bitselect(nb, b, resume);
    d = v128.bitselect(f64x2.mul(f64x2.sub(nb, na), invCp), d, resume);
    stale = v128.bitselect(zero, stale, resume);
  }

  let i = start;
  while (i < end) {
    const cp0 = c0 == 0;
    const cp1 = c1 == 0;
    let chunk = mask(i == start, i == start);
    if (cp0 || cp1) {
      const cpm = mask(cp0, cp1);
      chunk = v128.or(chunk, cpm);
      cpPhase = v128.bitselect(phase, cpPhase, cpm);
      cpInc = v128.bitselect(inc, cpInc, cpm);
      const sc = v128.and(cpm, mSine);
      if (v128.any_true(sc)) {
        // a = stale ? sin(2π·phase) : b; b = sin(2π·(phase + 16·inc)); d = (b − a)/16
        const fromPhase = v128.and(sc, f64x2.ne(stale, zero));
        let na = b;
        if (v128.any_true(fromPhase)) na = v128.bitselect(sinTurns2(phase), b, fromPhase);
        const nb = sinTurns2(f64x2.add(phase, f64x2.mul(cpv, inc)));
        a = v128.bitselect(na, a, sc);
        b = v128.bitselect(nb, b, sc);
        d = v128.bitselect(f64x2.mul(f64x2.sub(nb, na), invCp), d, sc);
      }
      // Sine control points clear S_STALE, the other shapes' set it.
      stale = v128.bitselect(v128.bitselect(zero, one, mSine), stale, cpm);
    }
    let n0 = CONTROL_PERIOD - c0;
    let n1 = CONTROL_PERIOD - c1;
    if (n0 > end - i) n0 = end - i;
    if (n1 > end - i) n1 = end - i;
    // A sine lane's chunk starts here: sq += n·B², B = |offset| + |depth|·(|a| + 16|d|).
    const chunkSine = v128.and(chunk, mSine);
    if (v128.any_true(chunkSine)) {
      const bound = f64x2.add(f64x2.abs(off), f64x2.mul(f64x2.abs(dep), f64x2.add(f64x2.abs(a), f64x2.mul(cpv, f64x2.abs(d)))));
      const nv = vec(<f64>n0, <f64>n1);
      sq = v128.bitselect(f64x2.add(sq, f64x2.mul(nv, f64x2.mul(bound, bound))), sq, chunkSine);
    }
    const n = n0 < n1 ? n0 : n1;
    const stop = i + n;
    let cv = vec(<f64>c0, <f64>c1);
    if (kind == SINE) {
      for (; i < stop; i++) {
        storeOut(o0, o1, i, f64x2.add(off, f64x2.mul(dep, f64x2.add(a, f64x2.mul(d, cv)))));
        cv = f64x2.add(cv, one);
        const next = f64x2.add(phase, inc);
        const wm = f64x2.ge(next, one);
        if (v128.any_true(wm)) {
          phase = v128.bitselect(f64x2.sub(next, one), next, wm);
          wrapLanes(wm);
        } else phase = next;
      }
    } else if (kind == TRIANGLE) {
      const quarter = f64x2.splat(0.25);
      const half = f64x2.splat(0.5);
      const four = f64x2.splat(4.0);
      for (; i < stop; i++) {
        // 1 − 4·|q − (q ≥ 1 ? 1 : 0) − ½|, q = phase + ¼
        const q = f64x2.add(phase, quarter);
        const w = f64x2.sub(one, f64x2.mul(four, f64x2.abs(f64x2.sub(f64x2.sub(q, v128.and(one, f64x2.ge(q, one))), half))));
        storeOut(o0, o1, i, f64x2.add(off, f64x2.mul(dep, w)));
        const next = f64x2.add(phase, inc);
        const wm = f64x2.ge(next, one);
        if (v128.any_true(wm)) {
          phase = v128.bitselect(f64x2.sub(next, one), next, wm);
          wrapLanes(wm);
        } else phase = next;
      }
    } else if (kind == SQUARE) {
      const half = f64x2.splat(0.5);
      const minusOne = f64x2.splat(-1.0);
      for (; i < stop; i++) {
        const w = v128.bitselect(one, minusOne, f64x2.lt(phase, half));
        storeOut(o0, o1, i, f64x2.add(off, f64x2.mul(dep, w)));
        const next = f64x2.add(phase, inc);
        const wm = f64x2.ge(next, one);
        if (v128.any_true(wm)) {
          phase = v128.bitselect(f64x2.sub(next, one), next, wm);
          wrapLanes(wm);
        } else phase = next;
      }
    } else if (kind == SAW) {
      const two = f64x2.splat(2.0);
      for (; i < stop; i++) {
        const w = f64x2.sub(f64x2.mul(two, phase), one);
        storeOut(o0, o1, i, f64x2.add(off, f64x2.mul(dep, w)));
        const next = f64x2.add(phase, inc);
        const wm = f64x2.ge(next, one);
        if (v128.any_true(wm)) {
          phase = v128.bitselect(f64x2.sub(next, one), next, wm);
          wrapLanes(wm);
        } else phase = next;
      }
    } else if (kind == SH) {
      for (; i < stop; i++) {
        storeOut(o0, o1, i, f64x2.add(off, f64x2.mul(dep, held)));
        const next = f64x2.add(phase, inc);
        const wm = f64x2.ge(next, one);
        if (v128.any_true(wm)) {
          phase = v128.bitselect(f64x2.sub(next, one), next, wm);
          wrapLanes(wm);
          held = vec(gHeld0, gHeld1);
        } else phase = next;
      }
    } else {
      // Two shapes in the pair: every shape's wave, each lane takes its own.
      const quarter = f64x2.splat(0.25);
      const half = f64x2.splat(0.5);
      const four = f64x2.splat(4.0);
      const two = f64x2.splat(2.0);
      const minusOne = f64x2.splat(-1.0);
      for (; i < stop; i++) {
        const ws = f64x2.add(a, f64x2.mul(d, cv));
        const q = f64x2.add(phase, quarter);
        const wt = f64x2.sub(one, f64x2.mul(four, f64x2.abs(f64x2.sub(f64x2.sub(q, v128.and(one, f64x2.ge(q, one))), half))));
        const wq = v128.bitselect(one, minusOne, f64x2.lt(phase, half));
        const wz = f64x2.sub(f64x2.mul(two, phase), one);
        let w = v128.bitselect(wz, held, mSaw);
        w = v128.bitselect(wq, w, mSquare);
        w = v128.bitselect(wt, w, mTri);
        w = v128.bitselect(ws, w, mSine);
        storeOut(o0, o1, i, f64x2.add(off, f64x2.mul(dep, w)));
        cv = f64x2.add(cv, one);
        const next = f64x2.add(phase, inc);
        const wm = f64x2.ge(next, one);
        if (v128.any_true(wm)) {
          phase = v128.bitselect(f64x2.sub(next, one), next, wm);
          wrapLanes(wm);
          held = vec(gHeld0, gHeld1);
        } else phase = next;
      }
    }
    c0 = (c0 + n) & (CONTROL_PERIOD - 1);
    c1 = (c1 + n) & (CONTROL_PERIOD - 1);
  }

  // stepHeldBipolar(st, S_RNG, S_HELD, wraps) of every lane (sh lanes counted none).
  gRng0 += gWraps0 * GAMMA;
  gRng1 += gWraps1 * GAMMA;
  if (gWraps0 != 0) gHeld0 = bipolar(gRng0);
  if (gWraps1 != 0) gHeld1 = bipolar(gRng1);
  sset(sp0, S_RNG, <f64><u32>gRng0);
  sset(sp1, S_RNG, <f64><u32>gRng1);
  sset(sp0, S_HELD, gHeld0);
  sset(sp1, S_HELD, gHeld1);
  svset(sp0, sp1, S_PHASE, phase);
  sset(sp0, S_COUNT, <f64>c0);
  sset(sp1, S_COUNT, <f64>c1);
  svset(sp0, sp1, S_SIN_A, a);
  svset(sp0, sp1, S_SIN_D, d);
  svset(sp0, sp1, S_SIN_B, b);
  svset(sp0, sp1, S_CP_PHASE, cpPhase);
  svset(sp0, sp1, S_CP_INC, cpInc);
  svset(sp0, sp1, S_STALE, stale);
  // outputCheck: the sine's bound, the other shapes do not vouch.
  setSumSquares(r0, shape0 == SINE ? f64x2.extract_lane(sq, 0) : Infinity);
  setSumSquares(r1, shape1 == SINE ? f64x2.extract_lane(sq, 1) : Infinity);
}

// ---- The all-sine path (the W2 case: four sine lanes) ----
// runPair's single loop computes lanes across a vector, so each sample costs two f32 lane
// stores per vector, and each control point's sines sit between two runs of that loop. Here
// the call is split into windows of up to WIN samples: pass 1 runs both vectors' phases (two
// independent add chains) and the control points (masks, as in runPair), recording each
// lane's a and d at each of its chunks; pass 2 then writes each lane's outputs along time,
// four consecutive samples per f32x4 store (a sample does not depend on the previous one).
// Same values, same order of every f64 operation per lane; measured ~20% faster than runPair
// on four sine lanes.
const WIN: i32 = 1024;
// Per-vector control state in the work area (v128 fields).
const V_A: usize = 0;
const V_D: usize = 16;
const V_B: usize = 32;
const V_CPP: usize = 48;
const V_CPI: usize = 64;
const V_STALE: usize = 80;
const V_SQ: usize = 96;
const V_BYTES: usize = 112;
/**
 * Per lane, its (a, d) at each of its chunk starts in the window (its control points, and the
 * window start): 16 bytes each, at most WIN/16 + 2 per window.
 */
const REC_BASE: usize = 2 * V_BYTES;
const REC_LANE_BYTES: usize = <usize>(WIN / CONTROL_PERIOD + 2) * 16;

let workPtr: usize = 0;

/** Loads a vector's control state from its two lanes' state arrays into the work area. */
function vsLoad(vs: usize, sp0: usize, sp1: usize): void {
  store<v128>(vs, svec(sp0, sp1, S_SIN_A), V_A);
  store<v128>(vs, svec(sp0, sp1, S_SIN_D), V_D);
  store<v128>(vs, svec(sp0, sp1, S_SIN_B), V_B);
  store<v128>(vs, svec(sp0, sp1, S_CP_PHASE), V_CPP);
  store<v128>(vs, svec(sp0, sp1, S_CP_INC), V_CPI);
  store<v128>(vs, svec(sp0, sp1, S_STALE), V_STALE);
  store<v128>(vs, f64x2.splat(0.0), V_SQ);
}

/** renderSine's entry for both lanes of a sine vector: resume mid-period after another shape. */
function vsResume(vs: usize, counted: v128): void {
  const zero = f64x2.splat(0.0);
  const stale = load<v128>(vs, V_STALE);
  const resume = v128.and(counted, f64x2.ne(stale, zero));
  if (v128.any_true(resume)) {
    const cpPhase = load<v128>(vs, V_CPP);
    const na = sinTurns2(cpPhase);
    const nb = sinTurns2(f64x2.add(cpPhase, f64x2.mul(kv(K_CONTROL_PERIOD), load<v128>(vs, V_CPI))));
    store<v128>(vs, v128.bitselect(na, load<v128>(vs, V_A), resume), V_A);
    store<v128>(vs, v128.bitselect(nb, load<v128>(vs, V_B), resume), V_B);
    store<v128>(vs, v128.bitselect(f64x2.mul(f64x2.sub(nb, na), kv(K_INV_CONTROL_PERIOD)), load<v128>(vs, V_D), resume), V_D);
    store<v128>(vs, v128.bitselect(zero, stale, resume), V_STALE);
  }
}

/**
 * A segment start of a sine vector: control points where cpm (the same expressions as
 * runPair's), then, where a chunk starts (chunk), sq += n·B².
 */
@inline function vsStep(vs: usize, phase: v128, inc: v128, dep: v128, off: v128, cpm: v128, chunk: v128, nv: v128): void {
  let a = load<v128>(vs, V_A);
  let d = load<v128>(vs, V_D);
  if (v128.any_true(cpm)) {
    const zero = f64x2.splat(0.0);
    const cpv = kv(K_CONTROL_PERIOD);
    const stale = load<v128>(vs, V_STALE);
    const b = load<v128>(vs, V_B);
    store<v128>(vs, v128.bitselect(phase, load<v128>(vs, V_CPP), cpm), V_CPP);
    store<v128>(vs, v128.bitselect(inc, load<v128>(vs, V_CPI), cpm), V_CPI);
    const fromPhase = v128.and(cpm, f64x2.ne(stale, zero));
    let na = b;
    if (v128.any_true(fromPhase)) na = v128.bitselect(sinTurns2(phase), b, fromPhase);
    const nb = sinTurns2(f64x2.add(phase, f64x2.mul(cpv, inc)));
    a = v128.bitselect(na, a, cpm);
    d = v128.bitselect(f64x2.mul(f64x2.sub(nb, na), kv(K_INV_CONTROL_PERIOD)), d, cpm);
    store<v128>(vs, v128.bitselect(nb, b, cpm), V_B);
    store<v128>(vs, a, V_A);
    store<v128>(vs, d, V_D);
    store<v128>(vs, v128.bitselect(zero, stale, cpm), V_STALE);
  }
  if (v128.any_true(chunk)) {
    const bound = f64x2.add(f64x2.abs(off), f64x2.mul(f64x2.abs(dep), f64x2.add(f64x2.abs(a), f64x2.mul(kv(K_CONTROL_PERIOD), f64x2.abs(d)))));
    const sq = load<v128>(vs, V_SQ);
    store<v128>(vs, v128.bitselect(f64x2.add(sq, f64x2.mul(nv, f64x2.mul(bound, bound))), sq, chunk), V_SQ);
  }
}

/** Stores a sine vector's state and outputCheck back to its lanes (rng stepped by the wraps). */
function vsStore(vs: usize, r0: usize, r1: usize, phase: v128, c0: i32, c1: i32, wraps: v128): void {
  const sp0 = statePtr(r0);
  const sp1 = statePtr(r1);
  svset(sp0, sp1, S_PHASE, phase);
  sset(sp0, S_COUNT, <f64>c0);
  sset(sp1, S_COUNT, <f64>c1);
  svset(sp0, sp1, S_SIN_A, load<v128>(vs, V_A));
  svset(sp0, sp1, S_SIN_D, load<v128>(vs, V_D));
  svset(sp0, sp1, S_SIN_B, load<v128>(vs, V_B));
  svset(sp0, sp1, S_CP_PHASE, load<v128>(vs, V_CPP));
  svset(sp0, sp1, S_CP_INC, load<v128>(vs, V_CPI));
  svset(sp0, sp1, S_STALE, load<v128>(vs, V_STALE));
  stepHeld(sp0, <i32>i64x2.extract_lane(wraps, 0));
  stepHeld(sp1, <i32>i64x2.extract_lane(wraps, 1));
  const sq = load<v128>(vs, V_SQ);
  setSumSquares(r0, f64x2.extract_lane(sq, 0));
  setSumSquares(r1, f64x2.extract_lane(sq, 1));
}

/** stepHeldBipolar(st, S_RNG, S_HELD, steps) of lib/random.ts. */
function stepHeld(sp: usize, steps: i32): void {
  const s = <i32><i64>sget(sp, S_RNG) + steps * GAMMA;
  sset(sp, S_RNG, <f64><u32>s);
  if (steps != 0) sset(sp, S_HELD, bipolar(s));
}

@inline function minI(a: i32, b: i32): i32 {
  return a < b ? a : b;
}

/** Appends lane `at` (byte 0 or 8) of the vector's a and d to a lane's chunk records. */
@inline function record(p: usize, vs: usize, at: usize): usize {
  store<f64>(p, load<f64>(vs + V_A + at));
  store<f64>(p, load<f64>(vs + V_D + at), 8);
  return p + 16;
}

/**
 * A sine lane's outputs over [from, to): chunk k (its records in order) covers up to the lane's
 * next control point, y = offset + depth·(a + d·count) per sample (lfo.ts's expression), four
 * consecutive samples per f32x4 store (samples do not depend on each other), the rest scalar.
 */
function fillLane(out: usize, recs: usize, from: i32, to: i32, c: i32, offset: f64, depth: f64): void {
  const off = f64x2.splat(offset);
  const dep = f64x2.splat(depth);
  const four = f64x2.splat(4.0);
  let t = from;
  while (t < to) {
    const n = minI(CONTROL_PERIOD - c, to - t);
    const a = load<f64>(recs);
    const d = load<f64>(recs, 8);
    recs += 16;
    const av = f64x2.splat(a);
    const dv = f64x2.splat(d);
    let cv0 = vec(<f64>c, <f64>(c + 1));
    let cv1 = vec(<f64>(c + 2), <f64>(c + 3));
    const stop = t + n;
    for (; t + 4 <= stop; t += 4) {
      const y0 = f32x4.demote_f64x2_zero(f64x2.add(off, f64x2.mul(dep, f64x2.add(av, f64x2.mul(dv, cv0)))));
      const y1 = f32x4.demote_f64x2_zero(f64x2.add(off, f64x2.mul(dep, f64x2.add(av, f64x2.mul(dv, cv1)))));
      v128.store(out + <usize>(t << 2), i8x16.shuffle(y0, y1, 0, 1, 2, 3, 4, 5, 6, 7, 16, 17, 18, 19, 20, 21, 22, 23));
      cv0 = f64x2.add(cv0, four);
      cv1 = f64x2.add(cv1, four);
    }
    for (let k = c + n - (stop - t); t < stop; t++, k++) {
      store<f32>(out + <usize>(t << 2), <f32>(offset + depth * (a + d * <f64>k)));
    }
    c = (c + n) & (CONTROL_PERIOD - 1);
  }
}

/** All four lanes sine: see above. start < end. */
function runAllSine(desc: usize, start: i32, end: i32): void {
  const r0 = laneRecord(desc, 0);
  const r1 = laneRecord(desc, 1);
  const r2 = laneRecord(desc, 2);
  const r3 = laneRecord(desc, 3);
  const sp0 = statePtr(r0);
  const sp1 = statePtr(r1);
  const sp2 = statePtr(r2);
  const sp3 = statePtr(r3);
  const o0 = outPtr(r0, 0);
  const o1 = outPtr(r1, 0);
  const o2 = outPtr(r2, 0);
  const o3 = outPtr(r3, 0);
  const incA = vec(param(r0, LANE_INC), param(r1, LANE_INC));
  const incB = vec(param(r2, LANE_INC), param(r3, LANE_INC));
  const depA = vec(param(r0, LANE_DEPTH), param(r1, LANE_DEPTH));
  const depB = vec(param(r2, LANE_DEPTH), param(r3, LANE_DEPTH));
  const offA = vec(param(r0, LANE_OFFSET), param(r1, LANE_OFFSET));
  const offB = vec(param(r2, LANE_OFFSET), param(r3, LANE_OFFSET));
  const vsA = workPtr;
  const vsB = workPtr + V_BYTES;
  const one = f64x2.splat(1.0);
  let phaseA = svec(sp0, sp1, S_PHASE);
  let phaseB = svec(sp2, sp3, S_PHASE);
  let c0 = <i32><i64>sget(sp0, S_COUNT);
  let c1 = <i32><i64>sget(sp1, S_COUNT);
  let c2 = <i32><i64>sget(sp2, S_COUNT);
  let c3 = <i32><i64>sget(sp3, S_COUNT);
  let wrapsA = i64x2.splat(0);
  let wrapsB = i64x2.splat(0);
  vsLoad(vsA, sp0, sp1);
  vsLoad(vsB, sp2, sp3);
  vsResume(vsA, mask(c0 != 0, c1 != 0));
  vsResume(vsB, mask(c2 != 0, c3 != 0));
  let i = start;
  while (i < end) {
    const winStart = i;
    const wEnd = end - i > WIN ? i + WIN : end;
    const s0 = c0;
    const s1 = c1;
    const s2 = c2;
    const s3 = c3;
    let p0 = workPtr + REC_BASE;
    let p1 = p0 + REC_LANE_BYTES;
    let p2 = p1 + REC_LANE_BYTES;
    let p3 = p2 + REC_LANE_BYTES;
    // Pass 1: control points, chunk records, phases.
    while (i < wEnd) {
      const first = i == start;
      const n0 = minI(CONTROL_PERIOD - c0, end - i);
      const n1 = minI(CONTROL_PERIOD - c1, end - i);
      const n2 = minI(CONTROL_PERIOD - c2, end - i);
      const n3 = minI(CONTROL_PERIOD - c3, end - i);
      vsStep(vsA, phaseA, incA, depA, offA, mask(c0 == 0, c1 == 0), mask(first || c0 == 0, first || c1 == 0), vec(<f64>n0, <f64>n1));
      vsStep(vsB, phaseB, incB, depB, offB, mask(c2 == 0, c3 == 0), mask(first || c2 == 0, first || c3 == 0), vec(<f64>n2, <f64>n3));
      const w = i == winStart;
      if (w || c0 == 0) p0 = record(p0, vsA, 0);
      if (w || c1 == 0) p1 = record(p1, vsA, 8);
      if (w || c2 == 0) p2 = record(p2, vsB, 0);
      if (w || c3 == 0) p3 = record(p3, vsB, 8);
      const n = minI(minI(minI(n0, n1), minI(n2, n3)), wEnd - i);
      for (let j = 0; j < n; j++) {
        const nextA = f64x2.add(phaseA, incA);
        const nextB = f64x2.add(phaseB, incB);
        const wA = f64x2.ge(nextA, one);
        const wB = f64x2.ge(nextB, one);
        if (v128.any_true(v128.or(wA, wB))) {
          phaseA = v128.bitselect(f64x2.sub(nextA, one), nextA, wA);
          phaseB = v128.bitselect(f64x2.sub(nextB, one), nextB, wB);
          wrapsA = i64x2.sub(wrapsA, wA);
          wrapsB = i64x2.sub(wrapsB, wB);
        } else {
          phaseA = nextA;
          phaseB = nextB;
        }
      }
      i += n;
      c0 = (c0 + n) & (CONTROL_PERIOD - 1);
      c1 = (c1 + n) & (CONTROL_PERIOD - 1);
      c2 = (c2 + n) & (CONTROL_PERIOD - 1);
      c3 = (c3 + n) & (CONTROL_PERIOD - 1);
    }
    // Pass 2: each lane's outputs, chunk by chunk, four samples per store.
    const rec0 = workPtr + REC_BASE;
    fillLane(o0, rec0, winStart, wEnd, s0, param(r0, LANE_OFFSET), param(r0, LANE_DEPTH));
    fillLane(o1, rec0 + REC_LANE_BYTES, winStart, wEnd, s1, param(r1, LANE_OFFSET), param(r1, LANE_DEPTH));
    fillLane(o2, rec0 + 2 * REC_LANE_BYTES, winStart, wEnd, s2, param(r2, LANE_OFFSET), param(r2, LANE_DEPTH));
    fillLane(o3, rec0 + 3 * REC_LANE_BYTES, winStart, wEnd, s3, param(r3, LANE_OFFSET), param(r3, LANE_DEPTH));
  }
  vsStore(vsA, r0, r1, phaseA, c0, c1, wrapsA);
  vsStore(vsB, r2, r3, phaseB, c2, c3, wrapsB);
}

/**
 * Renders lanes 0..3 over [start, end) (`lanes` is always 4: the host pads, wasm/abi.ts).
 * Stores each lane's outputCheck value (lfo.ts: 0 for an empty range).
 */
export function lfoRun(desc: usize, lanes: i32, start: i32, end: i32): void {
  constPtr = constsOf(desc);
  if (start >= end) {
    for (let l = 0; l < 4; l++) setSumSquares(laneRecord(desc, l), 0);
    return;
  }
  workPtr = workOf(desc);
  if (param(laneRecord(desc, 0), LANE_SHAPE) == SINE && param(laneRecord(desc, 1), LANE_SHAPE) == SINE
    && param(laneRecord(desc, 2), LANE_SHAPE) == SINE && param(laneRecord(desc, 3), LANE_SHAPE) == SINE) {
    runAllSine(desc, start, end);
    return;
  }
  runPair(0, start, end, desc);
  runPair(2, start, end, desc);
}
