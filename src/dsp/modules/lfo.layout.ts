// lfo's layout, shared by the JS kernel (lfo.ts), its batch host (lfo-batch.ts) and its batch
// kernel (wasm/lfo.ts): the state array's slots, the shape indices, the control period, the
// per-lane batch params and the batch constants. A layout file: compiled by tsc AND by asc, so
// it holds only `export const NAME = <integer expression of earlier names>;` lines and imports
// nothing (asc wants import paths without `.js`, tsc with); test/dsp/batch-layout.test.ts
// checks that form and the values that mirror other files.

// ---- state (f64 slots of LfoKernel.state) ----
export const S_PHASE = 0;
/** Generator state (uint32, lib/random.ts). */
export const S_RNG = 1;
/** Current sample-and-hold value. */
export const S_HELD = 2;
/** Position in the control period, 0..CONTROL_PERIOD − 1 (0 = control point at this sample). */
export const S_COUNT = 3;
/** Sine segment: value at the control point. */
export const S_SIN_A = 4;
/** Sine segment: per-sample increment. */
export const S_SIN_D = 5;
/** Sine segment: target (the value CONTROL_PERIOD samples after the control point). */
export const S_SIN_B = 6;
/** Phase at the latest control point. */
export const S_CP_PHASE = 7;
/** Phase increment at the latest control point. */
export const S_CP_INC = 8;
/** 1 when the latest control point fell in a run of another shape. */
export const S_STALE = 9;
/**
 * Smooth shape: the value the next wrap will hold (the generator's next draw); written and read
 * by the JS kernel's smooth runs only (the batch kernel never renders smooth).
 */
export const S_SMOOTH_NEXT = 10;
export const STATE_SIZE = 11;

// ---- shape param indices (LFO_SHAPES in lfo.ts) ----
export const SHAPE_SINE = 0;
export const SHAPE_TRIANGLE = 1;
export const SHAPE_SQUARE = 2;
export const SHAPE_SAW = 3;
export const SHAPE_SH = 4;
/** Smoothstep-interpolated random (JS kernel only: the batch kernel declines it). */
export const SHAPE_SMOOTH = 5;
export const SHAPE_COUNT = 6;

/** Samples between sine control points (a power of two; the counter wraps with a mask). */
export const CONTROL_PERIOD = 16;

// ---- per-lane batch params (slots of a lane record's param area, src/dsp/batch.ts) ----
/** Shape index 0..4 (never SHAPE_SMOOTH: declined), as enumIndexAt gives it. */
export const LANE_SHAPE = 0;
/** Phase increment per sample: rate · (1 / sampleRate), as lfo.ts computes it. */
export const LANE_INC = 1;
export const LANE_DEPTH = 2;
export const LANE_OFFSET = 3;

// ---- batch constants (f64 index from the kernel's constants, written once by the host) ----
export const K_TWO_PI = 0;
/** lib/fast-math.ts SIN_S3 … SIN_S15 at K_SIN_S3 … K_SIN_S3 + 6. */
export const K_SIN_S3 = 1;
export const K_INV_CONTROL_PERIOD = K_SIN_S3 + 7;
export const K_CONTROL_PERIOD = K_INV_CONTROL_PERIOD + 1;
export const K_COUNT = K_CONTROL_PERIOD + 1;
