// The one-line summary of a report: levels, the worst defects, pitch or tempo. Main thread.

import { isMeasured, type AnalysisReport, type CheckResult, type Measured } from './types.js';

type Partial = Omit<AnalysisReport, 'checks' | 'summary' | 'delta'>;

const fmt = (v: Measured<number>, unit: string, digits = 1): string => (isMeasured(v) ? `${v.toFixed(digits)} ${unit}` : `no ${unit}`);

export function summarise(r: Partial, checks: readonly CheckResult[]): string {
  const parts: string[] = [];
  const ch = r.input.channels === 1 ? 'mono' : r.input.channels === 2 ? 'stereo' : `${r.input.channels} ch`;
  parts.push(`${r.input.seconds.toFixed(2)} s ${ch}`);
  if (r.defects.silence.severity === 'error') {
    parts.push('SILENT');
  } else {
    parts.push(`${fmt(r.levels.lufsIntegrated, 'LUFS')}, peak ${fmt(r.levels.truePeakDbtp, 'dBTP')}`);
  }
  const problems: string[] = [];
  const d = r.defects;
  if (d.nonFinite.count > 0) problems.push(`${d.nonFinite.count} NaN/Inf samples`);
  if (d.clipped.count > 0) problems.push(`${d.clipped.count} clipped samples`);
  if (d.clicks.count > 0) problems.push(`${d.clicks.count} click${d.clicks.count === 1 ? '' : 's'} (first at ${d.clicks.times[0]} s)`);
  if (d.dcOffset.severity !== 'ok') problems.push(`DC offset ${d.dcOffset.max}`);
  if (d.silence.severity === 'info') problems.push(`${d.silence.seconds} s silent`);
  parts.push(problems.length === 0 ? 'no defects' : problems.join(', '));
  if (isMeasured(r.pitch)) parts.push(`f0 ${r.pitch.f0Hz.toFixed(2)} Hz (${r.pitch.note} ${r.pitch.cents >= 0 ? '+' : ''}${r.pitch.cents.toFixed(1)} c)`);
  const tempo = r.rhythm.tempo;
  if (isMeasured(tempo)) {
    const grid = r.rhythm.grid;
    parts.push(`${tempo.bpm.toFixed(1)} BPM${grid !== undefined && isMeasured(grid) ? ` (${grid.tempoMatch}; onsets within ${grid.maxAbsDeviationMs} ms of the grid)` : ''}`);
  } else if (r.rhythm.onsets.count > 0) {
    parts.push(`${r.rhythm.onsets.count} onset${r.rhythm.onsets.count === 1 ? '' : 's'}`);
  }
  if (checks.length > 0) {
    const failed = checks.filter((c) => !c.pass);
    parts.push(failed.length === 0 ? `all ${checks.length} checks pass` : `${failed.length} of ${checks.length} checks FAIL (${failed.map((c) => c.check).join('; ')})`);
  }
  return parts.join('; ');
}
