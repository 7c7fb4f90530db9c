// Offline rendering: the live engine, driven by a score instead of a socket, as fast as the
// CPU allows. Used by `chronus render`, by tests and by benchmarks. Output for the same patch,
// score, seed and sample rate is bit-identical across runs and block sizes.

import { Engine } from '../engine/engine.js';
import { FAULT_NAMES } from '../engine/instance.js';
import type { ResolvedPatch } from '../patch/document.js';
import type { TimedCommand } from './score.js';
import { scheduleModuleCommand } from './schedule.js';

export interface OfflineRenderOptions {
  readonly patch: ResolvedPatch;
  readonly score?: readonly TimedCommand[];
  readonly frames: number;
  readonly sampleRate: number;
  readonly blockSize: number;
  readonly seed?: number;
  /** Receives each rendered block ([0, frames) of left/right are valid). */
  readonly onBlock?: (left: Float32Array, right: Float32Array, frames: number) => void;
  /** Called now and then with frames done so far. */
  readonly onProgress?: (done: number, total: number) => void;
}

export interface ModuleFaultReport {
  readonly module: string;
  readonly code: string;
  readonly frame: number;
}

export interface OfflineRenderResult {
  readonly engine: Engine;
  readonly faults: ModuleFaultReport[];
}

export function renderOffline(options: OfflineRenderOptions): OfflineRenderResult {
  const engine = new Engine({ sampleRate: options.sampleRate, maxBlock: options.blockSize, seed: options.seed ?? 1 });
  engine.applyPatch(options.patch);
  const left = new Float32Array(options.blockSize);
  const right = new Float32Array(options.blockSize);
  const score = options.score ?? [];
  const faults: ModuleFaultReport[] = [];
  let next = 0;
  let lastProgress = 0;
  for (let done = 0; done < options.frames; ) {
    const frames = Math.min(options.blockSize, options.frames - done);
    // Feed only the commands due in this block, so the event queue never has to hold a
    // whole score.
    while (next < score.length && score[next]!.frame < done + frames) {
      const timed = score[next]!;
      if (!scheduleModuleCommand(engine, timed.frame, timed.command)) {
        throw new Error(`could not schedule ${timed.address} at frame ${timed.frame}: event queue full`);
      }
      next++;
    }
    engine.render(left, right, frames);
    options.onBlock?.(left, right, frames);
    engine.drainFaults((module, code, frame) => faults.push({ module, code: FAULT_NAMES[code] ?? String(code), frame }));
    done += frames;
    if (options.onProgress !== undefined && (done - lastProgress >= options.sampleRate || done === options.frames)) {
      options.onProgress(done, options.frames);
      lastProgress = done;
    }
  }
  return { engine, faults };
}

/** Renders into memory (tests, analysis). */
export function renderToArrays(options: Omit<OfflineRenderOptions, 'onBlock'>): { left: Float32Array; right: Float32Array } & OfflineRenderResult {
  const left = new Float32Array(options.frames);
  const right = new Float32Array(options.frames);
  let pos = 0;
  const result = renderOffline({
    ...options,
    onBlock: (l, r, n) => {
      left.set(l.subarray(0, n), pos);
      right.set(r.subarray(0, n), pos);
      pos += n;
    },
  });
  return { left, right, ...result };
}
