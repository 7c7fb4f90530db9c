// The OSC command table: every address the server answers, with its argument schema, its doc
// line and its handler. `docs/osc.md` is generated from this table (a test keeps it current).
// Handlers never throw to the transport: the dispatcher turns exceptions into /fail E_INTERNAL.
//
// Two scopes. A 'session' command (module, patch and sequencer commands) only needs a
// SessionContext and runs synchronously: the live server runs it, and so does a score
// (score.ts), through the same handler. A 'server' command needs the running server.
// A handler that sent an engine command returns `Sent`; the dispatcher then replies with the
// frame the command applies at, once a slot has decided it (or skips the wait when nobody
// listens, the high-rate /mod path).
//
// Threading: main thread (or offline, for scores).

import { parseGateCommand, parseParamSet, parseResetCommand, type CommandResult } from './address.js';
import { parseSeqCommand } from './seq-commands.js';
import type { ServerContext, SessionContext } from './server-context.js';
import type { FailCode } from './error-codes.js';
import { FAULT_KINDS, type FaultKind } from '../runtime/slot-protocol.js';
import { patchFingerprint } from './patch-fingerprint.js';
import { HISTORY_LIMIT } from './patch-history.js';

export type OscValue = number | string | boolean | null;

export type Reply =
  | { readonly ok: true; readonly args?: readonly OscValue[]; readonly lateSeconds?: number }
  | { readonly ok: false; readonly code: FailCode; readonly message: string };

/**
 * An engine command was sent as command `sent`: the reply is `/done <address> <frame>` with the
 * frame it applies at (and `/late` when `timed` and later than `requested`), or E_NO_SLOT
 * naming `what` when no slot decides it in time.
 */
export interface Sent {
  readonly sent: number;
  readonly requested: number;
  readonly timed: boolean;
  readonly what: 'command' | 'patch';
  /** Reply arguments after the frame (a commit's new fingerprint). */
  readonly args?: readonly OscValue[];
  /** Accepted, but probably not what was meant: appended to the `/done` reply after the frame. */
  readonly warnings?: readonly string[];
}

/** What a handler returns: a reply, or a sent command whose reply waits for its frame. */
export type Outcome = Reply | Sent;

export function isSent(outcome: Outcome): outcome is Sent {
  return 'sent' in outcome;
}

export interface ArgSpec {
  readonly name: string;
  readonly type: 'string' | 'number' | 'value';
  readonly optional?: boolean;
}

export interface CommandCall<C extends SessionContext> {
  readonly ctx: C;
  readonly address: string;
  /** Address segments after the command's prefix (for `/mod/<id>/<param>`, `/gate/<id>`). */
  readonly path: readonly string[];
  readonly args: readonly OscValue[];
  readonly client: string;
  /** Frame from a bundle timetag (or a score's time), when the message is timed. */
  readonly frame: number | undefined;
  /** False for opt-in commands from clients that did not subscribe: skip work for the reply. */
  readonly wantsReply: boolean;
}

interface EntryFields {
  /** Exact address, or a prefix ending in '/' for addresses with path parameters. */
  readonly address: string;
  /** Shown in docs, e.g. `/mod/<id>/<param>`. */
  readonly usage: string;
  readonly args: readonly ArgSpec[];
  readonly doc: string;
  /** 'opt-in': replies only to clients that asked with /notify 1 (high-rate commands). */
  readonly reply: 'always' | 'opt-in';
  /** The last arg may repeat (checkArgs allows any number of them). */
  readonly variadic?: boolean;
  /** Number of path segments after the prefix (prefix entries only). */
  readonly pathSegments?: number;
  /** Success replies go to this address with the reply args alone (instead of /done <address> ...). */
  readonly replyAddress?: string;
}

/** A command a score may hold too: synchronous, needs only a session. */
export interface SessionEntry extends EntryFields {
  readonly scope: 'session';
  readonly handler: (call: CommandCall<SessionContext>) => Outcome;
}

/** A command of the running server only. */
export interface ServerEntry extends EntryFields {
  readonly scope: 'server';
  readonly handler: (call: CommandCall<ServerContext>) => Outcome | Promise<Outcome>;
}

export type CommandEntry = SessionEntry | ServerEntry;

export const done = (...args: OscValue[]): Reply => ({ ok: true, args });
export const failure = (code: FailCode, message: string): Reply => ({ ok: false, code, message });
const busy = (): Reply => failure('E_BUSY', 'command ring full; try again');

const NAME_PATTERN = /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,63}$/;

