// Helpers for sequencer tests: a percussive patch, an engine driven by timed control ops, and
// onset detection on the rendered signal.

import { createRegistry } from '../../src/dsp/modules/index.js';
import { Engine } from '../../src/engine/engine.js';
import type { ControlOp } from '../../src/engine/sequencer/ops.js';
import type { ResolvedPatch } from '../../src/patch/document.js';
import { validatePatch } from '../../src/patch/validate.js';

export const RATE = 48000;

/**
 * `env1` (adsr, 0.1 ms attack, 5 ms decay to 0, 0.1 ms release) drives `out` directly: the
 * signal is the envelope, silent between hits. `osc1` (sine) → `env2` → `out` for pitch lanes.
 */
export function percussivePatch(extra: { decayMs?: number; sustain?: number } = {}): ResolvedPatch {
  const result = validatePatch({
    format: 'chronus-patch',
    version: 1,
    modules: [
      { id: 'env1', type: 'adsr', params: { attack: 0.1, decay: extra.decayMs ?? 5, sustain: extra.sustain ?? 0, release: 0.1 } },
      { id: 'osc1', type: 'osc', params: { waveform: 'sine', freq: 440, gain: 0.5 } },
      { id: 'env2', type: 'adsr', params: { attack: 0.1, decay: 1, sustain: 1, release: 0.1 } },
      { id: 'out', type: 'out', params: { level: 1 } },
    ],
    connections: [{ from: 'env1', to: 'out' }, { from: 'osc1', to: 'env2' }, { from: 'env2', to: 'out' }],
  }, createRegistry());
  if (!result.ok) throw new Error(JSON.stringify(result.errors));
  return result.patch;
}

export interface TimedOp {
  readonly frame: number;
  readonly op: ControlOp;
}

/** Renders `frames` frames of `patch` with control ops at their frames; returns the left channel. */
export function renderOps(patch: ResolvedPatch, ops: readonly TimedOp[], frames: number, block = 128, engine?: Engine): { left: Float32Array; engine: Engine } {
  const e = engine ?? new Engine({ sampleRate: RATE, maxBlock: block, seed: 1 });
  if (engine === undefined) e.applyPatch(patch);
  const left = new Float32Array(frames);
  const l = new Float32Array(block);
  const r = new Float32Array(block);
  const sorted = [...ops].sort((a, b) => a.frame - b.frame);
  let next = 0;
  for (let done = 0; done < frames; done += block) {
    const n = Math.min(block, frames - done);
    while (next < sorted.length && sorted[next]!.frame < e.frame + n) {
      e.scheduleControl(sorted[next]!.frame, sorted[next]!.op);
      next++;
    }
    e.render(l, r, n);
    left.set(l.subarray(0, n), done);
  }
  return { left, engine: e };
}

/** Frames where the signal becomes non-silent after at least `gap` silent samples. */
export function onsets(x: Float32Array, threshold = 1e-6, gap = 16): number[] {
  const out: number[] = [];
  let quiet = gap;
  for (let i = 0; i < x.length; i++) {
    if (Math.abs(x[i]!) > threshold) {
      if (quiet >= gap) out.push(i);
      quiet = 0;
    } else {
      quiet++;
    }
  }
  return out;
}

/** A sequencer with a gate target, pattern and config, as ops at `frame`. */
export function seqOps(frame: number, id: string, pattern: string, opts: { steps?: number; division?: number; gate?: string; gateLen?: number } = {}): TimedOp[] {
  return [
    { frame, op: { op: 'seq.create', id } },
    { frame, op: { op: 'seq.config', id, steps: opts.steps ?? 16, division: opts.division ?? 16, immediate: true } },
    { frame, op: { op: 'seq.pattern', id, pattern, immediate: true } },
    { frame, op: { op: 'seq.gate', id, module: opts.gate ?? 'env1' } },
    ...(opts.gateLen === undefined ? [] : [{ frame, op: { op: 'seq.gate_len', id, gateLen: opts.gateLen } as ControlOp }]),
  ];
}
