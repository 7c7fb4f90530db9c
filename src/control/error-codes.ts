// The registry of every error code a client can see (issue 12 §5): in a `/fail` reply, inside
// an E_PATCH_INVALID message, or in a notification. Each code has a one-line description, which
// docs/osc.md lists (src/control/osc-docs.ts; test/server/osc-docs.test.ts reads this registry).
// `FailCode` is the union of the codes a `/fail` may carry: `failure()` and every control
// result type take a FailCode, so an unregistered code does not compile. Codes are stable:
// never renamed or reused, only added.
//
// Pure data; no thread concerns.

import { PATCH_ERROR_CODES, type PatchErrorCode } from '../patch/errors.js';
import { MAX_ACCENT_TARGETS, MAX_GATE_TARGETS, MAX_LANES, MAX_SEQUENCERS, MAX_STEPS } from '../engine/sequencer/limits.js';
import { SAMPLE_ERROR_CODES } from '../io/sample-file.js';
import { MAX_TCP_FRAME, MAX_UDP_REPLY } from './osc-transport.js';

/** Codes of the module commands (/mod, /gate, /module/reset) and of address lookup. */
export const COMMAND_ERRORS = {
  E_UNKNOWN_ADDRESS: 'No command at this address.',
  E_UNKNOWN_MODULE: 'No module with this id in the live patch.',
  E_UNKNOWN_PARAM: 'The module has no param with this name.',
  E_BAD_ARGS: 'Wrong number or type of arguments.',
  E_PARAM_RANGE: 'Value outside the param range.',
  E_NO_GATE: 'The module does not take gates.',
} as const;

/** Codes of the sequencer and transport commands (/seq/...). */
export const SEQ_ERRORS = {
  E_UNKNOWN_SEQ: 'No sequencer with this id (/seq/create it first).',
  E_SEQ_EXISTS: '/seq/create of an id that already exists.',
  E_SEQ_LIMIT: `A fixed limit is reached: ${MAX_SEQUENCERS} sequencers, ${MAX_LANES} lanes, ${MAX_GATE_TARGETS} gate and ${MAX_ACCENT_TARGETS} accent targets per sequencer, ${MAX_STEPS} steps.`,
  E_RANGE: 'A sequencer or transport value outside its range (bpm 20–300, swing 0–0.6, steps 1–64, gate_len and length 0.01–1, velocity and prob 0–1, glide 0–10000 ms, division dividing 3840).',
  E_BAD_PATTERN: 'A pattern holds a character other than X, x, ., _, s, S, space and |, or more than 64 steps.',
  E_BAD_VALUE: 'A lane value is not a number, MIDI note (m60), note name (C2, F#3, Bb1) or - / . (no change), or a cond value is not N:M (1 ≤ N ≤ M ≤ 64).',
  E_NOT_ASSIGNED: '/seq/unassign of a target or lane the sequencer does not have.',
  E_NO_ACCENT: 'An accent on a param that cannot take one (an enum).',
} as const;

/**
 * Codes the control surface produces itself (command table, server, patch editor, transports),
 * beyond the module-command codes of address.ts COMMAND_ERRORS.
 */
export const SERVER_ERRORS = {
  E_BAD_NAME: "A file or buffer name given over OSC is not a plain name ([A-Za-z0-9_.-], at most 64 characters, no '/', '\\\\' or '..').",
  E_NOT_FOUND: 'The named file does not exist or cannot be read (/patch/load; /buffer/load: under <data-dir>/samples/).',
  E_PATCH_INVALID: 'The staged (or loaded) patch does not validate; the message lists every error as `<path>: <code>: <message>` separated by `; `. Nothing changes.',
  E_STALE: 'The live patch no longer has the fingerprint given to /patch/commit or /patch/undo (someone committed, undid or set a param since); nothing changes. Get the live patch and redo the edits on it.',
  E_NO_HISTORY: '/patch/undo with no earlier committed patch.',
  E_RECORDING: 'Already recording: /record/stop first.',
  E_FORBIDDEN: 'The server does not allow this command (/debug/fault needs --allow-fault-injection).',
  E_NOT_RECORDING: '/record/stop while not recording.',
  E_NOT_CONNECTED: '/patch/disconnect of a connection the staged patch does not have.',
  E_BUSY: "A slot's command ring is full; try again.",
  E_NO_SLOT: 'No slot took the command in time (every slot is down or stalled).',
  E_TOO_FAR: 'A bundle timetag lies more than 600 s ahead.',
  E_LATE_DROPPED: 'A timetagged bundle arrived after its time and this client asked to drop late bundles (/client/late drop).',
  E_INTERNAL: 'A command handler failed unexpectedly (a server bug; the server keeps running).',
  E_MALFORMED: 'The packet is not valid OSC (`/fail ? E_MALFORMED <message>`).',
  E_REPLY_TOO_BIG: `A reply longer than a UDP datagram (${MAX_UDP_REPLY} bytes; e.g. /patch/get or /engine/status of a patch of about a thousand modules): \`/fail <command> E_REPLY_TOO_BIG <message>\`; send that command over TCP (same port).`,
  E_OVERSIZE: `A TCP frame header announces more than ${MAX_TCP_FRAME} bytes, or a negative size (\`/fail ? E_OVERSIZE <message>\`); the server closes the connection.`,
} as const satisfies Record<string, string>;

