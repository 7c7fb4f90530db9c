// Patch fingerprints: a short, stable name for one exact patch document, so a client can say
// "commit only if the live patch is still the one I planned on" (/patch/commit, /patch/undo).
//
// Definition: the first 16 hex digits (64 bits) of the SHA-256 of the patch's canonical JSON:
// object keys sorted (recursively), arrays in order, no whitespace, numbers as JSON.stringify
// writes them. Module and connection order are part of the patch (render order), so they are
// part of the fingerprint. A live /mod value is recorded in the live document (/patch/get
// shows what plays), so it changes the fingerprint too.
//
// Threading: main thread / offline; allocates.

import { createHash } from 'node:crypto';
import type { PatchDocument } from '../patch/document.js';

/** JSON with object keys sorted at every level (undefined members dropped, as JSON does). */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value) ?? 'null';
  if (Array.isArray(value)) return `[${value.map((v) => (v === undefined ? 'null' : canonicalJson(v))).join(',')}]`;
  const record = value as Record<string, unknown>;
  const keys = Object.keys(record).filter((k) => record[k] !== undefined).sort();
  return `{${keys.map((k) => `${JSON.stringify(k)}:${canonicalJson(record[k])}`).join(',')}}`;
}

export const FINGERPRINT_HEX_DIGITS = 16;

export function patchFingerprint(doc: PatchDocument): string {
  return createHash('sha256').update(canonicalJson(doc)).digest('hex').slice(0, FINGERPRINT_HEX_DIGITS);
}
