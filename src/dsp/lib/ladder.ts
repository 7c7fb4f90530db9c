// Four-pole ladder cores (transistor "Moog" ladder and diode "TB-303" ladder), zero-delay
// feedback with saturating stages, shared by the `ladder` and `acid` modules.
//
// Method: topology-preserving transform (trapezoidal integrators, cutoff prewarped), the
// instantaneous feedback loop solved per sample (V. Zavalishin, "The Art of VA Filter Design",
// rev. 2.1, ch. 5 "Ladder filter": 5.1-5.5 transistor ladder, 5.10 diode ladder; ch. 6
// nonlinear structures). Each integrator: y = s + g·f (f its input), then s ← 2y − s, where
// g = tan(π·fc/fs) for the transistor ladder.
//
// Transistor ladder (A. Huovilainen, "Non-linear digital implementation of the Moog ladder
// filter", DAFx-04; T. Stinchcombe, "Analysis of the Moog transistor ladder and derivative
// filters", 2008): with ωc the cutoff and u = x − k·fb the stage-1 input,
//   ẏ1 = ωc·(tanh u − tanh y1),  ẏn = ωc·(tanh y(n−1) − tanh yn)  (n = 2..4),
// output y4. Small-signal: H(s) = 1 / ((1 + s/ωc)^4 + k): |H(jωc)| = 1/4 (−12.04 dB) at k = 0,
// self-oscillation at ωc for k = 4.
//
// Diode ladder (Zavalishin 5.10; W. Pirkle's application note on the VA diode ladder filter,
// willpirkle.com; T. Stinchcombe's analysis of the TB-303 diode ladder, timstinchcombe.co.uk,
// "diode ladder filters"): four capacitor voltages coupled by diode pairs, each pair's current
// tanh of the voltage across it, the top capacitor half the value of the others:
//   ẏ1 = ωc·(tanh(u − y1) − tanh(y1 − y2))
//   ẏ2 = ωc·(tanh(y1 − y2) − tanh(y2 − y3))
//   ẏ3 = ωc·(tanh(y2 − y3) − tanh(y3 − y4))
//   ẏ4 = 2ωc·tanh(y3 − y4)
// Small-signal: DC gain 1/(1 + k); the loop phase reaches −180° at ω = √2·ωc, where the loop
// gain is 1/17: self-oscillation at √2·ωc for k = 17 (the threshold Pirkle's implementation
// documents, e.g. Csound's diode_ladder opcode: "self-oscillation occurs at 17"). The
// caller passes g = tan(π·fc/fs)/√2, which puts the resonance exactly at fc.
// This is the small-signal transfer function of the TB-303 model by "mystran" and "kunn" (KVR
// forum thread "Diode ladder filter", t=346155, p. 40) that R. Schmidt's Open303 uses
// (rosic::TeeBeeFilter, mode TB_303: k → 17 at low cutoff, cutoff scaled by 1/√2): the two
// state-variable sets differ by a change of variables (same H(s), checked numerically).
//
// Nonlinear solution ("linearised tanh", T. Voipio (mystran), "Cheap non-linear zero-delay
// filters", KVR forum 2012; Zavalishin ch. 6): every tanh(v) is replaced by v·T(v̂), with
// T(v) = tanh(v)/v evaluated at an estimate v̂ from the integrator states (the TPT state s is
// the prediction of the stage output before this sample's input). The loop is then linear for
// this sample and solved in closed form: one division per stage and one for the loop, no
// iteration. Iterating the estimates to convergence (the exact trapezoidal solution) moves the
// self-oscillation frequency at res 1.02 by under 0.05 % (transistor) and 1.2 % (diode, at
// 5 kHz; the one-pass result is the closer to fc), measured from 200 Hz to 5 kHz: one pass.
//
// Feedback high-pass (the 303's coupling capacitor in the resonance path; optional): the
// fed-back signal is fb = HP(y4), a one-pole TPT high-pass inside the loop, solved with it.
// `cfg` holds its coefficients (LADDER_CFG_*); zero cutoff (gh = 0, hc = 1) is a plain wire.
//
// Calling convention (see src/dsp/modules/osc.ts): no double crosses these calls; per-sample
// values travel in Float64Arrays: x (the loop input, already scaled by the caller's drive and
// passband compensation), g (prewarped integrator gain), k (feedback gain), y (output y4).
// Render thread; no allocation. States below 1e-30 (and NaN) are flushed to 0 every sample,
// so decaying tails never go subnormal and a NaN does not stick.

/** State slots from `at`: the four stage integrators and the feedback high-pass. */
export const LADDER_S1 = 0;
export const LADDER_S2 = 1;
export const LADDER_S3 = 2;
export const LADDER_S4 = 3;
export const LADDER_SH = 4;
export const LADDER_STATE_SIZE = 5;

/** Config slots: feedback high-pass gh/(1 + gh) and 1/(1 + gh), gh = tan(π·fh/fs). */
export const LADDER_CFG_HGH = 0;
export const LADDER_CFG_HC = 1;
export const LADDER_CFG_SIZE = 2;

