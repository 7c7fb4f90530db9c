// Entry point of dist/wasm/kernels.wasm: the SIMD batch kernels (AssemblyScript, f64x2), one
// module type per file. Built by scripts/build-wasm.sh; loaded by src/dsp/lib/wasm-arena.ts.
// Not part of tsc's build (tsconfig includes src/, test/, bench/ only).

export { filterConstCount, filterRun } from './filter';
export { oscConstCount, oscRun } from './osc';
export { lfoConstCount, lfoRun } from './lfo';
export { adsrConstCount, adsrRun } from './adsr';
export { sendRun } from './send';
