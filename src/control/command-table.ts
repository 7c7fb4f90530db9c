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
import { FAULT_KINDS, type FaultKind } from '../runtime/slot-protocol.js';

export type OscValue = number | string | boolean | null;

export type Reply =
  | { readonly ok: true; readonly args?: readonly OscValue[]; readonly lateSeconds?: number }
  | { readonly ok: false; readonly code: string; readonly message: string };

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
export const failure = (code: string, message: string): Reply => ({ ok: false, code, message });
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
  if (command.kind === 'param') ctx.editor.recordParam(parsed.module, command.index, command.value);
  return sent(seq, call);
}

/** `/seq/*`: validate into a control op against the mirror, send it, update the mirror. */
function seqCommand(call: CommandCall<SessionContext>): Outcome {
  const ctx = call.ctx;
  const parsed = parseSeqCommand(call.address, call.args, ctx.sequencers, (id) => ctx.editor.module(id)?.definition.spec);
  if (!parsed.ok) return failure(parsed.error.code, parsed.error.message);
  const seq = ctx.send({ kind: 'control', op: parsed.op }, call.frame);
  if (seq === undefined) return busy();
  ctx.sequencers.apply(parsed.op);
  return sent(seq, call);
}

/**
 * Validates the staged patch and sends it; it becomes the live patch only once it is in the
 * command ring (a validated patch reaches the engine or stays staged).
 */
export function commitStaged(call: CommandCall<SessionContext>, crossfadeMs = 20): Outcome {
  const ctx = call.ctx;
  if (!(crossfadeMs >= 0 && crossfadeMs <= 1000)) return failure('E_BAD_ARGS', 'crossfade must be within [0, 1000] ms');
  if (!ctx.canSend()) return busy();
  const result = ctx.editor.validateStaged();
  if (!result.ok) {
    const detail = result.errors.map((e) => `${e.path === '' ? '' : `${e.path}: `}${e.code}: ${e.message}`).join('; ');
    return failure('E_PATCH_INVALID', `${result.errors.length} error(s): ${detail}`);
  }
  const sentPatch = ctx.sendPatch(result.validated.document, crossfadeMs);
  if (sentPatch === 'too-big') return failure('E_BUSY', 'the patch is larger than the command ring can ever hold');
  if (sentPatch === undefined) return busy();
  ctx.editor.adopt(result.validated, sentPatch.handles);
  return { sent: sentPatch.seq, requested: 0, timed: false, what: 'patch' };
}

const id: ArgSpec = { name: 'id', type: 'string' };
const SEQ_REPLY = 'Replies `/done <address> <frame>` (the frame it takes effect from).';

