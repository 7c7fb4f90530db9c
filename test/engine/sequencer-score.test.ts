// Scores with /seq/* commands: validated like live commands (every error at once), applied at
// the exact sample by the offline renderer.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { renderToArrays } from '../../src/control/offline-render.js';
import { parseScore } from '../../src/control/score.js';
import { RATE, onsets, percussivePatch } from '../helpers/sequencer.js';

test('a score of /seq commands renders the 120 BPM x...x...x...x... beat exactly (start at 0.5 s, sample 24,000)', () => {
  const patch = percussivePatch();
  const parsed = parseScore([
    { at: 0.5, address: '/seq/start', args: ['kick'] },
    { at: 0, address: '/seq/create', args: ['kick'] },
    { at: 0, address: '/seq/config', args: ['kick', 16, 16] },
    { at: 0, address: '/seq/pattern', args: ['kick', 'x... x... | x... x...'] },
    { at: 0, address: '/seq/assign', args: ['kick', 'gate', 'env1'] },
    { at: 0, address: '/seq/bpm', args: [120] },
  ], patch, RATE);
  assert.ok(parsed.ok, JSON.stringify(parsed));
  const { left } = renderToArrays({ patch, score: parsed.commands, frames: 5 * RATE, sampleRate: RATE, blockSize: 128 });
  assert.deepEqual(onsets(left), [24000, 48000, 72000, 96000, 120000, 144000, 168000, 192000, 216000]);
});

test('score /seq errors are all reported with their codes', () => {
  const parsed = parseScore([
    { at: 0, address: '/seq/pattern', args: ['ghost', 'x...'] },
    { at: 0, address: '/seq/create', args: ['a'] },
    { at: 0.1, address: '/seq/create', args: ['a'] },
    { at: 0.1, address: '/seq/bpm', args: [400] },
    { at: 0.1, address: '/seq/pattern', args: ['a', 'x.y.'] },
    { at: 0.1, address: '/seq/lane', args: ['a', 'pitch', 'C2', 'H7'] },
    { at: 0.1, address: '/seq/config', args: ['a', 16, 7] },
    { at: 0.1, address: '/seq/assign', args: ['a', 'gate', 'osc1'] },
    { at: 0.1, address: '/seq/assign', args: ['a', 'param', 'p', 'osc1', 'nope'] },
  ], percussivePatch(), RATE);
  assert.ok(!parsed.ok);
  assert.deepEqual(parsed.errors.map((e) => [e.path, e.code]), [
    ['[0].address', 'E_UNKNOWN_SEQ'], ['[2].address', 'E_SEQ_EXISTS'], ['[3].address', 'E_RANGE'], ['[4].address', 'E_BAD_PATTERN'],
    ['[5].address', 'E_BAD_VALUE'], ['[6].address', 'E_RANGE'], ['[7].address', 'E_NO_GATE'], ['[8].address', 'E_UNKNOWN_PARAM'],
  ]);
});
