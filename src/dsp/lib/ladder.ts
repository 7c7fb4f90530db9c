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
// `cfg` holds its coefficients (configureLadder); cutoff 0 (gh = 0, hc = 1) is a plain wire.
//
// Calling convention (see src/dsp/modules/osc.ts): no double crosses these calls; per-sample
// values travel in Float64Arrays: x (the loop input, already scaled by the caller's drive and
// passband compensation), g (prewarped integrator gain), k (feedback gain), y (output y4).
// Render thread; no allocation. States below 1e-30 (and NaN) are flushed to 0 every sample,
// so decaying tails never go subnormal and a NaN does not stick.

import type { ParamSignal } from '../kernel.js';
import {
  EXP2_C1 as LIB_C1,
  EXP2_C2 as LIB_C2,
  EXP2_C3 as LIB_C3,
  EXP2_C4 as LIB_C4,
  EXP2_C5 as LIB_C5,
  EXP2_C6 as LIB_C6,
  EXP2_C7 as LIB_C7,
  EXP2_INT as LIB_EXP2_INT,
  EXP2_RANGE as LIB_EXP2_RANGE,
} from './fast-math.js';

/**
 * State slots from `at`: the four stage integrators, the feedback high-pass, and the cache of
 * renderLadderGains (the clamped cutoff its tan belongs to; 0 = none, as cutoffs are ≥ 5 Hz).
 */
export const LADDER_S1 = 0;
export const LADDER_S2 = 1;
export const LADDER_S3 = 2;
export const LADDER_S4 = 3;
export const LADDER_SH = 4;
export const LADDER_KEY_FC = 5;
export const LADDER_TAN = 6;
export const LADDER_STATE_SIZE = 7;

/**
 * Config slots (configureLadder): feedback high-pass gh/(1 + gh) and 1/(1 + gh),
 * gh = tan(π·fh/fs); π/fs; the cutoff clamp 0.45·fs.
 */
export const LADDER_CFG_HGH = 0;
export const LADDER_CFG_HC = 1;
export const LADDER_CFG_PI_OVER_FS = 2;
export const LADDER_CFG_MAX_CUTOFF = 3;
export const LADDER_CFG_SIZE = 4;
/** Cutoff clamp of renderLadderGains: [LADDER_MIN_CUTOFF_HZ, LADDER_MAX_CUTOFF_RATIO·fs]. */
export const LADDER_MIN_CUTOFF_HZ = 5;
export const LADDER_MAX_CUTOFF_RATIO = 0.45;

/** Feedback gain at the self-oscillation threshold (res 1). */
export const MOOG_K_THRESHOLD = 4;
export const DIODE_K_THRESHOLD = 17;
/** Diode ladder: g = tan(π·fc/fs)·DIODE_G_SCALE puts the resonance at fc. */
export const DIODE_G_SCALE = Math.SQRT1_2;

/**
 * T(v) = tanh(v)/v from Lambert's continued fraction of tanh cut at the [5/4] Padé form
 * v·(945 + 105v² + v⁴)/(945 + 420v² + 15v⁴) for |v| below the edge where that reaches 1,
 * and 1/|v| beyond (tanh(v) taken as ±1). Absolute error of v·T(v) against
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
const MIN_CUTOFF_HZ = 5;
const EXP2_RANGE = 64;
const EXP2_C1 = LIB_C1;
const EXP2_C2 = LIB_C2;
const EXP2_C3 = LIB_C3;
const EXP2_C4 = LIB_C4;
const EXP2_C5 = LIB_C5;
const EXP2_C6 = LIB_C6;
const EXP2_C7 = LIB_C7;
const EXP2_INT = LIB_EXP2_INT;
if (EXP2_RANGE !== LIB_EXP2_RANGE || MIN_CUTOFF_HZ !== LADDER_MIN_CUTOFF_HZ) throw new Error('ladder: constants out of sync');

/** Configures `cfg` for sample rate fs and a feedback high-pass at fh Hz (0 = none). */
export function configureLadder(cfg: Float64Array, fs: number, fh: number): void {
  const gh = fh > 0 ? Math.tan((Math.PI * fh) / fs) : 0;
  cfg[LADDER_CFG_HGH] = gh / (1 + gh);
  cfg[LADDER_CFG_HC] = 1 / (1 + gh);
  cfg[LADDER_CFG_PI_OVER_FS] = Math.PI / fs;
  cfg[LADDER_CFG_MAX_CUTOFF] = LADDER_MAX_CUTOFF_RATIO * fs;
}

/**
 * Integrator gains over [start, end): on entry gs[i] holds a cutoff offset in octaves, on
 * return the gain g for fc = cutoff[i] · 2^(gs[i] + mod[i]) (mod only when `modConnected`),
 * clamped to [5 Hz, 0.45·fs], g = tan(π·fc/fs), times DIODE_G_SCALE when `diode`. 2^x and tan
 * are lib/fast-math.ts's exp2Approx and tanApprox written out; tan is recomputed only when fc
 * changes (cache in the state block at `at`).
 */
