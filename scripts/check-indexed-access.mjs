// Type-checks the project with `noUncheckedIndexedAccess` on and fails on any error outside
// src/dsp (issue 12 §5). The decision: an index read may be undefined everywhere except in the
// DSP kernels, whose per-sample loops index typed arrays of known length (a `!` on every read
// there would be noise, not safety). tsc cannot set the flag per folder in one program, so this
// runs a second, no-emit program with the flag (tsconfig.indexed.json) and keeps the diagnostics of the other folders.
// Run by `npm run lint` (part of `npm test`).
import path from 'node:path';
import ts from 'typescript';

const root = path.resolve(import.meta.dirname, '..');
const configPath = path.join(root, 'tsconfig.indexed.json');
const config = ts.readConfigFile(configPath, ts.sys.readFile);
const parsed = ts.parseJsonConfigFileContent(config.config, ts.sys, root);
const program = ts.createProgram(parsed.fileNames, parsed.options);

const exempt = [path.join(root, 'src', 'dsp') + path.sep];
const diagnostics = ts
  .getPreEmitDiagnostics(program)
  .filter((d) => d.file === undefined || !exempt.some((dir) => d.file.fileName.startsWith(dir)));

if (diagnostics.length > 0) {
  const host = { getCanonicalFileName: (f) => f, getCurrentDirectory: () => root, getNewLine: () => '\n' };
  process.stderr.write(ts.formatDiagnosticsWithColorAndContext(diagnostics, host));
  process.stderr.write(`\n${diagnostics.length} error(s) with noUncheckedIndexedAccess outside src/dsp\n`);
  process.exit(1);
}
console.log('noUncheckedIndexedAccess: clean outside src/dsp');
