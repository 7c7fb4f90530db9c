// osc batch kernel: 4 instances of src/dsp/modules/osc.ts (band-limited saw, pulse and triangle:
// BLEP / BLAMP residuals in a 16-slot ring; Stilson & Smith, "Alias-free digital synthesis of
// classic analog waveforms", ICMC 1996; Esqueda, Välimäki, Bilbao, "Rounding corners with
// BLAMP", DAFx 2016; tables from src/dsp/lib/blep.ts) in two f64x2 vectors (lanes 0,1 and
// 2,3), BIT-IDENTICAL to the JS kernel in outputs and in every state value, for the case the
// host accepts: waveform saw, square or triangle, freq, detune, gain (and pw) constant over
// the call, fm connected or not, any waveform per lane. Sine calls Math.sin per sample, which
// wasm cannot reproduce: it stays on the JS kernel.
//
// Contract (host: src/dsp/modules/osc-batch.ts; calling convention: wasm/abi.ts): each lane
// record points at the instance's 26-value state array (osc.ts's layout, verbatim), its `fm`
// input and its output, all in place in the arena, and holds the per-call values LANE_* that the
// host computed exactly as osc.ts's computeIncrements does (2^(detune/1200) is Math.pow, so it
// is computed on the host, with osc.ts's caching in S_DETUNE / S_FACTOR). The kernel updates
// state and output [start, end) in place and stores each lane's sum of y². Render thread;
// allocates nothing.
//
// How bit-identity is kept (the recipes in docs/batch-kernels.md, "Bit identity"):
//   - every f64 expression in osc.ts's operation order (WASM never fuses a·b + c);
//   - the ring: each lane's 16 ring slots are copied into the work area at entry, rotated by
//     the lane's ring position (work slot r = state slot (pos + r) & 15), so all lanes share
//     one position while they run, and copied back rotated at exit (same values, same slots);
//   - the branches of the per-sample increment limit and of the event tests become f64x2
//     comparisons (false for NaN, as in JS) and v128.bitselect, never f64x2.min/max;
//   - events (phase wraps, the pulse's second-saw wraps, triangle corners) are rare and lane
//     divergent: they run in scalar code per lane (laneEvents), in osc.ts's order (main wrap,
//     then the pulse's second saw or the triangle's middle corner), before the naive sample is
//     added and the output slot read, as in osc.ts;
//   - osc.ts's specialised saw loop (constant dt > 0, constant gain) equals its general loop bit
//     for bit except that it does not store the event in state[S_EVENT]: laneEvents stores it
//     only for lanes osc.ts would render with the general loop.

import { constsOf, inConnected, inPtr, laneRecord, outPtr, param, setSumSquares, statePtr, workOf } from './abi';
import { vec } from './simd';
import { BLEP_HALF as HALF, BLEP_MASK as MASK, BLEP_PHASES as PHASES, BLEP_TAPS as TAPS } from '../src/dsp/lib/blep.layout';
import {
  INPUT_FM, K_BLAMP, K_BLEP, K_COUNT, K_INV_SAMPLE_RATE, LANE_DETUNE, LANE_DT, LANE_F, LANE_FACTOR, LANE_GAIN, LANE_PW, LANE_WAVE,
  S_DETUNE, S_DT, S_EVENT, S_FACTOR, S_PHASE, S_PHASE_B, S_POS, S_PW_PREV, S_RING, S_WAVE, WAVE_SAW, WAVE_SQUARE, WAVE_TRIANGLE,
} from '../src/dsp/modules/osc.layout';

// The state slots (S_*), per-lane params (LANE_*), constants (K_*), waveform and input indices
// are osc.layout.ts's; the ring geometry is lib/blep.layout.ts's (both compiled by tsc too).

/** Work area: pair A's ring (16 v128: lanes 0, 1), then pair B's (lanes 2, 3). */
const RING_BYTES: usize = 256;

/** Set at each call from the descriptor (calling convention: wasm/abi.ts). */
let descBase: usize = 0;
let constPtr: usize = 0;
let workPtr: usize = 0;
/** laneEvents' results (no f64 crosses a call boundary as a tuple). */
let outP: f64 = 0;
let outB: f64 = 0;

/** Number of f64 constants the host writes at `consts`. */
export function oscConstCount(): i32 {
  return K_COUNT;
}

