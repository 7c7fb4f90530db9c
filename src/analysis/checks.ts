// Checks the caller passes in, each evaluated against the report: "f0 ≈ 220 Hz ±5 cents",
// "lufs in [-16, -12]", "peak < -1", "tempo ≈ 128 ±0.5", "onsets = 16", "no_clip". Grammar:
//   FLAG                       no_clip | no_nan | no_clicks | no_dc | not_silent
//   METRIC ≈ VALUE ±TOL [cents|%]  (also ~=, ~)
//   METRIC in [LO, HI]
//   METRIC (=|==|!=|<|<=|>|>=) VALUE
// Units written after a number (Hz, dB, LUFS, BPM, ms, dBFS, dBTP) are ignored; "cents" and "%"
// on a tolerance change its meaning. A check that cannot be evaluated fails, with the reason.
// Main thread.

import { round } from './math.js';
import { isMeasured, type AnalysisReport, type CheckResult, type Measured } from './types.js';

type Partial = Omit<AnalysisReport, 'checks' | 'summary' | 'delta'>;
type Metric = { value: Measured<number>; unit: string };

const METRICS: Record<string, (r: Partial) => Metric> = {
  f0: (r) => ({ value: isMeasured(r.pitch) ? r.pitch.f0Hz : r.pitch, unit: 'Hz' }),
  lufs: (r) => ({ value: r.levels.lufsIntegrated, unit: 'LUFS' }),
  lufs_short_term_max: (r) => ({ value: r.levels.lufsShortTermMax, unit: 'LUFS' }),
  lufs_momentary_max: (r) => ({ value: r.levels.lufsMomentaryMax, unit: 'LUFS' }),
  peak: (r) => ({ value: r.levels.samplePeakDbfs, unit: 'dBFS' }),
  true_peak: (r) => ({ value: r.levels.truePeakDbtp, unit: 'dBTP' }),
  rms: (r) => ({ value: r.levels.rmsDbfs, unit: 'dBFS' }),
  crest: (r) => ({ value: r.levels.crestDb, unit: 'dB' }),
  correlation: (r) => ({ value: isMeasured(r.levels.stereo) ? r.levels.stereo.correlation : r.levels.stereo, unit: '' }),
  width: (r) => ({ value: isMeasured(r.levels.stereo) ? r.levels.stereo.widthDb : r.levels.stereo, unit: 'dB' }),
  centroid: (r) => ({ value: isMeasured(r.spectrum) ? r.spectrum.centroidHz : r.spectrum, unit: 'Hz' }),
  rolloff: (r) => ({ value: isMeasured(r.spectrum) ? r.spectrum.rolloff95Hz : r.spectrum, unit: 'Hz' }),
  flatness: (r) => ({ value: isMeasured(r.spectrum) ? r.spectrum.flatness : r.spectrum, unit: '' }),
  onsets: (r) => ({ value: r.rhythm.onsets.count, unit: '' }),
  tempo: (r) => ({ value: isMeasured(r.rhythm.tempo) ? r.rhythm.tempo.bpm : r.rhythm.tempo, unit: 'BPM' }),
  clicks: (r) => ({ value: r.defects.clicks.count, unit: '' }),
  clipped: (r) => ({ value: r.defects.clipped.count, unit: '' }),
  silence: (r) => ({ value: r.defects.silence.seconds, unit: 's' }),
  grid_deviation: (r) => ({
    value: r.rhythm.grid === undefined ? { measurable: false, reason: 'no expected bpm given' } : isMeasured(r.rhythm.grid) ? r.rhythm.grid.maxAbsDeviationMs : r.rhythm.grid,
    unit: 'ms',
  }),
};
const ALIASES: Record<string, string> = { bpm: 'tempo', pitch: 'f0', loudness: 'lufs', lufs_integrated: 'lufs', truepeak: 'true_peak', onset_count: 'onsets', short_term_max: 'lufs_short_term_max' };

