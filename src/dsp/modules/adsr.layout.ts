// adsr's layout, shared by the JS kernel (adsr.ts), its batch host (adsr-batch.ts) and its batch
// kernel (wasm/adsr.ts): the state array's slots, the stage codes stored in it, the per-lane
// batch params and the batch constants. A layout file: compiled by tsc AND by asc, so it holds
// only `export const NAME = <integer expression of earlier names>;` lines and imports nothing
// (asc wants import paths without `.js`, tsc with); test/dsp/batch-layout.test.ts checks that
// form and the values that mirror other files.

// ---- state (f64 slots of AdsrKernel.state) ----
/** One of the STAGE_* codes. */
export const S_STAGE = 0;
export const S_LEVEL = 1;
/** Level at gate-off. */
export const S_REL_START = 2;
/** Linear: per-sample increment; exp: the coefficient c. */
export const S_STEP = 3;
/** Exp: overshoot target b'. */
export const S_OVER = 4;
/** Time param (ms) the current segment was built with; −1 = rebuild at the next sample. */
export const S_SEG_TIME = 5;
export const S_SEG_SUSTAIN = 6;
export const S_SEG_CURVE = 7;
/** Peak level of the current note: the gate's velocity in (0, 1] (1 before any gate). */
export const S_PEAK = 8;
export const STATE_SIZE = 9;

// ---- stage codes (state[S_STAGE]) ----
export const STAGE_IDLE = 0;
export const STAGE_ATTACK = 1;
export const STAGE_DECAY = 2;
export const STAGE_SUSTAIN = 3;
export const STAGE_RELEASE = 4;

// ---- spec input index used by the batch kernel (adsr.ts's spec order) ----
export const INPUT_IN = 0;

// ---- per-lane batch params (slots of a lane record's param area, src/dsp/batch.ts) ----
export const LANE_ATTACK = 0;
export const LANE_DECAY = 1;
export const LANE_SUSTAIN = 2;
export const LANE_RELEASE = 3;
export const LANE_CURVE = 4;
/** The instance's samples per ms (sampleRate / 1000, as the kernel computes it). */
export const LANE_SPM = 5;
/** Exp curve: Math.exp of the attack / decay / release rebuild of this call (host; 0 if none). */
export const LANE_EXP_A = 6;
export const LANE_EXP_D = 7;
export const LANE_EXP_R = 8;

// ---- batch constants (f64 index from the kernel's constants, written once by the host) ----
export const K_END_EPS = 0;
export const K_RATIO_ATTACK = 1;
export const K_RATIO_DR = 2;
export const K_COUNT = 3;