/** File names given over OSC: plain names inside the data folder, never paths. */
export function checkName(name: string): Reply | undefined {
  if (name.includes('/') || name.includes('\\') || name.includes('..') || !NAME_PATTERN.test(name)) {
    return failure('E_BAD_NAME', `'${name}' is not a plain file name ([A-Za-z0-9_.-], no '/', no '..')`);
  }
  return undefined;
}

function sent(seq: number, call: CommandCall<SessionContext>, what: Sent['what'] = 'command'): Sent {
  return { sent: seq, requested: call.frame ?? 0, timed: call.frame !== undefined, what };
}

/** `/mod`, `/gate`, `/module/reset`, parsed (from the lookup's path segments): send, record a param set. */
function moduleCommand(call: CommandCall<SessionContext>, parsed: CommandResult): Outcome {
  const ctx = call.ctx;
  if (!parsed.ok) return failure(parsed.error.code, parsed.error.message);
  const command = parsed.command;
  if (command.kind === 'patch') throw new Error('a module command cannot carry a patch');
  const seq = ctx.send(command, call.frame);
  if (seq === undefined) return busy();
  // /mod values are recorded in the live and staged documents (/patch/get shows what plays).
  if (command.kind === 'param' || command.kind === 'ramp') ctx.editor.recordParam(parsed.module, command.index, command.value);
  else if (command.kind === 'gate') ctx.editor.recordGate(parsed.module.module.id, command.on);
  return sent(seq, call);
}

/** `/seq/*`: validate into a control op against the mirror, send it, update the mirror. */
function seqCommand(call: CommandCall<SessionContext>): Outcome {
  const ctx = call.ctx;
  const parsed = parseSeqCommand(call.address, call.args, ctx.sequencers, (id) => ctx.editor.module(id)?.definition.spec, (id) => ctx.editor.stagedSpec(id));
  if (!parsed.ok) return failure(parsed.error.code, parsed.error.message);
  const seq = ctx.send({ kind: 'control', op: parsed.op }, call.frame);
  if (seq === undefined) return busy();
  ctx.sequencers.apply(parsed.op);
  if (parsed.warnings !== undefined) ctx.warn?.(parsed.warnings);
  return parsed.warnings === undefined ? sent(seq, call) : { ...sent(seq, call), warnings: parsed.warnings };
}

/** The /fail reply when the live patch is not the one a client planned on. */
function stale(live: string, expected: string): Reply {
  return failure('E_STALE', `the live patch is ${live}, not ${expected}: it changed since (a commit, an undo or a /mod); nothing changed. Get the live patch, redo your edits on it, commit with its fingerprint`);
}

/**
 * Validates the staged patch and sends it; it becomes the live patch only once it is in the
 * command ring (a validated patch reaches the engine or stays staged). With `expected`, only if
 * the live patch still has that fingerprint: checked and committed in one synchronous step on
 * the main thread, so two clients cannot both commit against the same live patch.
 * The reply carries the frame and the new live fingerprint.
 */
export function commitStaged(call: CommandCall<SessionContext>, crossfadeMs = 20, expected?: string, via: 'commit' | 'undo' = 'commit'): Outcome {
  const ctx = call.ctx;
  if (!(crossfadeMs >= 0 && crossfadeMs <= 1000)) return failure('E_BAD_ARGS', 'crossfade must be within [0, 1000] ms');
  if (expected !== undefined && expected !== '') {
    const live = ctx.editor.liveFingerprint();
    if (live !== expected) return stale(live, expected);
  }
  if (!ctx.canSend()) return busy();
  const result = ctx.editor.validateStaged();
  if (!result.ok) {
    const detail = result.errors.map((e) => `${e.path === '' ? '' : `${e.path}: `}${e.code}: ${e.message}`).join('; ');
    return failure('E_PATCH_INVALID', `${result.errors.length} error(s): ${detail}`);
  }
  const sentPatch = ctx.sendPatch(result.validated.document, crossfadeMs);
  if (sentPatch === 'too-big') return failure('E_BUSY', 'the patch is larger than the command ring can ever hold');
  if (sentPatch === undefined) return busy();
  ctx.editor.adopt(result.validated, sentPatch.handles, via);
  return { sent: sentPatch.seq, requested: 0, timed: false, what: 'patch', args: [ctx.editor.liveFingerprint()] };
}

/**
 * /patch/undo: commits the patch committed before the live one (the staged edits are dropped),
 * only if the live patch has `expected` (when given). Nothing changes on a failure.
 */
