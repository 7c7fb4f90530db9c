// Patch error codes: stable, machine-readable, shared by every layer that reports patch
// problems (patch loading, OSC `/fail` replies, the CLI). Codes are never renamed or reused;
// new ones are only added. Each code has a one-line description for docs and help output.

import type { PatchError } from './document.js';

export const PATCH_ERROR_CODES = {
  E_JSON: 'The text is not valid JSON.',
  E_SCHEMA: 'A value has the wrong JSON type, or a required field is missing.',
  E_UNKNOWN_KEY: 'An object has a key the patch format does not define.',
  E_FORMAT: 'The `format` field is missing or is not "chronus-patch".',
  E_VERSION: 'The `version` field is missing or names an unsupported version.',
  E_BAD_ID: 'A module id does not match [a-z][a-z0-9_]{0,31}.',
  E_DUPLICATE_ID: 'Two modules have the same id.',
  E_UNKNOWN_TYPE: 'A module type is neither a registered type nor a type alias.',
  E_MASTER: 'The master output is misdeclared: id `out` must have type `out` and vice versa.',
  E_UNKNOWN_PARAM: 'A module has no param (or param alias) of that name.',
  E_DUPLICATE_PARAM: 'The same param is given twice (e.g. by its id and by an alias).',
  E_PARAM_TYPE: 'A param value has the wrong type (e.g. a string for a numeric param, an unknown enum label, a fractional enum index).',
  E_PARAM_RANGE: 'A param value is outside the param range.',
  E_BAD_ENDPOINT: 'A connection endpoint is not `<module>` or `<module>.<port>`.',
  E_UNKNOWN_MODULE: 'A connection names a module the patch does not declare.',
  E_UNKNOWN_PORT: 'A connection names an output, input or param the module does not have.',
  E_NOT_MODULATABLE: 'A connection targets a param that cannot take modulation (e.g. an enum).',
  E_BAD_AMOUNT: 'A connection amount is not a finite number, or a modulation depth exceeds the param span.',
  E_DUPLICATE_CONNECTION: 'The same source is connected to the same destination twice.',
  E_CYCLE: 'Connections form a loop that no delaying module breaks.',
  E_BUFFER_UNKNOWN: 'A buffer param (e.g. a sampler\'s `buffer`) names a sample buffer that is not loaded (/buffer/load).',
} as const;

export type PatchErrorCode = keyof typeof PATCH_ERROR_CODES;

/** Builds a PatchError; `path` is a JSON path as produced by `formatPath` ('' for the root). */
export function patchError(code: PatchErrorCode, path: string, message: string): PatchError {
  return { code, path, message };
}

const IDENTIFIER = /^[A-Za-z_$][A-Za-z0-9_$]*$/;

/**
 * Formats a JSON path: `['modules', 2, 'params', 'freq']` → `modules[2].params.freq`.
 * Keys that are not identifiers are bracketed and quoted: `params["my key"]`.
 */
export function formatPath(segments: readonly (string | number)[]): string {
  let out = '';
  for (const s of segments) {
    if (typeof s === 'number') out += `[${s}]`;
    else if (IDENTIFIER.test(s)) out += out === '' ? s : `.${s}`;
    else out += `[${JSON.stringify(s)}]`;
  }
  return out;
}
