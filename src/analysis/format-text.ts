// The human-readable rendering of a report (`chronus analyze` without --json). Main thread.

import { isMeasured, type AnalysisReport, type Defect, type Measured } from './types.js';

const v = (x: Measured<number>, unit: string): string => (isMeasured(x) ? `${x} ${unit}`.trim() : `n/a (${x.reason})`);

export function formatReport(r: AnalysisReport): string {
  const lines: string[] = [r.summary, ''];
  const l = r.levels;
  lines.push('levels');
  lines.push(`  sample peak ${v(l.samplePeakDbfs, 'dBFS')}, true peak ${v(l.truePeakDbtp, 'dBTP')}, RMS ${v(l.rmsDbfs, 'dBFS')}, crest ${v(l.crestDb, 'dB')}`);
  lines.push(`  loudness integrated ${v(l.lufsIntegrated, 'LUFS')}, short-term max ${v(l.lufsShortTermMax, 'LUFS')}, momentary max ${v(l.lufsMomentaryMax, 'LUFS')}`);
  lines.push(`  DC ${l.dc.join(', ')}; stereo ${isMeasured(l.stereo) ? `correlation ${l.stereo.correlation}, width ${v(l.stereo.widthDb, 'dB (side/mid)')}` : `n/a (${l.stereo.reason})`}`);
  lines.push('defects');
  const d = r.defects;
  const row = (name: string, defect: Defect, what: string): void => {
    lines.push(`  ${defect.severity === 'ok' ? 'ok  ' : defect.severity.toUpperCase().padEnd(4)} ${name}: ${what}  [${defect.threshold}]`);
  };
  row('NaN/Inf', d.nonFinite, `${d.nonFinite.count}`);
  row('clipped', d.clipped, `${d.clipped.count} (${d.clipped.overs} over full scale)`);
  row('clicks', d.clicks, `${d.clicks.count}${d.clicks.times.length > 0 ? ` at ${d.clicks.times.join(', ')} s` : ''}`);
  row('silence', d.silence, `${d.silence.seconds} s${d.silence.spans.length > 0 ? ` in ${d.silence.spans.map(([a, b]) => `${a}–${b}`).join(', ')} s` : ''}`);
  row('DC offset', d.dcOffset, `${d.dcOffset.max}`);
  lines.push('spectrum');
  if (isMeasured(r.spectrum)) {
    const s = r.spectrum;
    lines.push(`  octave bands (Hz: dB) ${s.bands.hz.map((hz, i) => `${hz}: ${s.bands.db[i]}`).join(', ')}`);
    lines.push(`  centroid ${s.centroidHz} Hz, 95 % roll-off ${s.rolloff95Hz} Hz, flatness ${s.flatness}`);
    if (s.peaks.length > 0) lines.push(`  peaks ${s.peaks.map((p) => `${p.hz} Hz ${p.db} dB (${p.note} ${p.cents >= 0 ? '+' : ''}${p.cents} c)`).join('; ')}`);
  } else {
    lines.push(`  n/a (${r.spectrum.reason})`);
  }
  lines.push('pitch');
  lines.push(isMeasured(r.pitch)
    ? `  f0 ${r.pitch.f0Hz} Hz = ${r.pitch.note} ${r.pitch.cents >= 0 ? '+' : ''}${r.pitch.cents} cents, confidence ${r.pitch.confidence}, spread ${r.pitch.spreadCents} cents`
    : `  n/a (${r.pitch.reason})`);
  lines.push('rhythm');
  const o = r.rhythm.onsets;
  lines.push(`  ${o.count} onsets${o.count > 0 ? ` at ${o.times.join(', ')}${o.truncated ? ', …' : ''} s` : ''}`);
  const t = r.rhythm.tempo;
  lines.push(isMeasured(t)
    ? `  tempo ${t.bpm} BPM (confidence ${t.confidence}); alternatives ${t.alternatives.map((a) => `${a.bpm} (${a.label}, ${a.salience})`).join(', ')}`
    : `  tempo n/a (${t.reason})`);
  const g = r.rhythm.grid;
  if (g !== undefined) {
    lines.push(isMeasured(g)
      ? `  grid ${g.bpm} BPM × ${g.stepsPerBeat} from ${g.startSeconds} s: mean |deviation| ${g.meanAbsDeviationMs} ms, max ${g.maxAbsDeviationMs} ms, ${g.offGrid} off grid; tempo ${g.tempoMatch}`
      : `  grid n/a (${g.reason})`);
  }
  if (r.checks.length > 0) {
    lines.push('checks');
    for (const c of r.checks) lines.push(`  ${c.pass ? 'pass' : 'FAIL'} ${c.check}: expected ${c.expected}, measured ${c.measured ?? 'n/a'}${c.reason === undefined ? '' : ` (${c.reason})`}`);
  }
  if (r.delta !== undefined) lines.push('delta', `  ${r.delta.summary}`);
  return `${lines.join('\n')}\n`;
}