/** Feedback gain at the self-oscillation threshold (res 1). */
export const MOOG_K_THRESHOLD = 4;
export const DIODE_K_THRESHOLD = 17;
/** Diode ladder: g = tan(π·fc/fs)·DIODE_G_SCALE puts the resonance at fc. */
export const DIODE_G_SCALE = Math.SQRT1_2;

/**
 * T(v) = tanh(v)/v: the Lambert continued fraction of tanh cut at [7/6] for |v| < TANH_EDGE,
 * where it reaches 1, and 1/|v| beyond (tanh(v) taken as ±1). Absolute error of v·T(v) against
 * tanh(v) < 1.4e-3 everywhere (the largest at the edge); continuous at the edge.
 */
export const TANH_EDGE_SQUARED = 13.298702382666672;

/** tanh(v)/v as the hot loops compute it (definition of their inline copies; not for hot code). */
export function tanhRatio(v: number): number {
  const q = v * v;
  return q < TANH_EDGE_SQUARED ? (945 + q * (105 + q)) / (945 + q * (420 + 15 * q)) : 1 / Math.abs(v);
}

/** Local copies: V8 folds module-local constants in hot loops, not imported ones. */
const EDGE2 = 13.298702382666672;
const TINY = 1e-30;

/** Configures the feedback high-pass: cutoff fh in Hz (0 = none) at sample rate fs. */
export function setLadderFeedbackHighPass(cfg: Float64Array, fh: number, fs: number): void {
  const gh = fh > 0 ? Math.tan((Math.PI * fh) / fs) : 0;
  cfg[LADDER_CFG_HGH] = gh / (1 + gh);
  cfg[LADDER_CFG_HC] = 1 / (1 + gh);
}

/** Transistor ladder over [start, end): y[i] = y4 for the loop input x[i], gain g[i], feedback k[i]. */
export function renderMoogLadder(
  st: Float64Array,
  at: number,
  cfg: Float64Array,
  x: Float64Array,
  g: Float64Array,
  k: Float64Array,
  y: Float64Array,
  start: number,
  end: number,
): void {
  const hgh = cfg[LADDER_CFG_HGH];
  const hc = cfg[LADDER_CFG_HC];
  let s1 = st[at + LADDER_S1];
  let s2 = st[at + LADDER_S2];
  let s3 = st[at + LADDER_S3];
  let s4 = st[at + LADDER_S4];
  let sh = st[at + LADDER_SH];
  for (let i = start; i < end; i++) {
    const xi = x[i];
    const gi = g[i];
    const khc = k[i] * hc;
    // T at the estimates: stage outputs ≈ states, input ≈ x − k·HP(s4).
    const v0 = xi - khc * (s4 - sh);
    const q0 = v0 * v0;
    const t0 = q0 < EDGE2 ? (945 + q0 * (105 + q0)) / (945 + q0 * (420 + 15 * q0)) : 1 / Math.abs(v0);
    const q1 = s1 * s1;
    const t1 = q1 < EDGE2 ? (945 + q1 * (105 + q1)) / (945 + q1 * (420 + 15 * q1)) : 1 / Math.abs(s1);
    const q2 = s2 * s2;
    const t2 = q2 < EDGE2 ? (945 + q2 * (105 + q2)) / (945 + q2 * (420 + 15 * q2)) : 1 / Math.abs(s2);
    const q3 = s3 * s3;
    const t3 = q3 < EDGE2 ? (945 + q3 * (105 + q3)) / (945 + q3 * (420 + 15 * q3)) : 1 / Math.abs(s3);
    const q4 = s4 * s4;
    const t4 = q4 < EDGE2 ? (945 + q4 * (105 + q4)) / (945 + q4 * (420 + 15 * q4)) : 1 / Math.abs(s4);
    // Stage n: yn = sn + g·(t(n−1)·y(n−1) − tn·yn) = an·y(n−1) + bn.
    const d1 = 1 / (1 + gi * t1);
    const d2 = 1 / (1 + gi * t2);
    const d3 = 1 / (1 + gi * t3);
    const d4 = 1 / (1 + gi * t4);
    const a1 = gi * t0 * d1;
    const a2 = gi * t1 * d2;
    const a3 = gi * t2 * d3;
    const a4 = gi * t3 * d4;
    const b1 = s1 * d1;
    const b2 = s2 * d2;
    const b3 = s3 * d3;
    const b4 = s4 * d4;
    // y4 = A·u + B with u = x − k·hc·(y4 − sh).
    const bigA = a1 * a2 * a3 * a4;
    const bigB = a4 * (a3 * (a2 * b1 + b2) + b3) + b4;
    const y4 = (bigA * (xi + khc * sh) + bigB) / (1 + khc * bigA);
    const u = xi - khc * (y4 - sh);
    const y1 = a1 * u + b1;
    const y2 = a2 * y1 + b2;
    const y3 = a3 * y2 + b3;
    s1 = 2 * y1 - s1;
    s2 = 2 * y2 - s2;
    s3 = 2 * y3 - s3;
    s4 = 2 * y4 - s4;
    sh += 2 * hgh * (y4 - sh);
    if (!(Math.abs(s1) > TINY)) s1 = 0;
    if (!(Math.abs(s2) > TINY)) s2 = 0;
    if (!(Math.abs(s3) > TINY)) s3 = 0;
    if (!(Math.abs(s4) > TINY)) s4 = 0;
    if (!(Math.abs(sh) > TINY)) sh = 0;
    y[i] = y4;
  }
  st[at + LADDER_S1] = s1;
  st[at + LADDER_S2] = s2;
  st[at + LADDER_S3] = s3;
  st[at + LADDER_S4] = s4;
  st[at + LADDER_SH] = sh;
}

