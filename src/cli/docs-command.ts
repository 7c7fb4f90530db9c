// `chronus docs`: every generated document, so the documentation cannot drift from the code.
// - docs/modules.md: the module reference, from the module specs, between two markers (the
//   text around them is written by hand);
// - docs/osc.md: the OSC reference, from the command table and the error-code lists (all of
//   the file).
// `--write` rewrites those that are out of date, `--check` lists them and fails; `npm run docs`
// is `chronus docs --write`. test/cli/docs.test.ts runs the same check.
//
// Threading: main thread of the CLI; reads and writes files.

import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { oscReferenceMarkdown } from '../control/osc-docs.js';
import { createRegistry } from '../dsp/modules/index.js';
import { moduleReferenceMarkdown } from '../patch/module-reference.js';

export const BEGIN_MARKER = '<!-- BEGIN GENERATED MODULE REFERENCE: edit the specs, then run `npm run docs` -->';
export const END_MARKER = '<!-- END GENERATED MODULE REFERENCE -->';

/** The package root (this file is dist/src/cli/docs-command.js). */
export const PACKAGE_ROOT = fileURLToPath(new URL('../../../', import.meta.url));
/** README.md at the package root. */
export const README_PATH = join(PACKAGE_ROOT, 'README.md');

/** One generated document: where it lives and what it must hold. */
export interface GeneratedDocument {
  /** Path from the package root, e.g. `docs/osc.md`. */
  readonly path: string;
  /** The text the file must hold, given its current text (undefined: the file is missing). */
  expected(current: string | undefined): string;
}

/** `text` with the part between the module reference markers replaced by `reference`. */
export function withModuleReference(text: string, reference: string, path = 'docs/modules.md'): string {
  const begin = text.indexOf(BEGIN_MARKER);
  const end = text.indexOf(END_MARKER);
  if (begin < 0 || end < begin) throw new Error(`${path} lacks the module reference markers`);
  return `${text.slice(0, begin + BEGIN_MARKER.length)}\n\n${reference.trim()}\n\n${text.slice(end)}`;
}

/** Every generated document, with its expected text computed from the code as it is now. */
export function generatedDocuments(): readonly GeneratedDocument[] {
  const modules = moduleReferenceMarkdown(createRegistry());
  const osc = oscReferenceMarkdown();
  return [
    {
      path: 'docs/modules.md',
      expected: (current) => withModuleReference(current ?? `${BEGIN_MARKER}\n${END_MARKER}\n`, modules),
    },
    { path: 'docs/osc.md', expected: () => osc },
  ];
}

function readIfPresent(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return undefined;
  }
}

/** Paths (from `root`) of the generated documents whose files differ from what the code says. */
export function staleDocuments(root = PACKAGE_ROOT): string[] {
  return generatedDocuments()
    .filter((doc) => {
      const current = readIfPresent(join(root, doc.path));
      return current !== doc.expected(current);
    })
    .map((doc) => doc.path);
}

/**
 * No option: prints both references (Markdown) to stdout. `check`: 1 when a document is out of
 * date (each named through `log`, stderr by default), else 0. `write`: rewrites the documents
 * that are out of date (each named through `log`). `root`: the package root (tests use a copy).
 */
export function runDocs(options: { write: boolean; check: boolean; root?: string; log?: (line: string) => void }): number {
  if (!options.write && !options.check) {
    process.stdout.write(`${moduleReferenceMarkdown(createRegistry()).trim()}\n\n${oscReferenceMarkdown()}`);
    return 0;
  }
  const root = options.root ?? PACKAGE_ROOT;
  const log = options.log ?? ((line: string): void => void process.stderr.write(`${line}\n`));
  let stale = 0;
  for (const doc of generatedDocuments()) {
    const path = join(root, doc.path);
    const current = readIfPresent(path);
    const expected = doc.expected(current);
    if (current === expected) continue;
    stale++;
    if (options.check) log(`${doc.path} is out of date: run \`npm run docs\``);
    else {
      mkdirSync(dirname(path), { recursive: true });
      writeFileSync(path, expected);
      log(`wrote ${doc.path}`);
    }
  }
  return options.check && stale > 0 ? 1 : 0;
}