/** Codes of the sample buffers (/buffer/load, /buffer/free; E_BAD_NAME and E_BUSY are the server's). */
export const BUFFER_ERRORS = {
  ...SAMPLE_ERROR_CODES,
  E_BUFFER_EXISTS: 'A buffer of that name is loaded or loading: /buffer/free it first.',
  E_BUFFER_UNKNOWN: 'No buffer of that name is loaded.',
  E_BUFFER_IN_USE: "The live patch names the buffer (a sampler's `buffer` param): commit a patch without it first.",
} as const satisfies Record<string, string>;

/** Codes carried by notifications (`/module/fault <module> <code> <frame>`) to /notify subscribers. */
export const NOTIFICATION_CODES = {
  E_MODULE_THREW: "A module's code threw; the module is muted until /module/reset.",
  E_MODULE_NON_FINITE: 'A module produced NaN or infinite output; the module is muted until /module/reset.',
} as const satisfies Record<string, string>;

/** Codes of score files only (the offline renderer, `chronus render`); never sent over OSC. */
export const SCORE_ERRORS = {
  E_SCORE: 'A score entry is malformed, or holds a server command (a score holds /mod, /gate, /module/reset, /patch/* edits and commits, /seq/*).',
} as const satisfies Record<string, string>;

export type CommandErrorCode = keyof typeof COMMAND_ERRORS;
export type SeqErrorCode = keyof typeof SEQ_ERRORS;
export type ServerErrorCode = keyof typeof SERVER_ERRORS;
export type BufferErrorCode = keyof typeof BUFFER_ERRORS;
export type NotificationCode = keyof typeof NOTIFICATION_CODES;
export type ScoreErrorCode = keyof typeof SCORE_ERRORS;

/** Every code a `/fail` reply may carry (a patch code travels inside E_PATCH_INVALID messages and in score errors). */
export type FailCode = CommandErrorCode | SeqErrorCode | ServerErrorCode | BufferErrorCode | PatchErrorCode;

/** A failure as the control layer passes it around: a registered code and a message for people. */
export interface Failure<Code extends string = FailCode> {
  readonly code: Code;
  readonly message: string;
}

export type ErrorCodeGroup = 'command' | 'patch' | 'notification';

export interface ErrorCodeDoc {
  readonly code: string;
  readonly group: ErrorCodeGroup;
  readonly description: string;
}

/**
 * Every error code a client can see over OSC: in a `/fail` reply, inside an E_PATCH_INVALID
 * message, or in a notification. A code is listed once per group (E_UNKNOWN_MODULE, for one, is
 * both a command error and a patch error).
 */
export const OSC_ERROR_CODES: readonly ErrorCodeDoc[] = (() => {
  const out: ErrorCodeDoc[] = [];
  const seen = new Set<string>();
  const add = (group: ErrorCodeGroup, entries: Readonly<Record<string, string>>): void => {
    for (const [code, description] of Object.entries(entries)) {
      if (seen.has(`${group} ${code}`)) continue;
      seen.add(`${group} ${code}`);
      out.push({ code, group, description });
    }
  };
  add('command', COMMAND_ERRORS);
  add('command', SERVER_ERRORS);
  add('command', SEQ_ERRORS);
  add('command', BUFFER_ERRORS);
  add('patch', PATCH_ERROR_CODES);
  add('notification', NOTIFICATION_CODES);
  return out;
})();
