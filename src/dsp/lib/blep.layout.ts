// The BLEP/BLAMP ring and table geometry (lib/blep.ts builds the tables; osc.ts and its batch
// kernel wasm/osc.ts index them). A layout file: compiled by tsc AND by asc (AssemblyScript), so
// it holds only `export const NAME = <integer expression of earlier names>;` lines and imports
// nothing (asc wants import paths without `.js`, tsc with). test/dsp/batch-layout.test.ts
// checks that form.

/** Samples of correction before and after an event; the ring's fixed latency. */
export const BLEP_HALF = 8;
/** Ring slots and table taps per row. */
export const BLEP_TAPS = 2 * BLEP_HALF;
export const BLEP_MASK = BLEP_TAPS - 1;
/** Table rows per sample of the event's fractional position tau; a table has PHASES + 1 rows. */
export const BLEP_PHASES = 32;
/** f64 values in one table (BLEP_TABLE, BLAMP_TABLE). */
export const BLEP_TABLE_SIZE = (BLEP_PHASES + 1) * BLEP_TAPS;
