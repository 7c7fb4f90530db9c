// Helpers for enum params (waveform, colour, shape). The engine applies enum changes at an exact
// sample (smoothingMs 0), so a non-constant enum param is a buffer of label indices that may
// change mid-block; kernels render each run of equal values with a specialised loop.
// Both return small integers (never boxed, even when not inlined).

import type { ParamSignal } from '../kernel.js';

/** End (exclusive) of the run of samples starting at `from` that hold the same value. */
export function enumRunEnd(param: ParamSignal, from: number, end: number): number {
  if (param.isConstant) return end;
  const b = param.buffer;
  const v = b[from];
  let i = from + 1;
  while (i < end && b[i] === v) i++;
  return i;
}

/** The label index at sample `i`, rounded and clamped to [0, count - 1]. */
export function enumIndexAt(param: ParamSignal, i: number, count: number): number {
  const v = Math.round(param.isConstant ? param.value : param.buffer[i]);
  return v >= 0 ? (v < count ? v | 0 : count - 1) : 0;
}
