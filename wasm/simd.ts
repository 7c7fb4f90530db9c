// f64x2 helpers the batch kernels share (AssemblyScript; inlined at every use). The bit-identity
// recipes behind them: docs/batch-kernels.md ("Bit identity").

/** The vector (a, b). */
@inline export function vec(a: f64, b: f64): v128 {
  return f64x2.replace_lane(f64x2.splat(a), 1, b);
}

/** Math.round per lane (ties toward +∞), exactly: nearest, + 1 on a .5 tie (a select, so −0 stays −0). */
@inline export function jsRound2(x: v128): v128 {
  const n = f64x2.nearest(x);
  const tie = f64x2.eq(f64x2.sub(x, n), f64x2.splat(0.5));
  return v128.bitselect(f64x2.add(n, f64x2.splat(1.0)), n, tie);
}
