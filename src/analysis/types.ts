// The analysis report: a versioned, JSON-serialisable description of a piece of audio.
// Every figure is either measured or `{ measurable: false, reason }`, never guessed.
// See docs/analysis.md for what each figure means and the thresholds defects are held to.

export const ANALYSIS_SCHEMA = 'chronus-analysis/1';

/** A figure that could not be measured, and why. */
export interface NotMeasurable {
  readonly measurable: false;
  readonly reason: string;
}

export type Measured<T> = T | NotMeasurable;

export function notMeasurable(reason: string): NotMeasurable {
  return { measurable: false, reason };
}

export function isMeasured<T>(value: Measured<T>): value is T {
  return !(typeof value === 'object' && value !== null && (value as { measurable?: unknown }).measurable === false);
}

export interface AudioInput {
  /** One array per channel, equal lengths, nominal range [-1, 1]. */
  readonly channels: Float32Array[];
  readonly sampleRate: number;
}

export interface AnalyzeOptions {
  /** Assertions such as "f0 ≈ 220 Hz ±5 cents", "lufs in [-16, -12]", "no_clip", "onsets = 16". */
  readonly checks?: string[];
  /** What the sequencer was running: the grid onsets are held against. */
  readonly expected?: { bpm?: number; stepsPerBeat?: number; gridStartSeconds?: number };
  /** A previous report: the result carries the differences. */
  readonly reference?: AnalysisReport;
  /** Full arrays (every onset, click, loudness series, third-octave bands); default compact. */
  readonly arrays?: boolean;
}

export type Severity = 'ok' | 'info' | 'warning' | 'error';

export interface Defect {
  readonly severity: Severity;
  /** The rule the figure was held to, in words. */
  readonly threshold: string;
}

export interface Levels {
  readonly samplePeakDbfs: Measured<number>;
  readonly truePeakDbtp: Measured<number>;
  readonly rmsDbfs: Measured<number>;
  readonly crestDb: Measured<number>;
  readonly lufsIntegrated: Measured<number>;
  readonly lufsShortTermMax: Measured<number>;
  readonly lufsMomentaryMax: Measured<number>;
  /** Mean of each channel (linear). */
  readonly dc: number[];
  readonly stereo: Measured<{ correlation: number; widthDb: Measured<number> }>;
}

export interface Defects {
  readonly nonFinite: Defect & { count: number };
  readonly clipped: Defect & { count: number; overs: number };
  readonly clicks: Defect & { count: number; times: number[] };
  readonly silence: Defect & { seconds: number; spans: Array<[number, number]> };
  readonly dcOffset: Defect & { max: number };
}

export interface SpectrumPeak {
  readonly hz: number;
  readonly db: number;
  readonly note: string;
  readonly cents: number;
}

export interface Spectrum {
  /** Octave bands (ISO centres), level in dB relative to a full-scale sine. */
  readonly bands: { readonly hz: number[]; readonly db: number[] };
  readonly thirdOctave?: { readonly hz: number[]; readonly db: number[] };
  readonly centroidHz: number;
  readonly rolloff95Hz: number;
  /** Spectral flatness (Wiener entropy), 0 = pure tones … 1 = white noise. */
  readonly flatness: number;
  readonly peaks: SpectrumPeak[];
}

export interface Pitch {
  readonly measurable: true;
  readonly f0Hz: number;
  readonly note: string;
  readonly cents: number;
  /** 1 − the YIN aperiodicity at the chosen period (median over voiced frames). */
  readonly confidence: number;
  /** Interquartile range of the frame f0s, in cents. */
  readonly spreadCents: number;
  readonly voicedShare: number;
}

export interface Tempo {
  readonly bpm: number;
  readonly confidence: number;
  readonly alternatives: Array<{ bpm: number; label: string; salience: number }>;
}

export interface GridReport {
  readonly bpm: number;
  readonly stepsPerBeat: number;
  readonly startSeconds: number;
  readonly stepSeconds: number;
  readonly meanAbsDeviationMs: number;
  readonly maxAbsDeviationMs: number;
  /** Onsets further than a quarter step from every grid line. */
  readonly offGrid: number;
  readonly tempoMatch: string;
}

export interface Rhythm {
  readonly onsets: { count: number; times: number[]; truncated: boolean };
  readonly tempo: Measured<Tempo>;
  readonly grid?: Measured<GridReport>;
}

export interface CheckResult {
  readonly check: string;
  readonly expected: string;
  readonly measured: number | string | null;
  readonly pass: boolean;
  readonly reason?: string;
}

export interface Delta {
  /** measured − reference for each scalar both reports measured. */
  readonly values: Record<string, number>;
  readonly bandsDb?: number[];
  readonly summary: string;
}

export interface AnalysisReport {
  readonly schema: typeof ANALYSIS_SCHEMA;
  readonly summary: string;
  readonly input: { sampleRate: number; channels: number; seconds: number };
  readonly levels: Levels;
  readonly defects: Defects;
  readonly spectrum: Measured<Spectrum>;
  readonly pitch: Measured<Pitch>;
  readonly rhythm: Rhythm;
  readonly checks: CheckResult[];
  readonly delta?: Delta;
  /** Arrays on request: loudness over time (100 ms steps). */
  readonly series?: { stepSeconds: number; momentaryLufs: Array<number | null>; shortTermLufs: Array<number | null> };
}
