// Tool errors as results an agent can act on: the /fail code and message, whether anything
// changed, whether the same call may be retried, and what to do next.
//
// `changed`: false when the server refused the command (a /fail leaves everything as it was:
// the command table's contract); 'unknown' when the answer never came (the connection dropped
// or timed out after the command left) or no slot took it (E_NO_SLOT).
// `retrySafe`: the same call again can do no harm and may succeed (E_BUSY, a tool that is
// idempotent after a lost answer); false where the call must change first (a validation
// error fails again) or might apply twice.
//
// Threading: main thread of the MCP process.

import type { Answer } from './link.js';
import type { ToolResult } from './tool-kit.js';

type Failure = Extract<Answer, { ok: false }>;

interface CodeAdvice {
  readonly retrySafe: boolean;
  readonly next: string;
}

const ADVICE: Readonly<Record<string, CodeAdvice>> = {
  E_BUSY: { retrySafe: true, next: 'the command ring was full; retry in a moment' },
  E_NO_SLOT: { retrySafe: false, next: 'no engine slot answered in time; check status before retrying' },
  E_STALE: { retrySafe: false, next: 'the live patch changed since your edits were based on it: get_patch live, redo the edits on it, then commit with its fingerprint' },
  E_PATCH_INVALID: { retrySafe: false, next: 'run validate for every error with fixes, edit, then commit again' },
  E_NO_HISTORY: { retrySafe: false, next: 'there is no earlier committed patch; nothing to undo' },
  E_UNKNOWN_ADDRESS: { retrySafe: false, next: 'read the resource chronus://reference/osc for the addresses' },
  E_BAD_ARGS: { retrySafe: false, next: 'fix the arguments (see the message)' },
  E_RECORDING: { retrySafe: false, next: 'already recording: record stop first' },
  E_NOT_RECORDING: { retrySafe: false, next: 'not recording: nothing to stop' },
};

export function failureResult(what: string, failure: Failure, options: { idempotent: boolean; extra?: Record<string, unknown> }): ToolResult {
  const advice = ADVICE[failure.code];
  const lost = failure.transport === true || failure.code === 'E_NO_SLOT';
  const retrySafe = lost ? options.idempotent : (advice?.retrySafe ?? false);
  const next = lost ? (failure.transport === true ? 'the server did not answer: check that it runs (status), then retry only if the call is idempotent' : advice?.next) : advice?.next;
  return {
    isError: true,
    structured: {
      summary: `${what} failed: ${failure.code}: ${failure.message}`,
      error: { code: failure.code, message: failure.message, changed: lost ? 'unknown' : false, retrySafe, ...(next === undefined ? {} : { next }) },
      ...options.extra,
    },
  };
}

/** A refusal decided by the MCP server itself before anything was sent. */
export function refusal(what: string, code: string, message: string, next?: string): ToolResult {
  return {
    isError: true,
    structured: { summary: `${what} refused: ${code}: ${message}`, error: { code, message, changed: false, retrySafe: false, ...(next === undefined ? {} : { next }) } },
  };
}
