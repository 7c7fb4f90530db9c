// filter's layout, shared by the JS kernel (filter.ts), its batch host (filter-batch.ts) and its
// batch kernel (wasm/filter.ts): the state array's slots, the control period, the input
// indices, the per-lane batch params and the batch constants. A layout file: compiled by tsc
// AND by asc, so it holds only `export const NAME = <integer expression of earlier names>;`
// lines and imports nothing (asc wants import paths without `.js`, tsc with);
// test/dsp/batch-layout.test.ts checks that form and the values that mirror other files.

// ---- state (f64 slots of FilterKernel.state) ----
export const S_IC1 = 0;
export const S_IC2 = 1;
/** Position in the control period, 0..CONTROL_PERIOD − 1 (0 = control point at this sample). */
export const S_PHASE = 2;
/**
 * Update coefficients b11 = 2a1 − 1, b12 = 2a2, b20 = 2a3, each as (start = the previous
 * control point's target, per-sample increment, target); b22 = 1 − b20 per sample.
 */
export const S_B11 = 3;
export const S_DB11 = 4;
export const S_B11T = 5;
export const S_B12 = 6;
export const S_DB12 = 7;
export const S_B12T = 8;
export const S_B20 = 9;
export const S_DB20 = 10;
export const S_B20T = 11;
/** k (for the hp/bp/notch output mix): start, increment, target. */
export const S_K0 = 12;
export const S_DK = 13;
export const S_KT = 14;
/** g = tan(π·fc/fs) of the latest control point. */
export const S_GT = 15;
/** 1 after the first control point (the first one starts without interpolation). */
export const S_READY = 16;
/** Effective cutoff (Hz) and q that the targets were computed from: unchanged values skip tan/div. */
export const S_FC = 17;
export const S_Q = 18;
export const STATE_SIZE = 19;

/** Samples between control points (a power of two). */
export const CONTROL_PERIOD = 16;

// ---- spec input indices used by the batch kernel (filter.ts's spec order) ----
export const INPUT_IN = 0;
export const INPUT_FM = 1;

// ---- per-lane batch params (slots of a lane record's param area, src/dsp/batch.ts) ----
export const LANE_CUTOFF = 0;
export const LANE_Q = 1;
/** Mode index 0..3 (lp, hp, bp, notch). */
export const LANE_MODE = 2;
/** Output mix of the mode: m0 (v0), s1 (sign of k·v1), m2 (v2). */
export const LANE_M0 = 3;
export const LANE_S1 = 4;
export const LANE_M2 = 5;

// ---- batch constants (f64 index from the kernel's constants, written once by the host) ----
export const K_PI_OVER_FS = 0;
export const K_MAX_CUTOFF = 1;
export const K_MIN_CUTOFF = 2;
export const K_MIN_Q = 3;
export const K_DENORMAL = 4;
export const K_INV_CONTROL_PERIOD = 5;
export const K_EXP2_RANGE = 6;
/** lib/fast-math.ts EXP2_C1 … EXP2_C7 at K_EXP2_C1 … K_EXP2_C1 + 6. */
export const K_EXP2_C1 = 7;
/** lib/fast-math.ts EXP2_INT: 2^n at K_EXP2_INT + n + EXP2_RANGE. */
export const K_EXP2_INT = K_EXP2_C1 + 7;
/**
 * Entries of EXP2_INT: EXP2_INT_SIZE of lib/fast-math.layout.ts, restated because a layout file
 * cannot import another (checked by test/dsp/batch-layout.test.ts).
 */
export const EXP2_TABLE_SIZE = 129;
export const K_COUNT = K_EXP2_INT + EXP2_TABLE_SIZE;
