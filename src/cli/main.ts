#!/usr/bin/env node
// The `chronus` command line.

import { Command, InvalidArgumentError } from 'commander';
import { runDocs } from './docs-command.js';
import { UsageError, runRender } from './render-command.js';

function number(value: string): number {
  const n = Number(value);
  if (!Number.isFinite(n)) throw new InvalidArgumentError('not a number');
  return n;
}

function integer(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n)) throw new InvalidArgumentError('not an integer');
  return n;
}

const program = new Command();
program.name('chronus').description('Chronus: a headless real-time modular synthesizer server').version('0.1.0');

program
  .command('render')
  .description('render a patch (and an optional score of timed commands) to a WAV file, offline')
  .argument('<patch>', 'patch JSON file')
  .option('--score <file>', 'score JSON file: [{ "at": seconds, "address": "/gate/env1", "args": [1] }, ...]')
  .requiredOption('--seconds <s>', 'length to render, in seconds', number)
  .requiredOption('--out <file>', 'WAV file to write')
  .option('--rate <hz>', 'sample rate', integer, 48000)
  .option('--block <frames>', 'block size (output is identical for any block size)', integer, 128)
  .option('--format <fmt>', 'sample format: s16 | f32', 'f32')
  .option('--seed <n>', 'seed for noise and random modules', integer, 1)
  .option('-q, --quiet', 'print nothing but errors', false)
  .action((patch: string, opts: { score?: string; seconds: number; out: string; rate: number; block: number; format: string; seed: number; quiet: boolean }) => {
    if (opts.format !== 's16' && opts.format !== 'f32') throw new UsageError(`--format must be s16 or f32, not '${opts.format}'`);
    runRender({ patchPath: patch, ...(opts.score === undefined ? {} : { scorePath: opts.score }), seconds: opts.seconds, out: opts.out, rate: opts.rate, block: opts.block, format: opts.format, seed: opts.seed, quiet: opts.quiet });
  });

program
  .command('docs')
  .description('print the module reference (Markdown), or check/update README.md with --check/--write')
  .option('--write', 'rewrite the generated section of README.md')
  .option('--check', 'exit 1 when README.md is out of date')
  .action((opts: { write?: boolean; check?: boolean }) => {
    process.exitCode = runDocs({ write: opts.write === true, check: opts.check === true });
  });

try {
  program.parse();
} catch (error) {
  if (error instanceof UsageError) {
    process.stderr.write(`chronus: ${error.message}\n`);
    process.exitCode = 2;
  } else {
    throw error;
  }
}
