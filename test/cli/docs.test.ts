// Every generated document (docs/modules.md: the module reference; docs/osc.md: the OSC
// reference) must be current, and `chronus docs --check/--write` must cover all of them.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { oscReferenceMarkdown } from '../../src/control/osc-docs.js';
import { BEGIN_MARKER, END_MARKER, PACKAGE_ROOT, README_PATH, runDocs, staleDocuments, withModuleReference } from '../../src/cli/docs-command.js';
import { createRegistry } from '../../src/dsp/modules/index.js';
import { moduleReferenceMarkdown } from '../../src/patch/module-reference.js';

const read = (path: string): string => readFileSync(join(PACKAGE_ROOT, path), 'utf8');

test('every generated document is current (run `npm run docs` to update)', () => {
  assert.deepEqual(staleDocuments(), []);
});

test('docs/modules.md holds the module reference of the specs between its markers', () => {
  const text = read('docs/modules.md');
  assert.equal(text, withModuleReference(text, moduleReferenceMarkdown(createRegistry())));
  for (const type of createRegistry().types()) assert.ok(text.includes(`\n## ${type}\n`), `${type} has no section`);
});

test('docs/osc.md is the OSC reference generated from the command table', () => {
  assert.equal(read('docs/osc.md'), oscReferenceMarkdown());
});

test('chronus docs --check fails on any stale document; --write brings every one up to date', () => {
  const root = mkdtempSync(join(tmpdir(), 'chronus-docs-'));
  try {
    mkdirSync(join(root, 'docs'));
    const lines: string[] = [];
    const log = (line: string): void => void lines.push(line);
    // Both stale: an old module reference between hand-written text, an OSC reference edited by hand.
    writeFileSync(join(root, 'docs/modules.md'), `intro\n\n${BEGIN_MARKER}\n\nold reference\n\n${END_MARKER}\n\nafter\n`);
    writeFileSync(join(root, 'docs/osc.md'), `${oscReferenceMarkdown()}edited by hand\n`);
    assert.deepEqual(staleDocuments(root), ['docs/modules.md', 'docs/osc.md']);
    assert.equal(runDocs({ write: false, check: true, root, log }), 1);
    assert.deepEqual(lines, ['docs/modules.md is out of date: run `npm run docs`', 'docs/osc.md is out of date: run `npm run docs`']);
    assert.equal(runDocs({ write: true, check: false, root, log }), 0);
    assert.deepEqual(staleDocuments(root), []);
    assert.equal(runDocs({ write: false, check: true, root, log }), 0);
    const modules = readFileSync(join(root, 'docs/modules.md'), 'utf8');
    assert.ok(modules.startsWith(`intro\n\n${BEGIN_MARKER}\n\n# Module reference\n`), 'text before the markers kept');
    assert.ok(modules.endsWith(`${END_MARKER}\n\nafter\n`), 'text after the markers kept');
    assert.ok(!modules.includes('old reference'));
    assert.equal(readFileSync(join(root, 'docs/osc.md'), 'utf8'), oscReferenceMarkdown());
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

test('the README starts with the install-and-run command and the test command', () => {
  const readme = readFileSync(README_PATH, 'utf8');
  const firstBlock = /```sh\n([\s\S]*?)```/.exec(readme)?.[1] ?? '';
  const lines = firstBlock.trim().split('\n');
  assert.equal(lines.length, 2);
  assert.equal(lines[0], 'npm install && npm start');
  assert.equal(lines[1], 'npm test');
});
