// Writes docs/osc.md from the command table: `node dist/src/control/write-osc-docs.js`
// (after `npx tsc -p .`). test/server/osc-docs.test.ts fails while the file is out of date.

import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { OSC_DOCS_PATH, oscReferenceMarkdown } from './osc-docs.js';

const text = oscReferenceMarkdown();
let current: string | undefined;
try {
  current = readFileSync(OSC_DOCS_PATH, 'utf8');
} catch {
  current = undefined;
}
if (current === text) {
  process.stdout.write(`${OSC_DOCS_PATH} is up to date\n`);
} else {
  mkdirSync(dirname(OSC_DOCS_PATH), { recursive: true });
  writeFileSync(OSC_DOCS_PATH, text);
  process.stdout.write(`wrote ${OSC_DOCS_PATH}\n`);
}
