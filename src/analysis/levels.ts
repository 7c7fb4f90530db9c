// Levels: sample peak, true peak, RMS, crest factor, DC per channel, stereo correlation and
// width, and BS.1770 loudness (loudness.ts). Levels are relative to full scale (1.0):
// a full-scale sine has a 0 dBFS peak and a −3.01 dBFS RMS.
// Main thread; allocates.

import { dbFromAmplitude, round } from './math.js';
import type { LoudnessResult } from './loudness.js';
import { truePeak } from './true-peak.js';
import { notMeasurable, type Levels, type Measured } from './types.js';

const SILENT = 'silent: every sample is zero';

function maxOf(values: ReadonlyArray<number | null>): number | null {
  let best: number | null = null;
  for (const v of values) if (v !== null && (best === null || v > best)) best = v;
  return best;
}

export function measureLevels(channels: readonly Float32Array[], loudness: LoudnessResult, sampleRate: number): Levels {
  let peak = 0;
  let sumSquares = 0;
  let count = 0;
  const dc: number[] = [];
  for (const x of channels) {
    let sum = 0;
    for (let i = 0; i < x.length; i++) {
      const v = x[i]!;
      if (!Number.isFinite(v)) continue;
      sum += v;
      sumSquares += v * v;
      if (Math.abs(v) > peak) peak = Math.abs(v);
    }
    count += x.length;
    dc.push(x.length > 0 ? sum / x.length : 0);
  }
  const tp = Math.max(0, ...channels.map(truePeak));
  const rms = Math.sqrt(sumSquares / Math.max(1, count));
  const db = (v: number): Measured<number> => (v > 0 ? round(dbFromAmplitude(v), 2) : notMeasurable(SILENT));
  const seconds = (channels[0]?.length ?? 0) / sampleRate;
  const integrated: Measured<number> = seconds < 0.4
    ? notMeasurable(`shorter than one 400 ms gating block (${seconds.toFixed(2)} s)`)
    : loudness.integrated === null ? notMeasurable('no 400 ms block is above the −70 LUFS absolute gate') : round(loudness.integrated, 2);
  const shortTerm = maxOf(loudness.shortTerm);
  const momentary = maxOf(loudness.momentary);
  return {
    samplePeakDbfs: db(peak),
    truePeakDbtp: db(tp),
    rmsDbfs: db(rms),
    crestDb: peak > 0 ? round(dbFromAmplitude(peak / rms), 2) : notMeasurable(SILENT),
    lufsIntegrated: integrated,
    lufsShortTermMax: seconds < 3 ? notMeasurable(`shorter than the 3 s short-term window (${seconds.toFixed(2)} s)`)
      : shortTerm === null ? notMeasurable(SILENT) : round(shortTerm, 2),
    lufsMomentaryMax: seconds < 0.4 ? notMeasurable(`shorter than the 400 ms momentary window (${seconds.toFixed(2)} s)`)
      : momentary === null ? notMeasurable(SILENT) : round(momentary, 2),
    dc: dc.map((v) => round(v, 5)),
    stereo: stereoImage(channels),
  };
}

/**
 * Correlation of L and R (+1 mono, 0 unrelated, −1 out of phase) and width as the side/mid
 * level ratio in dB (M = (L+R)/2, S = (L−R)/2; −∞ for mono, 0 dB when side equals mid).
 */
function stereoImage(channels: readonly Float32Array[]): Levels['stereo'] {
  if (channels.length !== 2) return notMeasurable(`needs 2 channels, got ${channels.length}`);
  const [l, r] = channels as [Float32Array, Float32Array];
  let ll = 0, rr = 0, lr = 0;
  for (let i = 0; i < l.length; i++) {
    const a = Number.isFinite(l[i]!) ? l[i]! : 0;
    const b = Number.isFinite(r[i]!) ? r[i]! : 0;
    ll += a * a; rr += b * b; lr += a * b;
  }
  if (ll === 0 || rr === 0) return notMeasurable(ll === rr ? SILENT : 'one channel is silent');
  const mid = ll + rr + 2 * lr;
  const side = ll + rr - 2 * lr;
  return {
    correlation: round(lr / Math.sqrt(ll * rr), 3),
    widthDb: side <= 1e-12 * (ll + rr) ? notMeasurable('mono: left and right are identical (no side signal)')
      : mid <= 1e-12 * (ll + rr) ? notMeasurable('no mid signal: left is right inverted') : round(10 * Math.log10(side / mid), 1),
  };
}