@inline function kc(i: i32): f64 {
  return load<f64>(constPtr + <usize>(i << 3));
}
@inline function rec(l: i32): usize {
  return laneRecord(descBase, l);
}
@inline function sp(l: i32): usize {
  return statePtr(rec(l));
}
@inline function sget(l: i32, f: i32): f64 {
  return load<f64>(sp(l) + <usize>(f << 3));
}
@inline function sset(l: i32, f: i32, v: f64): void {
  store<f64>(sp(l) + <usize>(f << 3), v);
}
@inline function pget(l: i32, f: i32): f64 {
  return param(rec(l), f);
}
@inline function svec(l: i32, f: i32): v128 {
  return vec(sget(l, f), sget(l + 1, f));
}
@inline function pvec(l: i32, f: i32): v128 {
  return vec(pget(l, f), pget(l + 1, f));
}
/** Lane li's ring in the work area: slot r at + r·16. */
@inline function ringOf(li: i32): usize {
  return workPtr + <usize>(li >> 1) * RING_BYTES + <usize>((li & 1) << 3);
}
@inline function storeOut(a: usize, b: usize, i: i32, y: v128): void {
  const o = <usize>(i << 2);
  const f = f32x4.demote_f64x2_zero(y);
  v128.store32_lane(a + o, f, 0);
  v128.store32_lane(b + o, f, 1);
}
@inline function loadIn(a: usize, b: usize, i: i32): v128 {
  const o = <usize>(i << 2);
  return f64x2.promote_low_f32x4(v128.load32_lane(b + o, v128.load32_zero(a + o), 1));
}

/** lib/blep.ts addResidual: amount · residual(tau) into ring slots (base + j) & 15. */
@inline function addResidual(table: i32, ring: usize, base: i32, tau: f64, amount: f64): void {
  let x = tau * <f64>PHASES;
  if (!(x > 0)) x = 0;
  else if (x > <f64>PHASES) x = <f64>PHASES;
  let row = <i32>x;
  if (row == PHASES) row = PHASES - 1;
  const frac = x - <f64>row;
  const t0 = constPtr + <usize>((table + row * TAPS) << 3);
  for (let j = 0; j < TAPS; j++) {
    const a = load<f64>(t0 + <usize>(j << 3));
    const b = load<f64>(t0 + <usize>((TAPS + j) << 3));
    const slot = ring + <usize>(((base + j) & MASK) << 4);
    store<f64>(slot, load<f64>(slot) + amount * (a + frac * (b - a)));
  }
}

/** An event of lane li: its residual, and state[S_EVENT] where osc.ts writes it. */
@inline function event(li: i32, general: bool, table: i32, base: i32, tau: f64, amount: f64): void {
  if (general) {
    sset(li, S_EVENT, tau);
    sset(li, S_EVENT + 1, amount);
  }
  addResidual(table, ringOf(li), base, tau, amount);
}

/**
 * One sample's events of lane li, osc.ts's renderSaw / renderPulse / renderTriangle branches:
 * from the old phase, the increment, u = phase + dt, and (pulse) b = phaseB + dtB, sets outP
 * and outB to the new phases.
 */
@inline function laneEvents(li: i32, wave: i32, phase: f64, dt: f64, u: f64, b: f64, dtB: f64, base: i32): void {
  const general = wave != WAVE_SAW || inConnected(rec(li), INPUT_FM) || !(pget(li, LANE_DT) > 0);
  let p = u;
  const k: i32 = p >= 1 ? 1 : p < 0 ? -1 : 0;
  if (k != 0) {
    p -= <f64>k;
    if (p >= 1) p = 0;
    else {
      const tau = (p - (k > 0 ? 0.0 : 1.0)) / dt;
      if (wave == WAVE_TRIANGLE) event(li, general, K_BLAMP, base, tau, 8 * abs<f64>(dt));
      else event(li, general, K_BLEP, base, tau, wave == WAVE_SAW ? -2 * <f64>k : 2 * <f64>k);
    }
  }
  if (wave == WAVE_TRIANGLE) {
    if (phase < 0.5 ? u >= 0.5 : u < 0.5) event(li, general, K_BLAMP, base, (u - 0.5) / dt, -8 * abs<f64>(dt));
  } else if (wave == WAVE_SQUARE) {
    const kb = b >= 1 || b < 0 ? floor<f64>(b) : 0;
    if (kb != 0) {
      b -= kb;
      if (b >= 1) b = 0;
      else if (kb == 1 || kb == -1) event(li, general, K_BLEP, base, (b - (kb > 0 ? 0.0 : 1.0)) / dtB, -2 * kb);
    }
  }
  outP = p;
  outB = b;
}

/**
 * Lanes l, l + 1 over [start, end), any waveforms, fm connected or not: osc.ts's general loops
 * (the pulse's second saw and the triangle's corner test computed for every lane, used where
 * the lane has that waveform). Ring position 0 at start (rotated rings).
 */
