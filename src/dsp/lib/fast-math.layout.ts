// fast-math.ts's exp2 table geometry, shared with the filter's batch kernel (wasm/filter.ts).
// A layout file: compiled by tsc AND by asc, so it holds only `export const NAME = <integer
// expression of earlier names>;` lines and imports nothing (asc wants import paths without
// `.js`, tsc with); test/dsp/batch-layout.test.ts checks that form.

/** |x| beyond which 2^x is clamped (far beyond any cutoff clamp: 2^64). */
export const EXP2_RANGE = 64;
/** Entries of EXP2_INT: 2^n for n = −EXP2_RANGE … EXP2_RANGE. */
export const EXP2_INT_SIZE = 2 * EXP2_RANGE + 1;
