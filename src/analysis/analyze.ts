// analyzeAudio: the whole report for a block of audio (see types.ts, docs/analysis.md).
// Pure: same input, same report. Main thread, never the audio path; allocates freely.

import { evaluateCheck } from './checks.js';
import { compareReports } from './delta.js';
import { findDefects, COMPACT_LIST } from './defects.js';
import { gridDeviation } from './grid.js';
import { measureLevels } from './levels.js';
import { measureLoudness } from './loudness.js';
import { mixToMono, round } from './math.js';
import { detectOnsets, enhancedNovelty, spectralFlux } from './onsets.js';
import { describePitch } from './pitch.js';
import { describeSpectrum } from './spectrum.js';
import { summarise } from './summary.js';
import { estimateTempo } from './tempo.js';
import { ANALYSIS_SCHEMA, isMeasured, type AnalysisReport, type AnalyzeOptions, type AudioInput, type Rhythm } from './types.js';

/** Onset times listed in a compact report. */
const COMPACT_ONSETS = 32;

export function analyzeAudio(input: AudioInput, options: AnalyzeOptions = {}): AnalysisReport {
  const { channels, sampleRate } = input;
  if (channels.length === 0) throw new Error('analyzeAudio: no channels');
  if (!(sampleRate > 0)) throw new Error(`analyzeAudio: bad sample rate ${sampleRate}`);
  const frames = channels[0]!.length;
  if (channels.some((c) => c.length !== frames)) throw new Error('analyzeAudio: channels differ in length');
  const arrays = options.arrays === true;
  const mono = mixToMono(channels);
  const loudness = measureLoudness(channels, sampleRate);
  const levels = measureLevels(channels, loudness, sampleRate);
  const defects = findDefects(channels, sampleRate, arrays);
  const spectrum = describeSpectrum(mono, sampleRate, arrays);
  const pitch = describePitch(mono, sampleRate, isMeasured(spectrum) ? spectrum.peaks : []);
  const nov = spectralFlux(mono, sampleRate);
  const onsets = detectOnsets(mono, nov);
  const tempo = estimateTempo(onsets, enhancedNovelty(nov), nov);
  const times = onsets.map((o) => round(o.time, 4));
  const rhythm: Rhythm = {
    onsets: { count: onsets.length, times: arrays ? times : times.slice(0, COMPACT_ONSETS), truncated: !arrays && times.length > COMPACT_ONSETS },
    tempo,
    ...(options.expected?.bpm === undefined ? {} : { grid: gridDeviation(onsets, { ...options.expected, bpm: options.expected.bpm }, tempo) }),
  };
  const partial = {
    schema: ANALYSIS_SCHEMA,
    input: { sampleRate, channels: channels.length, seconds: round(frames / sampleRate, 3) },
    levels,
    defects,
    spectrum,
    pitch,
    rhythm,
    ...(arrays ? { series: { stepSeconds: loudness.stepSeconds, momentaryLufs: loudness.momentary.map((v) => (v === null ? null : round(v, 2))), shortTermLufs: loudness.shortTerm.map((v) => (v === null ? null : round(v, 2))) } } : {}),
  } as const;
  const checks = (options.checks ?? []).map((c) => evaluateCheck(c, partial));
  const delta = options.reference === undefined ? undefined : compareReports(partial, options.reference);
  let summary = summarise(partial, checks);
  if (delta !== undefined) summary += `; ${delta.summary}`;
  const { schema, ...rest } = partial;
  return { schema, summary, ...rest, checks, ...(delta === undefined ? {} : { delta }) };
}

export { COMPACT_LIST };
