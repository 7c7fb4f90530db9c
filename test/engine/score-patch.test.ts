// Scores that edit and commit patches: the offline renderer runs them through the live
// server's command handlers and the slots' host. A commit applies at exactly its frame (inside
// a block too), the render does not depend on the block size, the samples before the commit
// are those of the patch without it, and errors are reported with their paths, as live.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { renderToArrays } from '../../src/control/offline-render.js';
import { parseScore } from '../../src/control/score.js';
import { createRegistry } from '../../src/dsp/modules/index.js';
import type { PatchDocument } from '../../src/patch/document.js';
import { validatePatch } from '../../src/patch/validate.js';
import { goertzelAmplitude } from '../helpers/analysis.js';

const RATE = 48000;

function document(doc: unknown): PatchDocument {
  const result = validatePatch(doc, createRegistry());
  if (!result.ok) throw new Error(JSON.stringify(result.errors));
  return result.document;
}

/** A held note through a filter. */
const start = document({
  format: 'chronus-patch', version: 1,
  modules: [
    { id: 'osc1', type: 'osc', params: { waveform: 'saw', freq: 110, gain: 0.3 } },
    { id: 'filt1', type: 'filter', params: { cutoff: 1200, q: 2 } },
  ],
  connections: [{ from: 'osc1', to: 'filt1' }, { from: 'filt1', to: 'out' }],
});

/** Commit frame: inside a block for block sizes 64, 100 and 128 (not a multiple of any). */
const COMMIT_AT = 0.3 + 17 / RATE;
const COMMIT_FRAME = Math.round(COMMIT_AT * RATE);

/** A second voice and a modulation arrive with a commit (no crossfade), then change live, then go with a crossfaded commit. */
const score = [
  { at: 0.1, address: '/mod/filt1/cutoff', args: [900] },
  { at: COMMIT_AT, address: '/patch/create', args: ['tone', 'osc'] },
  { at: COMMIT_AT, address: '/patch/set', args: ['tone', 'freq', 1000] },
  { at: COMMIT_AT, address: '/patch/set', args: ['tone', 'gain', 0.2] },
  { at: COMMIT_AT, address: '/patch/connect', args: ['tone', 'out'] },
  { at: COMMIT_AT, address: '/patch/create', args: ['lfo1', 'lfo'] },
  { at: COMMIT_AT, address: '/patch/connect', args: ['lfo1', 'filt1.cutoff', 300] },
  { at: COMMIT_AT, address: '/patch/commit', args: [0] },
  { at: 0.5, address: '/mod/tone/freq', args: [1500] },
  { at: 0.7, address: '/patch/delete', args: ['tone'] },
  { at: 0.7, address: '/patch/commit', args: [30] },
];

function render(block: number, commands = score): { left: Float32Array; right: Float32Array } {
  const parsed = parseScore(commands, start, RATE);
  assert.ok(parsed.ok, JSON.stringify(parsed));
  return renderToArrays({ patch: start, score: parsed.commands, frames: RATE, sampleRate: RATE, blockSize: block, seed: 3 });
}

function hash(r: { left: Float32Array; right: Float32Array }): string {
  return createHash('sha256').update(new Uint8Array(r.left.buffer)).update(new Uint8Array(r.right.buffer)).digest('hex');
}

test('a score that commits patches renders the same bytes at block sizes 64, 100, 128 and 1', () => {
  const reference = hash(render(64));
  for (const block of [100, 128, 1]) assert.equal(hash(render(block)), reference, `block ${block}`);
});

function firstDifference(a: Float32Array, b: Float32Array): number {
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return i;
  return -1;
}

test('a commit applies at exactly its frame: the samples before it are those of the patch without the commit', () => {
  const withCommit = render(128);
  const without = render(128, score.filter((e) => e.at < COMMIT_AT));
  // The new voice is heard from the commit frame on (after the oscillator's first few samples);
  // moving the commit one frame later moves the first difference one frame later.
  const first = firstDifference(withCommit.left, without.left);
  assert.ok(first >= COMMIT_FRAME && first < COMMIT_FRAME + 16, `first difference at ${first}, commit at ${COMMIT_FRAME}`);
  const later = render(128, score.map((e) => (e.at === COMMIT_AT ? { ...e, at: COMMIT_AT + 1 / RATE } : e)));
  assert.equal(firstDifference(later.left, without.left), first + 1);
  // The voice the commit added, at its /mod frequency, and gone after the last commit.
  const added = goertzelAmplitude(withCommit.left, 1500, RATE, Math.round(0.55 * RATE), Math.round(0.65 * RATE));
  const gone = goertzelAmplitude(withCommit.left, 1500, RATE, Math.round(0.8 * RATE), Math.round(0.95 * RATE));
  assert.ok(added > 0.05, `1500 Hz voice after /mod/tone/freq: ${added}`);
  assert.ok(gone < added / 1000, `1500 Hz after the voice was deleted: ${gone}`);
});

test('score errors in patch commands are reported like live ones, with their paths', () => {
  const parsed = parseScore([
    { at: 0.1, address: '/mod/tone/freq', args: [300] },
    { at: 0.2, address: '/patch/create', args: ['tone', 'osc'] },
    { at: 0.2, address: '/patch/connect', args: ['tone', 'nowhere'] },
    { at: 0.25, address: '/mod/tone/freq', args: [300] },
    { at: 0.3, address: '/patch/set', args: ['tone', 'freq', 99999] },
    { at: 0.3, address: '/patch/create', args: ['bad', 'osc'] },
    { at: 0.3, address: '/patch/connect', args: ['bad', 'bad.fm'] },
    { at: 0.4, address: '/patch/commit', args: [] },
    { at: 0.5, address: '/engine/status', args: [] },
    { at: 0.6, address: '/patch/commit', args: [5000] },
  ], start, RATE);
  assert.ok(!parsed.ok);
  assert.deepEqual(parsed.errors.map((e) => [e.path, e.code]), [
    ['[0].address', 'E_UNKNOWN_MODULE'], ['[2].address', 'E_UNKNOWN_MODULE'], ['[3].address', 'E_UNKNOWN_MODULE'],
    ['[4].address', 'E_PARAM_RANGE'], ['[7].address', 'E_PATCH_INVALID'], ['[8].address', 'E_SCORE'], ['[9].address', 'E_BAD_ARGS'],
  ]);
  assert.match(parsed.errors[4]!.message, /E_CYCLE/);
});

test('a score without patch commands renders as before: the live patch from a resolved patch or its document', () => {
  const resolved = validatePatch(start, createRegistry());
  assert.ok(resolved.ok);
  const commands = [{ at: 0.1, address: '/mod/filt1/cutoff', args: [900] }, { at: 0.2, address: '/mod/osc1/freq', args: [220] }];
  const fromDoc = parseScore(commands, start, RATE);
  const fromResolved = parseScore(commands, resolved.patch, RATE);
  assert.ok(fromDoc.ok && fromResolved.ok);
  const a = renderToArrays({ patch: start, score: fromDoc.commands, frames: RATE / 2, sampleRate: RATE, blockSize: 128 });
  const b = renderToArrays({ patch: resolved.patch, score: fromResolved.commands, frames: RATE / 2, sampleRate: RATE, blockSize: 128 });
  assert.equal(hash(a), hash(b));
});