export function renderLadderGains(
  st: Float64Array,
  at: number,
  cfg: Float64Array,
  cutoff: ParamSignal,
  modConnected: boolean,
  mod: Float32Array,
  diode: boolean,
  gs: Float64Array,
  start: number,
  end: number,
): void {
  const cutoffConst = cutoff.isConstant;
  const cutoffValue = cutoff.value;
  const cutoffBuf = cutoff.buffer;
  const piOverFs = cfg[LADDER_CFG_PI_OVER_FS];
  const maxCutoff = cfg[LADDER_CFG_MAX_CUTOFF];
  const scale = diode ? DIODE_G_SCALE : 1;
  let keyFc = st[at + LADDER_KEY_FC];
  let tanG = st[at + LADDER_TAN];
  for (let i = start; i < end; i++) {
    let oct = modConnected ? gs[i] + mod[i] : gs[i];
    if (!(oct > -EXP2_RANGE)) oct = -EXP2_RANGE; // also catches NaN
    else if (oct > 20) oct = 20;
    const e = Math.round(oct);
    const f = oct - e;
    let fc = (cutoffConst ? cutoffValue : cutoffBuf[i]) * (1 + f * (EXP2_C1 + f * (EXP2_C2 + f * (EXP2_C3 + f * (EXP2_C4 + f * (EXP2_C5 + f * (EXP2_C6 + f * EXP2_C7))))))) * EXP2_INT[e + EXP2_RANGE];
    if (!(fc > MIN_CUTOFF_HZ)) fc = MIN_CUTOFF_HZ;
    else if (fc > maxCutoff) fc = maxCutoff;
    if (fc !== keyFc) {
      keyFc = fc;
      const w = fc * piOverFs;
      const y = w * w;
      tanG = (w * (135135 + y * (-17325 + y * (378 - y)))) / (135135 + y * (-62370 + y * (3150 - 28 * y)));
    }
    gs[i] = scale * tanG;
  }
  st[at + LADDER_KEY_FC] = keyFc;
  st[at + LADDER_TAN] = tanG;
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
    // T = n/d at the estimates: stage outputs ≈ states, input ≈ x − k·HP(s4). The fraction is
    // kept as numerator and denominator (beyond the edge 945/(945·|v|)), so no division is
    // needed here; the products below stay far inside the double range (< 1e90). Both
    // denominators are computed every sample: the edge case is rare, and code first reached
    // after the JIT compiled the loop (no type feedback) would deoptimise it.
    const v0 = xi - khc * (s4 - sh);
    const q0 = v0 * v0;
    const lin0 = q0 < EDGE2;
    const n0 = lin0 ? 945 + q0 * (105 + q0) : 945;
    const d0r = 945 + q0 * (420 + 15 * q0);
    const d0c = 945 * Math.abs(v0);
    const d0 = lin0 ? d0r : d0c;
    const q1 = s1 * s1;
    const lin1 = q1 < EDGE2;
    const n1 = lin1 ? 945 + q1 * (105 + q1) : 945;
    const d1r = 945 + q1 * (420 + 15 * q1);
    const d1c = 945 * Math.abs(s1);
    const d1 = lin1 ? d1r : d1c;
    const q2 = s2 * s2;
    const lin2 = q2 < EDGE2;
    const n2 = lin2 ? 945 + q2 * (105 + q2) : 945;
    const d2r = 945 + q2 * (420 + 15 * q2);
    const d2c = 945 * Math.abs(s2);
    const d2 = lin2 ? d2r : d2c;
    const q3 = s3 * s3;
    const lin3 = q3 < EDGE2;
    const n3 = lin3 ? 945 + q3 * (105 + q3) : 945;
    const d3r = 945 + q3 * (420 + 15 * q3);
    const d3c = 945 * Math.abs(s3);
    const d3 = lin3 ? d3r : d3c;
    const q4 = s4 * s4;
    const lin4 = q4 < EDGE2;
    const n4 = lin4 ? 945 + q4 * (105 + q4) : 945;
    const d4r = 945 + q4 * (420 + 15 * q4);
    const d4c = 945 * Math.abs(s4);
    const d4 = lin4 ? d4r : d4c;
    // Stage m: ym·(1 + g·tm) = sm + g·t(m−1)·y(m−1), i.e. ym = (am·y(m−1) + bm)/em with
    // am = g·n(m−1)·dm, bm = sm·dm·d(m−1), em = d(m−1)·(dm + g·nm) (times dm·d(m−1)).
    const a1 = gi * n0 * d1;
    const a2 = gi * n1 * d2;
    const a3 = gi * n2 * d3;
    const a4 = gi * n3 * d4;
    const b1 = s1 * d1 * d0;
    const b2 = s2 * d2 * d1;
    const b3 = s3 * d3 * d2;
    const b4 = s4 * d4 * d3;
    const e1 = d0 * (d1 + gi * n1);
    const e2 = d1 * (d2 + gi * n2);
    const e3 = d2 * (d3 + gi * n3);
    const e4 = d3 * (d4 + gi * n4);
    // Every stage output is affine in u: y2·e1·e2 = a1·a2·u + h2, y3·e1·e2·e3 = a1·a2·a3·u + h3,
    // y4·e1·e2·e3·e4 = A·u + B. With u = x − k·hc·(y4 − sh), solve for y4; one division gives
    // the reciprocals of the loop denominator and of e1·e2·e3. Then y1..y3 follow from u in
    // parallel (a short dependency chain: this loop's speed is set by it).
    const a12 = a1 * a2;
    const a123 = a12 * a3;
    const bigA = a123 * a4;
    const e12 = e1 * e2;
    const e123 = e12 * e3;
    const h2 = a2 * b1 + b2 * e1;
    const h3 = a3 * h2 + b3 * e12;
    const bigB = a4 * h3 + b4 * e123;
    const loop = e123 * e4 + khc * bigA;
    const r = 1 / (e123 * loop);
    const inv123 = r * loop;
    const y4 = (bigA * (xi + khc * sh) + bigB) * (r * e123);
    const u = xi - khc * (y4 - sh);
    const y1 = (a1 * u + b1) * (inv123 * e2 * e3);
    const y2 = (a12 * u + h2) * (inv123 * e3);
    const y3 = (a123 * u + h3) * inv123;
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
    // Diode-pair currents tm·(voltage across), tm = nm/dm at the estimates from the states.
    const v1 = xi - khc * (s4 - sh) - s1;
    const q1 = v1 * v1;
    const lin1 = q1 < EDGE2;
    const n1 = lin1 ? 945 + q1 * (105 + q1) : 945;
    const d1r = 945 + q1 * (420 + 15 * q1);
    const d1c = 945 * Math.abs(v1);
    const d1 = lin1 ? d1r : d1c;
    const v2 = s1 - s2;
    const q2 = v2 * v2;
    const lin2 = q2 < EDGE2;
    const n2 = lin2 ? 945 + q2 * (105 + q2) : 945;
    const d2r = 945 + q2 * (420 + 15 * q2);
    const d2c = 945 * Math.abs(v2);
    const d2 = lin2 ? d2r : d2c;
    const v3 = s2 - s3;
    const q3 = v3 * v3;
    const lin3 = q3 < EDGE2;
    const n3 = lin3 ? 945 + q3 * (105 + q3) : 945;
    const d3r = 945 + q3 * (420 + 15 * q3);
    const d3c = 945 * Math.abs(v3);
    const d3 = lin3 ? d3r : d3c;
    const v4 = s3 - s4;
    const q4 = v4 * v4;
    const lin4 = q4 < EDGE2;
    const n4 = lin4 ? 945 + q4 * (105 + q4) : 945;
    const d4r = 945 + q4 * (420 + 15 * q4);
    const d4c = 945 * Math.abs(v4);
    const d4 = lin4 ? d4r : d4c;
    const gn1 = gi * n1;
    const gn2 = gi * n2;
    const gn3 = gi * n3;
    const gn4 = gi * n4;
    // Fraction-free elimination from the top, Gm = g·nm/dm:
    //   y4 = s4 + 2·G4·(y3 − y4);  y3 = s3 + G3·(y2 − y3) − G4·(y3 − y4);
    //   y2 = s2 + G2·(y1 − y2) − G3·(y2 − y3);  y1 = s1 + G1·(u − y1) − G2·(y1 − y2);
    // each becomes ym = (am·y(m−1) + dm·bm)/em (y0 = u), with cm the part of em that the
    // stage below sees through the current it draws: em − am = dm·cm.
    const a4 = 2 * gn4;
    const e4 = d4 + a4;
    const b4 = s4;
    const c4 = 1;
    const a3 = gn3 * e4;
    const b3 = s3 * e4 + gn4 * b4;
    const e3 = e4 * (d3 + gn3) + gn4 * d3 * c4;
    const c3 = e4 + gn4 * c4;
    const a2 = gn2 * e3;
    const b2 = s2 * e3 + gn3 * b3;
    const e2 = e3 * (d2 + gn2) + gn3 * d2 * c3;
    const c2 = e3 + gn3 * c3;
    const a1 = gn1 * e2;
    const b1 = s1 * e2 + gn2 * b2;
    const e1 = e2 * (d1 + gn1) + gn2 * d1 * c2;
    const db1 = d1 * b1;
    const db2 = d2 * b2;
    const db3 = d3 * b3;
    const db4 = d4 * b4;
    // The loop solve and back-substitution of renderMoogLadder, with bm → dm·bm.
    const a12 = a1 * a2;
    const a123 = a12 * a3;
    const bigA = a123 * a4;
    const e12 = e1 * e2;
    const e123 = e12 * e3;
    const h2 = a2 * db1 + db2 * e1;
    const h3 = a3 * h2 + db3 * e12;
    const bigB = a4 * h3 + db4 * e123;
    const loop = e123 * e4 + khc * bigA;
    const r = 1 / (e123 * loop);
    const inv123 = r * loop;
    const y4 = (bigA * (xi + khc * sh) + bigB) * (r * e123);
    const u = xi - khc * (y4 - sh);
    const y1 = (a1 * u + db1) * (inv123 * e2 * e3);
    const y2 = (a12 * u + h2) * (inv123 * e3);
    const y3 = (a123 * u + h3) * inv123;
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