/** Diode ladder over [start, end), same contract as renderMoogLadder (g already × DIODE_G_SCALE). */
export function renderDiodeLadder(
  st: Float64Array,
  at: number,
  cfg: Float64Array,
  x: Float64Array,
  g: Float64Array,
  k: Float64Array,
  y: Float64Array,
  start: number,
  end: number,
): void {
  const hgh = cfg[LADDER_CFG_HGH];
  const hc = cfg[LADDER_CFG_HC];
  let s1 = st[at + LADDER_S1];
  let s2 = st[at + LADDER_S2];
  let s3 = st[at + LADDER_S3];
  let s4 = st[at + LADDER_S4];
  let sh = st[at + LADDER_SH];
  for (let i = start; i < end; i++) {
    const xi = x[i];
    const gi = g[i];
    const khc = k[i] * hc;
    // Diode-pair currents tn·(voltage across), T at the estimates from the states.
    const v1 = xi - khc * (s4 - sh) - s1;
    const q1 = v1 * v1;
    const t1 = q1 < EDGE2 ? (945 + q1 * (105 + q1)) / (945 + q1 * (420 + 15 * q1)) : 1 / Math.abs(v1);
    const v2 = s1 - s2;
    const q2 = v2 * v2;
    const t2 = q2 < EDGE2 ? (945 + q2 * (105 + q2)) / (945 + q2 * (420 + 15 * q2)) : 1 / Math.abs(v2);
    const v3 = s2 - s3;
    const q3 = v3 * v3;
    const t3 = q3 < EDGE2 ? (945 + q3 * (105 + q3)) / (945 + q3 * (420 + 15 * q3)) : 1 / Math.abs(v3);
    const v4 = s3 - s4;
    const q4 = v4 * v4;
    const t4 = q4 < EDGE2 ? (945 + q4 * (105 + q4)) / (945 + q4 * (420 + 15 * q4)) : 1 / Math.abs(v4);
    const c1g = gi * t1;
    const c2g = gi * t2;
    const c3g = gi * t3;
    const c4g = gi * t4;
    // Eliminate from the top: y4 = s4 + 2·G4·(y3 − y4); y3 = s3 + G3·(y2 − y3) − G4·(y3 − y4);
    // y2 = s2 + G2·(y1 − y2) − G3·(y2 − y3); y1 = s1 + G1·(u − y1) − G2·(y1 − y2);
    // each becomes yn = an·y(n−1) + bn (y0 = u).
    const e4 = 1 / (1 + 2 * c4g);
    const a4 = 2 * c4g * e4;
    const b4 = s4 * e4;
    const e3 = 1 / (1 + c3g + c4g * (1 - a4));
    const a3 = c3g * e3;
    const b3 = (s3 + c4g * b4) * e3;
    const e2 = 1 / (1 + c2g + c3g * (1 - a3));
    const a2 = c2g * e2;
    const b2 = (s2 + c3g * b3) * e2;
    const e1 = 1 / (1 + c1g + c2g * (1 - a2));
    const a1 = c1g * e1;
    const b1 = (s1 + c2g * b2) * e1;
    const bigA = a1 * a2 * a3 * a4;
    const bigB = a4 * (a3 * (a2 * b1 + b2) + b3) + b4;
    const y4 = (bigA * (xi + khc * sh) + bigB) / (1 + khc * bigA);
    const u = xi - khc * (y4 - sh);
    const y1 = a1 * u + b1;
    const y2 = a2 * y1 + b2;
    const y3 = a3 * y2 + b3;
    s1 = 2 * y1 - s1;
    s2 = 2 * y2 - s2;
    s3 = 2 * y3 - s3;
    s4 = 2 * y4 - s4;
    sh += 2 * hgh * (y4 - sh);
    if (!(Math.abs(s1) > TINY)) s1 = 0;
    if (!(Math.abs(s2) > TINY)) s2 = 0;
    if (!(Math.abs(s3) > TINY)) s3 = 0;
    if (!(Math.abs(s4) > TINY)) s4 = 0;
    if (!(Math.abs(sh) > TINY)) sh = 0;
    y[i] = y4;
  }
  st[at + LADDER_S1] = s1;
  st[at + LADDER_S2] = s2;
  st[at + LADDER_S3] = s3;
  st[at + LADDER_S4] = s4;
  st[at + LADDER_SH] = sh;
}
