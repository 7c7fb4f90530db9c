// docs/osc.md is generated from the command table and must be current; the error-code list it
// documents must hold every code the control surface can send.
// Regenerate: npm run docs (chronus docs --write).

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { COMMANDS, failure } from '../../src/control/command-table.js';
import { COMMAND_ERRORS, NOTIFICATION_CODES, OSC_ERROR_CODES, SEQ_ERRORS, SERVER_ERRORS } from '../../src/control/error-codes.js';
import { OSC_DOCS_PATH, oscReferenceMarkdown } from '../../src/control/osc-docs.js';
import { PATCH_ERROR_CODES } from '../../src/patch/errors.js';

/** The repository root (this file is dist/test/server/osc-docs.test.js). */
const ROOT = fileURLToPath(new URL('../../../', import.meta.url));

/** Sources whose error codes reach OSC clients: /fail replies, E_PATCH_INVALID details, notifications. */
const CONTROL_SOURCES = ['command-table.ts', 'dispatcher.ts', 'server.ts', 'patch-editor.ts', 'address.ts', 'osc-transport.ts', 'seq-commands.ts', 'buffer-library.ts'];
const OTHER_SOURCES = ['src/engine/instance.ts', 'src/io/sample-file.ts', 'src/runtime/supervisor.ts'];
/** src/control files with codes that never reach an OSC client, and why. */
const NOT_OSC: Readonly<Record<string, string>> = {
  'score.ts': 'E_SCORE is reported by the offline renderer only',
  'osc-docs.ts': 'the list itself',
};

const CODE_LITERAL = /'(E_[A-Z_]+)'/g;

function codesIn(path: string): string[] {
  return [...readFileSync(path, 'utf8').matchAll(CODE_LITERAL)].map((m) => m[1]!);
}

function sourceFiles(): string[] {
  const patchDir = join(ROOT, 'src/patch');
  return [
    ...CONTROL_SOURCES.map((f) => join(ROOT, 'src/control', f)),
    ...readdirSync(patchDir).filter((f) => f.endsWith('.ts')).map((f) => join(patchDir, f)),
    ...OTHER_SOURCES.map((f) => join(ROOT, f)),
  ];
}

test('docs/osc.md matches the command table (regenerate: npm run docs)', () => {
  assert.equal(readFileSync(OSC_DOCS_PATH, 'utf8'), oscReferenceMarkdown());
});

test('the OSC reference documents every command, with its doc line', () => {
  const text = oscReferenceMarkdown();
  for (const entry of COMMANDS) {
    assert.ok(text.includes(`| \`${entry.usage}\` |`), `${entry.usage} has no row`);
    assert.ok(text.includes(entry.doc.replace(/\|/g, '\\|')), `${entry.usage}: doc line missing`);
  }
});

test('every error code used by the control sources is in OSC_ERROR_CODES and documented', () => {
  const listed = new Set(OSC_ERROR_CODES.map((c) => c.code));
  const text = oscReferenceMarkdown();
  const missing: string[] = [];
  for (const file of sourceFiles()) {
    for (const code of codesIn(file)) if (!listed.has(code)) missing.push(`${code} (${file.slice(ROOT.length)})`);
  }
  assert.deepEqual(missing, []);
  for (const { code, description } of OSC_ERROR_CODES) {
    assert.ok(description.trim().length > 0, `${code} has no description`);
    assert.ok(text.includes(`| \`${code}\` |`), `${code} is not in the reference`);
  }
});

test('every code list of the registry (error-codes.ts) and of patch/errors.ts is part of OSC_ERROR_CODES', () => {
  const listed = new Set(OSC_ERROR_CODES.map((c) => `${c.group} ${c.code}`));
  for (const list of [COMMAND_ERRORS, SEQ_ERRORS, SERVER_ERRORS]) {
    for (const code of Object.keys(list)) assert.ok(listed.has(`command ${code}`), code);
  }
  for (const code of Object.keys(PATCH_ERROR_CODES)) assert.ok(listed.has(`patch ${code}`), code);
  for (const code of Object.keys(NOTIFICATION_CODES)) assert.ok(listed.has(`notification ${code}`), code);
});

test('failure() takes registered codes only (an unknown code does not compile)', () => {
  assert.deepEqual(failure('E_BAD_ARGS', 'x'), { ok: false, code: 'E_BAD_ARGS', message: 'x' });
  // @ts-expect-error 'E_NOT_A_CODE' is not in the registry (error-codes.ts)
  const unknown = failure('E_NOT_A_CODE', 'x');
  assert.equal(unknown.ok, false);
});

test('every src/control file that uses error codes is either scanned or excluded with a reason', () => {
  const dir = join(ROOT, 'src/control');
  const unaccounted = readdirSync(dir)
    .filter((f) => f.endsWith('.ts') && codesIn(join(dir, f)).length > 0)
    .filter((f) => !CONTROL_SOURCES.includes(f) && NOT_OSC[f] === undefined);
  assert.deepEqual(unaccounted, [], 'add the file to CONTROL_SOURCES (or to NOT_OSC with a reason)');
});

test('every listed code is still produced somewhere (no stale entries)', () => {
  const used = new Set(sourceFiles().flatMap(codesIn));
  const stale = OSC_ERROR_CODES.map((c) => c.code).filter((code) => !used.has(code));
  assert.deepEqual(stale, []);
});
