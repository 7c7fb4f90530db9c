// Onsets by spectral flux (Bello et al., "A tutorial on onset detection in music signals",
// IEEE TSALP 2005; log compression as in Müller, "Fundamentals of Music Processing", 2015,
// §6.1): the half-wave rectified frame-to-frame increase of log(1 + γ·E) summed over
// third-octave bands (so a kick's few low bins weigh as much as a hat's many high ones),
// every ~2.7 ms. Peaks of the flux above a local mean plus a margin are
// onsets; each is then placed to 1 ms by the largest jump of high-passed (second-difference)
// energy between consecutive 1 ms blocks near the peak.
// Main thread; allocates.

import { Stft } from './stft.js';

const FRAME = 1024;
/** log(1 + γ·E): band energies below 1/γ (−80 dB re full scale) count as silence. */
const GAMMA = 1e8;
/** Band edges: third octaves from 30 Hz, each at least one bin wide. */
function bandEdges(sampleRate: number): number[] {
  const binHz = sampleRate / FRAME;
  const edges = [Math.max(1, Math.round(30 / binHz))];
  for (let f = 30 * 2 ** (1 / 3); f < sampleRate / 2; f *= 2 ** (1 / 3)) {
    const k = Math.min(FRAME / 2, Math.round(f / binHz));
    if (k > edges[edges.length - 1]!) edges.push(k);
  }
  if (edges[edges.length - 1]! < FRAME / 2) edges.push(FRAME / 2);
  return edges;
}
/** Peak picking: a local maximum over ±30 ms … */
const PEAK_HALF_WIDTH_S = 0.03;
/** … above the mean of the flux over ±100 ms plus this share of the largest flux. */
export const ONSET_MARGIN = 0.06;
const MEAN_HALF_WIDTH_S = 0.1;

export interface Novelty {
  /** Flux per frame; frame n is centred on (n − lead) · hop samples. */
  readonly flux: Float64Array;
  /** Frames before the one centred on sample 0 (so a sound starting at 0 has an onset). */
  readonly lead: number;
  readonly hop: number;
  readonly sampleRate: number;
}

export interface Onset {
  readonly time: number;
  /** The flux peak above its local mean, relative to the largest flux (0 … 1). */
  readonly strength: number;
}

export function spectralFlux(mono: Float32Array, sampleRate: number): Novelty {
  const hop = Math.max(1, Math.round(sampleRate / 375));
  const stft = new Stft(FRAME);
  const lead = Math.ceil(FRAME / 2 / hop) + 1;
  const frames = Math.floor(mono.length / hop) + 1 + lead;
  const flux = new Float64Array(frames);
  const edges = bandEdges(sampleRate);
  let prev = new Float64Array(edges.length);
  let cur = new Float64Array(edges.length);
  const mags = new Float64Array(FRAME / 2 + 1);
  for (let n = 0; n < frames; n++) {
    stft.magnitudes(mono, (n - lead) * hop - FRAME / 2, mags);
    let sum = 0;
    for (let b = 0; b + 1 < edges.length; b++) {
      let e = 0;
      for (let k = edges[b]!; k < edges[b + 1]!; k++) e += mags[k]! * mags[k]!;
      cur[b] = Math.log1p(GAMMA * e);
      if (n > 0 && cur[b]! > prev[b]!) sum += cur[b]! - prev[b]!;
    }
    flux[n] = sum;
    [prev, cur] = [cur, prev];
  }
  return { flux, hop, sampleRate, lead };
}

function movingMean(x: Float64Array, half: number): Float64Array {
  const prefix = new Float64Array(x.length + 1);
  for (let i = 0; i < x.length; i++) prefix[i + 1] = prefix[i]! + x[i]!;
  const out = new Float64Array(x.length);
  for (let i = 0; i < x.length; i++) {
    const a = Math.max(0, i - half);
    const b = Math.min(x.length, i + half + 1);
    out[i] = (prefix[b]! - prefix[a]!) / (b - a);
  }
  return out;
}

/** The flux minus its local mean, half-wave rectified: the input of tempo estimation. */
export function enhancedNovelty(nov: Novelty): Float64Array {
  const mean = movingMean(nov.flux, Math.round((MEAN_HALF_WIDTH_S * nov.sampleRate) / nov.hop));
  return nov.flux.map((v, i) => Math.max(0, v - mean[i]!));
}

export function detectOnsets(mono: Float32Array, nov: Novelty): Onset[] {
  const { flux, hop, sampleRate } = nov;
  let max = 0;
  for (const v of flux) max = Math.max(max, v);
  if (max <= 0) return [];
  const mean = movingMean(flux, Math.round((MEAN_HALF_WIDTH_S * sampleRate) / hop));
  const half = Math.max(1, Math.round((PEAK_HALF_WIDTH_S * sampleRate) / hop));
  const onsets: Onset[] = [];
  const refiner = new OnsetRefiner(mono, sampleRate);
  // Frames whose window runs past the end see the signal cut off (leakage, not an onset).
  const lastFrame = Math.floor((mono.length - FRAME / 2) / hop) + nov.lead;
  for (let n = 1; n < Math.min(flux.length, lastFrame + 1); n++) {
    const v = flux[n]!;
    if (v - mean[n]! < ONSET_MARGIN * max) continue;
    let isPeak = true;
    for (let j = Math.max(0, n - half); j <= Math.min(flux.length - 1, n + half) && isPeak; j++) {
      if (flux[j]! > v || (flux[j] === v && j < n)) isPeak = false;
    }
    if (!isPeak) continue;
    const centre = (n - nov.lead) * hop;
    const time = refiner.refine(centre - 2 * hop, centre + FRAME / 2 + hop) / sampleRate;
    const last = onsets[onsets.length - 1];
    if (last !== undefined && time - last.time < PEAK_HALF_WIDTH_S) continue;
    onsets.push({ time, strength: (v - mean[n]!) / max });
  }
  return onsets;
}

/** Places an onset at the 1 ms block whose second-difference energy jumps most from the one before. */
class OnsetRefiner {
  private readonly block: number;
  private readonly prefix: Float64Array;

  constructor(mono: Float32Array, sampleRate: number) {
    this.block = Math.max(4, Math.round(sampleRate / 1000));
    this.prefix = new Float64Array(mono.length + 1);
    for (let i = 0; i < mono.length; i++) {
      const d2 = i >= 2 ? mono[i]! - 2 * mono[i - 1]! + mono[i - 2]! : 0;
      this.prefix[i + 1] = this.prefix[i]! + d2 * d2;
    }
  }

  private energy(a: number, b: number): number {
    const n = this.prefix.length - 1;
    return this.prefix[Math.max(0, Math.min(n, b))]! - this.prefix[Math.max(0, Math.min(n, a))]!;
  }

  /** A sample index in [from, to). */
  refine(from: number, to: number): number {
    const b = this.block;
    const floor = 1e-12 * b;
    let best = Math.max(0, from);
    let bestJump = -Infinity;
    // Blocks start every quarter block: 0.25 ms steps.
    for (let s = Math.max(0, from); s < to; s += Math.max(1, b >> 2)) {
      const jump = Math.log((this.energy(s, s + b) + floor) / (this.energy(s - b, s) + floor));
      if (jump > bestJump) {
        bestJump = jump;
        best = s;
      }
    }
    return best;
  }
}
