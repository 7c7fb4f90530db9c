// `chronus render PATCH.json [--score SCORE.json] --seconds S --out FILE.wav ...`
// Validates patch and score completely before rendering (every error at once), renders
// through the live slots' host and streams the result to a WAV file.

import { readFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import cliProgress from 'cli-progress';
import { renderOffline } from '../control/offline-render.js';
import { parseScore } from '../control/score.js';
import { createRegistry } from '../dsp/modules/index.js';
import { WavWriter, type SampleFormat } from '../io/wav-writer.js';
import type { PatchError } from '../patch/document.js';
import { validatePatch } from '../patch/validate.js';
import { UsageError } from './usage-error.js';

export interface RenderCommandOptions {
  readonly patchPath: string;
  readonly scorePath?: string;
  readonly seconds: number;
  readonly out: string;
  readonly rate: number;
  readonly block: number;
  readonly format: SampleFormat;
  readonly seed: number;
  readonly quiet: boolean;
}

export { UsageError };

function readJson(path: string, what: string): unknown {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new UsageError(`cannot read ${what} ${path}: ${(error as Error).message}`);
  }
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new UsageError(`${what} ${path} is not valid JSON: ${(error as Error).message}`);
  }
}

function describe(errors: readonly PatchError[], file: string): string {
  return errors.map((e) => `  ${file}${e.path === '' ? '' : ` at ${e.path}`}: ${e.code}: ${e.message}`).join('\n');
}

export function runRender(options: RenderCommandOptions, log: (line: string) => void = (l) => process.stderr.write(`${l}\n`)): void {
  if (!(options.seconds > 0 && Number.isFinite(options.seconds))) throw new UsageError('--seconds must be a positive number');
  if (!(Number.isInteger(options.rate) && options.rate >= 8000 && options.rate <= 384000)) throw new UsageError('--rate must be an integer in [8000, 384000]');
  if (!(Number.isInteger(options.block) && options.block >= 1 && options.block <= 8192)) throw new UsageError('--block must be an integer in [1, 8192]');
  const registry = createRegistry();
  const patchResult = validatePatch(readJson(options.patchPath, 'patch'), registry);
  if (!patchResult.ok) throw new UsageError(`the patch is invalid (${patchResult.errors.length} errors):\n${describe(patchResult.errors, options.patchPath)}`);
  let score: Parameters<typeof renderOffline>[0]['score'] = [];
  if (options.scorePath !== undefined) {
    const scoreResult = parseScore(readJson(options.scorePath, 'score'), patchResult.document, options.rate, registry);
    if (!scoreResult.ok) throw new UsageError(`the score is invalid (${scoreResult.errors.length} errors):\n${describe(scoreResult.errors, options.scorePath)}`);
    score = scoreResult.commands;
    for (const w of scoreResult.warnings) log(`warning: ${options.scorePath}${w.path}: ${w.message}`);
  }
  const frames = Math.round(options.seconds * options.rate);
  let writer: WavWriter;
  try {
    writer = new WavWriter(options.out, options.rate, 2, options.format, options.block);
  } catch (error) {
    const e = error as NodeJS.ErrnoException;
    const why = e.code === 'ENOENT' ? 'its folder does not exist' : e.code === 'EACCES' || e.code === 'EPERM' ? 'permission denied' : e.code === 'EISDIR' ? 'it is a folder' : e.message;
    throw new UsageError(`cannot write --out ${options.out}: ${why}`);
  }
  const started = performance.now();
  let bar: cliProgress.SingleBar | undefined;
  try {
    const result = renderOffline({
      patch: patchResult.document,
      score,
      frames,
      sampleRate: options.rate,
      blockSize: options.block,
      seed: options.seed,
      onBlock: (left, right, n) => writer.write(left, right, n),
      onProgress: (done, total) => {
        if (options.quiet || !process.stderr.isTTY) return;
        if (bar === undefined && performance.now() - started > 500) {
          bar = new cliProgress.SingleBar({ format: 'rendering [{bar}] {percentage}% | {value}/{total} s | eta {eta}s', stream: process.stderr }, cliProgress.Presets.shades_classic);
          bar.start(Math.ceil(total / options.rate), 0);
        }
        bar?.update(Math.floor(done / options.rate));
      },
    });
    bar?.stop();
    const elapsed = (performance.now() - started) / 1000;
    for (const f of result.faults) log(`warning: module '${f.module}' was muted at frame ${f.frame} (${f.code})`);
    if (!options.quiet) {
      log(
        `rendered ${options.seconds} s (${frames} frames, ${options.rate} Hz, stereo ${options.format}, block ${options.block}) ` +
          `to ${options.out} in ${elapsed.toFixed(2)} s (${(options.seconds / Math.max(elapsed, 1e-9)).toFixed(1)}× real time)`,
      );
    }
  } finally {
    bar?.stop();
    writer.close();
  }
}
