// The one import of the audio analysis (src/analysis, built on its own branch) for `hear`:
// `analyzeAudio(input, options) -> AnalysisReport` and `plotAudio(input, pngPath)`. Until that
// module is part of the build, `loadHearing` says so and `hear` reports levels only, with the
// reason, instead of guessing numbers.
//
// Threading: main thread of the MCP process.

export interface AnalysisInput {
  readonly channels: readonly Float32Array[];
  readonly sampleRate: number;
}

export interface AnalysisOptions {
  /** Checks the agent asks for, e.g. "f0 ≈ 220 Hz ±5 cents", "lufs in [-16, -12]", "no_clip". */
  readonly checks?: readonly string[];
  /** What the engine itself knows it played: the transport tempo and step grid. */
  readonly expected?: { readonly bpm?: number; readonly stepsPerBeat?: number; readonly gridStartSeconds?: number };
  /** A report to compare with (the previous hear's). */
  readonly reference?: unknown;
  /** Include the arrays (spectrum bands, onsets...) in full. */
  readonly arrays?: boolean;
}

export interface AnalysisReport {
  readonly summary: string;
  readonly [key: string]: unknown;
}

export interface Hearing {
  analyzeAudio(input: AnalysisInput, options: AnalysisOptions): AnalysisReport | Promise<AnalysisReport>;
  plotAudio(input: AnalysisInput, outPath: string): unknown;
}

export type HearingModule = { readonly ok: true; readonly hearing: Hearing } | { readonly ok: false; readonly reason: string };

let loaded: Promise<HearingModule> | undefined;

/** Loads src/analysis once (a specifier the compiler does not resolve, while it is not in the build). */
export function loadHearing(): Promise<HearingModule> {
  loaded ??= (async (): Promise<HearingModule> => {
    const specifier = '../analysis/index.js';
    try {
      const module = (await import(specifier)) as Partial<Hearing>;
      if (typeof module.analyzeAudio !== 'function' || typeof module.plotAudio !== 'function') return { ok: false, reason: 'src/analysis does not export analyzeAudio and plotAudio' };
      return { ok: true, hearing: module as Hearing };
    } catch (error) {
      return { ok: false, reason: `the audio analysis (src/analysis) is not in this build: ${(error as Error).message.split('\n')[0]}` };
    }
  })();
  return loaded;
}
