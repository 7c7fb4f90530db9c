// `hear`: renders seconds of the server's live (or staged) state offline, deterministically
// (same state, same samples: src/control/offline-render.ts), optionally tapping one module's
// output instead of the master; writes the WAV (float32 stereo), the analysis JSON and the
// picture into the output folder, and reports levels, the analysis with the tempo and grid the
// sequencers actually ran, and the change since the previous hear.
//
// Threading: main thread of the MCP process; allocates (a 4 s render: two 192k-sample arrays).

import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { renderToArrays } from '../control/offline-render.js';
import type { ModuleRegistry } from '../dsp/registry.js';
import { WavWriter } from '../io/wav-writer.js';
import { validatePatch } from '../patch/validate.js';
import { analyzeAudio, plotAudio, type AnalysisReport } from '../analysis/index.js';
import { expectedGrid, gateScore, sequencerScore, tapPatch, type ServerState } from './render-state.js';

export const HEAR_BLOCK = 128;
export const MAX_HEAR_SECONDS = 30;

export interface HearRequest {
  readonly source: 'live' | 'staged';
  readonly seconds: number;
  readonly tap?: string;
  readonly checks?: readonly string[];
  readonly arrays?: boolean;
}

/** Peak and RMS per channel in dBFS (−Infinity written as null: digital silence). */
export interface Levels {
  readonly peakDbfs: [number | null, number | null];
  readonly rmsDbfs: [number | null, number | null];
}

/** What a hear leaves for the next one to compare with. */
export interface HeardMemory {
  readonly name: string;
  readonly levels: Levels;
  readonly report?: AnalysisReport;
}

export type HearOutcome =
  | { readonly ok: true; readonly result: Record<string, unknown> & { summary: string }; readonly memory: HeardMemory }
  | { readonly ok: false; readonly code: string; readonly message: string };

const db = (x: number): number | null => (x > 0 ? Math.round(2000 * Math.log10(x)) / 100 : null);

export function levels(left: Float32Array, right: Float32Array): Levels {
  const one = (x: Float32Array): [number | null, number | null] => {
    let peak = 0;
    let sum = 0;
    for (let i = 0; i < x.length; i++) {
      const v = x[i]!;
      const a = Math.abs(v);
      if (a > peak) peak = a;
      sum += v * v;
    }
    return [db(peak), db(Math.sqrt(sum / Math.max(1, x.length)))];
  };
  const [pl, rl] = one(left);
  const [pr, rr] = one(right);
  return { peakDbfs: [pl, pr], rmsDbfs: [rl, rr] };
}

const loudest = (pair: readonly [number | null, number | null]): number | null => (pair[0] === null ? pair[1] : pair[1] === null ? pair[0] : Math.max(pair[0], pair[1]));
const fmt = (v: number | null): string => (v === null ? 'silence' : `${v.toFixed(1)} dBFS`);

function delta(now: Levels, before: HeardMemory | undefined): Record<string, unknown> | undefined {
  if (before === undefined) return undefined;
  const d = (a: number | null, b: number | null): number | null => (a === null || b === null ? null : Math.round(100 * (a - b)) / 100);
  return { vs: before.name, peakDb: d(loudest(now.peakDbfs), loudest(before.levels.peakDbfs)), rmsDb: d(loudest(now.rmsDbfs), loudest(before.levels.rmsDbfs)) };
}

export function writeWav(path: string, sampleRate: number, left: Float32Array, right: Float32Array): void {
  const writer = new WavWriter(path, sampleRate, 2, 'f32', 4096);
  try {
    for (let at = 0; at < left.length; at += 4096) {
      const n = Math.min(4096, left.length - at);
      writer.write(left.subarray(at, at + n), right.subarray(at, at + n), n);
    }
  } finally {
    writer.close();
  }
}

