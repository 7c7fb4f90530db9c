// Fundamental frequency by YIN (de Cheveigné & Kawahara, "YIN, a fundamental frequency
// estimator for speech and music", JASA 2002): the difference function d(τ) (computed through
// an FFT cross-correlation), its cumulative mean normalisation d'(τ), the first dip below an
// absolute threshold (0.1), then parabolic interpolation of d around it (step 5 of the paper).
// The report's f0 is the median over voiced frames; it is only reported when most frames are
// voiced, the frames agree, and the spectrum has a partial at f0 (a chord otherwise reads as
// the common "missing fundamental" of its notes).
// Main thread; allocates.

import FFT from 'fft.js';
import { median, parabolicOffset, quantile, round } from './math.js';
import { centsBetween, noteOf } from './notes.js';
import type { SpectrumPeak } from './types.js';
import { notMeasurable, type Measured, type Pitch } from './types.js';

export const MIN_F0 = 30;
export const MAX_F0 = 4000;
/** YIN's absolute threshold on d'(τ). */
export const YIN_THRESHOLD = 0.1;
/** A frame is voiced when its chosen dip is below this. */
export const VOICED_APERIODICITY = 0.2;
/** Most frames must be voiced … */
export const MIN_VOICED_SHARE = 0.6;
/** … and their f0s agree within this interquartile range. */
export const MAX_SPREAD_CENTS = 30;
/** Frames quieter than this (dBFS RMS) are left out. */
const QUIET_DBFS = -50;
const MAX_FRAMES = 120;

export interface FrameF0 {
  readonly time: number;
  readonly f0: number;
  readonly aperiodicity: number;
}

export class YinAnalyzer {
  readonly window: number;
  readonly maxLag: number;
  readonly minLag: number;
  private readonly fft: FFT;
  private readonly n: number;
  private readonly a: Float64Array;
  private readonly b: Float64Array;
  private readonly fa: number[];
  private readonly fb: number[];
  private readonly prod: number[];
  private readonly corr: number[];

  constructor(readonly sampleRate: number) {
    this.maxLag = Math.ceil(sampleRate / MIN_F0);
    this.minLag = Math.max(2, Math.floor(sampleRate / MAX_F0));
    this.window = this.maxLag;
    this.n = 2 ** Math.ceil(Math.log2(this.window + this.maxLag + 1));
    this.fft = new FFT(this.n);
    this.a = new Float64Array(this.n);
    this.b = new Float64Array(this.n);
    this.fa = this.fft.createComplexArray() as number[];
    this.fb = this.fft.createComplexArray() as number[];
    this.prod = this.fft.createComplexArray() as number[];
    this.corr = this.fft.createComplexArray() as number[];
  }

  /** Samples one frame needs from its start. */
  get span(): number {
    return this.window + this.maxLag + 1;
  }

  /** f0 of x[start, start + span); undefined when no dip exists in range. */
  frame(x: Float32Array, start: number): FrameF0 | undefined {
    const { window: w, maxLag, n, a, b } = this;
    a.fill(0);
    b.fill(0);
    for (let i = 0; i < w; i++) a[i] = x[start + i]!;
    for (let i = 0; i < w + maxLag + 1; i++) b[i] = x[start + i] ?? 0;
    // r(τ) = Σ_{j<w} x[j] x[j+τ]: the cross-correlation of a with b via FFT.
    this.fft.realTransform(this.fa, a);
    this.fft.completeSpectrum(this.fa);
    this.fft.realTransform(this.fb, b);
    this.fft.completeSpectrum(this.fb);
    const fa = this.fa, fb = this.fb, p = this.prod;
    for (let k = 0; k < n; k++) {
      const ar = fa[2 * k]!, ai = -fa[2 * k + 1]!; // conj(A)
      const br = fb[2 * k]!, bi = fb[2 * k + 1]!;
      p[2 * k] = ar * br - ai * bi;
      p[2 * k + 1] = ar * bi + ai * br;
    }
    this.fft.inverseTransform(this.corr, p);
    // Energies: e0 = Σ_{j<w} x[j]², eτ = Σ_{j<w} x[j+τ]² by a running sum.
    let e0 = 0;
    for (let i = 0; i < w; i++) e0 += b[i]! * b[i]!;
    if (e0 <= 0) return undefined;
    const d = new Float64Array(maxLag + 2);
    const dn = new Float64Array(maxLag + 2);
    let et = e0;
    let running = 0;
    dn[0] = 1;
    for (let t = 1; t <= maxLag + 1; t++) {
      et += b[t + w - 1]! * b[t + w - 1]! - b[t - 1]! * b[t - 1]!;
      d[t] = Math.max(0, e0 + et - 2 * this.corr[2 * t]!);
      running += d[t]!;
      dn[t] = running > 0 ? (d[t]! * t) / running : 1;
    }
    let tau = -1;
    for (let t = this.minLag; t <= maxLag; t++) {
      if (dn[t]! < YIN_THRESHOLD) {
        while (t + 1 <= maxLag && dn[t + 1]! < dn[t]!) t++;
        tau = t;
        break;
      }
    }
    if (tau < 0) {
      // No dip under the threshold: the global minimum (an aperiodic frame, reported as such).
      let best = this.minLag;
      for (let t = this.minLag; t <= maxLag; t++) if (dn[t]! < dn[best]!) best = t;
      tau = best;
    }
    const offset = tau > 1 && tau <= maxLag ? parabolicOffset(d[tau - 1]!, d[tau]!, d[tau + 1]!) : 0;
    return { time: (start + w / 2) / this.sampleRate, f0: this.sampleRate / (tau + offset), aperiodicity: dn[tau]! };
  }
}

