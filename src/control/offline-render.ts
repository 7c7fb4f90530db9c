// Offline rendering: the live slots' host (EngineHost) driven by a score instead of a socket,
// as fast as the CPU allows. The score's commands are encoded like the command ring's and
// applied with the slots' applyCommand (through replayCommands, the journal replay's loop), so
// a score of what a live session did renders what the live server played, sample for sample.
// Used by `chronus render`, by tests and by benchmarks. Output for the same patch, score, seed
// and sample rate is bit-identical across runs and block sizes (a patch commit inside a block
// ends the block at its frame).

import { createRegistry } from '../dsp/modules/index.js';
import type { Engine } from '../engine/engine.js';
import { FAULT_NAMES } from '../engine/instance.js';
import { encodeCommand, type EncodedCommand } from '../runtime/engine-command.js';
import { EngineHost } from '../runtime/engine-host.js';
import { replayCommands } from '../runtime/replay.js';
import { initialPayload, type ScorePatch, type TimedCommand } from './score.js';

export interface OfflineRenderOptions {
  /** The patch the render starts from; the score (from parseScore with this same patch) edits it. */
  readonly patch: ScorePatch;
  readonly score?: readonly TimedCommand[];
  readonly frames: number;
  readonly sampleRate: number;
  readonly blockSize: number;
  readonly seed?: number;
  /** Capacity of the engine's event queue (default: the engine's). */
  readonly eventCapacity?: number;
  /** SIMD batch kernels (default: on). */
  readonly batch?: boolean;
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
  readonly host: EngineHost;
  readonly engine: Engine;
  readonly faults: ModuleFaultReport[];
}

/** A score command in the one encoding, with its frame and address (for error messages). */
export type EncodedScoreCommand = EncodedCommand & { readonly frame: number; readonly address: string };

/** Encodes a parsed score for replayCommands. */
export function encodeScore(score: readonly TimedCommand[]): EncodedScoreCommand[] {
  return score.map((c) => ({ ...encodeCommand(c.command), frame: c.frame, address: c.address }));
}

/** A host at frame 0 playing `patch`, as a render (or a live slot) starts. */
export function offlineHost(options: Omit<OfflineRenderOptions, 'score' | 'frames' | 'onBlock' | 'onProgress'>): EngineHost {
  const registry = createRegistry();
  return EngineHost.fresh({
    sampleRate: options.sampleRate, blockSize: options.blockSize, seed: options.seed ?? 1,
    ...(options.eventCapacity === undefined ? {} : { eventCapacity: options.eventCapacity }),
    ...(options.batch === undefined ? {} : { batch: options.batch }),
  }, registry, initialPayload(options.patch, options.sampleRate, registry));
}

export function renderOffline(options: OfflineRenderOptions): OfflineRenderResult {
  const host = offlineHost(options);
  const engine = host.engine;
  const faults: ModuleFaultReport[] = [];
  let lastProgress = 0;
  // The whole score is handed over at once; the loop feeds the engine only the commands due in
  // each block, so its event queue never has to hold a whole score.
  replayCommands(host, encodeScore(options.score ?? []), options.frames, {
    onBlock: (left, right, frames, start) => {
      options.onBlock?.(left, right, frames);
      engine.drainFaults((module, code, frame) => faults.push({ module, code: FAULT_NAMES[code] ?? String(code), frame }));
      const done = start + frames;
      if (options.onProgress !== undefined && (done - lastProgress >= options.sampleRate || done === options.frames)) {
        options.onProgress(done, options.frames);
        lastProgress = done;
      }
    },
    onRefused: (c) => {
      throw new Error(`could not schedule ${c.address} at frame ${c.frame}: event queue full`);
    },
  });
  return { host, engine, faults };
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