function undoCommit(call: CommandCall<SessionContext>, expected: string | undefined, crossfadeMs: number | undefined): Outcome {
  const editor = call.ctx.editor;
  const live = editor.liveFingerprint();
  if (expected !== undefined && expected !== '' && expected !== live) return stale(live, expected);
  const previous = editor.history.previous();
  if (previous === undefined) return failure('E_NO_HISTORY', 'no earlier committed patch to go back to');
  const staged = structuredClone(editor.staged);
  editor.stage(previous.document);
  const outcome = commitStaged(call, crossfadeMs, undefined, 'undo');
  if (!isSent(outcome)) editor.stage(staged);
  return outcome;
}

const id: ArgSpec = { name: 'id', type: 'string' };
const SEQ_REPLY = 'Replies `/done <address> <frame> [warning: ...]` (the frame it takes effect from, then any warnings).';

/** The sequencer and transport commands (the old system's surface; see docs/sequencing.md). */
const SEQ_COMMANDS: readonly CommandEntry[] = ([
  { address: '/seq/bpm', usage: '/seq/bpm', args: [{ name: 'bpm', type: 'number' }], doc: `Transport tempo, 20–300 BPM; takes effect at the next sixteenth of the grid (at once while stopped). ${SEQ_REPLY}` },
  { address: '/seq/swing', usage: '/seq/swing', args: [{ name: 'swing', type: 'number' }], doc: `Swing 0–0.6: odd sixteenths start swing × one sixteenth late; takes effect at the next eighth. ${SEQ_REPLY}` },
  { address: '/seq/start', usage: '/seq/start', args: [{ ...id, optional: true }], doc: `With an id: start that sequencer at the next bar line (starting the transport if stopped). Without: start the transport and every sequencer. ${SEQ_REPLY}` },
  { address: '/seq/stop', usage: '/seq/stop', args: [{ ...id, optional: true }], doc: `With an id: stop that sequencer. Without: stop every sequencer and the transport. Held gates are released at this frame. ${SEQ_REPLY}` },
  { address: '/seq/create', usage: '/seq/create', args: [id], doc: `New sequencer (16 steps of sixteenths, pattern \`x\`, gate_len 0.5, no targets); at most 32. ${SEQ_REPLY}` },
  { address: '/seq/config', usage: '/seq/config', args: [id, { name: 'steps', type: 'number' }, { name: 'division', type: 'number' }, { name: 'now', type: 'value', optional: true }], doc: `Steps 1–64 and division (a step lasts 4/division beats: 4 = quarter notes, 16 = sixteenths; any divisor of 3840 up to 64). Takes effect at the next bar and restarts the pattern there; "now" applies it at once. ${SEQ_REPLY}` },
  { address: '/seq/pattern', usage: '/seq/pattern', args: [id, { name: 'pattern', type: 'string' }, { name: 'now', type: 'value', optional: true }], doc: `Pattern: \`X\` accent, \`x\` note, \`.\` rest, \`_\` tie (the note before goes on, no retrigger), \`s\` slide (glide into this note: the note before is held into it), \`S\` accented slide; spaces and \`|\` ignored; at most 64 steps. Takes effect at the next bar ("now": at once). A pattern longer than the sequencer's steps is accepted with a warning. ${SEQ_REPLY}` },
  { address: '/seq/assign', usage: '/seq/assign', args: [id, { name: 'what', type: 'string' }, { name: 'module_or_lane', type: 'value' }, { name: 'module_or_param', type: 'value', optional: true }, { name: 'param_or_amount', type: 'value', optional: true }], doc: `Adds a target, never replacing one. \`/seq/assign <id> gate <module>\`: one more module gated by the notes (up to 8). \`/seq/assign <id> accent <module> <param> <amount>\`: one more accent target (as /seq/accent). \`/seq/assign <id> param <lane> <module> <param>\`: the param a lane sets (up to 8 lanes; re-assigning a lane warns). A module not in the live patch yet is accepted with a warning (inactive until a commit adds it); targets survive patch commits. ${SEQ_REPLY}` },
  { address: '/seq/unassign', usage: '/seq/unassign', args: [id, { name: 'what', type: 'string' }, { name: 'module_or_lane', type: 'value' }, { name: 'param', type: 'string', optional: true }], doc: `Removes a target: \`/seq/unassign <id> gate <module>\`, \`/seq/unassign <id> accent <module> <param>\`, \`/seq/unassign <id> param <lane>\` (the lane and its values). A held note ends at this frame. \`E_NOT_ASSIGNED\` when the sequencer has no such target. ${SEQ_REPLY}` },
  { address: '/seq/lane', usage: '/seq/lane', variadic: true, args: [id, { name: 'lane', type: 'value' }, { name: 'values...', type: 'value' }], doc: `Lane values per step. Param lanes: numbers (the param's unit), MIDI notes \`m60\` and note names \`C2\`, \`F#3\`, \`Bb1\` (both in Hz), \`-\` or \`.\` = no change. Step lanes every sequencer has: \`velocity\` (0–1, the gate velocity; 0 rests), \`length\` (gate length, a fraction of the step, 0.01–1), \`prob\` (0–1, the chance the step plays; seeded, the same in every slot and offline), \`cond\` (\`N:M\`: plays in bar N of every M); \`-\` = the default. Strings may hold several values separated by spaces. A final "now" applies at once, else at the next bar. ${SEQ_REPLY}` },
  { address: '/seq/gate_len', usage: '/seq/gate_len', args: [id, { name: 'fraction', type: 'number' }], doc: `Gate length as a fraction of the step, 0.01–1 (the default of the \`length\` lane). ${SEQ_REPLY}` },
  { address: '/seq/accent', usage: '/seq/accent', args: [id, { name: 'module', type: 'string' }, { name: 'param', type: 'string' }, { name: 'amount', type: 'number' }], doc: `Adds an accent target (up to 8): an \`X\` or \`S\` step adds amount to module.param from the note's start to its gate-off (clamped to the param range). The same module.param again changes its amount (with a warning); enum params are refused (\`E_NO_ACCENT\`). ${SEQ_REPLY}` },
  { address: '/seq/glide', usage: '/seq/glide', args: [id, { name: 'ms', type: 'number' }], doc: `Glide time 0–10000 ms: on a slide step the lane params ramp to the step's values over this time (exponentially for exp-scaled params such as frequencies) instead of jumping. 0 (default): they jump, and only targets that glide themselves (\`acid\`: its \`slide\` time) glide. ${SEQ_REPLY}` },
  { address: '/seq/seed', usage: '/seq/seed', args: [id, { name: 'seed', type: 'number' }], doc: `Seed (integer 0–4294967295) of the step probabilities, combined with the engine seed; the default comes from the sequencer's id. ${SEQ_REPLY}` },
  { address: '/seq/reset', usage: '/seq/reset', args: [id], doc: `Back to step 0 at the next bar (at once when stopped); the steps before the bar still play. ${SEQ_REPLY}` },
  { address: '/seq/reset_all', usage: '/seq/reset_all', args: [], doc: `/seq/reset for every sequencer: all restart together at the next bar. ${SEQ_REPLY}` },
  { address: '/seq/delete', usage: '/seq/delete', args: [id], doc: `Remove a sequencer (its held gate is released). ${SEQ_REPLY}` },
] satisfies ReadonlyArray<Omit<SessionEntry, 'scope' | 'reply' | 'handler'>>).map((e): CommandEntry => ({ ...e, scope: 'session', reply: 'always', handler: seqCommand }));

