// Signal analysis for tests: RMS, Goertzel, windowed FFT spectra, peak frequency with
// parabolic interpolation on the log-magnitude (Smith, "Spectral Audio Signal Processing",
// quadratic interpolation of spectral peaks).

import FFT from 'fft.js';

export type Signal = ArrayLike<number>;

export function rms(x: Signal, start = 0, end = x.length): number {
  let sum = 0;
  for (let i = start; i < end; i++) sum += x[i]! * x[i]!;
  return Math.sqrt(sum / Math.max(1, end - start));
}

export function peakAbs(x: Signal, start = 0, end = x.length): number {
  let m = 0;
  for (let i = start; i < end; i++) m = Math.max(m, Math.abs(x[i]!));
  return m;
}

export function toDb(ratio: number): number {
  return 20 * Math.log10(Math.max(ratio, 1e-30));
}

/** Goertzel power (amplitude-normalised: a full-scale sine at `freq` gives ~1) over [start, end). */
export function goertzelAmplitude(x: Signal, freq: number, sampleRate: number, start = 0, end = x.length): number {
  const n = end - start;
  const w = (2 * Math.PI * freq) / sampleRate;
  const coeff = 2 * Math.cos(w);
  let s1 = 0;
  let s2 = 0;
  for (let i = start; i < end; i++) {
    // Hann window to keep leakage from other partials out of the estimate.
    const win = 0.5 - 0.5 * Math.cos((2 * Math.PI * (i - start)) / (n - 1));
    const s0 = x[i]! * win + coeff * s1 - s2;
    s2 = s1;
    s1 = s0;
  }
  const power = s1 * s1 + s2 * s2 - coeff * s1 * s2;
  return (2 * Math.sqrt(Math.max(power, 0))) / (n * 0.5);
}

/** Window functions evaluated at i of n. */
export function hann(i: number, n: number): number {
  return 0.5 - 0.5 * Math.cos((2 * Math.PI * i) / (n - 1));
}

/** Blackman-Harris 4-term: ~92 dB side lobes, for measuring low-level aliasing. */
export function blackmanHarris(i: number, n: number): number {
  const a = (2 * Math.PI * i) / (n - 1);
  return 0.35875 - 0.48829 * Math.cos(a) + 0.14128 * Math.cos(2 * a) - 0.01168 * Math.cos(3 * a);
}

/**
 * Magnitude spectrum (linear, amplitude-normalised so a full-scale sine on a bin gives ~1) of
 * `size` samples starting at `start`, size a power of two. Returns size/2 + 1 bins.
 */
export function magnitudeSpectrum(
  x: Signal,
  size: number,
  start = 0,
  window: (i: number, n: number) => number = hann,
): Float64Array {
  const fft = new FFT(size);
  const input = new Float64Array(size);
  let windowSum = 0;
  for (let i = 0; i < size; i++) {
    const w = window(i, size);
    windowSum += w;
    input[i] = (x[start + i] ?? 0) * w;
  }
  const out = fft.createComplexArray() as number[];
  fft.realTransform(out, input);
  const mags = new Float64Array(size / 2 + 1);
  for (let k = 0; k <= size / 2; k++) {
    const re = out[2 * k]!;
    const im = out[2 * k + 1]!;
    mags[k] = (2 * Math.sqrt(re * re + im * im)) / windowSum;
  }
  return mags;
}

/** Frequency of the strongest bin in [minHz, maxHz], refined by parabolic interpolation of dB. */
export function peakFrequency(
  x: Signal,
  sampleRate: number,
  opts: { size?: number; start?: number; minHz?: number; maxHz?: number } = {},
): { freq: number; amplitude: number } {
  const size = opts.size ?? 65536;
  const mags = magnitudeSpectrum(x, size, opts.start ?? 0);
  const binHz = sampleRate / size;
  const lo = Math.max(1, Math.floor((opts.minHz ?? 0) / binHz));
  const hi = Math.min(mags.length - 2, Math.ceil((opts.maxHz ?? sampleRate / 2) / binHz));
  let best = lo;
  for (let k = lo; k <= hi; k++) if (mags[k]! > mags[best]!) best = k;
  const a = toDb(mags[best - 1]!);
  const b = toDb(mags[best]!);
  const c = toDb(mags[best + 1]!);
  const denom = a - 2 * b + c;
  const delta = denom === 0 ? 0 : (0.5 * (a - c)) / denom;
  return { freq: (best + delta) * binHz, amplitude: mags[best]! };
}

/** Cents between two frequencies. */
export function cents(measured: number, expected: number): number {
  return 1200 * Math.log2(measured / expected);
}

/** Largest |x[i+1] - x[i]| over [start, end). */
export function maxStep(x: Signal, start = 0, end = x.length): number {
  let m = 0;
  for (let i = start + 1; i < end; i++) m = Math.max(m, Math.abs(x[i]! - x[i - 1]!));
  return m;
}
