// Scores: timed commands for offline renders, in the same command language as the live server.
//   [ { "at": 0.5, "address": "/gate/env1", "args": [1] }, ... ]
// `at` is in seconds and maps to the exact sample round(at · sampleRate), not to a block.
// `/seq/*` entries (sequencer and transport) are control ops applied at their exact sample too;
// they are validated in time order against a sequencer mirror, like live commands.
// Every problem is reported at once, each with a JSON path.

import type { PatchError, ResolvedPatch } from '../patch/document.js';
import type { ControlOp } from '../engine/sequencer/ops.js';
import { parseModuleCommand, type ModuleCommand } from './address.js';
import { isSeqAddress, parseSeqCommand } from './seq-commands.js';
import { SequencerMirror } from './seq-mirror.js';

export type ScoreCommand = ModuleCommand | { readonly kind: 'control'; readonly op: ControlOp };

export interface TimedCommand {
  readonly frame: number;
  readonly address: string;
  readonly command: ScoreCommand;
}

export type ScoreResult = { ok: true; commands: TimedCommand[] } | { ok: false; errors: PatchError[] };

export function parseScore(input: unknown, patch: ResolvedPatch, sampleRate: number): ScoreResult {
  const errors: PatchError[] = [];
  if (!Array.isArray(input)) {
    return { ok: false, errors: [{ code: 'E_SCORE', path: '', message: 'a score is a JSON array of { at, address, args }' }] };
  }
  const specs = new Map(patch.modules.map((m) => [m.id, m.definition.spec] as const));
  const commands: TimedCommand[] = [];
  const mirror = new SequencerMirror();
  // Time order (stable), so sequencer commands are validated in the order they apply.
  const ordered = input
    .map((entry: unknown, i) => ({ entry, i, at: typeof entry === 'object' && entry !== null ? (entry as { at?: unknown }).at : undefined }))
    .sort((a, b) => (typeof a.at === 'number' ? a.at : 0) - (typeof b.at === 'number' ? b.at : 0));
  ordered.forEach(({ entry, i }) => {
    const path = `[${i}]`;
    if (typeof entry !== 'object' || entry === null || Array.isArray(entry)) {
      errors.push({ code: 'E_SCORE', path, message: 'each entry is an object { at, address, args }' });
      return;
    }
    const { at, address, args, ...rest } = entry as Record<string, unknown>;
    for (const key of Object.keys(rest)) errors.push({ code: 'E_SCORE', path: `${path}.${key}`, message: `unknown key '${key}'` });
    if (typeof at !== 'number' || !Number.isFinite(at) || at < 0) {
      errors.push({ code: 'E_SCORE', path: `${path}.at`, message: 'at must be a number of seconds ≥ 0' });
    }
    if (typeof address !== 'string') {
      errors.push({ code: 'E_SCORE', path: `${path}.address`, message: 'address must be a string' });
      return;
    }
    const argList = args === undefined ? [] : args;
    if (!Array.isArray(argList)) {
      errors.push({ code: 'E_SCORE', path: `${path}.args`, message: 'args must be an array' });
      return;
    }
    const frame = typeof at === 'number' && Number.isFinite(at) && at >= 0 ? Math.round(at * sampleRate) : undefined;
    if (isSeqAddress(address)) {
      const seq = parseSeqCommand(address, argList, mirror, (id) => specs.get(id));
      if (!seq.ok) {
        errors.push({ code: seq.error.code, path: `${path}.address`, message: seq.error.message });
        return;
      }
      mirror.apply(seq.op);
      if (frame !== undefined) commands.push({ frame, address, command: { kind: 'control', op: seq.op } });
      return;
    }
    const parsed = parseModuleCommand(address, argList, (id) => specs.get(id));
    if (!parsed.ok) {
      errors.push({ code: parsed.error.code, path: `${path}.address`, message: parsed.error.message });
      return;
    }
    if (frame !== undefined) commands.push({ frame, address, command: parsed.command });
  });
  if (errors.length > 0) return { ok: false, errors };
  // Stable sort: commands at the same frame keep their score order.
  commands.sort((a, b) => a.frame - b.frame);
  return { ok: true, commands };
}
