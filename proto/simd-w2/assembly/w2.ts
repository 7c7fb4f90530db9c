// W2 voice-batch renderer in AssemblyScript with WASM SIMD (f64x2): two voices per vector.
//
// Feasibility prototype for issue #3 (see ../README.md). It computes exactly what
// bench/w2-reference.ts computes (which the engine's lfo → osc → filter → adsr → out chain is
// checked against), with the same float64 operations in the same order, so the output is
// meant to be bit-identical:
//   - no FMA (WASM never contracts a*b+c), every expression written in the reference's order;
//   - Math.round(x) (ties toward +inf) = n = nearest(x), replaced by n + 1 where x − n == 0.5
//     (f64x2.nearest is ties-to-even; x − n is exact; a select, not an add of 0, so −0 stays
//     −0 for x ∈ [−0.5, −0]); exact also for 0.49999999999999994, which floor(x + 0.5) gets wrong;
//   - Math.fround = f32x4.demote_f64x2_zero then f64x2.promote_low_f32x4 (round to nearest even);
//   - if/else chains become lane masks (f64x2 comparisons, false for NaN, as in JS) and
//     v128.bitselect, never f64x2.min/max (their NaN/−0 rules differ from the JS branches);
//   - rare lane-divergent events (the saw's BLEP residual at a phase wrap) run in scalar code
//     for the lanes that need them, in the reference's order (residual first, then the naive
//     sample, then the read of the output slot).
// Every constant (derived params, polynomial coefficients, tables) is written into memory by
// the host from the same JS values the reference uses: nothing is re-derived or constant-folded
// here.
//
// Layout (struct of arrays in linear memory): pair q holds voices 2q (lane 0) and 2q+1 (lane 1);
// each per-voice field is an array of v128, one per pair; pairs are rendered two at a time
// (4 voices: two independent vectors per loop iteration hide the recursions' latency), module
// by module through block-sized scratch buffers (renderRange). Counters (lfo control count,
// osc ring position, filter control phase, filter "ready" flag) are stored per pair but must
// agree across the 4 voices of a group (one scalar drives them): in W2 every voice is created
// at frame 0, so they do; a voice-group implementation in the engine would group only voices
// whose counters agree (or keep them per lane, at a cost).
//
// The out bus is summed voice by voice as the reference does: for each sample,
// t = fround(t + gain·x) for voice 0, 1, 2, ... (pair 0 lane 0, lane 1, pair 1 lane 0, ...).
//
// DSP sources (the algorithms are those of the engine modules; cited there in full):
//   saw + BLEP residual: Stilson & Smith, "Alias-free digital synthesis of classic analog
//   waveforms", ICMC 1996 (src/dsp/lib/blep.ts); TPT state-variable filter: V. Zavalishin,
//   "The Art of VA Filter Design", ch. 4, and A. Simper, "Linear Trap SVF", Cytomic, 2013
//   (src/dsp/modules/filter.ts); tan by the [7/6] Padé
//   approximant and 2^x / sin by Taylor polynomials (src/dsp/lib/fast-math.ts).

// ---- constants block (f64, written by the host; index × 8 bytes from `constPtr`) ----
const K_OSC_GAIN: i32 = 0;
const K_FM_AMOUNT: i32 = 1;
const K_CUTOFF: i32 = 2;
const K_K: i32 = 3;
const K_PI_OVER_FS: i32 = 4;
const K_MAX_CUTOFF: i32 = 5;
const K_ATTACK_STEP: i32 = 6;
const K_DECAY_STEP: i32 = 7;
const K_SUSTAIN: i32 = 8;
const K_RELEASE_SAMPLES: i32 = 9;
const K_OUT_LEVEL: i32 = 10;
const K_PAN_LEFT: i32 = 11;
const K_PAN_RIGHT: i32 = 12;
const K_RELEASE_COEF: i32 = 13;
const K_SIN_S3: i32 = 14; // .. K_SIN_S3 + 6 = S15
const K_EXP2_C1: i32 = 21; // .. K_EXP2_C1 + 6 = C7
const K_TWO_PI: i32 = 28;
const K_END_EPS: i32 = 29;
const K_DENORMAL: i32 = 30;
const K_MIN_CUTOFF: i32 = 31;
const K_THRESHOLD: i32 = 32;
const K_MAX_OUT: i32 = 33;
const K_REDUCTION_SNAP: i32 = 34;
const K_INV_CONTROL_PERIOD: i32 = 35;
const K_EXP2_RANGE: i32 = 36;
const K_COUNT: i32 = 37;

// Geometry (integers only; lib/blep.ts and the modules' control period, checked by the host).
const HALF: i32 = 8;
const MASK: i32 = 15;
const PHASES: i32 = 32;
const CONTROL_PERIOD: i32 = 16;
const EXP2_RANGE_I: i32 = 64;

// adsr stages (adsr.ts).
const IDLE: i64 = 0;
const ATTACK: i64 = 1;
const DECAY: i64 = 2;
const SUSTAIN: i64 = 3;
const RELEASE: i64 = 4;

// ---- per-pair fields: v128 arrays, field f of pair q at fieldPtr(f) + 16·q ----
const F_LFO_PHASE: i32 = 0;
const F_LFO_INC: i32 = 1;
const F_LFO_A: i32 = 2;
const F_LFO_D: i32 = 3;
const F_LFO_B: i32 = 4;
const F_OSC_PHASE: i32 = 5;
const F_OSC_DT: i32 = 6;
const F_IC1: i32 = 7;
const F_IC2: i32 = 8;
const F_B11: i32 = 9;
const F_DB11: i32 = 10;
const F_B11T: i32 = 11;
const F_B12: i32 = 12;
const F_DB12: i32 = 13;
const F_B12T: i32 = 14;
const F_B20: i32 = 15;
const F_DB20: i32 = 16;
const F_B20T: i32 = 17;
const F_LAST_FC: i32 = 18;
const F_ENV_LEVEL: i32 = 19;
const F_ENV_REL_STEP: i32 = 20;
const F_GAIN: i32 = 21;
const F_ENV_STAGE: i32 = 22; // i64 lanes
const F_COUNT: i32 = 23;

// per-pair i32 counters: [lfoCount, oscPos, filterPhase, filterReady]
const C_LFO_COUNT: i32 = 0;
const C_OSC_POS: i32 = 4;
const C_FILTER_PHASE: i32 = 8;
const C_FILTER_READY: i32 = 12;

let voices: i32 = 0;
let pairs: i32 = 0;
let maxBlock: i32 = 0;
let constPtr: usize = 0;
let exp2Ptr: usize = 0; // 129 f64: 2^n at n + 64
let blepPtr: usize = 0; // 33 × 16 f64
let fieldsPtr: usize = 0; // F_COUNT × pairs v128
let countersPtr: usize = 0; // pairs × 16 bytes
let ringPtr: usize = 0; // pairs × 16 slots × v128
let lfoBufPtr: usize = 0; // 2 slots × maxBlock × 2 f32 (a pair's lfo output)
let vBufPtr: usize = 0; // 2 slots × maxBlock v128: a pair's osc → filter → adsr signal, in place
let coefBufPtr: usize = 0; // 2 slots × 16 positions × 4 v128: interpolated filter coefficients
let mixPtr: usize = 0; // maxBlock f32: the out bus
let leftPtr: usize = 0; // maxBlock f32
let rightPtr: usize = 0; // maxBlock f32
let reduction: f64 = 0;
let limited: f64 = 0;
let nonFinite: f64 = 0;
/** 1: always take the general (lane-divergent) adsr path; for testing that path. */
let forceGeneralEnv: i32 = 0;
/** 1: render each pair with the fused loop (voicePassFused) instead of the per-module passes. */
let fused: i32 = 0;

