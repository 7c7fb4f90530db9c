// eq: five-band equaliser, mono: low-cut, low shelf, peak (bell), high shelf, high-cut, in series.
//
// Responses: the analog prototypes of R. Bristow-Johnson's "Cookbook formulae for audio EQ
// biquad filter coefficients" (RBJ), bilinear-transformed with the cutoff prewarped, so each band
// has exactly the cookbook's transfer function H(z):
//   peak        H(s) = (s² + s·A/Q + 1) / (s² + s/(A·Q) + 1)           |H| = A² (= gain dB) at f0
//   low shelf   H(s) = A·(s² + s·√A/Q + A) / (A·s² + s·√A/Q + 1)       |H| = A (= gain/2 dB) at f0
//   high shelf  H(s) = A·(A·s² + s·√A/Q + 1) / (s² + s·√A/Q + A)       |H| = A at f0
//   low-cut / high-cut: 2nd-order Butterworth high- / low-pass (Q = 1/√2, 12 dB/oct, −3.01 dB
//   at the cutoff)
// with A = 10^(gain/40). Each band is realised as a trapezoidal state-variable filter whose
// outputs are mixed (A. Simper, "Linear Trap SVF", Cytomic technical paper 2013, the bell and
// shelf mixes; the same core as the `filter` module, in the expanded update form described in
// filter.ts): g = tan(π·f0/fs), a1 = 1/(1 + g(g + k)), out = m0·v0 + m1·v1 + m2·v2 with
//   peak        k = 1/(Q·A),  (m0, m1, m2) = (1, k(A² − 1), 0)
//   low shelf   g → g/√A, k = 1/Q, (1, k(A − 1), A² − 1)
//   high shelf  g → g·√A, k = 1/Q, (A², k(1 − A)·A, 1 − A²)
//   high-pass   k = √2, (1, −k, −1);  low-pass  k = √2, (0, 0, 1)
// (algebraically the RBJ transfer functions; unlike a direct-form biquad, the SVF stays well
// behaved while its coefficients move). A gain of 0 dB gives (1, 0, 0): the band passes its
// input exactly. The cuts are off at the ends of their ranges (low-cut at 10 Hz, high-cut at
// 20 kHz): the mix is then (1, 0, 0) while the core keeps running at that frequency, so the
// state is ready when the cut moves in. Frequencies are clamped to [10 Hz, 0.49·fs].
//
// Control rate: each band reads its params every CONTROL_PERIOD (16) samples, on a sample
// counter kept in state (not on block boundaries: block-size invariant), and recomputes its
// coefficients only when one of its params changed since its last control point (tan, pow and a
// division; nothing at all while params hold still). New coefficients are reached by linear
// interpolation over the following 16 samples (convex combinations of stable SVF coefficient
// sets are stable, see filter.ts), so a smoothed sweep has no steps; a change lands within
// 16 samples. Integrator states below 1e-20 are flushed to 0 (denormals) and non-finite ones
// reset, at control points.
// A band whose coefficients are the identity and still (gain 0 dB, or a cut that is off) costs
// nothing: its core is skipped (a flat eq is nearly free) and its state held where a running
// core would roughly be, so that a band moving in does not click: at rest (0) for the low-cut,
// low shelf and peak, whose cores sit low or in the middle (a signal above the cutoff leaves
// them near 0), and at the steady state of the latest input x (ic1 = 0, ic2 = x) for the high
// shelf and high-cut, whose cores sit high (a signal below the cutoff leaves v2 ≈ x).

import { Kernel } from '../kernel.js';
import type { KernelContext, KernelIo } from '../kernel.js';
import { defineModule } from '../define.js';

const LOWCUT_OFF_HZ = 10;
const HIGHCUT_OFF_HZ = 20000;