function renderPair(l: i32, start: i32, end: i32): void {
  const ring = ringOf(l);
  const out0 = outPtr(rec(l), 0);
  const out1 = outPtr(rec(l + 1), 0);
  const fm0 = inPtr(rec(l), INPUT_FM);
  const fm1 = inPtr(rec(l + 1), INPUT_FM);
  const zero = f64x2.splat(0.0);
  const one = f64x2.splat(1.0);
  const two = f64x2.splat(2.0);
  const four = f64x2.splat(4.0);
  const half = f64x2.splat(0.5);
  const nhalf = f64x2.splat(-0.5);
  const inv = f64x2.splat(kc(K_INV_SAMPLE_RATE));
  const wave0 = <i32>pget(l, LANE_WAVE);
  const wave1 = <i32>pget(l + 1, LANE_WAVE);
  const waves = pvec(l, LANE_WAVE);
  const isSaw = f64x2.eq(waves, f64x2.splat(<f64>WAVE_SAW));
  const isPulse = f64x2.eq(waves, f64x2.splat(<f64>WAVE_SQUARE));
  const isTri = f64x2.eq(waves, f64x2.splat(<f64>WAVE_TRIANGLE));
  const anyPulse = v128.any_true(isPulse);
  const fmOn = f64x2.ne(vec(inConnected(rec(l), INPUT_FM) ? 1 : 0, inConnected(rec(l + 1), INPUT_FM) ? 1 : 0), zero);
  const anyFm = v128.any_true(fmOn);
  const dtConst = pvec(l, LANE_DT);
  const f = pvec(l, LANE_F);
  const gain = pvec(l, LANE_GAIN);
  const pw = pvec(l, LANE_PW);
  const twoPw = f64x2.mul(two, pw);
  let phase = svec(l, S_PHASE);
  let phaseB = svec(l, S_PHASE_B);
  let pwPrev = svec(l, S_PW_PREV);
  let sq = zero;
  let pos = 0;
  for (let i = start; i < end; i++) {
    const base = (pos + HALF) & MASK;
    let dt = dtConst;
    if (anyFm) {
      // (f + fm) · inv, limited to ±0.5, NaN → 0 (osc.ts's computeIncrements).
      const x = f64x2.mul(f64x2.add(f, loadIn(fm0, fm1, i)), inv);
      let d = v128.and(x, f64x2.eq(x, x));
      d = v128.bitselect(nhalf, d, f64x2.lt(x, nhalf));
      d = v128.bitselect(half, d, f64x2.gt(x, half));
      dt = v128.bitselect(d, dtConst, fmOn);
    }
    const u = f64x2.add(phase, dt);
    let p = u;
    let events = v128.or(f64x2.ge(u, one), f64x2.lt(u, zero));
    // Triangle: the middle corner is crossed (phase < 0.5 ? u >= 0.5 : u < 0.5).
    events = v128.or(events, v128.and(isTri, v128.bitselect(f64x2.ge(u, half), f64x2.lt(u, half), f64x2.lt(phase, half))));
    let b = phaseB;
    let dtB = dt;
    if (anyPulse) {
      dtB = f64x2.sub(dt, f64x2.sub(pw, pwPrev));
      b = f64x2.add(phaseB, dtB);
      events = v128.or(events, v128.and(isPulse, v128.or(f64x2.ge(b, one), f64x2.lt(b, zero))));
    }
    if (v128.any_true(events)) {
      if (i64x2.extract_lane(events, 0) != 0) {
        laneEvents(l, wave0, f64x2.extract_lane(phase, 0), f64x2.extract_lane(dt, 0), f64x2.extract_lane(u, 0), f64x2.extract_lane(b, 0), f64x2.extract_lane(dtB, 0), base);
        p = f64x2.replace_lane(p, 0, outP);
        b = f64x2.replace_lane(b, 0, outB);
      }
      if (i64x2.extract_lane(events, 1) != 0) {
        laneEvents(l + 1, wave1, f64x2.extract_lane(phase, 1), f64x2.extract_lane(dt, 1), f64x2.extract_lane(u, 1), f64x2.extract_lane(b, 1), f64x2.extract_lane(dtB, 1), base);
        p = f64x2.replace_lane(p, 1, outP);
        b = f64x2.replace_lane(b, 1, outB);
      }
    }
    phase = p;
    phaseB = b;
    pwPrev = pw;
    // Naive sample: saw 2p − 1; pulse 2(b − p) + 2pw − 1; triangle 1 − 4|p − 0.5|.
    const saw = f64x2.sub(f64x2.mul(two, p), one);
    const pulse = f64x2.sub(f64x2.add(f64x2.mul(two, f64x2.sub(b, p)), twoPw), one);
    const tri = f64x2.sub(one, f64x2.mul(four, f64x2.abs(f64x2.sub(p, half))));
    const naive = v128.bitselect(saw, v128.bitselect(pulse, tri, isPulse), isSaw);
    const wp = ring + <usize>(pos << 4);
    store<v128>(wp, f64x2.add(load<v128>(wp), naive));
    const rp = ring + <usize>(base << 4);
    const y = f64x2.mul(gain, load<v128>(rp));
    storeOut(out0, out1, i, y);
    sq = f64x2.add(sq, f64x2.mul(y, y));
    store<v128>(rp, zero);
    pos = (pos + 1) & MASK;
  }
  sset(l, S_PHASE, f64x2.extract_lane(phase, 0));
  sset(l + 1, S_PHASE, f64x2.extract_lane(phase, 1));
  if (wave0 == WAVE_SQUARE) {
    sset(l, S_PHASE_B, f64x2.extract_lane(phaseB, 0));
    sset(l, S_PW_PREV, f64x2.extract_lane(pwPrev, 0));
  }
  if (wave1 == WAVE_SQUARE) {
    sset(l + 1, S_PHASE_B, f64x2.extract_lane(phaseB, 1));
    sset(l + 1, S_PW_PREV, f64x2.extract_lane(pwPrev, 1));
  }
  setSumSquares(rec(l), f64x2.extract_lane(sq, 0));
  setSumSquares(rec(l + 1), f64x2.extract_lane(sq, 1));
}

