// `chronus analyze FILE.wav [--json] [--check …]… [--bpm N] [--steps-per-beat N] [--grid-start S]
// [--reference REPORT.json] [--arrays]` and `chronus plot FILE.wav --out FILE.png`.
// Exit code 1 when a check fails.

import { readFileSync } from 'node:fs';
import { analyzeAudio } from '../analysis/analyze.js';
import { formatReport } from '../analysis/format-text.js';
import { plotAudio } from '../analysis/plot.js';
import type { AnalysisReport, AnalyzeOptions } from '../analysis/types.js';
import { readWav, type WavData } from '../io/wav-reader.js';
import { UsageError } from './usage-error.js';

export interface AnalyzeCommandOptions {
  readonly json: boolean;
  readonly check: string[];
  readonly bpm?: number;
  readonly stepsPerBeat?: number;
  readonly gridStart?: number;
  readonly reference?: string;
  readonly arrays: boolean;
}

function load(path: string): WavData {
  try {
    return readWav(path);
  } catch (error) {
    throw new UsageError(`cannot read ${path}: ${(error as Error).message}`);
  }
}

/** Prints the report; returns the exit code (1 when a check fails). */
export function runAnalyze(path: string, opts: AnalyzeCommandOptions, write: (text: string) => void = (t) => process.stdout.write(t)): number {
  const wav = load(path);
  let reference: AnalysisReport | undefined;
  if (opts.reference !== undefined) {
    try {
      reference = JSON.parse(readFileSync(opts.reference, 'utf8')) as AnalysisReport;
    } catch (error) {
      throw new UsageError(`cannot read the reference report ${opts.reference}: ${(error as Error).message}`);
    }
  }
  const expected: NonNullable<AnalyzeOptions['expected']> = {
    ...(opts.bpm === undefined ? {} : { bpm: opts.bpm }),
    ...(opts.stepsPerBeat === undefined ? {} : { stepsPerBeat: opts.stepsPerBeat }),
    ...(opts.gridStart === undefined ? {} : { gridStartSeconds: opts.gridStart }),
  };
  const report = analyzeAudio({ channels: wav.data, sampleRate: wav.sampleRate }, {
    checks: opts.check,
    expected,
    arrays: opts.arrays,
    ...(reference === undefined ? {} : { reference }),
  });
  write(opts.json ? `${JSON.stringify(report, null, 2)}\n` : formatReport(report));
  return report.checks.every((c) => c.pass) ? 0 : 1;
}

export function runPlot(path: string, out: string): void {
  const wav = load(path);
  plotAudio({ channels: wav.data, sampleRate: wav.sampleRate }, out);
}
