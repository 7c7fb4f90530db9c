// Deterministic 32-bit PRNG for noise sources and sample-and-hold, as plain functions on a
// state value (a uint32 held in a double, so it can live in a kernel's Float64Array state).
//
// Generator: a Weyl sequence (state += golden-ratio gamma, mod 2^32) whose values are
// scrambled by the MurmurHash3 32-bit finaliser (A. Appleby, MurmurHash3, 2011), the same
// construction as SplitMix (G. Steele, D. Lea, C. Flood, "Fast splittable pseudorandom number
// generators", OOPSLA 2014) at 32 bits. Period 2^32, every state (including 0) is valid.
// Pure integer ops (Math.imul, >>>), no allocation.
//
// Hot loops use the array forms (`fillBipolar`, `stepHeldBipolar`): they take and return no
// doubles and call nothing, so they never box a number even when the JIT runs out of inlining
// budget (a non-inlined call returning a double or a uint32 ≥ 2^30 allocates a heap number).
// The scalar forms are for construction-time code and for reference in tests.

const GAMMA = 0x9e3779b9;
const TWO_POW_M31 = 1 / 2147483648;
const TWO_POW_M32 = 1 / 4294967296;

/** MurmurHash3 fmix32: a bijective avalanche mix of a uint32. Returns a uint32. */
export function mix32(x: number): number {
  let h = x | 0;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/** Initial state from any seed number (integers up to 2^53 keep all their bits). */
export function seedState(seed: number): number {
  const lo = seed >>> 0;
  const hi = Math.floor(seed / 4294967296) >>> 0;
  return mix32(lo ^ mix32(hi ^ 0x5bd1e995)) >>> 0;
}

/** Advances the state by one step. */
export function nextState(state: number): number {
  return (state + GAMMA) >>> 0;
}

/** The output for a state as a double in [-1, 1) (uniform, 2^32 levels). */
export function bipolar(state: number): number {
  return (mix32(state) | 0) * TWO_POW_M31;
}

/** The output for a state as a double in [0, 1). */
export function unipolar(state: number): number {
  return mix32(state) * TWO_POW_M32;
}

/**
 * Writes out[i] = bipolar(state after i - from + 1 steps) for i in [from, to), advancing the
 * state held in buf[stateIndex]: the same sequence as nextState/bipolar.
 */
export function fillBipolar(buf: Float64Array, stateIndex: number, out: Float64Array, from: number, to: number): void {
  let s = buf[stateIndex];
  for (let i = from; i < to; i++) {
    s = (s + GAMMA) >>> 0;
    let h = s | 0;
    h ^= h >>> 16;
    h = Math.imul(h, 0x85ebca6b);
    h ^= h >>> 13;
    h = Math.imul(h, 0xc2b2ae35);
    h ^= h >>> 16;
    out[i] = h * TWO_POW_M31;
  }
  buf[stateIndex] = s;
}

/**
 * Advances the state in buf[stateIndex] by `steps` (an integer ≥ 0, < 2^31) and, when it
 * moved, stores the new bipolar output in buf[heldIndex]. The generator is additive (state +
 * steps·GAMMA mod 2^32), so one call with `steps` = n leaves the same state and held value as n
 * calls with 1. Branch-free, so a per-sample call has no rarely-taken code.
 */
export function stepHeldBipolar(buf: Float64Array, stateIndex: number, heldIndex: number, steps: number): void {
  const s = (buf[stateIndex] + Math.imul(steps, GAMMA)) >>> 0;
  buf[stateIndex] = s;
  let h = s | 0;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  const drawn = h * TWO_POW_M31;
  buf[heldIndex] = steps !== 0 ? drawn : buf[heldIndex];
}
