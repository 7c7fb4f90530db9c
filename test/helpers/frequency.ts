// Precise frequency of one partial: a coarse FFT peak (analysis.ts peakFrequency), then the phase
// advance of the partial between two windows `hop` samples apart (the phase-vocoder estimate:
// J. L. Flanagan and R. M. Golden, "Phase vocoder", Bell System Technical Journal, 1966).
// Blackman-Harris windows (−92 dB side lobes) keep other partials out when they are more than
// 4·fs/size away; a decaying amplitude does not bias the estimate (only the phase is used).

import { blackmanHarris, peakFrequency, type Signal } from './analysis.js';

/** Windowed complex demodulation of x at `freq` over [start, start + size): [re, im]. */
function demodulate(x: Signal, freq: number, sampleRate: number, start: number, size: number): [number, number] {
  let re = 0;
  let im = 0;
  const w = (2 * Math.PI * freq) / sampleRate;
  for (let n = 0; n < size; n++) {
    const v = x[start + n]! * blackmanHarris(n, size);
    const angle = w * (start + n);
    re += v * Math.cos(angle);
    im -= v * Math.sin(angle);
  }
  return [re, im];
}

/**
 * Frequency of the partial near `guess` (|error of guess| < sampleRate / (2·hop)), from the phase
 * advance between the windows at `start` and `start + hop`.
 */
export function phaseFrequency(x: Signal, sampleRate: number, guess: number, opts: { start?: number; size?: number; hop?: number } = {}): number {
  const start = opts.start ?? 0;
  const size = opts.size ?? 8192;
  const hop = opts.hop ?? 4096;
  const [r1, i1] = demodulate(x, guess, sampleRate, start, size);
  const [r2, i2] = demodulate(x, guess, sampleRate, start + hop, size);
  // arg(z2 · conj(z1)): the residual rotation over `hop` samples.
  const dphi = Math.atan2(i2 * r1 - r2 * i1, r2 * r1 + i2 * i1);
  return guess + (dphi * sampleRate) / (2 * Math.PI * hop);
}

/**
 * Frequency of the strongest partial in [minHz, maxHz]: FFT peak of `fftSize` samples, refined by
 * phaseFrequency (hop chosen so the FFT estimate is well inside its unambiguous range).
 */
export function measureFrequency(
  x: Signal,
  sampleRate: number,
  opts: { start?: number; minHz?: number; maxHz?: number; fftSize?: number; size?: number; hop?: number } = {},
): number {
  const start = opts.start ?? 0;
  const coarse = peakFrequency(x, sampleRate, { size: opts.fftSize ?? 65536, start, minHz: opts.minHz ?? 0, maxHz: opts.maxHz ?? sampleRate / 2 }).freq;
  return phaseFrequency(x, sampleRate, coarse, { start, size: opts.size ?? 8192, hop: opts.hop ?? 2048 });
}