/** Frame f0s over the loud parts of `mono`, at most MAX_FRAMES evenly spread. */
export function trackPitch(mono: Float32Array, sampleRate: number): FrameF0[] {
  const yin = new YinAnalyzer(sampleRate);
  const span = yin.span;
  if (mono.length < span) return [];
  const available = Math.floor((mono.length - span) / Math.round(sampleRate * 0.01)) + 1;
  const step = Math.max(Math.round(sampleRate * 0.01), Math.floor((mono.length - span) / Math.max(1, MAX_FRAMES - 1)));
  const quiet = yin.window * 10 ** (QUIET_DBFS / 10);
  const out: FrameF0[] = [];
  for (let start = 0; start + span <= mono.length && out.length < Math.min(MAX_FRAMES, available); start += step) {
    let e = 0;
    for (let i = start; i < start + yin.window; i++) e += mono[i]! * mono[i]!;
    if (e < quiet) continue;
    const f = yin.frame(mono, start);
    if (f !== undefined) out.push(f);
  }
  return out;
}

export function describePitch(mono: Float32Array, sampleRate: number, peaks: readonly SpectrumPeak[]): Measured<Pitch> {
  const frames = trackPitch(mono, sampleRate);
  if (frames.length === 0) return notMeasurable(`no frame above ${QUIET_DBFS} dBFS long enough for a ${MIN_F0} Hz period`);
  const voiced = frames.filter((f) => f.aperiodicity < VOICED_APERIODICITY);
  const share = voiced.length / frames.length;
  if (share < MIN_VOICED_SHARE) {
    return notMeasurable(`not periodic: ${Math.round(share * 100)} % of ${frames.length} frames have a YIN dip below ${VOICED_APERIODICITY} (noise, percussion or a dense mix)`);
  }
  const f0s = voiced.map((f) => f.f0);
  const f0 = median(f0s);
  const spread = centsBetween(quantile(f0s, 0.75), quantile(f0s, 0.25));
  if (spread > MAX_SPREAD_CENTS) {
    const lo = noteOf(quantile(f0s, 0.1)).note;
    const hi = noteOf(quantile(f0s, 0.9)).note;
    return notMeasurable(`the pitch moves: frame f0s spread ${Math.round(spread)} cents (interquartile), ${lo} … ${hi}; analyse one note`);
  }
  if (peaks.length > 0) {
    const strongest = Math.max(...peaks.map((p) => p.db));
    const hasLowPartial = peaks.some((p) => p.db >= strongest - 30 && Math.abs(centsBetween(p.hz, f0)) < 50);
    if (!hasLowPartial) {
      return notMeasurable(`polyphonic or missing fundamental: the common period (${f0.toFixed(1)} Hz) has no partial of its own; strongest peaks ${peaks.slice(0, 3).map((p) => p.note).join(', ')}`);
    }
  }
  const note = noteOf(f0);
  return {
    measurable: true,
    f0Hz: round(f0, 3),
    note: note.note,
    cents: round(note.cents, 1),
    confidence: round(1 - median(voiced.map((f) => f.aperiodicity)), 3),
    spreadCents: round(spread, 1),
    voicedShare: round(share, 2),
  };
}