export async function hear(state: ServerState, request: HearRequest, options: { registry: ModuleRegistry; outDir: string; name: string; previous?: HeardMemory }): Promise<HearOutcome> {
  const started = performance.now();
  let doc = request.source === 'staged' ? state.staged : state.patch;
  if (request.tap !== undefined) {
    const tapped = tapPatch(doc, request.tap, options.registry);
    if (typeof tapped === 'string') return { ok: false, code: 'E_BAD_TAP', message: tapped };
    doc = tapped;
  }
  const valid = validatePatch(doc, options.registry);
  if (!valid.ok) {
    return { ok: false, code: 'E_PATCH_INVALID', message: `the ${request.source} patch does not validate (${valid.errors.length} error(s), first: ${valid.errors[0]!.path}: ${valid.errors[0]!.message}); run validate` };
  }
  const frames = Math.round(request.seconds * state.sampleRate);
  const score = [...sequencerScore(state.sequencers), ...gateScore(valid.document, state.gates, state.sampleRate, options.registry)];
  const rendered = renderToArrays({ patch: valid.document, score, frames, sampleRate: state.sampleRate, blockSize: HEAR_BLOCK, seed: state.seed });
  const renderMs = performance.now() - started;
  mkdirSync(options.outDir, { recursive: true });
  const wav = join(options.outDir, `${options.name}.wav`);
  writeWav(wav, state.sampleRate, rendered.left, rendered.right);
  const measured = levels(rendered.left, rendered.right);
  const grid = expectedGrid(state.sequencers);
  const expected = grid.running ? { bpm: grid.bpm, ...(grid.stepsPerBeat === undefined ? {} : { stepsPerBeat: grid.stepsPerBeat }), gridStartSeconds: grid.gridStartSeconds } : {};
  const files: Record<string, string> = { wav };
  const input = { channels: [rendered.left, rendered.right], sampleRate: state.sampleRate };
  const report: AnalysisReport = analyzeAudio(input, {
    ...(request.checks === undefined ? {} : { checks: [...request.checks] }),
    expected,
    ...(options.previous?.report === undefined ? {} : { reference: options.previous.report }),
    arrays: request.arrays === true,
  });
  files['png'] = join(options.outDir, `${options.name}.png`);
  plotAudio(input, files['png']);
  files['json'] = join(options.outDir, `${options.name}.json`);
  writeFileSync(files['json'], `${JSON.stringify(report, null, 2)}\n`);
  const analysis = report;
  const change = delta(measured, options.previous);
  const faults = rendered.faults.map((f) => `${f.module} muted at ${(f.frame / state.sampleRate).toFixed(3)} s (${f.code})`);
  const summary = [
    `heard ${request.source}${request.tap === undefined ? '' : ` tap ${request.tap}`} ${request.seconds} s (patch ${request.source === 'staged' ? state.stagedFingerprint : state.fingerprint})`,
    `peak ${fmt(loudest(measured.peakDbfs))}, rms ${fmt(loudest(measured.rmsDbfs))}`,
    ...(grid.running ? [`sequencers at ${grid.bpm} BPM`] : []),
    ...(change === undefined ? [] : [`vs ${String(change['vs'])}: rms ${change['rmsDb'] === null ? 'n/a' : `${Number(change['rmsDb']) >= 0 ? '+' : ''}${String(change['rmsDb'])} dB`}`]),
    ...(faults.length > 0 ? [`${faults.length} module fault(s)`] : []),
    report.summary,
  ].join('; ');
  return {
    ok: true,
    memory: { name: options.name, levels: measured, ...(report === undefined ? {} : { report }) },
    result: {
      summary,
      name: options.name,
      source: request.source,
      fingerprint: request.source === 'staged' ? state.stagedFingerprint : state.fingerprint,
      ...(request.tap === undefined ? {} : { tap: request.tap }),
      seconds: request.seconds,
      sampleRate: state.sampleRate,
      from: 'a bar line, fresh module state, held gates on (offline render of the state as commanded)',
      sequencer: grid,
      levels: measured,
      ...(change === undefined ? {} : { delta: change }),
      ...(faults.length > 0 ? { faults } : {}),
      files,
      renderMs: Math.round(renderMs),
      analysis,
    },
  };
}