@inline function align16(x: usize): usize {
  return (x + 15) & ~(<usize>15);
}
@inline function fp(f: i32): usize {
  return fieldsPtr + <usize>(f * pairs * 16);
}
@inline function kc(i: i32): f64 {
  return load<f64>(constPtr + <usize>(i << 3));
}
@inline function kv(i: i32): v128 {
  return f64x2.splat(load<f64>(constPtr + <usize>(i << 3)));
}
/** Math.fround per lane: f64 → f32 (round to nearest even) → f64. */
@inline function fround2(x: v128): v128 {
  return f64x2.promote_low_f32x4(f32x4.demote_f64x2_zero(x));
}
/** Math.round per lane (ties toward +inf), exactly: see the header. */
@inline function jsRound2(x: v128): v128 {
  const n = f64x2.nearest(x);
  const tie = f64x2.eq(f64x2.sub(x, n), f64x2.splat(0.5));
  // Select, not n + (tie ? 1 : 0): adding +0 would turn a −0 result (x ∈ [−0.5, −0]) into +0.
  return v128.bitselect(f64x2.add(n, f64x2.splat(1.0)), n, tie);
}

/** Lays out memory for `n` voices and blocks of up to `block` frames; zeroes all state. */
export function init(n: i32, block: i32): void {
  voices = n;
  pairs = (((n + 1) >> 1) + 1) & ~1; // voice pairs, rounded up to an even count (silent padding)
  maxBlock = block;
  let p = align16(__heap_base);
  constPtr = p;
  p = align16(p + <usize>(K_COUNT * 8));
  exp2Ptr = p;
  p = align16(p + <usize>((2 * EXP2_RANGE_I + 1) * 8));
  blepPtr = p;
  p = align16(p + <usize>((PHASES + 1) * 16 * 8));
  fieldsPtr = p;
  p += <usize>(F_COUNT * pairs * 16);
  countersPtr = p;
  p += <usize>(pairs * 16);
  ringPtr = p;
  p += <usize>(pairs * 16 * 16);
  lfoBufPtr = p;
  p = align16(p + <usize>(2 * block * 8));
  vBufPtr = p;
  p += <usize>(2 * block * 16);
  coefBufPtr = p;
  p += <usize>(2 * CONTROL_PERIOD * 64);
  mixPtr = p;
  p = align16(p + <usize>(block * 4));
  leftPtr = p;
  p = align16(p + <usize>(block * 4));
  rightPtr = p;
  p = align16(p + <usize>(block * 4));
  const need = <i32>((p + 0xffff) >> 16);
  const have = memory.size();
  if (need > have) memory.grow(need - have);
  memory.fill(fieldsPtr, 0, p - fieldsPtr);
  reduction = 0;
  limited = 0;
  nonFinite = 0;
}

export function getConstPtr(): usize { return constPtr; }
export function getExp2Ptr(): usize { return exp2Ptr; }
export function getBlepPtr(): usize { return blepPtr; }
export function getMixPtr(): usize { return mixPtr; }
export function getLeftPtr(): usize { return leftPtr; }
export function getRightPtr(): usize { return rightPtr; }
export function getLimited(): f64 { return limited; }
export function getNonFinite(): f64 { return nonFinite; }
export function setForceGeneralEnv(on: i32): void { forceGeneralEnv = on; }
export function setFused(on: i32): void { fused = on; }
/** State access for the runner's state comparison: field f's v128 array, the rings, the counters. */
export function getFieldPtr(f: i32): usize { return fp(f); }
export function getRingPtr(): usize { return ringPtr; }
export function getCountersPtr(): usize { return countersPtr; }

/** Sets voice v's constants: lfo increment, osc dt, bus gain (as the reference derives them). */
export function setVoice(v: i32, lfoInc: f64, oscDt: f64, gain: f64): void {
  const off = <usize>((v >> 1) * 16 + (v & 1) * 8);
  store<f64>(fp(F_LFO_INC) + off, lfoInc);
  store<f64>(fp(F_OSC_DT) + off, oscDt);
  store<f64>(fp(F_GAIN) + off, gain);
}

/** Gate edge for voice v (adsr.gate, as W2Reference.gate does for each voice). */
export function gateVoice(v: i32, on: i32): void {
  const off = <usize>((v >> 1) * 16 + (v & 1) * 8);
  const stP = fp(F_ENV_STAGE);
  const s = load<i64>(stP + off);
  if (on) store<i64>(stP + off, ATTACK);
  else if (s != IDLE && s != RELEASE) {
    store<i64>(stP + off, RELEASE);
    store<f64>(fp(F_ENV_REL_STEP) + off, load<f64>(fp(F_ENV_LEVEL) + off) / kc(K_RELEASE_SAMPLES));
  }
}

/** Gate edge for every voice (W2's gates). */
export function gate(on: i32): void {
  for (let v = 0; v < voices; v++) gateVoice(v, on);
}

/** Renders frames [start, end) of the current block into mix, then the out stage into left/right. */
export function renderRange(start: i32, end: i32): void {
  for (let i = start; i < end; i++) store<f32>(mixPtr + <usize>(i << 2), 0);
  if (fused) {
    for (let q = 0; 2 * q < voices; q++) {
      lfoPass(q, lfoBufPtr, start, end);
      voicePassFused(q, start, end);
    }
  } else {
    // Two pairs (4 voices) at a time, module by module; the bus takes pair q before q + 1.
    const slotV = <usize>(maxBlock << 4);
    for (let q = 0; q < pairs; q += 2) {
      lfoPass2(q, start, end);
      oscFilterPass2(q, start, end);
      envPass(q, vBufPtr, start, end);
      envPass(q + 1, vBufPtr + slotV, start, end);
      busPass(q, vBufPtr, start, end);
      busPass(q + 1, vBufPtr + slotV, start, end);
    }
  }
  outStage(start, end);
}

