// Every relative link in README.md and docs/*.md (files and #anchors) must resolve, and the
// checker itself must catch what it is meant to catch.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PACKAGE_ROOT } from '../../src/cli/docs-command.js';
import { anchorsOf, brokenLinks, headingSlug, linksOf } from '../helpers/markdown-links.js';

function documents(): string[] {
  const docs = join(PACKAGE_ROOT, 'docs');
  return [join(PACKAGE_ROOT, 'README.md'), ...readdirSync(docs).filter((f) => f.endsWith('.md')).map((f) => join(docs, f))];
}

test('every relative link in README.md and docs/*.md resolves (files and #anchors)', () => {
  const broken = documents().flatMap(brokenLinks).map((b) => `${b.file.slice(PACKAGE_ROOT.length)}:${b.line}: ${b.target}: ${b.reason}`);
  assert.deepEqual(broken, []);
});

test('README.md links to every document in docs/', () => {
  const linked = new Set(linksOf(readFileSync(join(PACKAGE_ROOT, 'README.md'), 'utf8')).map((l) => l.target.split('#')[0]));
  const docs = readdirSync(join(PACKAGE_ROOT, 'docs')).filter((f) => f.endsWith('.md'));
  assert.deepEqual(docs.filter((f) => !linked.has(`docs/${f}`)), []);
});

test('heading slugs follow GitHub: lower case, punctuation dropped, spaces to hyphens', () => {
  assert.equal(headingSlug('Failover: the music never stops'), 'failover-the-music-never-stops');
  assert.equal(headingSlug('`adsr`'), 'adsr');
  assert.equal(headingSlug('Scores, offline rendering and sequencing'), 'scores-offline-rendering-and-sequencing');
  assert.equal(headingSlug('Lead × block — 2'), 'lead--block--2');
  assert.equal(headingSlug('Type_aliases [see](x.md)'), 'type_aliases-see');
  assert.deepEqual([...anchorsOf('# A\n## A\n```\n# not a heading\n```\n<a id="here"></a>\n')], ['a', 'a-1', 'here']);
});

test('the checker reports missing files, missing anchors and fragments on non-Markdown files', () => {
  const dir = mkdtempSync(join(tmpdir(), 'chronus-links-'));
  try {
    mkdirSync(join(dir, 'docs'));
    writeFileSync(join(dir, 'docs/b.md'), '# Bee\n\n## Second part\n');
    writeFileSync(join(dir, 'code.ts'), '');
    const a = join(dir, 'a.md');
    writeFileSync(a, [
      '# Top',
      '[ok](docs/b.md) [ok](docs/b.md#second-part) [ok](#top) [ok](code.ts) [ok](docs/) [web](https://example.com/x#y)',
      '[gone](docs/c.md)',
      '[no anchor](docs/b.md#third-part)',
      '[no local anchor](#bottom)',
      '[fragment on code](code.ts#L1)',
      '`[in code](nowhere.md)`',
      '```',
      '[in a block](nowhere.md)',
      '```',
      '[ref]: docs/missing.md',
    ].join('\n'));
    assert.deepEqual(brokenLinks(a).map((b) => `${b.line} ${b.target}`), [
      '3 docs/c.md',
      '4 docs/b.md#third-part',
      '5 #bottom',
      '6 code.ts#L1',
      '11 docs/missing.md',
    ]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