const FLAGS: Record<string, (r: Partial) => { pass: boolean; measured: number | string }> = {
  no_clip: (r) => ({ pass: r.defects.clipped.count === 0, measured: r.defects.clipped.count }),
  no_nan: (r) => ({ pass: r.defects.nonFinite.count === 0, measured: r.defects.nonFinite.count }),
  no_clicks: (r) => ({ pass: r.defects.clicks.count === 0, measured: r.defects.clicks.count }),
  no_dc: (r) => ({ pass: r.defects.dcOffset.severity === 'ok', measured: r.defects.dcOffset.max }),
  not_silent: (r) => ({ pass: r.defects.silence.severity !== 'error', measured: r.defects.silence.seconds }),
};

const NUMBER = String.raw`[-+]?(?:\d+\.?\d*|\.\d+)(?:e[-+]?\d+)?`;
const UNIT = String.raw`\s*(?:hz|khz|db|dbfs|dbtp|lufs|lu|bpm|ms|s)?`;
const APPROX = new RegExp(String.raw`^([a-z_0-9]+)\s*(?:≈|~=|~)\s*(${NUMBER})${UNIT}\s*(?:±|\+-|\+/-)\s*(${NUMBER})\s*(cents?|%|hz|khz|db|dbfs|dbtp|lufs|lu|bpm|ms|s)?$`, 'i');
const RANGE = new RegExp(String.raw`^([a-z_0-9]+)\s+in\s*\[\s*(${NUMBER})${UNIT}\s*,\s*(${NUMBER})${UNIT}\s*\]$`, 'i');
const COMPARE = new RegExp(String.raw`^([a-z_0-9]+)\s*(==|=|!=|<=|>=|<|>)\s*(${NUMBER})${UNIT}$`, 'i');

function fail(check: string, expected: string, reason: string, measured: number | string | null = null): CheckResult {
  return { check, expected, measured, pass: false, reason };
}

export function evaluateCheck(check: string, report: Partial): CheckResult {
  const text = check.trim();
  const flag = FLAGS[text.toLowerCase()];
  if (flag !== undefined) {
    const { pass, measured } = flag(report);
    return { check, expected: text.toLowerCase(), measured, pass };
  }
  const approx = APPROX.exec(text);
  const range = RANGE.exec(text);
  const compare = COMPARE.exec(text);
  const name = (approx ?? range ?? compare)?.[1]?.toLowerCase();
  if (name === undefined) {
    return fail(check, '?', `cannot parse; write e.g. "f0 ≈ 220 Hz ±5 cents", "lufs in [-16, -12]", "onsets = 16" or a flag (${Object.keys(FLAGS).join(', ')})`);
  }
  const metric = METRICS[ALIASES[name] ?? name];
  if (metric === undefined) return fail(check, '?', `unknown metric '${name}'; known: ${Object.keys(METRICS).join(', ')}`);
  const { value, unit } = metric(report);
  const u = unit === '' ? '' : ` ${unit}`;
  if (approx !== null) {
    const target = Number(approx[2]);
    const tol = Number(approx[3]);
    const kind = (approx[4] ?? '').toLowerCase();
    const expected = `${target}${u} ±${tol}${kind.startsWith('cent') ? ' cents' : kind === '%' ? ' %' : u}`;
    if (!isMeasured(value)) return fail(check, expected, `not measurable: ${value.reason}`);
    const error = kind.startsWith('cent') ? 1200 * Math.log2(value / target) : kind === '%' ? (100 * (value - target)) / target : value - target;
    const detail = kind.startsWith('cent') ? `${round(error, 2)} cents off` : undefined;
    return { check, expected, measured: value, pass: Math.abs(error) <= tol, ...(detail === undefined ? {} : { reason: detail }) };
  }
  if (range !== null) {
    const lo = Number(range[2]);
    const hi = Number(range[3]);
    const expected = `in [${lo}, ${hi}]${u}`;
    if (!isMeasured(value)) return fail(check, expected, `not measurable: ${value.reason}`);
    return { check, expected, measured: value, pass: value >= lo && value <= hi };
  }
  const op = compare![2]!;
  const target = Number(compare![3]);
  const expected = `${op} ${target}${u}`;
  if (!isMeasured(value)) return fail(check, expected, `not measurable: ${value.reason}`);
  const pass = op === '<' ? value < target : op === '<=' ? value <= target : op === '>' ? value > target
    : op === '>=' ? value >= target : op === '!=' ? value !== target : value === target;
  return { check, expected, measured: value, pass };
}