const decl = defineModule({
  type: 'eq',
  doc:
    'Equaliser: low-cut, low shelf, peak, high shelf and high-cut in series (RBJ cookbook responses, realised as trapezoidal SVFs). ' +
    'Shelves are at half their gain (dB) at their frequency, the peak at its full gain; the cuts are 12 dB/oct Butterworth, ' +
    '−3 dB at their frequency, and off at the ends of their ranges. All gains 0 with the cuts off: an exact pass-through. Mono.',
  params: [
    { id: 'lowcut', unit: 'Hz', min: LOWCUT_OFF_HZ, max: 10000, default: LOWCUT_OFF_HZ, smoothingMs: 20, scale: 'exp', doc: 'Low-cut (12 dB/oct high-pass) cutoff; 10 = off.' },
    { id: 'low_freq', unit: 'Hz', min: 20, max: 5000, default: 100, smoothingMs: 20, scale: 'exp', doc: 'Low shelf midpoint frequency (half the gain, in dB, is reached here).' },
    { id: 'low_gain', unit: 'dB', min: -24, max: 24, default: 0, smoothingMs: 20, doc: 'Low shelf gain below its frequency.' },
    { id: 'low_q', unit: 'ratio', min: 0.1, max: 4, default: Math.SQRT1_2, smoothingMs: 20, scale: 'exp', doc: 'Low shelf Q (RBJ; 0.707 = shelf slope 1, the steepest without overshoot).' },
    { id: 'mid_freq', unit: 'Hz', min: 20, max: 20000, default: 1000, smoothingMs: 20, scale: 'exp', doc: 'Peak centre frequency.' },
    { id: 'mid_gain', unit: 'dB', min: -24, max: 24, default: 0, smoothingMs: 20, doc: 'Peak gain at its centre.' },
    { id: 'mid_q', unit: 'ratio', min: 0.1, max: 20, default: 1, smoothingMs: 20, scale: 'exp', doc: 'Peak Q (RBJ: bandwidth between the half-gain points, in dB, is about 1.4/Q octaves at Q ≥ 1).' },
    { id: 'high_freq', unit: 'Hz', min: 200, max: 20000, default: 8000, smoothingMs: 20, scale: 'exp', doc: 'High shelf midpoint frequency.' },
    { id: 'high_gain', unit: 'dB', min: -24, max: 24, default: 0, smoothingMs: 20, doc: 'High shelf gain above its frequency.' },
    { id: 'high_q', unit: 'ratio', min: 0.1, max: 4, default: Math.SQRT1_2, smoothingMs: 20, scale: 'exp', doc: 'High shelf Q (RBJ; 0.707 = shelf slope 1).' },
    { id: 'highcut', unit: 'Hz', min: 100, max: HIGHCUT_OFF_HZ, default: HIGHCUT_OFF_HZ, smoothingMs: 20, scale: 'exp', doc: 'High-cut (12 dB/oct low-pass) cutoff; 20000 = off.' },
  ],
  inputs: [{ id: 'in', doc: 'Audio to equalise.' }],
  outputs: [{ id: 'out', doc: 'Equalised audio.' }],
  silentInSilentOut: true,
});

const P = decl.param;
const IN = decl.input;
const OUT = decl.output;

const CONTROL_PERIOD = 16;
const INV_CONTROL_PERIOD = 1 / CONTROL_PERIOD;
const MIN_FREQ_HZ = 10;
const MAX_FREQ_RATIO = 0.49;
const DENORMAL = 1e-20;

// Bands in signal order.
const BAND_LOWCUT = 0;
const BAND_LOW = 1;
const BAND_MID = 2;
const BAND_HIGH = 3;
const BAND_HIGHCUT = 4;
const BANDS = 5;
/** Param indices per band: frequency, gain, q (−1: the band has none). */
const FREQ_PARAM = [P.lowcut, P.low_freq, P.mid_freq, P.high_freq, P.highcut] as const;
const GAIN_PARAM = [-1, P.low_gain, P.mid_gain, P.high_gain, -1] as const;
const Q_PARAM = [-1, P.low_q, P.mid_q, P.high_q, -1] as const;

// Per-band state, at S_BANDS + band·B_STRIDE. Each coefficient is (value at the last control
// point, per-sample increment, target).
const B_IC1 = 0;
const B_IC2 = 1;
const B_C = 2; // 6 coefficients × 3: b11, b12, b20, m0, m1, m2
const COEFS = 6;
const B_LAST = B_C + 3 * COEFS; // freq, gain, q the targets were computed from (NaN: none)
const B_STRIDE = B_LAST + 3;
// Coefficient order inside B_C.
const C_B11 = 0;
const C_B12 = 1;
const C_B20 = 2;
const C_M0 = 3;
const C_M1 = 4;
const C_M2 = 5;