/** The sequencer and transport commands (the old system's surface; see docs/sequencing.md). */
const SEQ_COMMANDS: readonly CommandEntry[] = ([
  { address: '/seq/bpm', usage: '/seq/bpm', args: [{ name: 'bpm', type: 'number' }], doc: `Transport tempo, 20–300 BPM; takes effect at the next sixteenth of the grid (at once while stopped). ${SEQ_REPLY}` },
  { address: '/seq/swing', usage: '/seq/swing', args: [{ name: 'swing', type: 'number' }], doc: `Swing 0–0.6: odd sixteenths start swing × one sixteenth late; takes effect at the next eighth. ${SEQ_REPLY}` },
  { address: '/seq/start', usage: '/seq/start', args: [{ ...id, optional: true }], doc: `With an id: start that sequencer at the next bar line (starting the transport if stopped). Without: start the transport and every sequencer. ${SEQ_REPLY}` },
  { address: '/seq/stop', usage: '/seq/stop', args: [{ ...id, optional: true }], doc: `With an id: stop that sequencer. Without: stop every sequencer and the transport. Held gates are released at this frame. ${SEQ_REPLY}` },
  { address: '/seq/create', usage: '/seq/create', args: [id], doc: `New sequencer (16 steps of sixteenths, pattern \`x\`, gate_len 0.5, no targets); at most 32. ${SEQ_REPLY}` },
  { address: '/seq/config', usage: '/seq/config', args: [id, { name: 'steps', type: 'number' }, { name: 'division', type: 'number' }, { name: 'now', type: 'value', optional: true }], doc: `Steps 1–64 and division (a step lasts 4/division beats: 4 = quarter notes, 16 = sixteenths; any divisor of 3840 up to 64). Takes effect at the next bar and restarts the pattern there; "now" applies it at once. ${SEQ_REPLY}` },
  { address: '/seq/pattern', usage: '/seq/pattern', args: [id, { name: 'pattern', type: 'string' }, { name: 'now', type: 'value', optional: true }], doc: `Pattern: \`X\` accent, \`x\` note, \`.\` rest; spaces and \`|\` ignored; at most 64 steps. Takes effect at the next bar ("now": at once). ${SEQ_REPLY}` },
  { address: '/seq/assign', usage: '/seq/assign', args: [id, { name: 'what', type: 'string' }, { name: 'module_or_lane', type: 'value' }, { name: 'module', type: 'string', optional: true }, { name: 'param', type: 'string', optional: true }], doc: `\`/seq/assign <id> gate <module>\`: the module gated by notes. \`/seq/assign <id> param <lane> <module> <param>\`: the param a lane sets (up to 8 lanes). Targets survive patch commits; a target whose module is gone is inactive. ${SEQ_REPLY}` },
  { address: '/seq/lane', usage: '/seq/lane', variadic: true, args: [id, { name: 'lane', type: 'value' }, { name: 'values...', type: 'value' }], doc: `Lane values per step: numbers (the param's unit), MIDI notes \`m60\` and note names \`C2\`, \`F#3\`, \`Bb1\` (both in Hz), \`-\` or \`.\` = no change; strings may hold several values separated by spaces. A final "now" applies at once, else at the next bar. ${SEQ_REPLY}` },
  { address: '/seq/gate_len', usage: '/seq/gate_len', args: [id, { name: 'fraction', type: 'number' }], doc: `Gate length as a fraction of the step, 0.01–1. ${SEQ_REPLY}` },
  { address: '/seq/accent', usage: '/seq/accent', args: [id, { name: 'module', type: 'string' }, { name: 'param', type: 'string' }, { name: 'amount', type: 'number' }], doc: `What an \`X\` does: adds amount to module.param from the note's start to its gate-off (clamped to the param range). ${SEQ_REPLY}` },
  { address: '/seq/reset', usage: '/seq/reset', args: [id], doc: `Back to step 0 at the next bar (at once when stopped); the steps before the bar still play. ${SEQ_REPLY}` },
  { address: '/seq/reset_all', usage: '/seq/reset_all', args: [], doc: `/seq/reset for every sequencer: all restart together at the next bar. ${SEQ_REPLY}` },
  { address: '/seq/delete', usage: '/seq/delete', args: [id], doc: `Remove a sequencer (its held gate is released). ${SEQ_REPLY}` },
] satisfies ReadonlyArray<Omit<SessionEntry, 'scope' | 'reply' | 'handler'>>).map((e): CommandEntry => ({ ...e, scope: 'session', reply: 'always', handler: seqCommand }));

export const COMMANDS: readonly CommandEntry[] = [
  {
    address: '/mod/', usage: '/mod/<id>/<param>', pathSegments: 2, reply: 'opt-in', scope: 'session',
    args: [{ name: 'value', type: 'value' }],
    doc: 'Set a param of a live module (smoothed per sample). Old names `frequency`, `resonance`, `filter_mode` are aliases. Replies `/done <address> <frame>` only to /notify subscribers; errors always.',
    handler: (call) => moduleCommand(call, parseParamSet(call.path[0]!, call.path[1]!, call.args, call.ctx.editor)),
  },
  {
    address: '/gate/', usage: '/gate/<id>', pathSegments: 1, reply: 'always', scope: 'session',
    args: [{ name: 'on', type: 'value' }],
    doc: 'Gate an envelope: 1/0, true/false, "on"/"off". Replies `/done <address> <frame>`.',
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
    args: [{ name: 'crossfade_ms', type: 'number', optional: true }],
    doc: 'Validate the whole staged patch and apply it to every slot at one block boundary; unchanged modules keep their state; where the topology changed the old graph crossfades into the new one (default 20 ms). Replies `/done /patch/commit <frame>`, or `/fail /patch/commit E_PATCH_INVALID <every error>` (nothing changes).',
    handler: (call) => commitStaged(call, call.args[0] as number | undefined),
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
    doc: 'Reply `/done /patch/get <json>` with the live patch (or the staged one with argument "staged").',
    handler: ({ ctx, args }) => {
      if (args[0] !== undefined && args[0] !== 'live' && args[0] !== 'staged') return failure('E_BAD_ARGS', 'which must be "live" or "staged"');
      return done(JSON.stringify(args[0] === 'staged' ? ctx.editor.staged : ctx.editor.live));
    },
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
    doc: 'Reply `/done /seq/get <json>`: the sequencer\'s configuration as commanded (steps, division, pattern, targets, lanes, gate_len, accent, running) and the transport (bpm, swing).',
    handler: ({ ctx, args }) => {
      const described = ctx.sequencers.describe(args[0] as string);
      return described === undefined ? failure('E_UNKNOWN_SEQ', `no sequencer '${String(args[0])}'`) : done(JSON.stringify(described));
    },
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

function editReply(result: { ok: true } | { ok: false; code: string; message: string }): Reply {
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