/** sinTurnsApprox (lib/fast-math.ts) per lane: sin(2π·x). */
@inline function sinTurns2(x: v128): v128 {
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
 * lfo (sine, depth 1, offset 0) of pairs q and q + 1: every sample into their lfoBuf slots as
 * float32, as the module outputs it (the filter reads only every 16th value, but the module
 * computes them all; so does the reference). At each control point the target
 * sin(2π(p + 16·inc)), linear from the previous target in between; the phase per sample.
 */
function lfoPass2(q: i32, start: i32, end: i32): void {
  const oa = <usize>(q * 16);
  const ob = <usize>((q + 1) * 16);
  let lpA = load<v128>(fp(F_LFO_PHASE) + oa);
  let lpB = load<v128>(fp(F_LFO_PHASE) + ob);
  const lincA = load<v128>(fp(F_LFO_INC) + oa);
  const lincB = load<v128>(fp(F_LFO_INC) + ob);
  let laA = load<v128>(fp(F_LFO_A) + oa);
  let laB = load<v128>(fp(F_LFO_A) + ob);
  let ldA = load<v128>(fp(F_LFO_D) + oa);
  let ldB = load<v128>(fp(F_LFO_D) + ob);
  let lbA = load<v128>(fp(F_LFO_B) + oa);
  let lbB = load<v128>(fp(F_LFO_B) + ob);
  let lc = load<i32>(countersPtr + oa, C_LFO_COUNT);
  const one = f64x2.splat(1.0);
  const bufA = lfoBufPtr;
  const bufB = lfoBufPtr + <usize>(maxBlock << 3);
  for (let i = start; i < end; ) {
    if (lc == 0) {
      const invCp = kv(K_INV_CONTROL_PERIOD);
      const cp = f64x2.splat(<f64>CONTROL_PERIOD);
      laA = lbA;
      laB = lbB;
      lbA = sinTurns2(f64x2.add(lpA, f64x2.mul(cp, lincA)));
      lbB = sinTurns2(f64x2.add(lpB, f64x2.mul(cp, lincB)));
      ldA = f64x2.mul(f64x2.sub(lbA, laA), invCp);
      ldB = f64x2.mul(f64x2.sub(lbB, laB), invCp);
    }
    let stop = i + CONTROL_PERIOD - lc;
    if (stop > end) stop = end;
    let lcv = f64x2.splat(<f64>lc);
    lc = (lc + stop - i) & (CONTROL_PERIOD - 1);
    for (; i < stop; i++) {
      v128.store64_lane(bufA + <usize>(i << 3), f32x4.demote_f64x2_zero(f64x2.add(laA, f64x2.mul(ldA, lcv))), 0);
      v128.store64_lane(bufB + <usize>(i << 3), f32x4.demote_f64x2_zero(f64x2.add(laB, f64x2.mul(ldB, lcv))), 0);
      lpA = f64x2.add(lpA, lincA);
      lpB = f64x2.add(lpB, lincB);
      // if (lp >= 1) lp -= 1, per lane; the branch keeps the select off the phase's dependency
      // chain (a wrap is rare: once per lfo period).
      const wA = f64x2.ge(lpA, one);
      const wB = f64x2.ge(lpB, one);
      if (v128.any_true(v128.or(wA, wB))) {
        lpA = v128.bitselect(f64x2.sub(lpA, one), lpA, wA);
        lpB = v128.bitselect(f64x2.sub(lpB, one), lpB, wB);
      }
      lcv = f64x2.add(lcv, one);
    }
  }
  store<v128>(fp(F_LFO_PHASE) + oa, lpA);
  store<v128>(fp(F_LFO_PHASE) + ob, lpB);
  store<v128>(fp(F_LFO_A) + oa, laA);
  store<v128>(fp(F_LFO_A) + ob, laB);
  store<v128>(fp(F_LFO_D) + oa, ldA);
  store<v128>(fp(F_LFO_D) + ob, ldB);
  store<v128>(fp(F_LFO_B) + oa, lbA);
  store<v128>(fp(F_LFO_B) + ob, lbB);
  store<i32>(countersPtr + oa, lc, C_LFO_COUNT);
  store<i32>(countersPtr + ob, lc, C_LFO_COUNT);
}

/** lfo (sine, depth 1, offset 0) of pair q: every sample into lfoBuf as float32 (like the module). */
function lfoPass(q: i32, lfoBuf: usize, start: i32, end: i32): void {
  const o = <usize>(q * 16);
  const cnt = countersPtr + o;
  let lp = load<v128>(fp(F_LFO_PHASE) + o);
  const linc = load<v128>(fp(F_LFO_INC) + o);
  let la = load<v128>(fp(F_LFO_A) + o);
  let ld = load<v128>(fp(F_LFO_D) + o);
  let lb = load<v128>(fp(F_LFO_B) + o);
  let lc = load<i32>(cnt, C_LFO_COUNT);
  const one = f64x2.splat(1.0);
  const invCp = kv(K_INV_CONTROL_PERIOD);
  for (let i = start; i < end; ) {
    if (lc == 0) {
      la = lb;
      // lb = sinTurnsApprox(lp + CONTROL_PERIOD·linc) (lib/fast-math.ts), per lane.
      const x = f64x2.add(lp, f64x2.mul(f64x2.splat(<f64>CONTROL_PERIOD), linc));
      let r = f64x2.sub(x, jsRound2(x));
      const hi = f64x2.gt(r, f64x2.splat(0.25));
      const lo = f64x2.lt(r, f64x2.splat(-0.25));
      r = v128.bitselect(f64x2.sub(f64x2.splat(0.5), r), v128.bitselect(f64x2.sub(f64x2.splat(-0.5), r), r, lo), hi);
      const t = f64x2.mul(kv(K_TWO_PI), r);
      const y = f64x2.mul(t, t);
      let s = f64x2.add(kv(K_SIN_S3 + 5), f64x2.mul(y, kv(K_SIN_S3 + 6)));
      s = f64x2.add(kv(K_SIN_S3 + 4), f64x2.mul(y, s));
      s = f64x2.add(kv(K_SIN_S3 + 3), f64x2.mul(y, s));
      s = f64x2.add(kv(K_SIN_S3 + 2), f64x2.mul(y, s));
      s = f64x2.add(kv(K_SIN_S3 + 1), f64x2.mul(y, s));
      s = f64x2.add(kv(K_SIN_S3), f64x2.mul(y, s));
      s = f64x2.add(one, f64x2.mul(y, s));
      lb = f64x2.mul(t, s);
      ld = f64x2.mul(f64x2.sub(lb, la), invCp);
    }
    let stop = i + CONTROL_PERIOD - lc;
    if (stop > end) stop = end;
    let lcv = f64x2.splat(<f64>lc);
    for (; i < stop; i++) {
      v128.store64_lane(lfoBuf + <usize>(i << 3), f32x4.demote_f64x2_zero(f64x2.add(la, f64x2.mul(ld, lcv))), 0);
      lp = f64x2.add(lp, linc);
      // if (lp >= 1) lp -= 1, per lane; the branch keeps the select off the phase's dependency
      // chain (a wrap is rare: once per lfo period).
      const w = f64x2.ge(lp, one);
      if (v128.any_true(w)) lp = v128.bitselect(f64x2.sub(lp, one), lp, w);
      lcv = f64x2.add(lcv, one);
      lc++;
    }
    lc &= CONTROL_PERIOD - 1;
  }
  store<v128>(fp(F_LFO_PHASE) + o, lp);
  store<v128>(fp(F_LFO_A) + o, la);
  store<v128>(fp(F_LFO_D) + o, ld);
  store<v128>(fp(F_LFO_B) + o, lb);
  store<i32>(cnt, lc, C_LFO_COUNT);
}

/** Saw BLEP residual (step −2) for one lane, as the reference: ring slots (base + j) & 15. */
function blepLane(ring: usize, lane: i32, base: i32, p: f64, dt: f64): void {
  let x = (p / dt) * <f64>PHASES;
  if (!(x > 0)) x = 0;
  else if (x > <f64>PHASES) x = <f64>PHASES;
  let row = <i32>x;
  if (row == PHASES) row = PHASES - 1;
  const frac = x - <f64>row;
  const t0 = blepPtr + <usize>(row * 16 * 8);
  const laneOff = ring + <usize>(lane * 8);
  for (let j = 0; j < 16; j++) {
    const a = load<f64>(t0 + <usize>(j * 8));
    const b = load<f64>(t0 + <usize>((16 + j) * 8));
    const slot = laneOff + <usize>(((base + j) & MASK) * 16);
    store<f64>(slot, load<f64>(slot) + -2 * (a + frac * (b - a)));
  }
}

/** Variant: osc → filter → adsr → bus fused in one sample loop (as the JS reference). Slower in
 * WASM: ~20 live vectors for 16 xmm registers, V8 spills (see README). */
function voicePassFused(q: i32, start: i32, end: i32): void {
  const o = <usize>(q * 16);
  const cnt = countersPtr + o;
  const ring = ringPtr + <usize>(q * 256);
  const twoLanes = 2 * q + 1 < voices;

  let phase = load<v128>(fp(F_OSC_PHASE) + o);
  const dt = load<v128>(fp(F_OSC_DT) + o);
  let pos = load<i32>(cnt, C_OSC_POS);
  let ic1 = load<v128>(fp(F_IC1) + o);
  let ic2 = load<v128>(fp(F_IC2) + o);
  let cph = load<i32>(cnt, C_FILTER_PHASE);
  let b11 = load<v128>(fp(F_B11) + o);
  let db11 = load<v128>(fp(F_DB11) + o);
  let b11T = load<v128>(fp(F_B11T) + o);
  let b12 = load<v128>(fp(F_B12) + o);
  let db12 = load<v128>(fp(F_DB12) + o);
  let b12T = load<v128>(fp(F_B12T) + o);
  let b20 = load<v128>(fp(F_B20) + o);
  let db20 = load<v128>(fp(F_DB20) + o);
  let b20T = load<v128>(fp(F_B20T) + o);
  let lastFc = load<v128>(fp(F_LAST_FC) + o);
  let ready = load<i32>(cnt, C_FILTER_READY);
  let stage = load<v128>(fp(F_ENV_STAGE) + o);
  let y = load<v128>(fp(F_ENV_LEVEL) + o);
  const relStep = load<v128>(fp(F_ENV_REL_STEP) + o);
  const gain = load<v128>(fp(F_GAIN) + o);

  const one = f64x2.splat(1.0);
  const two = f64x2.splat(2.0);
  const zero = f64x2.splat(0.0);
  const oscGain = kv(K_OSC_GAIN);
  const sus = kv(K_SUSTAIN);
  const susEnd = f64x2.add(sus, kv(K_END_EPS));
  const attackEnd = f64x2.sub(one, kv(K_END_EPS));
  const endEps = kv(K_END_EPS);
  const attackStep = kv(K_ATTACK_STEP);
  const decayStep = kv(K_DECAY_STEP);
  let cphv = f64x2.splat(<f64>cph);

  for (let i = start; i < end; i++) {
    // ---- osc: naive saw 2p − 1 into the ring, BLEP residual at each wrap (scalar per lane) ----
    const base = (pos + HALF) & MASK;
    let p = f64x2.add(phase, dt);
    const wrap = f64x2.ge(p, one);
    if (v128.any_true(wrap)) {
      p = v128.bitselect(f64x2.sub(p, one), p, wrap);
      if (i64x2.extract_lane(wrap, 0) != 0) blepLane(ring, 0, base, f64x2.extract_lane(p, 0), f64x2.extract_lane(dt, 0));
      if (i64x2.extract_lane(wrap, 1) != 0) blepLane(ring, 1, base, f64x2.extract_lane(p, 1), f64x2.extract_lane(dt, 1));
    }
    phase = p;
    const wp = ring + <usize>(pos << 4);
    store<v128>(wp, f64x2.add(load<v128>(wp), f64x2.sub(f64x2.mul(two, p), one)));
    const rp = ring + <usize>(base << 4);
    const v0 = fround2(f64x2.mul(oscGain, load<v128>(rp)));
    store<v128>(rp, zero);
    pos = (pos + 1) & MASK;

    // ---- filter: control point every 16 samples, coefficients interpolated in between ----
    if (cph == 0) {
      const lfo = f64x2.promote_low_f32x4(v128.load64_zero(lfoBufPtr + <usize>(i << 3)));
      let x = fround2(f64x2.mul(kv(K_FM_AMOUNT), lfo));
      const range = kv(K_EXP2_RANGE);
      x = v128.bitselect(x, f64x2.neg(range), f64x2.gt(x, f64x2.neg(range)));
      x = v128.bitselect(range, x, f64x2.gt(x, range));
      const e = jsRound2(x);
      const f = f64x2.sub(x, e);
      let pe = f64x2.add(kv(K_EXP2_C1 + 5), f64x2.mul(f, kv(K_EXP2_C1 + 6)));
      pe = f64x2.add(kv(K_EXP2_C1 + 4), f64x2.mul(f, pe));
      pe = f64x2.add(kv(K_EXP2_C1 + 3), f64x2.mul(f, pe));
      pe = f64x2.add(kv(K_EXP2_C1 + 2), f64x2.mul(f, pe));
      pe = f64x2.add(kv(K_EXP2_C1 + 1), f64x2.mul(f, pe));
      pe = f64x2.add(kv(K_EXP2_C1), f64x2.mul(f, pe));
      pe = f64x2.add(one, f64x2.mul(f, pe));
      // exp2Int[e + 64] per lane (e is an integer in [−64, 64]).
      const e0 = <i32>f64x2.extract_lane(e, 0) + EXP2_RANGE_I;
      const e1 = <i32>f64x2.extract_lane(e, 1) + EXP2_RANGE_I;
      const p2 = f64x2.replace_lane(f64x2.splat(load<f64>(exp2Ptr + <usize>(e0 << 3))), 1, load<f64>(exp2Ptr + <usize>(e1 << 3)));
      let fc = f64x2.mul(kv(K_CUTOFF), f64x2.mul(pe, p2));
      const minC = kv(K_MIN_CUTOFF);
      const maxC = kv(K_MAX_CUTOFF);
      fc = v128.bitselect(fc, minC, f64x2.gt(fc, minC));
      fc = v128.bitselect(maxC, fc, f64x2.gt(fc, maxC));
      b11 = b11T;
      b12 = b12T;
      b20 = b20T;
      const changed = f64x2.ne(fc, lastFc);
      if (v128.any_true(changed)) {
        lastFc = v128.bitselect(fc, lastFc, changed);
        const w = f64x2.mul(fc, kv(K_PI_OVER_FS));
        const y2 = f64x2.mul(w, w);
        // (w·(135135 + y2·(−17325 + y2·(378 − y2)))) / (135135 + y2·(−62370 + y2·(3150 − 28·y2)))
        const num = f64x2.mul(w, f64x2.add(f64x2.splat(135135), f64x2.mul(y2, f64x2.add(f64x2.splat(-17325), f64x2.mul(y2, f64x2.sub(f64x2.splat(378), y2))))));
        const den = f64x2.add(f64x2.splat(135135), f64x2.mul(y2, f64x2.add(f64x2.splat(-62370), f64x2.mul(y2, f64x2.sub(f64x2.splat(3150), f64x2.mul(f64x2.splat(28), y2))))));
        const g = f64x2.div(num, den);
        const a1 = f64x2.div(one, f64x2.add(one, f64x2.mul(g, f64x2.add(g, kv(K_K)))));
        const nb11 = f64x2.sub(f64x2.mul(two, a1), one);
        const nb12 = f64x2.mul(two, f64x2.mul(g, a1));
        const nb20 = f64x2.mul(g, nb12);
        b11T = v128.bitselect(nb11, b11T, changed);
        b12T = v128.bitselect(nb12, b12T, changed);
        b20T = v128.bitselect(nb20, b20T, changed);
      }
      if (ready == 0) {
        b11 = b11T;
        b12 = b12T;
        b20 = b20T;
        ready = 1;
      }
      const invCp = kv(K_INV_CONTROL_PERIOD);
      db11 = f64x2.mul(f64x2.sub(b11T, b11), invCp);
      db12 = f64x2.mul(f64x2.sub(b12T, b12), invCp);
      db20 = f64x2.mul(f64x2.sub(b20T, b20), invCp);
      // Denormal/non-finite flush: keep only lanes with |s| >= 1e-20 and s − s == 0.
      const den2 = kv(K_DENORMAL);
      ic1 = v128.and(ic1, v128.and(f64x2.ge(f64x2.abs(ic1), den2), f64x2.eq(f64x2.sub(ic1, ic1), zero)));
      ic2 = v128.and(ic2, v128.and(f64x2.ge(f64x2.abs(ic2), den2), f64x2.eq(f64x2.sub(ic2, ic2), zero)));
      cphv = zero;
    }
    const c11 = f64x2.add(b11, f64x2.mul(db11, cphv));
    const c12 = f64x2.add(b12, f64x2.mul(db12, cphv));
    const c20 = f64x2.add(b20, f64x2.mul(db20, cphv));
    const v3 = f64x2.sub(v0, ic2);
    const next1 = f64x2.add(f64x2.mul(c11, ic1), f64x2.mul(c12, v3));
    const next2 = f64x2.add(f64x2.add(f64x2.mul(c20, v0), f64x2.mul(c12, ic1)), f64x2.mul(f64x2.sub(one, c20), ic2));
    const lp2 = f64x2.mul(f64x2.splat(0.5), f64x2.add(ic2, next2));
    ic1 = next1;
    ic2 = next2;
    cph = (cph + 1) & (CONTROL_PERIOD - 1);
    cphv = f64x2.add(cphv, one);
    const filtered = fround2(lp2);

    // ---- adsr, linear segments ----
    const s0 = i64x2.extract_lane(stage, 0);
    if (s0 == i64x2.extract_lane(stage, 1) && !forceGeneralEnv) {
      // Both lanes in the same stage (the common case): one branch, lane masks for the ends.
      if (s0 == SUSTAIN) {
        y = sus;
      } else if (s0 == ATTACK) {
        y = f64x2.add(y, attackStep);
        const done = f64x2.ge(y, attackEnd);
        if (v128.any_true(done)) {
          y = v128.bitselect(one, y, done);
          stage = v128.bitselect(i64x2.splat(DECAY), stage, done);
        }
      } else if (s0 == DECAY) {
        const pre = f64x2.le(y, susEnd);
        const yd = f64x2.sub(y, decayStep);
        const done = v128.or(pre, f64x2.le(yd, susEnd));
        y = v128.bitselect(sus, yd, done);
        if (v128.any_true(done)) stage = v128.bitselect(i64x2.splat(SUSTAIN), stage, done);
      } else if (s0 == RELEASE) {
        const yr = f64x2.sub(y, relStep);
        const done = f64x2.le(yr, endEps);
        y = v128.bitselect(zero, yr, done);
        if (v128.any_true(done)) stage = v128.bitselect(i64x2.splat(IDLE), stage, done);
      }
    } else {
      // Lanes in different stages: every segment's update, selected per lane.
      const isS = i64x2.eq(stage, i64x2.splat(SUSTAIN));
      const isA = i64x2.eq(stage, i64x2.splat(ATTACK));
      const isD = i64x2.eq(stage, i64x2.splat(DECAY));
      const isR = i64x2.eq(stage, i64x2.splat(RELEASE));
      let ya = f64x2.add(y, attackStep);
      const mA = f64x2.ge(ya, attackEnd);
      ya = v128.bitselect(one, ya, mA);
      const sA = v128.bitselect(i64x2.splat(DECAY), i64x2.splat(ATTACK), mA);
      const yd = f64x2.sub(y, decayStep);
      const mD = v128.or(f64x2.le(y, susEnd), f64x2.le(yd, susEnd));
      const yD = v128.bitselect(sus, yd, mD);
      const sD = v128.bitselect(i64x2.splat(SUSTAIN), i64x2.splat(DECAY), mD);
      const yr = f64x2.sub(y, relStep);
      const mR = f64x2.le(yr, endEps);
      const yR = v128.bitselect(zero, yr, mR);
      const sR = v128.bitselect(i64x2.splat(IDLE), i64x2.splat(RELEASE), mR);
      y = v128.bitselect(sus, y, isS);
      y = v128.bitselect(ya, y, isA);
      y = v128.bitselect(yD, y, isD);
      y = v128.bitselect(yR, y, isR);
      stage = v128.bitselect(sA, stage, isA);
      stage = v128.bitselect(sD, stage, isD);
      stage = v128.bitselect(sR, stage, isR);
    }

    // ---- bus: t = fround(t + gain·x), voice 2q then 2q+1 ----
    const c = f64x2.mul(gain, fround2(f64x2.mul(filtered, y)));
    const mp = mixPtr + <usize>(i << 2);
    let t = <f64>load<f32>(mp);
    t = <f64><f32>(t + f64x2.extract_lane(c, 0));
    if (twoLanes) t = <f64><f32>(t + f64x2.extract_lane(c, 1));
    store<f32>(mp, <f32>t);
  }

  store<v128>(fp(F_OSC_PHASE) + o, phase);
  store<i32>(cnt, pos, C_OSC_POS);
  store<v128>(fp(F_IC1) + o, ic1);
  store<v128>(fp(F_IC2) + o, ic2);
  store<i32>(cnt, cph, C_FILTER_PHASE);
  store<v128>(fp(F_B11) + o, b11);
  store<v128>(fp(F_DB11) + o, db11);
  store<v128>(fp(F_B11T) + o, b11T);
  store<v128>(fp(F_B12) + o, b12);
  store<v128>(fp(F_DB12) + o, db12);
  store<v128>(fp(F_B12T) + o, b12T);
  store<v128>(fp(F_B20) + o, b20);
  store<v128>(fp(F_DB20) + o, db20);
  store<v128>(fp(F_B20T) + o, b20T);
  store<v128>(fp(F_LAST_FC) + o, lastFc);
  store<i32>(cnt, ready, C_FILTER_READY);
  store<v128>(fp(F_ENV_STAGE) + o, stage);
  store<v128>(fp(F_ENV_LEVEL) + o, y);
}


// ---- The default path: per-module passes over a group of two pairs (4 voices): lfo, then
// osc + filter, then adsr, then the bus, each its own sample loop, through block-sized scratch
// buffers of f64x2 (values exactly those of the fused loop: the osc and filter outputs are
// float32-rounded where the engine stores them in float32 buffers). Fewer live vectors per
// loop than the fused loop, so V8 keeps them in the 16 xmm registers.

/**
 * filter control point of pair q at frame i (filter.ts, as the reference): cutoff · 2^(fm·lfo),
 * clamped; new update coefficients where the cutoff changed; the interpolation start and
 * per-sample steps. State in memory (it runs once per 16 samples).
 */
function filterControl(q: i32, lfoBuf: usize, i: i32): void {
  const o = <usize>(q * 16);
  const cnt = countersPtr + o;
  const one = f64x2.splat(1.0);
  const two = f64x2.splat(2.0);
  const lfo = f64x2.promote_low_f32x4(v128.load64_zero(lfoBuf + <usize>(i << 3)));
  let x = fround2(f64x2.mul(kv(K_FM_AMOUNT), lfo));
  const range = kv(K_EXP2_RANGE);
  x = v128.bitselect(x, f64x2.neg(range), f64x2.gt(x, f64x2.neg(range)));
  x = v128.bitselect(range, x, f64x2.gt(x, range));
  const e = jsRound2(x);
  const f = f64x2.sub(x, e);
  let pe = f64x2.add(kv(K_EXP2_C1 + 5), f64x2.mul(f, kv(K_EXP2_C1 + 6)));
  pe = f64x2.add(kv(K_EXP2_C1 + 4), f64x2.mul(f, pe));
  pe = f64x2.add(kv(K_EXP2_C1 + 3), f64x2.mul(f, pe));
  pe = f64x2.add(kv(K_EXP2_C1 + 2), f64x2.mul(f, pe));
  pe = f64x2.add(kv(K_EXP2_C1 + 1), f64x2.mul(f, pe));
  pe = f64x2.add(kv(K_EXP2_C1), f64x2.mul(f, pe));
  pe = f64x2.add(one, f64x2.mul(f, pe));
  // exp2Int[e + 64] per lane (e is an integer in [−64, 64]).
  const e0 = <i32>f64x2.extract_lane(e, 0) + EXP2_RANGE_I;
  const e1 = <i32>f64x2.extract_lane(e, 1) + EXP2_RANGE_I;
  const p2 = f64x2.replace_lane(f64x2.splat(load<f64>(exp2Ptr + <usize>(e0 << 3))), 1, load<f64>(exp2Ptr + <usize>(e1 << 3)));
  let fc = f64x2.mul(kv(K_CUTOFF), f64x2.mul(pe, p2));
  const minC = kv(K_MIN_CUTOFF);
  const maxC = kv(K_MAX_CUTOFF);
  fc = v128.bitselect(fc, minC, f64x2.gt(fc, minC));
  fc = v128.bitselect(maxC, fc, f64x2.gt(fc, maxC));
  let b11T = load<v128>(fp(F_B11T) + o);
  let b12T = load<v128>(fp(F_B12T) + o);
  let b20T = load<v128>(fp(F_B20T) + o);
  let b11 = b11T;
  let b12 = b12T;
  let b20 = b20T;
  const lastFc = load<v128>(fp(F_LAST_FC) + o);
  const changed = f64x2.ne(fc, lastFc);
  if (v128.any_true(changed)) {
    store<v128>(fp(F_LAST_FC) + o, v128.bitselect(fc, lastFc, changed));
    const w = f64x2.mul(fc, kv(K_PI_OVER_FS));
    const y2 = f64x2.mul(w, w);
    // tan: (w·(135135 + y2·(−17325 + y2·(378 − y2)))) / (135135 + y2·(−62370 + y2·(3150 − 28·y2)))
    const num = f64x2.mul(w, f64x2.add(f64x2.splat(135135), f64x2.mul(y2, f64x2.add(f64x2.splat(-17325), f64x2.mul(y2, f64x2.sub(f64x2.splat(378), y2))))));
    const den = f64x2.add(f64x2.splat(135135), f64x2.mul(y2, f64x2.add(f64x2.splat(-62370), f64x2.mul(y2, f64x2.sub(f64x2.splat(3150), f64x2.mul(f64x2.splat(28), y2))))));
    const g = f64x2.div(num, den);
    const a1 = f64x2.div(one, f64x2.add(one, f64x2.mul(g, f64x2.add(g, kv(K_K)))));
    const nb12 = f64x2.mul(two, f64x2.mul(g, a1));
    b11T = v128.bitselect(f64x2.sub(f64x2.mul(two, a1), one), b11T, changed);
    b12T = v128.bitselect(nb12, b12T, changed);
    b20T = v128.bitselect(f64x2.mul(g, nb12), b20T, changed);
    store<v128>(fp(F_B11T) + o, b11T);
    store<v128>(fp(F_B12T) + o, b12T);
    store<v128>(fp(F_B20T) + o, b20T);
  }
  if (load<i32>(cnt, C_FILTER_READY) == 0) {
    b11 = b11T;
    b12 = b12T;
    b20 = b20T;
    store<i32>(cnt, 1, C_FILTER_READY);
  }
  const invCp = kv(K_INV_CONTROL_PERIOD);
  store<v128>(fp(F_B11) + o, b11);
  store<v128>(fp(F_B12) + o, b12);
  store<v128>(fp(F_B20) + o, b20);
  store<v128>(fp(F_DB11) + o, f64x2.mul(f64x2.sub(b11T, b11), invCp));
  store<v128>(fp(F_DB12) + o, f64x2.mul(f64x2.sub(b12T, b12), invCp));
  store<v128>(fp(F_DB20) + o, f64x2.mul(f64x2.sub(b20T, b20), invCp));
}

/**
 * Interpolated coefficients of pair q for control-period positions k = from .. from + n − 1:
 * c11 = b11 + db11·k, c12 = b12 + db12·k, c20 = b20 + db20·k and 1 − c20 (the reference's
 * expressions, evaluated ahead of the recursion: same values), 4 v128 per position.
 */
function coefFill(q: i32, dst: usize, from: i32, n: i32): void {
  const o = <usize>(q * 16);
  const b11 = load<v128>(fp(F_B11) + o);
  const db11 = load<v128>(fp(F_DB11) + o);
  const b12 = load<v128>(fp(F_B12) + o);
  const db12 = load<v128>(fp(F_DB12) + o);
  const b20 = load<v128>(fp(F_B20) + o);
  const db20 = load<v128>(fp(F_DB20) + o);
  const one = f64x2.splat(1.0);
  let kv2 = f64x2.splat(<f64>from);
  for (let j = 0; j < n; j++) {
    const d = dst + <usize>(j << 6);
    const c20 = f64x2.add(b20, f64x2.mul(db20, kv2));
    store<v128>(d, f64x2.add(b11, f64x2.mul(db11, kv2)));
    store<v128>(d, f64x2.add(b12, f64x2.mul(db12, kv2)), 16);
    store<v128>(d, c20, 32);
    store<v128>(d, f64x2.sub(one, c20), 48);
    kv2 = f64x2.add(kv2, one);
  }
}

/** Non-finite/denormal flush of a filter state vector: keep lanes with |s| >= 1e-20 and s − s == 0. */
@inline function flush2(s: v128, den: v128): v128 {
  return v128.and(s, v128.and(f64x2.ge(f64x2.abs(s), den), f64x2.eq(f64x2.sub(s, s), f64x2.splat(0.0))));
}

/**
 * osc (saw + BLEP) and filter (lp TPT SVF) of pairs q and q + 1 (4 voices), the filter output
 * into their vBuf slots. The filter recursion's latency (ic2 → v3 → next1 → next2, ~9 cycles
 * per sample) bounds one pair; two independent pairs per iteration fill the pipeline, and the
 * osc runs in the same loop (no buffer round trip). Both pairs share the ring position and the
 * control phase (voices created together).
 */
function oscFilterPass2(q: i32, start: i32, end: i32): void {
  const qb = q + 1;
  const oa = <usize>(q * 16);
  const ob = <usize>(qb * 16);
  let a1 = load<v128>(fp(F_IC1) + oa);
  let a2 = load<v128>(fp(F_IC2) + oa);
  let b1 = load<v128>(fp(F_IC1) + ob);
  let b2 = load<v128>(fp(F_IC2) + ob);
  let cph = load<i32>(countersPtr + oa, C_FILTER_PHASE);
  const half = f64x2.splat(0.5);
  const one = f64x2.splat(1.0);
  const two = f64x2.splat(2.0);
  const zero = f64x2.splat(0.0);
  const oscGain = kv(K_OSC_GAIN);
  const ringA = ringPtr + <usize>(q * 256);
  const ringB = ringPtr + <usize>(qb * 256);
  let phA = load<v128>(fp(F_OSC_PHASE) + oa);
  let phB = load<v128>(fp(F_OSC_PHASE) + ob);
  const dtA = load<v128>(fp(F_OSC_DT) + oa);
  const dtB = load<v128>(fp(F_OSC_DT) + ob);
  let pos = load<i32>(countersPtr + oa, C_OSC_POS);
  const bufA = vBufPtr;
  const bufB = vBufPtr + <usize>(maxBlock << 4);
  const coefA = coefBufPtr;
  const coefB = coefBufPtr + <usize>(CONTROL_PERIOD * 64);
  for (let i = start; i < end; ) {
    if (cph == 0) {
      filterControl(q, lfoBufPtr, i);
      filterControl(qb, lfoBufPtr + <usize>(maxBlock << 3), i);
      const den = kv(K_DENORMAL);
      a1 = flush2(a1, den);
      a2 = flush2(a2, den);
      b1 = flush2(b1, den);
      b2 = flush2(b2, den);
    }
    let stop = i + CONTROL_PERIOD - cph;
    if (stop > end) stop = end;
    const n = stop - i;
    coefFill(q, coefA, cph, n);
    coefFill(qb, coefB, cph, n);
    cph = (cph + n) & (CONTROL_PERIOD - 1);
    for (let j = 0; j < n; j++, i++) {
      const ca = coefA + <usize>(j << 6);
      const cb = coefB + <usize>(j << 6);
      const pa = bufA + <usize>(i << 4);
      const pb = bufB + <usize>(i << 4);
      // osc of both pairs (as oscPass), straight into the filter.
      const base = (pos + HALF) & MASK;
      let xa = f64x2.add(phA, dtA);
      let xb = f64x2.add(phB, dtB);
      const wa = f64x2.ge(xa, one);
      const wb = f64x2.ge(xb, one);
      if (v128.any_true(v128.or(wa, wb))) {
        xa = v128.bitselect(f64x2.sub(xa, one), xa, wa);
        xb = v128.bitselect(f64x2.sub(xb, one), xb, wb);
        if (i64x2.extract_lane(wa, 0) != 0) blepLane(ringA, 0, base, f64x2.extract_lane(xa, 0), f64x2.extract_lane(dtA, 0));
        if (i64x2.extract_lane(wa, 1) != 0) blepLane(ringA, 1, base, f64x2.extract_lane(xa, 1), f64x2.extract_lane(dtA, 1));
        if (i64x2.extract_lane(wb, 0) != 0) blepLane(ringB, 0, base, f64x2.extract_lane(xb, 0), f64x2.extract_lane(dtB, 0));
        if (i64x2.extract_lane(wb, 1) != 0) blepLane(ringB, 1, base, f64x2.extract_lane(xb, 1), f64x2.extract_lane(dtB, 1));
      }
      phA = xa;
      phB = xb;
      const wpA = ringA + <usize>(pos << 4);
      const wpB = ringB + <usize>(pos << 4);
      store<v128>(wpA, f64x2.add(load<v128>(wpA), f64x2.sub(f64x2.mul(two, xa), one)));
      store<v128>(wpB, f64x2.add(load<v128>(wpB), f64x2.sub(f64x2.mul(two, xb), one)));
      const rpA = ringA + <usize>(base << 4);
      const rpB = ringB + <usize>(base << 4);
      const va = fround2(f64x2.mul(oscGain, load<v128>(rpA)));
      const vb = fround2(f64x2.mul(oscGain, load<v128>(rpB)));
      store<v128>(rpA, zero);
      store<v128>(rpB, zero);
      pos = (pos + 1) & MASK;
      const c12a = load<v128>(ca, 16);
      const c12b = load<v128>(cb, 16);
      const c20a = load<v128>(ca, 32);
      const c20b = load<v128>(cb, 32);
      // next1 = c11·ic1 + c12·(v0 − ic2); next2 = c20·v0 + c12·ic1 + (1 − c20)·ic2; lp = ½(ic2 + next2)
      const na1 = f64x2.add(f64x2.mul(load<v128>(ca), a1), f64x2.mul(c12a, f64x2.sub(va, a2)));
      const nb1 = f64x2.add(f64x2.mul(load<v128>(cb), b1), f64x2.mul(c12b, f64x2.sub(vb, b2)));
      const na2 = f64x2.add(f64x2.add(f64x2.mul(c20a, va), f64x2.mul(c12a, a1)), f64x2.mul(load<v128>(ca, 48), a2));
      const nb2 = f64x2.add(f64x2.add(f64x2.mul(c20b, vb), f64x2.mul(c12b, b1)), f64x2.mul(load<v128>(cb, 48), b2));
      store<v128>(pa, fround2(f64x2.mul(half, f64x2.add(a2, na2))));
      store<v128>(pb, fround2(f64x2.mul(half, f64x2.add(b2, nb2))));
      a1 = na1;
      a2 = na2;
      b1 = nb1;
      b2 = nb2;
    }
  }
  store<v128>(fp(F_IC1) + oa, a1);
  store<v128>(fp(F_IC2) + oa, a2);
  store<v128>(fp(F_IC1) + ob, b1);
  store<v128>(fp(F_IC2) + ob, b2);
  store<i32>(countersPtr + oa, cph, C_FILTER_PHASE);
  store<i32>(countersPtr + ob, cph, C_FILTER_PHASE);
  store<v128>(fp(F_OSC_PHASE) + oa, phA);
  store<v128>(fp(F_OSC_PHASE) + ob, phB);
  store<i32>(countersPtr + oa, pos, C_OSC_POS);
  store<i32>(countersPtr + ob, pos, C_OSC_POS);
}

/**
 * One linear adsr step of both lanes as if both were in stage `s` (adsr.ts, as the reference):
 * attack y + step, snapping to 1 at the end; decay y − step, snapping to sustain; sustain; release
 * y − relStep, snapping to 0; idle unchanged. The selects sit behind a branch (segment ends are
 * rare), off the level's dependency chain.
 */
@inline function envSeg(s: i64, y: v128, relStep: v128, sus: v128, susEnd: v128, attackEnd: v128, endEps: v128, attackStep: v128, decayStep: v128): v128 {
  if (s == SUSTAIN) return sus;
  if (s == ATTACK) {
    const ya = f64x2.add(y, attackStep);
    const done = f64x2.ge(ya, attackEnd);
    return v128.any_true(done) ? v128.bitselect(f64x2.splat(1.0), ya, done) : ya;
  }
  if (s == DECAY) {
    const yd = f64x2.sub(y, decayStep);
    const done = v128.or(f64x2.le(y, susEnd), f64x2.le(yd, susEnd));
    return v128.any_true(done) ? v128.bitselect(sus, yd, done) : yd;
  }
  if (s == RELEASE) {
    const yr = f64x2.sub(y, relStep);
    const done = f64x2.le(yr, endEps);
    return v128.any_true(done) ? v128.bitselect(f64x2.splat(0.0), yr, done) : yr;
  }
  return y;
}

/**
 * The stage after a step of stage `s` that produced level `y`: a segment ended exactly when the
 * new level is its target (attack 1, decay sustain, release 0), since a segment that goes on
 * stays more than END_EPS away from its target (attack: y < 1 − 1e-9; decay: y > sustain + 1e-9;
 * release: y > 1e-9; NaN compares unequal, as in the reference where NaN ends nothing).
 */
@inline function envNext(s: i64, y: f64, sus: f64): i64 {
  if (s == ATTACK) return y == 1 ? DECAY : ATTACK;
  if (s == DECAY) return y == sus ? SUSTAIN : DECAY;
  if (s == RELEASE) return y == 0 ? IDLE : RELEASE;
  return s;
}

/**
 * adsr (linear) of pair q, in place on vBuf: x = gain · fround(filtered · y), the bus term. The
 * stages are two scalars: when they agree (the common case) one step of that stage serves both
 * lanes; when they differ, a step of each stage is computed for both lanes and each lane takes
 * its own (2 steps and a shuffle, not the select of every stage).
 */
function envPass(q: i32, buf: usize, start: i32, end: i32): void {
  const o = <usize>(q * 16);
  const stP = fp(F_ENV_STAGE) + o;
  let s0 = load<i64>(stP);
  let s1 = load<i64>(stP, 8);
  let y = load<v128>(fp(F_ENV_LEVEL) + o);
  const relStep = load<v128>(fp(F_ENV_REL_STEP) + o);
  const gain = load<v128>(fp(F_GAIN) + o);
  const sus = kv(K_SUSTAIN);
  const susS = kc(K_SUSTAIN);
  const endEps = kv(K_END_EPS);
  const susEnd = f64x2.add(sus, endEps);
  const attackEnd = f64x2.sub(f64x2.splat(1.0), endEps);
  const attackStep = kv(K_ATTACK_STEP);
  const decayStep = kv(K_DECAY_STEP);
  const general = forceGeneralEnv;
  for (let i = start; i < end; i++) {
    if (s0 == s1 && !general) {
      // Both lanes in one stage: envSeg written out with its end masks at hand.
      if (s0 == SUSTAIN) {
        y = sus;
      } else if (s0 == ATTACK) {
        y = f64x2.add(y, attackStep);
        const done = f64x2.ge(y, attackEnd);
        if (v128.any_true(done)) {
          y = v128.bitselect(f64x2.splat(1.0), y, done);
          if (i64x2.extract_lane(done, 0) != 0) s0 = DECAY;
          if (i64x2.extract_lane(done, 1) != 0) s1 = DECAY;
        }
      } else if (s0 == DECAY) {
        const yd = f64x2.sub(y, decayStep);
        const done = v128.or(f64x2.le(y, susEnd), f64x2.le(yd, susEnd));
        y = yd;
        if (v128.any_true(done)) {
          y = v128.bitselect(sus, yd, done);
          if (i64x2.extract_lane(done, 0) != 0) s0 = SUSTAIN;
          if (i64x2.extract_lane(done, 1) != 0) s1 = SUSTAIN;
        }
      } else if (s0 == RELEASE) {
        const yr = f64x2.sub(y, relStep);
        const done = f64x2.le(yr, endEps);
        y = yr;
        if (v128.any_true(done)) {
          y = v128.bitselect(f64x2.splat(0.0), yr, done);
          if (i64x2.extract_lane(done, 0) != 0) s0 = IDLE;
          if (i64x2.extract_lane(done, 1) != 0) s1 = IDLE;
        }
      }
    } else {
      const y0 = envSeg(s0, y, relStep, sus, susEnd, attackEnd, endEps, attackStep, decayStep);
      const y1 = envSeg(s1, y, relStep, sus, susEnd, attackEnd, endEps, attackStep, decayStep);
      y = f64x2.shuffle(y0, y1, 0, 3); // lane 0 from stage s0, lane 1 from stage s1
      s0 = envNext(s0, f64x2.extract_lane(y, 0), susS);
      s1 = envNext(s1, f64x2.extract_lane(y, 1), susS);
    }
    const bp = buf + <usize>(i << 4);
    store<v128>(bp, f64x2.mul(gain, fround2(f64x2.mul(load<v128>(bp), y))));
  }
  store<i64>(stP, s0);
  store<i64>(stP, s1, 8);
  store<v128>(fp(F_ENV_LEVEL) + o, y);
}

/** Bus: mix[i] = fround(fround(mix[i] + x0[i]) + x1[i]) (voice 2q, then 2q+1), 2 samples per vector. */
function busPass(q: i32, buf: usize, start: i32, end: i32): void {
  if (2 * q >= voices) return; // padding pair
  const twoLanes = 2 * q + 1 < voices;
  let i = start;
  if (twoLanes) {
    for (; i + 1 < end; i += 2) {
      const a = load<v128>(buf + <usize>(i << 4)); // (voice 2q, voice 2q+1) at sample i
      const b = load<v128>(buf + <usize>((i + 1) << 4)); // ... at sample i + 1
      const mp = mixPtr + <usize>(i << 2);
      let t = f64x2.promote_low_f32x4(v128.load64_zero(mp)); // (mix[i], mix[i+1])
      t = fround2(f64x2.add(t, f64x2.shuffle(a, b, 0, 2)));
      v128.store64_lane(mp, f32x4.demote_f64x2_zero(f64x2.add(t, f64x2.shuffle(a, b, 1, 3))), 0);
    }
  }
  for (; i < end; i++) {
    const c = load<v128>(buf + <usize>(i << 4));
    const mp = mixPtr + <usize>(i << 2);
    let t = <f64>load<f32>(mp);
    t = <f64><f32>(t + f64x2.extract_lane(c, 0));
    if (twoLanes) t = <f64><f32>(t + f64x2.extract_lane(c, 1));
    store<f32>(mp, <f32>t);
  }
}

/** out.ts: level, centre pan, non-finite guard, linked peak limiter, soft clipper (scalar). */
function outStage(start: i32, end: i32): void {
  const level = kc(K_OUT_LEVEL);
  const gl = kc(K_PAN_LEFT);
  const gr = kc(K_PAN_RIGHT);
  const rho = kc(K_RELEASE_COEF);
  const snap = kc(K_REDUCTION_SNAP);
  const threshold = kc(K_THRESHOLD);
  const knee = threshold;
  const span = 1 - knee;
  const maxOut = kc(K_MAX_OUT);
  let r = reduction;
  for (let i = start; i < end; i++) {
    const m = <f64>load<f32>(mixPtr + <usize>(i << 2)) * level;
    let l = m * gl;
    let rr = m * gr;
    if (l - l != 0) {
      l = 0;
      nonFinite++;
    }
    if (rr - rr != 0) {
      rr = 0;
      nonFinite++;
    }
    r *= rho;
    if (r < snap) r = 0;
    const al = l < 0 ? -l : l;
    const ar = rr < 0 ? -rr : rr;
    const peak = al > ar ? al : ar;
    let g = 1 - r;
    if (peak * g > threshold) {
      g = threshold / peak;
      r = 1 - g;
    }
    if (r != 0) {
      limited++;
      l *= g;
      rr *= g;
    }
    const aL = l < 0 ? -l : l;
    if (aL > knee) {
      const u = (aL - knee) / span;
      let c = knee + (span * u) / (1 + u);
      if (c > maxOut) c = maxOut;
      l = l < 0 ? -c : c;
    }
    const aR = rr < 0 ? -rr : rr;
    if (aR > knee) {
      const u = (aR - knee) / span;
      let c = knee + (span * u) / (1 + u);
      if (c > maxOut) c = maxOut;
      rr = rr < 0 ? -c : c;
    }
    store<f32>(leftPtr + <usize>(i << 2), <f32>l);
    store<f32>(rightPtr + <usize>(i << 2), <f32>rr);
  }
  reduction = r;
}

// ---- Primitive checks (the runner compares these with the JS definitions, value by value) ----
/** jsRound2 on lane 0 (Math.round emulation). */
export function testRound(x: f64): f64 {
  return f64x2.extract_lane(jsRound2(f64x2.splat(x)), 0);
}
/** fround2 on lane 1 (Math.fround emulation). */
export function testFround(x: f64): f64 {
  return f64x2.extract_lane(fround2(f64x2.replace_lane(f64x2.splat(0), 1, x)), 1);
}
/** sinTurns2 on lane 0 (lib/fast-math.ts sinTurnsApprox); constants must be set. */
export function testSin(x: f64): f64 {
  return f64x2.extract_lane(sinTurns2(f64x2.splat(x)), 0);
}
/** The filter's 2^x on lane 1 (lib/fast-math.ts exp2Approx, as filterControl computes it). */
export function testExp2(x0: f64): f64 {
  let x = f64x2.splat(x0);
  const range = kv(K_EXP2_RANGE);
  x = v128.bitselect(x, f64x2.neg(range), f64x2.gt(x, f64x2.neg(range)));
  x = v128.bitselect(range, x, f64x2.gt(x, range));
  const e = jsRound2(x);
  const f = f64x2.sub(x, e);
  let pe = f64x2.add(kv(K_EXP2_C1 + 5), f64x2.mul(f, kv(K_EXP2_C1 + 6)));
  pe = f64x2.add(kv(K_EXP2_C1 + 4), f64x2.mul(f, pe));
  pe = f64x2.add(kv(K_EXP2_C1 + 3), f64x2.mul(f, pe));
  pe = f64x2.add(kv(K_EXP2_C1 + 2), f64x2.mul(f, pe));
  pe = f64x2.add(kv(K_EXP2_C1 + 1), f64x2.mul(f, pe));
  pe = f64x2.add(kv(K_EXP2_C1), f64x2.mul(f, pe));
  pe = f64x2.add(f64x2.splat(1.0), f64x2.mul(f, pe));
  const e1 = <i32>f64x2.extract_lane(e, 1) + EXP2_RANGE_I;
  return f64x2.extract_lane(pe, 1) * load<f64>(exp2Ptr + <usize>(e1 << 3));
}
