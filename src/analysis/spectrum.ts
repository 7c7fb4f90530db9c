// Long-term spectrum (Welch: mean power of Hann-windowed 8192-point frames, 50 % overlap) and
// what is read from it: octave and third-octave band levels, centroid, 95 % roll-off, flatness
// (geometric over arithmetic mean of the power spectrum, Johnston 1988 / Wiener entropy), and
// the strongest peaks with parabolic interpolation on the dB spectrum, named as notes.
// Main thread; allocates.

import { dbFromPower, parabolicOffset, round } from './math.js';
import { noteOf } from './notes.js';
import { Stft } from './stft.js';
import { notMeasurable, type Measured, type Spectrum, type SpectrumPeak } from './types.js';

export const SPECTRUM_SIZE = 8192;
/** ISO octave-band centres (Hz); each band spans centre/√2 … centre·√2. */
export const OCTAVE_CENTRES = [31.5, 63, 125, 250, 500, 1000, 2000, 4000, 8000, 16000];
/** Levels below this (dB re full-scale sine) are reported as this floor. */
export const FLOOR_DB = -120;
const PEAK_RANGE_DB = 50;
const PEAK_PROMINENCE_DB = 10;

export interface PowerSpectrum {
  /** Mean power per bin, scaled so a full-scale sine sums to ~1 over its main lobe. */
  readonly power: Float64Array;
  readonly binHz: number;
  readonly frames: number;
}

export function averagePowerSpectrum(mono: Float32Array, sampleRate: number, size = SPECTRUM_SIZE): PowerSpectrum {
  const stft = new Stft(size);
  const mags = new Float64Array(size / 2 + 1);
  const power = new Float64Array(size / 2 + 1);
  const hop = size / 2;
  let frames = 0;
  const last = Math.max(0, mono.length - size);
  for (let start = 0; start <= last; start += hop) {
    stft.magnitudes(mono, start, mags);
    for (let k = 0; k < mags.length; k++) power[k]! += mags[k]! * mags[k]!;
    frames++;
    if (mono.length < size) break;
  }
  // A Hann main lobe spreads one sine over bins whose squared magnitudes sum to 1.5× its peak².
  const scale = 1 / (frames * 1.5);
  for (let k = 0; k < power.length; k++) power[k]! *= scale;
  return { power, binHz: sampleRate / size, frames };
}

function bandLevels(ps: PowerSpectrum, centres: readonly number[], halfWidth: number, nyquist: number): { hz: number[]; db: number[] } {
  const hz: number[] = [];
  const db: number[] = [];
  for (const c of centres) {
    const lo = c / halfWidth;
    const hi = c * halfWidth;
    if (lo >= nyquist) break;
    let sum = 0;
    for (let k = Math.max(1, Math.ceil(lo / ps.binHz)); k * ps.binHz < Math.min(hi, nyquist) && k < ps.power.length; k++) sum += ps.power[k]!;
    hz.push(c);
    db.push(sum > 0 ? Math.max(FLOOR_DB, round(dbFromPower(sum), 1)) : FLOOR_DB);
  }
  return { hz, db };
}

export function thirdOctaveCentres(): number[] {
  const out: number[] = [];
  for (let i = -17; i <= 13; i++) out.push(round(1000 * 2 ** (i / 3), 1));
  return out;
}

export function describeSpectrum(mono: Float32Array, sampleRate: number, arrays: boolean): Measured<Spectrum> {
  if (mono.length < 1024) return notMeasurable(`too short for a spectrum (${mono.length} samples; needs 1024)`);
  const size = Math.min(SPECTRUM_SIZE, 2 ** Math.floor(Math.log2(mono.length)));
  const ps = averagePowerSpectrum(mono, sampleRate, size);
  const { power, binHz } = ps;
  const nyquist = sampleRate / 2;
  const loBin = Math.max(1, Math.ceil(20 / binHz));
  const hiBin = Math.min(power.length - 1, Math.floor(Math.min(20000, nyquist) / binHz));
  let total = 0, weighted = 0, logSum = 0, count = 0, magSum = 0;
  for (let k = loBin; k <= hiBin; k++) {
    const p = power[k]!;
    total += p;
    const m = Math.sqrt(p);
    magSum += m;
    weighted += m * k * binHz;
    logSum += Math.log(p + 1e-30);
    count++;
  }
  if (!(total > 1e-20)) return notMeasurable('silent between 20 Hz and 20 kHz');
  let cumulative = 0;
  let rolloff = hiBin * binHz;
  for (let k = loBin; k <= hiBin; k++) {
    cumulative += power[k]!;
    if (cumulative >= 0.95 * total) {
      rolloff = k * binHz;
      break;
    }
  }
  const flatness = Math.exp(logSum / count) / (total / count);
  const spectrum: Spectrum = {
    bands: bandLevels(ps, OCTAVE_CENTRES, Math.SQRT2, nyquist),
    ...(arrays ? { thirdOctave: bandLevels(ps, thirdOctaveCentres(), 2 ** (1 / 6), nyquist) } : {}),
    centroidHz: round(weighted / magSum, 0),
    rolloff95Hz: round(rolloff, 0),
    flatness: round(flatness, 3),
    peaks: spectralPeaks(ps, loBin, hiBin, arrays ? 20 : 5),
  };
  return spectrum;
}

/** Local maxima within 50 dB of the strongest and 10 dB above the spectrum ±1/3 octave around them. */
export function spectralPeaks(ps: PowerSpectrum, loBin: number, hiBin: number, max: number): SpectrumPeak[] {
  const db = Array.from(ps.power, (p) => dbFromPower(p + 1e-30));
  let top = -Infinity;
  for (let k = loBin; k <= hiBin; k++) top = Math.max(top, db[k]!);
  const found: SpectrumPeak[] = [];
  for (let k = Math.max(loBin, 1); k <= Math.min(hiBin, db.length - 2); k++) {
    const v = db[k]!;
    if (v < top - PEAK_RANGE_DB || v < db[k - 1]! || v <= db[k + 1]!) continue;
    // Prominence: above the median level of the surrounding third octave either side.
    const lo = Math.max(loBin, Math.floor(k / 2 ** (1 / 3)));
    const hi = Math.min(hiBin, Math.ceil(k * 2 ** (1 / 3)));
    const around: number[] = [];
    for (let j = lo; j <= hi; j++) if (Math.abs(j - k) > 3) around.push(db[j]!);
    around.sort((a, b) => a - b);
    const floor = around.length > 0 ? around[Math.floor(around.length / 2)]! : -Infinity;
    if (v - floor < PEAK_PROMINENCE_DB) continue;
    const d = parabolicOffset(db[k - 1]!, v, db[k + 1]!);
    const hz = (k + d) * ps.binHz;
    // Level of the whole main lobe (≈ the sine's level): the peak bin plus its neighbours.
    const lobe = ps.power[k - 1]! + ps.power[k]! + ps.power[k + 1]!;
    const note = noteOf(hz);
    found.push({ hz: round(hz, 2), db: round(dbFromPower(lobe), 1), note: note.note, cents: round(note.cents, 1) });
  }
  found.sort((a, b) => b.db - a.db);
  return found.slice(0, max);
}
