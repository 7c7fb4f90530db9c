// Differences between a report and a reference report (a previous hear, a named take):
// measured − reference for every scalar both measured, and per octave band. Main thread.

import { round } from './math.js';
import { isMeasured, type AnalysisReport, type Delta, type Measured } from './types.js';

type Partial = Omit<AnalysisReport, 'checks' | 'summary' | 'delta'>;

function scalars(r: Partial): Record<string, Measured<number>> {
  const l = r.levels;
  const sp = r.spectrum;
  return {
    samplePeakDbfs: l.samplePeakDbfs,
    truePeakDbtp: l.truePeakDbtp,
    rmsDbfs: l.rmsDbfs,
    lufsIntegrated: l.lufsIntegrated,
    lufsShortTermMax: l.lufsShortTermMax,
    crestDb: l.crestDb,
    centroidHz: isMeasured(sp) ? sp.centroidHz : sp,
    flatness: isMeasured(sp) ? sp.flatness : sp,
    f0Cents: isMeasured(r.pitch) ? 1200 * Math.log2(r.pitch.f0Hz) : r.pitch,
    tempoBpm: isMeasured(r.rhythm.tempo) ? r.rhythm.tempo.bpm : r.rhythm.tempo,
    onsets: r.rhythm.onsets.count,
    clicks: r.defects.clicks.count,
    clipped: r.defects.clipped.count,
  };
}

const WORDS: Record<string, [string, string]> = {
  lufsIntegrated: ['LU', 'loudness'], truePeakDbtp: ['dB', 'true peak'], centroidHz: ['Hz', 'centroid'],
  f0Cents: ['cents', 'f0'], tempoBpm: ['BPM', 'tempo'], onsets: ['', 'onsets'], clicks: ['', 'clicks'],
};

export function compareReports(current: Partial, reference: AnalysisReport): Delta {
  const now = scalars(current);
  const then = scalars(reference);
  const values: Record<string, number> = {};
  for (const [key, value] of Object.entries(now)) {
    const before = then[key];
    if (before !== undefined && isMeasured(value) && isMeasured(before)) values[key] = round(value - before, key === 'flatness' ? 3 : 2);
  }
  let bandsDb: number[] | undefined;
  if (isMeasured(current.spectrum) && isMeasured(reference.spectrum)) {
    const a = current.spectrum.bands.db;
    const b = reference.spectrum.bands.db;
    bandsDb = a.slice(0, Math.min(a.length, b.length)).map((v, i) => round(v - b[i]!, 1));
  }
  const notable = Object.entries(values)
    .filter(([key, v]) => WORDS[key] !== undefined && Math.abs(v) >= (key === 'centroidHz' ? 50 : key === 'f0Cents' ? 5 : key === 'tempoBpm' ? 0.5 : 0.5))
    .map(([key, v]) => `${WORDS[key]![1]} ${v > 0 ? '+' : ''}${v}${WORDS[key]![0] === '' ? '' : ` ${WORDS[key]![0]}`}`);
  return { values, ...(bandsDb === undefined ? {} : { bandsDb }), summary: notable.length === 0 ? 'no notable change against the reference' : `vs reference: ${notable.join(', ')}` };
}
