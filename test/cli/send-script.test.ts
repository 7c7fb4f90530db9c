// Parsing of `chronus send -f` scripts (no server): words, quotes, comments, line numbers.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseScript, splitArguments } from '../../src/cli/send-script.js';

test('arguments split on blanks; quotes keep blanks; # starts a comment only at the start of a word', () => {
  assert.deepEqual(splitArguments('/seq/lane bass pitch "F1 - F1 Ab1" -'), ['/seq/lane', 'bass', 'pitch', 'F1 - F1 Ab1', '-']);
  assert.deepEqual(splitArguments("/seq/lane s1 velocity '- 1'\t-0.5   # the rest is a comment"), ['/seq/lane', 's1', 'velocity', '- 1', '-0.5']);
  assert.deepEqual(splitArguments('/seq/lane s1 pitch F#3 "#x" a\\ b ""'), ['/seq/lane', 's1', 'pitch', 'F#3', '#x', 'a b', '']);
  assert.deepEqual(splitArguments('/x "say \\"hi\\""'), ['/x', 'say "hi"']);
  assert.throws(() => splitArguments('/x "open'), /unclosed " quote/);
});

test('a script gives each command its line number and its values typed as on the command line', () => {
  const { commands, errors } = parseScript('# set-up\n\n/seq/bpm 175\n  /gate/kick 0.6  # accent\r\n/seq/lane s1 cond "1:2 -" true\n');
  assert.deepEqual(errors, []);
  assert.deepEqual(commands.map((c) => [c.line, c.address, c.args]), [
    [3, '/seq/bpm', [175]],
    [4, '/gate/kick', [0.6]],
    [5, '/seq/lane', ['s1', 'cond', '1:2 -', true]],
  ]);
});

test('every error of a script is reported with its line', () => {
  const { errors } = parseScript('/ok 1\nseq/bpm 120\n/x "a\n');
  assert.deepEqual(errors.map((e) => e.line), [2, 3]);
  assert.match(errors[0]!.message, /starts with an OSC address/);
});