export const COMMANDS: readonly CommandEntry[] = [
  {
    address: '/mod/', usage: '/mod/<id>/<param>', pathSegments: 2, reply: 'opt-in', scope: 'session',
    args: [{ name: 'value', type: 'value' }, { name: 'ms', type: 'number', optional: true }, { name: 'curve', type: 'string', optional: true }],
    doc: 'Set a param of a live module (smoothed per sample). With `ms`: an automation ramp from the value the param has at the command\'s frame (or timetag) to `value`, reached exactly `round(ms · rate / 1000)` samples later; `curve` `lin` or `exp` (geometric; the default for exp-scaled params such as frequencies, linear when a value is ≤ 0). A new ramp or a plain /mod on the same param starts from where a running ramp is. Enum params do not ramp. Old names `frequency`, `resonance`, `filter_mode` are aliases. Replies `/done <address> <frame>` only to /notify subscribers; errors always.',
    handler: (call) => moduleCommand(call, parseParamSet(call.path[0]!, call.path[1]!, call.args, call.ctx.editor)),
  },
  {
    address: '/gate/', usage: '/gate/<id>', pathSegments: 1, reply: 'always', scope: 'session',
    args: [{ name: 'velocity', type: 'value' }],
    doc: 'Gate a module: a number in (0, 1] is on with that velocity (`/gate/kick 0.6`; above 1 counts as 1), 0 is off; true/false and "on"/"off" are full velocity and off. Envelopes scale their peak by the velocity, drums their level. Replies `/done <address> <frame>`.',
    handler: (call) => moduleCommand(call, parseGateCommand(call.path[0]!, call.args, call.ctx.editor)),
  },
  {
    address: '/module/reset', usage: '/module/reset', reply: 'always', scope: 'session',
    args: [{ name: 'id', type: 'string' }],
    doc: 'Bring a module muted by a fault (threw, NaN/Inf) back with fresh state.',
    handler: (call) => moduleCommand(call, parseResetCommand(call.args, call.ctx.editor)),
  },
  {
    address: '/patch/create', usage: '/patch/create', reply: 'always', scope: 'session',
    args: [{ name: 'id', type: 'string' }, { name: 'type', type: 'string' }],
    doc: 'Add a module to the staged patch. Re-creating an existing id with the same type keeps it.',
    handler: ({ ctx, args }) => editReply(ctx.editor.create(args[0] as string, args[1] as string)),
  },
  {
    address: '/patch/connect', usage: '/patch/connect', reply: 'always', scope: 'session',
    args: [{ name: 'from', type: 'string' }, { name: 'to', type: 'string' }, { name: 'amount', type: 'number', optional: true }],
    doc: 'Connect `<id>[.<output>]` to `<id>[.<input>]` or `<id>.<param>` in the staged patch (amount: gain, or modulation depth in the param unit).',
    handler: ({ ctx, args }) => editReply(ctx.editor.connect(args[0] as string, args[1] as string, args[2] as number | undefined)),
  },
  {
    address: '/patch/disconnect', usage: '/patch/disconnect', reply: 'always', scope: 'session',
    args: [{ name: 'from', type: 'string' }, { name: 'to', type: 'string' }],
    doc: 'Remove a connection from the staged patch.',
    handler: ({ ctx, args }) => editReply(ctx.editor.disconnect(args[0] as string, args[1] as string)),
  },
  {
    address: '/patch/delete', usage: '/patch/delete', reply: 'always', scope: 'session',
    args: [{ name: 'id', type: 'string' }],
    doc: 'Remove a module and its connections from the staged patch.',
    handler: ({ ctx, args }) => editReply(ctx.editor.delete(args[0] as string)),
  },
  {
    address: '/patch/set', usage: '/patch/set', reply: 'always', scope: 'session',
    args: [{ name: 'id', type: 'string' }, { name: 'param', type: 'string' }, { name: 'value', type: 'value' }],
    doc: 'Set a param in the staged patch (takes effect at commit).',
    handler: ({ ctx, args }) => editReply(ctx.editor.set(args[0] as string, args[1] as string, args[2] as number | string | boolean)),
  },
  {
    address: '/patch/clear', usage: '/patch/clear', reply: 'always', scope: 'session', args: [],
    doc: 'Empty the staged patch (only the master `out` remains).',
    handler: ({ ctx }) => editReply(ctx.editor.clear()),
  },
  {
    address: '/patch/commit', usage: '/patch/commit', reply: 'always', scope: 'session',
    args: [{ name: 'crossfade_ms', type: 'number', optional: true }, { name: 'expected_fingerprint', type: 'string', optional: true }],
    doc: 'Validate the whole staged patch and apply it to every slot at one block boundary; unchanged modules keep their state; where the topology changed the old graph crossfades into the new one (default 20 ms). With `expected_fingerprint` (from /patch/get), only if the live patch still has it, else `E_STALE`. Replies `/done /patch/commit <frame> <fingerprint>` (the new live patch\'s), or `/fail /patch/commit E_PATCH_INVALID <every error>` (nothing changes).',
    handler: (call) => commitStaged(call, call.args[0] as number | undefined, call.args[1] as string | undefined),
  },
  {
    address: '/patch/abort', usage: '/patch/abort', reply: 'always', scope: 'session', args: [],
    doc: 'Drop the staged changes (the staged patch becomes a copy of the live one).',
    handler: ({ ctx }) => {
      ctx.editor.abort();
      return done();
    },
  },
  {
    address: '/patch/get', usage: '/patch/get', reply: 'always', scope: 'server',
    args: [{ name: 'which', type: 'string', optional: true }],
    doc: 'Reply `/done /patch/get <json> <fingerprint>` with the live patch (or the staged one with argument "staged"). The fingerprint: the first 16 hex digits of the SHA-256 of the canonical JSON (keys sorted); recorded /mod values are part of the live patch.',
    handler: ({ ctx, args }) => {
      if (args[0] !== undefined && args[0] !== 'live' && args[0] !== 'staged') return failure('E_BAD_ARGS', 'which must be "live" or "staged"');
      const doc = args[0] === 'staged' ? ctx.editor.staged : ctx.editor.live;
      return done(JSON.stringify(doc), patchFingerprint(doc));
    },
  },
  {
    address: '/patch/validate', usage: '/patch/validate', reply: 'always', scope: 'server', args: [],
    doc: 'Dry run of /patch/commit: reply `/done /patch/validate <json>` with `{ ok, errors: [{ path, code, message }], staged, live }` (every error at once; `staged` and `live` are the two fingerprints). Changes nothing.',
    handler: ({ ctx }) => {
      const result = ctx.editor.validateStaged();
      return done(JSON.stringify({ ok: result.ok, errors: result.ok ? [] : result.errors, staged: ctx.editor.stagedFingerprint(), live: ctx.editor.liveFingerprint() }));
    },
  },
  {
    address: '/patch/history', usage: '/patch/history', reply: 'always', scope: 'server', args: [],
    doc: `Reply \`/done /patch/history <json>\`: the patches that became live (start-up, commits, undos), newest first, at most ${HISTORY_LIMIT}: \`{ fingerprint, time, via, modules, connections }\`.`,
    handler: ({ ctx }) => done(JSON.stringify(ctx.editor.history.describe())),
  },
  {
    address: '/patch/undo', usage: '/patch/undo', reply: 'always', scope: 'server',
    args: [{ name: 'expected_fingerprint', type: 'string', optional: true }, { name: 'crossfade_ms', type: 'number', optional: true }],
    doc: 'Commit the patch committed before the live one (see /patch/history; staged edits are dropped), only if the live patch has `expected_fingerprint` when given (`E_STALE` otherwise). Repeated undos walk further back; no redo. Replies like /patch/commit; `E_NO_HISTORY` when there is nothing earlier.',
    handler: (call) => undoCommit(call, call.args[0] as string | undefined, call.args[1] as number | undefined),
  },
  {
    address: '/patch/save', usage: '/patch/save', reply: 'always', scope: 'server',
    args: [{ name: 'name', type: 'string' }],
    doc: 'Save the live patch as `<data-dir>/patches/<name>.json` (atomic write). Replies with the path.',
    handler: ({ ctx, args }) => checkName(args[0] as string) ?? ctx.savePatch(args[0] as string),
  },
  {
    address: '/patch/load', usage: '/patch/load', reply: 'always', scope: 'server',
    args: [{ name: 'name', type: 'string' }],
    doc: 'Load `<data-dir>/patches/<name>.json`, validate it and commit it (replies like /patch/commit).',
    handler: (call) => checkName(call.args[0] as string) ?? call.ctx.stagePatchFile(call.args[0] as string) ?? commitStaged(call),
  },
  {
    address: '/buffer/load', usage: '/buffer/load', reply: 'always', scope: 'server',
    args: [{ name: 'name', type: 'string' }, { name: 'file', type: 'string' }],
    doc: 'Load `<data-dir>/samples/<file>` (WAV 16/24/32-bit integer or 32/64-bit float, or FLAC; mono or stereo; any rate, resampled to the engine\'s; at most 120 s) as buffer `name`, for samplers (`buffer` param). Decoded off the audio thread; every slot has it from the frame in the reply `/done /buffer/load <frame>`. Fails with E_NOT_FOUND, E_UNSUPPORTED_FORMAT, E_TRUNCATED, E_TOO_LONG, E_BUFFER_EXISTS or E_BAD_NAME and changes nothing. See docs/samples.md.',
    handler: ({ ctx, args }) => ctx.loadBuffer(args[0] as string, args[1] as string),
  },
  {
    address: '/buffer/list', usage: '/buffer/list', reply: 'always', scope: 'server', args: [],
    doc: 'Reply `/done /buffer/list <json>`: every loaded buffer (name, file, frames, channels, seconds, sourceRate, sha256; `missing` when its file could not be restored after a restart).',
    handler: ({ ctx }) => ctx.listBuffers(),
  },
  {
    address: '/buffer/free', usage: '/buffer/free', reply: 'always', scope: 'server',
    args: [{ name: 'name', type: 'string' }],
    doc: 'Drop buffer `name` (replies `/done /buffer/free <frame>`). Refused with E_BUFFER_IN_USE while the live patch names it, E_BUFFER_UNKNOWN when there is none.',
    handler: ({ ctx, args }) => ctx.freeBuffer(args[0] as string),
  },
  {
    address: '/record/start', usage: '/record/start', reply: 'always', scope: 'server',
    args: [{ name: 'name', type: 'string', optional: true }, { name: 'format', type: 'string', optional: true }],
    doc: 'Record what the sink plays to `<data-dir>/recordings/<name>.wav` (stereo; default name from the date). `format`: `s16` (default) or `f32` (the exact samples, for analysis). Replies with the path.',
    handler: ({ ctx, args }) => {
      const format = args[1] ?? 's16';
      if (format !== 's16' && format !== 'f32') return failure('E_BAD_ARGS', `format must be s16 or f32, not '${String(format)}'`);
      return (args[0] === undefined ? undefined : checkName(args[0] as string)) ?? ctx.startRecording(args[0] as string | undefined, format);
    },
  },
  {
    address: '/record/stop', usage: '/record/stop', reply: 'always', scope: 'server', args: [],
    doc: 'Stop recording and finalise the file. Replies `/done /record/stop <path> <seconds> <first frame>` (the engine frame of the file\'s first sample).',
    handler: ({ ctx }) => ctx.stopRecording(),
  },
  {
    address: '/record/status', usage: '/record/status', reply: 'always', scope: 'server', args: [],
    doc: 'Reply `/done /record/status <recording 0|1> <seconds> <bytes> <path>`.',
    handler: ({ ctx }) => {
      const s = ctx.recordingStatus();
      return done(s.recording ? 1 : 0, s.seconds, s.bytes, s.path ?? '');
    },
  },
  ...SEQ_COMMANDS,
  {
    address: '/seq/get', usage: '/seq/get', reply: 'always', scope: 'server', args: [id],
    doc: 'Reply `/done /seq/get <json>`: the sequencer\'s configuration as commanded (steps, division, pattern, `gates` and `accents`: every target, param `lanes`, `stepLanes` (velocity, length, prob, cond), gate_len, glide, seed, running) and the transport (bpm, swing).',
    handler: ({ ctx, args }) => {
      const described = ctx.sequencers.describe(args[0] as string);
      return described === undefined ? failure('E_UNKNOWN_SEQ', `no sequencer '${String(args[0])}'`) : done(JSON.stringify(described));
    },
  },
  {
    address: '/state/get', usage: '/state/get', reply: 'always', scope: 'server', args: [],
    doc: 'Reply `/done /state/get <json>`: what an offline render needs to reproduce the live state: `{ sampleRate, seed, fingerprint, patch, staged, stagedFingerprint, gates, sequencers: { transport, sequencers } }` (`gates`: modules whose last /gate was on; the sequencers as commanded, as /seq/get shows them). Used by `chronus mcp` (hear).',
    handler: ({ ctx }) => done(JSON.stringify({
      sampleRate: ctx.sampleRate, seed: ctx.seed,
      fingerprint: ctx.editor.liveFingerprint(), patch: ctx.editor.live,
      stagedFingerprint: ctx.editor.stagedFingerprint(), staged: ctx.editor.staged,
      gates: ctx.editor.gatesHeld(),
      sequencers: ctx.sequencers.save(),
    })),
  },
  {
    address: '/client/late', usage: '/client/late', reply: 'always', scope: 'server', args: [{ name: 'policy', type: 'string' }],
    doc: 'For this client: "apply" (default) applies a late timetagged bundle at the earliest safe frame and answers `/late <seconds> <address>`; "drop" answers `/late` and `/fail <address> E_LATE_DROPPED` instead. Counts are in /engine/status (control.late, control.lateDropped).',
    handler: ({ ctx, args, client }) => {
      if (args[0] !== 'apply' && args[0] !== 'drop') return failure('E_BAD_ARGS', 'policy must be "apply" or "drop"');
      ctx.setLatePolicy(client, args[0]);
      return done(args[0]);
    },
  },
  {
    address: '/engine/status', usage: '/engine/status', reply: 'always', scope: 'server', args: [], replyAddress: '/engine/status.reply',
    doc: 'Reply `/engine/status.reply <json>`: rate, block, lead, sink, active slot, per-slot health, underruns, late cycles, failovers, divergences, commits, uptime, per-module cost, and `batch` (SIMD batch kernels: status on/off/unavailable, sub-blocks they rendered and the JS fallbacks, wasm arena use).',
    handler: ({ ctx }) => ({ ok: true, args: [JSON.stringify(ctx.status())] }),
  },
  {
    address: '/engine/schema', usage: '/engine/schema', reply: 'always', scope: 'server', args: [],
    doc: 'Reply `/done /engine/schema <json>`: every module spec (params, units, ranges, ports) and type alias.',
    handler: ({ ctx }) => done(JSON.stringify(ctx.schema())),
  },
  {
    address: '/engine/switch', usage: '/engine/switch', reply: 'always', scope: 'server', args: [],
    doc: 'Make the other slot active at the next block (gapless: the slots render in lockstep). Replies with the new active slot.',
    handler: ({ ctx }) => done(ctx.switchActive()),
  },
  {
    address: '/debug/fault', usage: '/debug/fault', reply: 'always', scope: 'server',
    args: [{ name: 'slot', type: 'number' }, { name: 'kind', type: 'string' }, { name: 'ms', type: 'number', optional: true }],
    doc: `Inject a fault into a slot's worker, to test and demonstrate failover; refused (E_FORBIDDEN) unless the server runs with --allow-fault-injection. Kinds: ${FAULT_KINDS.join(', ')}. \`slow <ms>\`: every block takes that long for 2 s; \`stall <ms>\`: one pause of that long. Subscribed clients get \`/engine/failover <from> <to> <reason>\`, \`/engine/rejoin <slot> <ms>\` and \`/engine/outage begin|end ...\`.`,
    handler: ({ ctx, args }) => {
      const kind = args[1] as string;
      if (!(FAULT_KINDS as readonly string[]).includes(kind)) return failure('E_BAD_ARGS', `kind must be one of ${FAULT_KINDS.join(', ')}`);
      const ms = args[2] === undefined ? 0 : Number(args[2]);
      if ((kind === 'slow' || kind === 'stall') && !(ms > 0 && ms <= 10_000)) return failure('E_BAD_ARGS', `${kind} needs a duration in (0, 10000] ms`);
      return ctx.injectFault(Number(args[0]), kind as FaultKind, ms);
    },
  },
  {
    address: '/sync', usage: '/sync', reply: 'always', scope: 'server', replyAddress: '/synced',
    args: [{ name: 'id', type: 'value' }],
    doc: 'Reply `/synced <id>` once every command sent before it has been applied by every slot.',
    handler: async ({ ctx, args }) => {
      await ctx.sync();
      return { ok: true, args: [args[0] ?? null] };
    },
  },
  {
    address: '/notify', usage: '/notify', reply: 'always', scope: 'server',
    args: [{ name: 'on', type: 'value', optional: true }],
    doc: 'Subscribe this client (1, default) or unsubscribe it (0) to /mod replies and server notifications.',
    handler: ({ ctx, args, client }) => {
      const on = args[0] === undefined || args[0] === 1 || args[0] === true || args[0] === 'on';
      ctx.setSubscribed(client, on);
      return done(on ? 1 : 0);
    },
  },
  {
    address: '/quit', usage: '/quit', reply: 'always', scope: 'server', args: [],
    doc: 'Shut the server down cleanly (recording finalised, workers joined).',
    handler: ({ ctx }) => {
      ctx.requestQuit();
      return done();
    },
  },
];

