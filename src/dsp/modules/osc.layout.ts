// osc's layout, shared by the JS kernel (osc.ts), its batch host (osc-batch.ts) and its batch
// kernel (wasm/osc.ts): the state array's slots, the per-lane batch params, the batch
// constants and the waveform indices. A layout file: compiled by tsc AND by asc, so it holds
// only `export const NAME = <integer expression of earlier names>;` lines and imports nothing
// (asc wants import paths without `.js`, tsc with); test/dsp/batch-layout.test.ts checks that
// form and the values that mirror other files.

// ---- state (f64 slots of OscKernel.state) ----
/** Main phase in [0, 1). */
export const S_PHASE = 0;
/** Pulse: phase of the subtracted saw, tracks phase − pw (mod 1). */
export const S_PHASE_B = 1;
/** Pulse: pw of the previous sample. */
export const S_PW_PREV = 2;
/** Waveform of the previous run (−1 before the first sample). */
export const S_WAVE = 3;
/** Detune value the cached factor belongs to. */
export const S_DETUNE = 4;
/** 2^(detune/1200) for S_DETUNE. */
export const S_FACTOR = 5;
/** Ring slot of the next sample to generate. */
export const S_POS = 6;
/** Phase increment of the current call when it is constant (scratch). */
export const S_DT = 7;
/** tau, amount of the event being added (scratch for lib/blep.ts addResidual). */
export const S_EVENT = 8;
/** BLEP_TAPS (lib/blep.layout.ts) slots: output accumulated ahead of time. */
export const S_RING = 10;
// After the ring: the hard-sync slots of osc-sync.ts (JS only; the batch kernel ignores them).

// ---- waveform param indices (OSC_WAVEFORMS in osc.ts) ----
export const WAVE_SINE = 0;
export const WAVE_SAW = 1;
export const WAVE_SQUARE = 2;
export const WAVE_TRIANGLE = 3;

// ---- spec input index used by the batch kernel (osc.ts's spec order) ----
export const INPUT_FM = 0;
/** Pitch in octaves and hard sync: JS path only (the batch kernel declines them, osc-batch.ts). */
export const INPUT_PITCH = 1;
export const INPUT_SYNC = 2;

// ---- per-lane batch params (slots of a lane record's param area, src/dsp/batch.ts) ----
/** Waveform index (1 saw, 2 square, 3 triangle; 0 sine is never accepted). */
export const LANE_WAVE = 0;
/** The limited constant increment osc.ts stores in S_DT when fm is not connected. */
export const LANE_DT = 1;
/** freq · factor (the increment before fm and 1/fs), for a connected fm. */
export const LANE_F = 2;
export const LANE_GAIN = 3;
export const LANE_PW = 4;
/** S_DETUNE and S_FACTOR after osc.ts's computeIncrements. */
export const LANE_DETUNE = 5;
export const LANE_FACTOR = 6;

// ---- batch constants (f64 index from the kernel's constants, written once by the host) ----
/**
 * f64 values per residual table: BLEP_TABLE_SIZE of lib/blep.layout.ts, restated because a
 * layout file cannot import another (checked by test/dsp/batch-layout.test.ts).
 */
export const TABLE_SIZE = 528;
export const K_BLEP = 0;
export const K_BLAMP = K_BLEP + TABLE_SIZE;
export const K_INV_SAMPLE_RATE = K_BLAMP + TABLE_SIZE;
export const K_COUNT = K_INV_SAMPLE_RATE + 1;
