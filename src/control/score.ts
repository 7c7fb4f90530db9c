// Scores: timed commands for offline renders, in the command language of the live server.
//   [ { "at": 0.5, "address": "/gate/env1", "args": [1] }, ... ]
// `at` is in seconds and maps to the exact sample round(at · sampleRate), not to a block.
// A score may hold every command of the 'session' scope of the command table: /mod, /gate,
// /module/reset, the /patch/* edits and /patch/commit, /seq/*. Entries run in time order
// through the same handlers as live messages, against a session of their own (ScoreSession:
// a staged and a live patch, a sequencer mirror, module handles assigned like the live
// server's), so a score is validated exactly as the live server validates, and commits
// mid-score. Every problem is reported at once, each with a JSON path.
//
// Threading: main thread / offline; allocates.

import { createRegistry } from '../dsp/modules/index.js';
import type { ModuleRegistry } from '../dsp/registry.js';
import type { PatchDocument, PatchError, ResolvedPatch } from '../patch/document.js';
import { patchDocumentFromResolved } from '../patch/validate.js';
import type { EngineCommand } from '../runtime/engine-command.js';
import type { PatchPayload } from '../runtime/engine-host.js';
import { ModuleHandles } from '../runtime/module-handles.js';
import { checkArgs, isSent, lookupCommand, type OscValue } from './command-table.js';
import type { FailCode, Failure, ScoreErrorCode } from './error-codes.js';
import { PatchEditor } from './patch-editor.js';
import type { SentPatch, SessionContext } from './server-context.js';
import { SequencerMirror } from './seq-mirror.js';

export interface TimedCommand {
  /** The exact frame it applies at (a patch: the block boundary it starts). */
  readonly frame: number;
  readonly address: string;
  readonly command: EngineCommand;
}

/** A command accepted with a warning (as the live server appends to its /done). */
export interface ScoreWarning {
  readonly path: string;
  readonly message: string;
}

export type ScoreResult = { ok: true; commands: TimedCommand[]; warnings: ScoreWarning[] } | { ok: false; errors: PatchError[] };

/** A patch a render starts from: a document, or a resolved patch (in render order). */
export type ScorePatch = PatchDocument | ResolvedPatch;

/**
 * The session a score runs against, starting from `patch`: the editor's live patch is what the
 * host starts with, with handles assigned as the live server assigns them (document order).
 */
export class ScoreSession implements SessionContext {
  readonly editor: PatchEditor;
  readonly sequencers = new SequencerMirror();
  readonly commands: TimedCommand[] = [];
  /** Warnings of accepted commands, with the path of the entry that ran (set by parseScore). */
  readonly warnings: ScoreWarning[] = [];
  path = '';
  /** The patch the render starts from (the host's first payload). */
  readonly initial: PatchPayload;
  private readonly handles = new ModuleHandles();
  /** Frame and address of the entry running now. */
  private frame = 0;
  private address = '';

  constructor(patch: ScorePatch, readonly sampleRate: number, registry: ModuleRegistry = createRegistry()) {
    this.editor = new PatchEditor(registry, 'format' in patch ? patch : patchDocumentFromResolved(patch));
    const doc = structuredClone(this.editor.live);
    this.initial = { doc, handles: this.handles.assign(doc), crossfadeFrames: 0 };
    this.editor.setHandles(this.initial.handles);
  }

  /** Runs one command at `frame`; a /fail-style error, or undefined when it was accepted. */
  run(frame: number, address: string, args: readonly OscValue[]): Failure<FailCode | ScoreErrorCode> | undefined {
    const found = lookupCommand(address);
    if (found === undefined) return { code: 'E_UNKNOWN_ADDRESS', message: `unknown address ${address}` };
    const { entry, path } = found;
    if (entry.scope !== 'session') return { code: 'E_SCORE', message: `${entry.usage} is a server command; a score holds /mod, /gate, /module/reset, /patch/* edits and commits, /seq/*` };
    const bad = checkArgs(entry, args);
    if (bad !== undefined && !bad.ok) return bad;
    this.frame = frame;
    this.address = address;
    const outcome = entry.handler({ ctx: this, address, path, args, client: 'score', frame, wantsReply: false });
    return isSent(outcome) || outcome.ok ? undefined : outcome;
  }

  send(command: Exclude<EngineCommand, { kind: 'patch' }>, frame: number | undefined): number {
    this.commands.push({ frame: frame ?? this.frame, address: this.address, command });
    return this.commands.length - 1;
  }

  canSend(): boolean {
    return true;
  }

  warn(warnings: readonly string[]): void {
    for (const message of warnings) this.warnings.push({ path: this.path, message });
  }

  sendPatch(doc: PatchDocument, crossfadeMs: number): SentPatch {
    const patch: PatchPayload = { doc: structuredClone(doc), handles: this.handles.assign(doc), crossfadeFrames: Math.round((crossfadeMs * this.sampleRate) / 1000) };
    this.commands.push({ frame: this.frame, address: this.address, command: { kind: 'patch', patch } });
    return { seq: this.commands.length - 1, handles: patch.handles };
  }
}

/** The first payload of a render of `patch` (what a ScoreSession starts from). */
export function initialPayload(patch: ScorePatch, sampleRate: number, registry?: ModuleRegistry): PatchPayload {
  return new ScoreSession(patch, sampleRate, registry).initial;
}

export function parseScore(input: unknown, patch: ScorePatch, sampleRate: number, registry?: ModuleRegistry): ScoreResult {
  const errors: PatchError[] = [];
  if (!Array.isArray(input)) {
    return { ok: false, errors: [{ code: 'E_SCORE', path: '', message: 'a score is a JSON array of { at, address, args }' }] };
  }
  const session = new ScoreSession(patch, sampleRate, registry);
  // Time order (stable), so commands are validated in the order they apply.
  const ordered = input
    .map((entry: unknown, i) => ({ entry, i, at: typeof entry === 'object' && entry !== null ? (entry as { at?: unknown }).at : undefined }))
    .sort((a, b) => (typeof a.at === 'number' ? a.at : 0) - (typeof b.at === 'number' ? b.at : 0));
  for (const { entry, i } of ordered) {
    const path = `[${i}]`;
    if (typeof entry !== 'object' || entry === null || Array.isArray(entry)) {
      errors.push({ code: 'E_SCORE', path, message: 'each entry is an object { at, address, args }' });
      continue;
    }
    const { at, address, args, ...rest } = entry as Record<string, unknown>;
    for (const key of Object.keys(rest)) errors.push({ code: 'E_SCORE', path: `${path}.${key}`, message: `unknown key '${key}'` });
    const timed = typeof at === 'number' && Number.isFinite(at) && at >= 0;
    if (!timed) errors.push({ code: 'E_SCORE', path: `${path}.at`, message: 'at must be a number of seconds ≥ 0' });
    if (typeof address !== 'string') {
      errors.push({ code: 'E_SCORE', path: `${path}.address`, message: 'address must be a string' });
      continue;
    }
    const argList = args === undefined ? [] : args;
    if (!Array.isArray(argList)) {
      errors.push({ code: 'E_SCORE', path: `${path}.args`, message: 'args must be an array' });
      continue;
    }
    session.path = path;
    const error = session.run(timed ? Math.round(at * sampleRate) : 0, address, argList as OscValue[]);
    if (error !== undefined) errors.push({ code: error.code, path: `${path}.address`, message: error.message });
  }
  if (errors.length > 0) return { ok: false, errors };
  // Stable sort: commands at the same frame keep their score order.
  return { ok: true, commands: session.commands.sort((a, b) => a.frame - b.frame), warnings: session.warnings };
}
