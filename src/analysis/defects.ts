// Defects: non-finite samples, clipping, clicks, silent spans and DC offset, each with the
// threshold it was held to and a severity. Main thread; allocates.

import { round } from './math.js';
import type { Defects } from './types.js';

/** A sample at or above this magnitude (−0.009 dBFS) counts as clipped. */
export const CLIP_LEVEL = 0.999;
/** Silence: RMS below this over every 10 ms window of a span at least SILENCE_MIN_SECONDS long. */
export const SILENCE_DBFS = -60;
export const SILENCE_MIN_SECONDS = 0.1;
/** A click: the second difference at one sample stands this far above its neighbourhood … */
export const CLICK_RATIO_DB = 20;
/** … and is at least this large (−40 dBFS), so noise floors do not count. */
export const CLICK_MIN = 0.01;
/** Neighbourhood of a click candidate: ±2.5 ms, leaving out ±2 samples around it. */
const CLICK_WINDOW_SECONDS = 0.0025;
export const DC_WARNING = 0.01;
/** At most this many times are listed in a compact report. */
export const COMPACT_LIST = 10;

export function findDefects(channels: readonly Float32Array[], sampleRate: number, arrays: boolean): Defects {
  let nonFinite = 0;
  let clipped = 0;
  let overs = 0;
  for (const x of channels) {
    for (let i = 0; i < x.length; i++) {
      const v = x[i]!;
      if (!Number.isFinite(v)) nonFinite++;
      else if (Math.abs(v) >= CLIP_LEVEL) {
        clipped++;
        if (Math.abs(v) > 1) overs++;
      }
    }
  }
  const clickTimes = findClicks(channels, sampleRate);
  const spans = silentSpans(channels, sampleRate);
  const silentSeconds = spans.reduce((s, [a, b]) => s + b - a, 0);
  const seconds = (channels[0]?.length ?? 0) / sampleRate;
  const dcMax = Math.max(0, ...channels.map((x) => {
    let s = 0;
    for (let i = 0; i < x.length; i++) if (Number.isFinite(x[i]!)) s += x[i]!;
    return Math.abs(s / Math.max(1, x.length));
  }));
  const list = <T>(a: T[]): T[] => (arrays ? a : a.slice(0, COMPACT_LIST));
  const allSilent = seconds > 0 && silentSeconds >= seconds - 0.011;
  return {
    nonFinite: { count: nonFinite, severity: nonFinite > 0 ? 'error' : 'ok', threshold: 'any NaN or ±Infinity sample is an error' },
    clipped: {
      count: clipped, overs,
      severity: overs > 0 ? 'error' : clipped > 0 ? 'warning' : 'ok',
      threshold: `|x| ≥ ${CLIP_LEVEL} is clipped (warning); |x| > 1 clips in any fixed-point file (error)`,
    },
    clicks: {
      count: clickTimes.length, times: list(clickTimes).map((t) => round(t, 4)),
      severity: clickTimes.length > 0 ? 'warning' : 'ok',
      threshold: `second difference ≥ ${CLICK_MIN} and ${CLICK_RATIO_DB} dB above its ±2.5 ms neighbourhood`,
    },
    silence: {
      seconds: round(silentSeconds, 2), spans: list(spans).map(([a, b]) => [round(a, 2), round(b, 2)] as [number, number]),
      severity: (allSilent ? 'error' : spans.length > 0 ? 'info' : 'ok'),
      threshold: `RMS < ${SILENCE_DBFS} dBFS in every 10 ms window for ≥ ${SILENCE_MIN_SECONDS * 1000} ms (all silent: error)`,
    },
    dcOffset: {
      max: round(dcMax, 5), severity: dcMax >= DC_WARNING ? 'warning' : 'ok',
      threshold: `|mean| ≥ ${DC_WARNING} (−40 dBFS) on any channel`,
    },
  };
}

/** Times (s) of isolated impulses in the second difference, merged across channels (≥ 5 ms apart). */
export function findClicks(channels: readonly Float32Array[], sampleRate: number): number[] {
  const half = Math.max(4, Math.round(CLICK_WINDOW_SECONDS * sampleRate));
  const ratio = 10 ** (CLICK_RATIO_DB / 20);
  const frames: number[] = [];
  for (const x of channels) {
    const n = x.length;
    const d2 = new Float64Array(n);
    for (let i = 2; i < n; i++) {
      const v = x[i]! - 2 * x[i - 1]! + x[i - 2]!;
      d2[i] = Number.isFinite(v) ? v : 0;
    }
    // Prefix sums of d2² for neighbourhood energies.
    const prefix = new Float64Array(n + 1);
    for (let i = 0; i < n; i++) prefix[i + 1] = prefix[i]! + d2[i]! * d2[i]!;
    const energy = (a: number, b: number): number => prefix[Math.min(n, Math.max(0, b))]! - prefix[Math.min(n, Math.max(0, a))]!;
    for (let i = 2; i < n; i++) {
      const a = Math.abs(d2[i]!);
      if (a < CLICK_MIN) continue;
      if (a < Math.abs(d2[i - 1]!) || a < Math.abs(d2[i + 1] ?? 0)) continue;
      const around = energy(i - half, i - 2) + energy(i + 3, i + half + 1);
      const countAround = Math.min(n, i + half + 1) - Math.max(0, i + 3) + Math.max(0, i - 2) - Math.max(0, i - half);
      const rmsAround = Math.sqrt(around / Math.max(1, countAround));
      if (a >= ratio * rmsAround) frames.push(i - 1);
    }
  }
  frames.sort((a, b) => a - b);
  const merged: number[] = [];
  const gap = Math.round(0.005 * sampleRate);
  for (const f of frames) if (merged.length === 0 || f - merged[merged.length - 1]! >= gap) merged.push(f);
  return merged.map((f) => f / sampleRate);
}

/** Spans [from, to] in seconds where every channel stays below SILENCE_DBFS (10 ms windows). */
export function silentSpans(channels: readonly Float32Array[], sampleRate: number): Array<[number, number]> {
  const n = channels[0]?.length ?? 0;
  const w = Math.max(1, Math.round(0.01 * sampleRate));
  const limit = 10 ** (SILENCE_DBFS / 10);
  const spans: Array<[number, number]> = [];
  let start = -1;
  for (let at = 0; at < n; at += w) {
    const end = Math.min(n, at + w);
    let loud = false;
    for (const x of channels) {
      let s = 0;
      for (let i = at; i < end; i++) s += Number.isFinite(x[i]!) ? x[i]! * x[i]! : 0;
      if (s / (end - at) >= limit) loud = true;
    }
    if (!loud && start < 0) start = at;
    if ((loud || end === n) && start >= 0) {
      const stop = loud ? at : end;
      if ((stop - start) / sampleRate >= SILENCE_MIN_SECONDS - 1e-9) spans.push([start / sampleRate, stop / sampleRate]);
      start = -1;
    }
  }
  return spans;
}
