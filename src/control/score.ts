// Scores: timed commands for offline renders, in the same command language as the live server.
//   [ { "at": 0.5, "address": "/gate/env1", "args": [1] }, ... ]
// `at` is in seconds and maps to the exact sample round(at · sampleRate), not to a block.
// Every problem is reported at once, each with a JSON path.

import type { PatchError, ResolvedPatch } from '../patch/document.js';
import { parseModuleCommand, type ModuleCommand } from './address.js';

export interface TimedCommand {
  readonly frame: number;
  readonly address: string;
  readonly command: ModuleCommand;
}

export type ScoreResult = { ok: true; commands: TimedCommand[] } | { ok: false; errors: PatchError[] };

export function parseScore(input: unknown, patch: ResolvedPatch, sampleRate: number): ScoreResult {
  const errors: PatchError[] = [];
  if (!Array.isArray(input)) {
    return { ok: false, errors: [{ code: 'E_SCORE', path: '', message: 'a score is a JSON array of { at, address, args }' }] };
  }
  const specs = new Map(patch.modules.map((m) => [m.id, m.definition.spec] as const));
  const commands: TimedCommand[] = [];
  input.forEach((entry: unknown, i) => {
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
    const parsed = parseModuleCommand(address, argList, (id) => specs.get(id));
    if (!parsed.ok) {
      errors.push({ code: parsed.error.code, path: `${path}.address`, message: parsed.error.message });
      return;
    }
    if (typeof at === 'number' && Number.isFinite(at) && at >= 0) {
      commands.push({ frame: Math.round(at * sampleRate), address, command: parsed.command });
    }
  });
  if (errors.length > 0) return { ok: false, errors };
  // Stable sort: commands at the same frame keep their score order.
  commands.sort((a, b) => a.frame - b.frame);
  return { ok: true, commands };
}