function editReply(result: { ok: true } | { ok: false; code: FailCode; message: string }): Reply {
  return result.ok ? done() : failure(result.code, result.message);
}

const EXACT = new Map(COMMANDS.filter((e) => e.pathSegments === undefined).map((e) => [e.address, e] as const));
const PREFIXED = new Map(COMMANDS.filter((e) => e.pathSegments !== undefined).map((e) => [e.address, e] as const));

/**
 * Finds the entry for an address and the path segments after its prefix: the one place an
 * address is parsed (two map lookups and a split, whatever the table or the patch holds).
 */
export function lookupCommand(address: string): { entry: CommandEntry; path: string[] } | undefined {
  const exact = EXACT.get(address);
  if (exact !== undefined) return { entry: exact, path: [] };
  const second = address.indexOf('/', 1);
  if (second < 0 || address.charCodeAt(0) !== 47 /* '/' */) return undefined;
  const entry = PREFIXED.get(address.slice(0, second + 1));
  if (entry === undefined) return undefined;
  const path = address.slice(second + 1).split('/');
  if (path.length !== entry.pathSegments) return undefined;
  for (const segment of path) if (segment.length === 0) return undefined;
  return { entry, path };
}

/** Checks arguments against the entry's schema; returns a /fail reply or undefined. */
export function checkArgs(entry: CommandEntry, args: readonly OscValue[]): Reply | undefined {
  let required = 0;
  for (const a of entry.args) if (a.optional !== true) required++;
  if (args.length < required || (args.length > entry.args.length && entry.variadic !== true)) {
    const usage = entry.args.map((a) => (a.optional === true ? `[${a.name}]` : `<${a.name}>`)).join(' ');
    return failure('E_BAD_ARGS', `${entry.usage} takes ${usage || 'no arguments'}; got ${args.length}`);
  }
  for (let i = 0; i < args.length; i++) {
    const spec = entry.args[Math.min(i, entry.args.length - 1)]!;
    const v = args[i];
    if (spec.type === 'string' && typeof v !== 'string') return failure('E_BAD_ARGS', `${spec.name} must be a string`);
    if (spec.type === 'number' && (typeof v !== 'number' || !Number.isFinite(v))) return failure('E_BAD_ARGS', `${spec.name} must be a number`);
  }
  return undefined;
}
