// Trigger inputs as signals (spec.ts, VOICE_PORTS): a sample > 0 after a sample ≤ 0 is a rising
// edge on that exact sample, and its value, clamped to 1, is the hit's velocity. The previous
// sample is kept in the kernel's state, so an edge that straddles two process calls is found
// like any other (block-size invariant).
//
// Render thread; no allocation. Takes and returns no doubles (arrays and integer indices only),
// so a call V8 does not inline boxes nothing.

/**
 * Scans input[from, end) for the first rising edge. Returns its index (and stores its velocity,
 * min(value, 1), in st[velocityIndex]), or `end` when there is none. st[prevIndex] holds the
 * sample before `from` and is left holding the last sample scanned (the edge's, when found).
 * A NaN sample is neither > 0 nor ≤ 0: it starts no edge and the next sample cannot start one.
 */
export function scanRisingEdge(
  input: Float32Array,
  st: Float64Array,
  prevIndex: number,
  velocityIndex: number,
  from: number,
  end: number,
): number {
  let prev = st[prevIndex];
  for (let i = from; i < end; i++) {
    const x = input[i];
    if (x > 0 && prev <= 0) {
      st[prevIndex] = x;
      st[velocityIndex] = x < 1 ? x : 1;
      return i;
    }
    prev = x;
  }
  st[prevIndex] = prev;
  return end;
}
