// Test signals and measurements shared by the effect tests (delay, chorus, flanger, phaser):
// impulses, Hann-windowed tone bursts, energy ratios, and a transfer-function estimate from a
// noise run (Welch-averaged cross-spectrum over input spectrum, the H1 estimator: J. S. Bendat,
// A. G. Piersol, "Random Data", ch. 9; Smith, "Spectral Audio Signal Processing", "Welch's
// Method").

import FFT from 'fft.js';
import { hann } from './analysis.js';

export function impulse(frames: number, at = 0, amplitude = 1): Float32Array {
  const x = new Float32Array(frames);
  x[at] = amplitude;
  return x;
}

/** A sine of `freq` Hz under a Hann window, `length` samples starting at `at`. */
export function toneBurst(frames: number, freq: number, sampleRate: number, length: number, at = 0, amplitude = 1): Float32Array {
  const x = new Float32Array(frames);
  for (let i = 0; i < length; i++) x[at + i] = amplitude * hann(i, length) * Math.sin((2 * Math.PI * freq * i) / sampleRate);
  return x;
}

export function sine(frames: number, freq: number, sampleRate: number, amplitude = 1): Float32Array {
  const x = new Float32Array(frames);
  for (let i = 0; i < frames; i++) x[i] = amplitude * Math.sin((2 * Math.PI * freq * i) / sampleRate);
  return x;
}

/** Σ x² over [start, end). */
export function energy(x: ArrayLike<number>, start: number, end: number): number {
  let sum = 0;
  for (let i = start; i < end; i++) sum += x[i]! * x[i]!;
  return sum;
}

export function argMaxAbs(x: ArrayLike<number>, start = 0, end = x.length): number {
  let best = start;
  for (let i = start; i < end; i++) if (Math.abs(x[i]!) > Math.abs(x[best]!)) best = i;
  return best;
}

/**
 * |H(f)| per FFT bin (size/2 + 1 bins) of the system that turned x into y: Σ Y·X* / Σ |X|²
 * over Hann-windowed frames of `size` samples with 50 % overlap, from `skip` on.
 */
export function transferMagnitude(x: ArrayLike<number>, y: ArrayLike<number>, size: number, skip = 0): Float64Array {
  const fft = new FFT(size);
  const win = new Float64Array(size);
  for (let i = 0; i < size; i++) win[i] = hann(i, size);
  const bins = size / 2 + 1;
  const crossRe = new Float64Array(bins);
  const crossIm = new Float64Array(bins);
  const power = new Float64Array(bins);
  const fx = new Float64Array(size);
  const fy = new Float64Array(size);
  const X = fft.createComplexArray() as number[];
  const Y = fft.createComplexArray() as number[];
  for (let start = skip; start + size <= x.length; start += size / 2) {
    for (let i = 0; i < size; i++) {
      fx[i] = x[start + i]! * win[i]!;
      fy[i] = y[start + i]! * win[i]!;
    }
    fft.realTransform(X, fx);
    fft.realTransform(Y, fy);
    for (let k = 0; k < bins; k++) {
      const xr = X[2 * k]!;
      const xi = X[2 * k + 1]!;
      const yr = Y[2 * k]!;
      const yi = Y[2 * k + 1]!;
      crossRe[k]! += yr * xr + yi * xi;
      crossIm[k]! += yi * xr - yr * xi;
      power[k]! += xr * xr + xi * xi;
    }
  }
  const h = new Float64Array(bins);
  for (let k = 0; k < bins; k++) h[k] = Math.hypot(crossRe[k]!, crossIm[k]!) / power[k]!;
  return h;
}

/** Index of the smallest value of `h` in [lo, hi]. */
export function argMin(h: ArrayLike<number>, lo: number, hi: number): number {
  let best = lo;
  for (let k = lo; k <= hi; k++) if (h[k]! < h[best]!) best = k;
  return best;
}
