// `chronus docs`: the module reference is generated from the module specs and kept in
// README.md between markers, so the documentation cannot drift from the code
// (a test runs the same check as `chronus docs --check`).

import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { createRegistry } from '../dsp/modules/index.js';
import { moduleReferenceMarkdown } from '../patch/module-reference.js';

export const BEGIN_MARKER = '<!-- BEGIN GENERATED MODULE REFERENCE: edit the specs, then run `npm run docs` -->';
export const END_MARKER = '<!-- END GENERATED MODULE REFERENCE -->';

/** README.md at the package root (this file is dist/src/cli/docs-command.js). */
export const README_PATH = fileURLToPath(new URL('../../../README.md', import.meta.url));

/** README text with the generated section replaced by the current reference. */
export function readmeWithReference(readme: string, reference: string): string {
  const begin = readme.indexOf(BEGIN_MARKER);
  const end = readme.indexOf(END_MARKER);
  if (begin < 0 || end < begin) throw new Error('README.md lacks the module reference markers');
  return `${readme.slice(0, begin + BEGIN_MARKER.length)}\n\n${reference.trim()}\n\n${readme.slice(end)}`;
}

export function runDocs(options: { write: boolean; check: boolean }): number {
  const reference = moduleReferenceMarkdown(createRegistry());
  if (!options.write && !options.check) {
    process.stdout.write(reference);
    return 0;
  }
  const readme = readFileSync(README_PATH, 'utf8');
  const updated = readmeWithReference(readme, reference);
  if (options.check) {
    if (updated !== readme) {
      process.stderr.write('README.md module reference is out of date: run `npm run docs`\n');
      return 1;
    }
    return 0;
  }
  if (updated !== readme) writeFileSync(README_PATH, updated);
  return 0;
}