/**
 * All 4 lanes saw with a constant positive increment (no fm): the W2 case, both pairs per
 * iteration; a phase in [0, 1) plus dt > 0 wraps only at 1.
 * osc.ts's saw loops with rotated rings; events (wraps) in laneEvents.
 */
function renderSawQuad(start: i32, end: i32): void {
  const ringA = ringOf(0);
  const ringB = ringOf(2);
  const outA0 = outPtr(rec(0), 0);
  const outA1 = outPtr(rec(1), 0);
  const outB0 = outPtr(rec(2), 0);
  const outB1 = outPtr(rec(3), 0);
  const zero = f64x2.splat(0.0);
  const one = f64x2.splat(1.0);
  const two = f64x2.splat(2.0);
  const dtA = pvec(0, LANE_DT);
  const dtB = pvec(2, LANE_DT);
  const gainA = pvec(0, LANE_GAIN);
  const gainB = pvec(2, LANE_GAIN);
  let phA = svec(0, S_PHASE);
  let phB = svec(2, S_PHASE);
  let sqA = zero;
  let sqB = zero;
  let pos = 0;
  for (let i = start; i < end; i++) {
    const base = (pos + HALF) & MASK;
    let xa = f64x2.add(phA, dtA);
    let xb = f64x2.add(phB, dtB);
    const ea = f64x2.ge(xa, one);
    const eb = f64x2.ge(xb, one);
    if (v128.any_true(v128.or(ea, eb))) {
      if (i64x2.extract_lane(ea, 0) != 0) {
        laneEvents(0, WAVE_SAW, f64x2.extract_lane(phA, 0), f64x2.extract_lane(dtA, 0), f64x2.extract_lane(xa, 0), 0, 0, base);
        xa = f64x2.replace_lane(xa, 0, outP);
      }
      if (i64x2.extract_lane(ea, 1) != 0) {
        laneEvents(1, WAVE_SAW, f64x2.extract_lane(phA, 1), f64x2.extract_lane(dtA, 1), f64x2.extract_lane(xa, 1), 0, 0, base);
        xa = f64x2.replace_lane(xa, 1, outP);
      }
      if (i64x2.extract_lane(eb, 0) != 0) {
        laneEvents(2, WAVE_SAW, f64x2.extract_lane(phB, 0), f64x2.extract_lane(dtB, 0), f64x2.extract_lane(xb, 0), 0, 0, base);
        xb = f64x2.replace_lane(xb, 0, outP);
      }
      if (i64x2.extract_lane(eb, 1) != 0) {
        laneEvents(3, WAVE_SAW, f64x2.extract_lane(phB, 1), f64x2.extract_lane(dtB, 1), f64x2.extract_lane(xb, 1), 0, 0, base);
        xb = f64x2.replace_lane(xb, 1, outP);
      }
    }
    phA = xa;
    phB = xb;
    const wpA = ringA + <usize>(pos << 4);
    const wpB = ringB + <usize>(pos << 4);
    store<v128>(wpA, f64x2.add(load<v128>(wpA), f64x2.sub(f64x2.mul(two, xa), one)));
    store<v128>(wpB, f64x2.add(load<v128>(wpB), f64x2.sub(f64x2.mul(two, xb), one)));
    const rpA = ringA + <usize>(base << 4);
    const rpB = ringB + <usize>(base << 4);
    const ya = f64x2.mul(gainA, load<v128>(rpA));
    const yb = f64x2.mul(gainB, load<v128>(rpB));
    storeOut(outA0, outA1, i, ya);
    storeOut(outB0, outB1, i, yb);
    sqA = f64x2.add(sqA, f64x2.mul(ya, ya));
    sqB = f64x2.add(sqB, f64x2.mul(yb, yb));
    store<v128>(rpA, zero);
    store<v128>(rpB, zero);
    pos = (pos + 1) & MASK;
  }
  sset(0, S_PHASE, f64x2.extract_lane(phA, 0));
  sset(1, S_PHASE, f64x2.extract_lane(phA, 1));
  sset(2, S_PHASE, f64x2.extract_lane(phB, 0));
  sset(3, S_PHASE, f64x2.extract_lane(phB, 1));
  setSumSquares(rec(0), f64x2.extract_lane(sqA, 0));
  setSumSquares(rec(1), f64x2.extract_lane(sqA, 1));
  setSumSquares(rec(2), f64x2.extract_lane(sqB, 0));
  setSumSquares(rec(3), f64x2.extract_lane(sqB, 1));
}