const S_PHASE = 0; // position in the control period (0 = control point at this sample)
const S_READY = 1; // 1 after the first control point (which starts without interpolation)
const S_BANDS = 2;
const STATE_SIZE = S_BANDS + BANDS * B_STRIDE;

export class EqKernel extends Kernel {
  readonly state = new Float64Array(STATE_SIZE);
  /** The signal between bands over the current call (scratch, indexed like the io buffers). */
  private readonly work: Float64Array;
  private readonly piOverFs = Math.PI / this.ctx.sampleRate;
  private readonly maxFreq = MAX_FREQ_RATIO * this.ctx.sampleRate;

  constructor(ctx: KernelContext, io: KernelIo) {
    super(ctx, io);
    this.work = new Float64Array(ctx.maxBlock);
    this.init();
  }

  protected override init(): void {
    for (let band = 0; band < BANDS; band++) {
      const base = S_BANDS + band * B_STRIDE + B_LAST;
      this.state.fill(Number.NaN, base, base + 3);
    }
  }

  process(start: number, end: number): void {
    if (end <= start) return;
    const work = this.work;
    const input = this.io.inputs[IN.in].buffer;
    for (let i = start; i < end; i++) work[i] = input[i];
    const firstPoint = this.state[S_READY] === 0;
    for (let band = 0; band < BANDS; band++) this.renderBand(band, start, end, firstPoint);
    this.state[S_READY] = 1;
    this.state[S_PHASE] = (this.state[S_PHASE] + (end - start)) & (CONTROL_PERIOD - 1);
    const out = this.io.outputs[OUT.out];
    let sq = 0; // Kernel.outputCheck
    for (let i = start; i < end; i++) {
      const y = work[i];
      out[i] = y;
      sq += y * y;
    }
    this.outputCheck[0] = sq;
  }

  /** Runs one band over work[from, to), in place. */
  private renderBand(band: number, from: number, to: number, firstPoint: boolean): void {
    const st = this.state;
    const work = this.work;
    const base = S_BANDS + band * B_STRIDE;
    const c = base + B_C;
    let phase = st[S_PHASE];
    let ic1 = st[base + B_IC1];
    let ic2 = st[base + B_IC2];
    let i = from;
    while (i < to) {
      if (phase === 0) {
        for (let k = 0; k < COEFS; k++) st[c + 3 * k] = st[c + 3 * k + 2]; // start from the last target
        this.updateTargets(band, i);
        for (let k = 0; k < COEFS; k++) {
          const at = c + 3 * k;
          if (firstPoint && i === from) st[at] = st[at + 2];
          st[at + 1] = (st[at + 2] - st[at]) * INV_CONTROL_PERIOD;
        }
        if (!(Math.abs(ic1) >= DENORMAL) || ic1 - ic1 !== 0) ic1 = 0;
        if (!(Math.abs(ic2) >= DENORMAL) || ic2 - ic2 !== 0) ic2 = 0;
      }
      let n = CONTROL_PERIOD - phase;
      if (n > to - i) n = to - i;
      const stop = i + n;
      const b11 = st[c + 3 * C_B11];
      const b12 = st[c + 3 * C_B12];
      const b20 = st[c + 3 * C_B20];
      const m0 = st[c + 3 * C_M0];
      const m1 = st[c + 3 * C_M1];
      const m2 = st[c + 3 * C_M2];
      const d11 = st[c + 3 * C_B11 + 1];
      const d12 = st[c + 3 * C_B12 + 1];
      const d20 = st[c + 3 * C_B20 + 1];
      const dm0 = st[c + 3 * C_M0 + 1];
      const dm1 = st[c + 3 * C_M1 + 1];
      const dm2 = st[c + 3 * C_M2 + 1];
      const still = d11 === 0 && d12 === 0 && d20 === 0 && dm0 === 0 && dm1 === 0 && dm2 === 0;
      if (still && m0 === 1 && m1 === 0 && m2 === 0) {
        // A flat band (gain 0 dB, or a cut that is off) passes its input exactly: skip its
        // core and hold its state where a running core would roughly be (header).
        i = stop;
        ic1 = 0;
        ic2 = band >= BAND_HIGH ? work[stop - 1] : 0;
      } else if (still) {
        const b22 = 1 - b20;
        for (; i < stop; i++) {
          const v0 = work[i];
          const next1 = b11 * ic1 + b12 * (v0 - ic2);
          const next2 = b20 * v0 + b12 * ic1 + b22 * ic2;
          work[i] = m0 * v0 + m1 * (0.5 * (ic1 + next1)) + m2 * (0.5 * (ic2 + next2));
          ic1 = next1;
          ic2 = next2;
        }
      } else {
        // The same expressions with every coefficient at value + increment·j (j = position in
        // the control period).
        let j = phase;
        for (; i < stop; i++, j++) {
          const c11 = b11 + d11 * j;
          const c12 = b12 + d12 * j;
          const c20 = b20 + d20 * j;
          const v0 = work[i];
          const next1 = c11 * ic1 + c12 * (v0 - ic2);
          const next2 = c20 * v0 + c12 * ic1 + (1 - c20) * ic2;
          work[i] = (m0 + dm0 * j) * v0 + (m1 + dm1 * j) * (0.5 * (ic1 + next1)) + (m2 + dm2 * j) * (0.5 * (ic2 + next2));
          ic1 = next1;
          ic2 = next2;
        }
      }
      phase = (phase + n) & (CONTROL_PERIOD - 1);
    }
    st[base + B_IC1] = ic1;
    st[base + B_IC2] = ic2;
  }

