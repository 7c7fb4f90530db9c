// The module reference in README.md is generated from the specs and must be current.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { README_PATH, readmeWithReference } from '../../src/cli/docs-command.js';
import { createRegistry } from '../../src/dsp/modules/index.js';
import { moduleReferenceMarkdown } from '../../src/patch/module-reference.js';

test('README.md module reference matches the module specs (run `npm run docs` to update)', () => {
  const readme = readFileSync(README_PATH, 'utf8');
  const expected = readmeWithReference(readme, moduleReferenceMarkdown(createRegistry()));
  assert.equal(readme, expected);
});

test('the README starts with the install-and-run command and the test command', () => {
  const readme = readFileSync(README_PATH, 'utf8');
  const firstBlock = /```sh\n([\s\S]*?)```/.exec(readme)?.[1] ?? '';
  const lines = firstBlock.trim().split('\n');
  assert.equal(lines.length, 2);
  assert.match(lines[0]!, /^npm install/);
  assert.equal(lines[1], 'npm test');
});