/**
 * Renders lanes 0..3 over [start, end) (`lanes` is always 4: the host pads, wasm/abi.ts).
 * Stores each lane's sum of y².
 */
export function oscRun(desc: usize, lanes: i32, start: i32, end: i32): void {
  descBase = desc;
  constPtr = constsOf(desc);
  workPtr = workOf(desc);
  const n = end - start;
  let allSaw = true;
  for (let l = 0; l < 4; l++) {
    const r = rec(l);
    const st = statePtr(r);
    const fm = inConnected(r, INPUT_FM);
    const wave = param(r, LANE_WAVE);
    // renderSawQuad needs a positive increment (it tests the wrap at 1 only: from a phase in
    // [0, 1), phase + dt never falls below 0).
    if (wave != <f64>WAVE_SAW || fm || !(param(r, LANE_DT) > 0)) allSaw = false;
    // computeIncrements: the cached factor (both paths; the per-sample path only when it runs a
    // sample) and the constant increment (constant path only).
    if (!fm || n > 0) {
      store<f64>(st, param(r, LANE_DETUNE), S_DETUNE << 3);
      store<f64>(st, param(r, LANE_FACTOR), S_FACTOR << 3);
    }
    if (!fm) store<f64>(st, param(r, LANE_DT), S_DT << 3);
    // process: a waveform change at the first sample (startPulse for the square).
    if (n > 0 && wave != load<f64>(st, S_WAVE << 3)) {
      store<f64>(st, wave, S_WAVE << 3);
      if (<i32>wave == WAVE_SQUARE) {
        const pw = param(r, LANE_PW);
        let b = load<f64>(st, S_PHASE << 3) - pw;
        if (b < 0) b += 1;
        if (b >= 1) b = 0;
        store<f64>(st, b, S_PHASE_B << 3);
        store<f64>(st, pw, S_PW_PREV << 3);
      }
    }
    // Ring in: work slot r = state slot (pos + r) & 15.
    const pos = <i32>load<f64>(st, S_POS << 3);
    const ring = ringOf(l);
    const s = st + <usize>(S_RING << 3);
    for (let k = 0; k < TAPS; k++) store<f64>(ring + <usize>(k << 4), load<f64>(s + <usize>(((pos + k) & MASK) << 3)));
  }
  if (allSaw) renderSawQuad(start, end);
  else {
    renderPair(0, start, end);
    renderPair(2, start, end);
  }
  for (let l = 0; l < 4; l++) {
    const st = sp(l);
    const pos = <i32>load<f64>(st, S_POS << 3);
    const ring = ringOf(l);
    const s = st + <usize>(S_RING << 3);
    for (let k = 0; k < TAPS; k++) store<f64>(s + <usize>(((pos + k) & MASK) << 3), load<f64>(ring + <usize>(k << 4)));
    store<f64>(st, <f64>((pos + n) & MASK), S_POS << 3);
  }
}