  /**
   * Control point of `band` at sample i: when its params differ from those of its last control
   * point, computes new coefficient targets (the formulas in the header); else leaves them.
   */
  private updateTargets(band: number, i: number): void {
    const st = this.state;
    const params = this.io.params;
    const base = S_BANDS + band * B_STRIDE;
    const freqP = params[FREQ_PARAM[band]];
    const gainIndex = GAIN_PARAM[band];
    const qIndex = Q_PARAM[band];
    const freq = freqP.isConstant ? freqP.value : freqP.buffer[i];
    let gainDb = 0;
    let q = Math.SQRT1_2;
    if (gainIndex >= 0 && qIndex >= 0) {
      const gP = params[gainIndex];
      const qP = params[qIndex];
      gainDb = gP.isConstant ? gP.value : gP.buffer[i];
      q = qP.isConstant ? qP.value : qP.buffer[i];
    }
    const last = base + B_LAST;
    if (freq === st[last] && gainDb === st[last + 1] && q === st[last + 2]) return;
    st[last] = freq;
    st[last + 1] = gainDb;
    st[last + 2] = q;
    let f0 = freq;
    if (!(f0 > MIN_FREQ_HZ)) f0 = MIN_FREQ_HZ; // also catches NaN
    else if (f0 > this.maxFreq) f0 = this.maxFreq;
    if (!(q > 0.01)) q = 0.01;
    let g = Math.tan(f0 * this.piOverFs);
    let k = Math.SQRT2;
    let m0 = 1;
    let m1 = 0;
    let m2 = 0;
    if (band === BAND_LOWCUT) {
      if (freq > LOWCUT_OFF_HZ) {
        m1 = -k;
        m2 = -1;
      }
    } else if (band === BAND_HIGHCUT) {
      if (freq < HIGHCUT_OFF_HZ) {
        m0 = 0;
        m2 = 1;
      }
    } else {
      const a = Math.pow(10, gainDb / 40);
      if (band === BAND_MID) {
        k = 1 / (q * a);
        m1 = k * (a * a - 1);
      } else if (band === BAND_LOW) {
        g /= Math.sqrt(a);
        k = 1 / q;
        m1 = k * (a - 1);
        m2 = a * a - 1;
      } else if (band === BAND_HIGH) {
        g *= Math.sqrt(a);
        k = 1 / q;
        m0 = a * a;
        m1 = k * (1 - a) * a;
        m2 = 1 - a * a;
      }
    }
    const a1 = 1 / (1 + g * (g + k));
    const b12 = 2 * (g * a1);
    const c = base + B_C;
    st[c + 3 * C_B11 + 2] = 2 * a1 - 1;
    st[c + 3 * C_B12 + 2] = b12;
    st[c + 3 * C_B20 + 2] = g * b12;
    st[c + 3 * C_M0 + 2] = m0;
    st[c + 3 * C_M1 + 2] = m1;
    st[c + 3 * C_M2 + 2] = m2;
  }
}

export const eqModule = decl.withKernel(EqKernel);
